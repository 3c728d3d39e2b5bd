export { adminQuery } from "./admin-query.js";
export type { TestEnv } from "./env.js";
export { testEnv } from "./env.js";
export type { GraphErrorBody, GraphErrorSpec } from "./fake-graph/graph-error.js";
export { GRAPH_ERRORS, graphErrorBody } from "./fake-graph/graph-error.js";
export type { FakeGraph, FakeGraphOptions } from "./fake-graph/start-fake-graph.js";
export { startFakeGraph } from "./fake-graph/start-fake-graph.js";
export type {
  FailNextOptions,
  FakeGraphLogger,
  MediaRegistration,
  RecordedSend,
  RegisteredMedia,
  SendKind,
  SendMatch,
  SendRequest,
} from "./fake-graph/types.js";
export { fixturePath, readFixture } from "./fixtures.js";
export { signMeta } from "./sign-meta.js";
export { uniqueNamespace } from "./unique-namespace.js";
export type { Truthy, WaitForOptions } from "./wait-for.js";
export { waitFor } from "./wait-for.js";
