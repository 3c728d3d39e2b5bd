export { adminQuery } from "./admin-query.js";
export type { Page } from "./all-pages.js";
export { allPages } from "./all-pages.js";
export { codeOf } from "./code-of.js";
export type { TestEnv } from "./env.js";
export { testEnv } from "./env.js";
export type { ExpectedConnectError } from "./expect-connect-error.js";
export { connectErrorOf, errorInfoReasons, expectConnectError } from "./expect-connect-error.js";
export type { GraphErrorBody, GraphErrorSpec } from "./fake-graph/graph-error.js";
export { GRAPH_ERRORS, graphErrorBody } from "./fake-graph/graph-error.js";
export type { FakeGraph, FakeGraphOptions } from "./fake-graph/start-fake-graph.js";
export { startFakeGraph } from "./fake-graph/start-fake-graph.js";
export type {
  FailMediaOptions,
  FailNextOptions,
  FakeGraphLogger,
  MediaRegistration,
  MediaStep,
  RecordedMediaRequest,
  RecordedSend,
  RegisteredMedia,
  SendKind,
  SendMatch,
  SendRequest,
} from "./fake-graph/types.js";
export type { FakeS3, FakeS3Object, FakeS3Options } from "./fake-s3/start-fake-s3.js";
export { startFakeS3 } from "./fake-s3/start-fake-s3.js";
export type { FakeSmtp, ReceivedMail } from "./fake-smtp/start-fake-smtp.js";
export { startFakeSmtp } from "./fake-smtp/start-fake-smtp.js";
export { fixturePath, readFixture } from "./fixtures.js";
export type { AccessChangesCheck, AccessChangeTimes } from "./identity/access-changes.js";
export { ACCESS_CHANGE_WITHIN_MS, expectAccessChangesHeard } from "./identity/access-changes.js";
export type { ClientsForOptions, ClientsOf, ServiceSet } from "./identity/clients-for.js";
export { clientsFor } from "./identity/clients-for.js";
export { createIdentityKit } from "./identity/create-identity-kit.js";
export type { TenantClients } from "./identity/tenant-services.js";
export { TENANT_SERVICES } from "./identity/tenant-services.js";
export type {
  Caller,
  ClientFactory,
  IdentityKit,
  IdentityKitOptions,
  IssuedApiKey,
  Owner,
  Person,
  PlanLimitsInit,
  SignUpOptions,
  TenantCaller,
  WorkspaceCaller,
} from "./identity/types.js";
export { newPassword, uniqueEmail, uniqueSlug } from "./identity/unique-values.js";
export type { Mailbox, MailLink, SentMail } from "./mail/mailbox.js";
export { devMailboxOf, linkFrom, linksIn, MAIL_LINKS, tokenOf } from "./mail/mailbox.js";
export { signMeta } from "./sign-meta.js";
export { limitStreamMessageSize, streamConfig } from "./stream-admin.js";
export { uniqueNamespace } from "./unique-namespace.js";
export { ensureVersityGw, VERSITYGW_VERSION, versitygwPath } from "./versitygw/ensure-versitygw.js";
export type { VersityGw, VersityGwOptions } from "./versitygw/start-versitygw.js";
export { startVersityGw } from "./versitygw/start-versitygw.js";
export type { Truthy, WaitForOptions } from "./wait-for.js";
export { waitFor } from "./wait-for.js";
