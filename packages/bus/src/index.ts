export { type Backoff, retryDelayMs } from "./backoff.js";
export { type Bus, type ConnectBusOptions, connectBus } from "./bus.js";
export type {
  ConsumeOptions,
  Consumer,
  EventContext,
  EventHandler,
  StoredEventContext,
} from "./consume-options.js";
export { PermanentError, TransientError } from "./errors.js";
export { causedBy, type EventShape, type NewEventMetaInit, newEventMeta } from "./event-meta.js";
export { CORRELATION_ID_HEADER, EVENT_TYPE_HEADER, TENANT_ID_HEADER } from "./headers.js";
export type { ListenContext, Listener, ListenHandler, ListenOptions } from "./listen-options.js";
export type { BusLogger } from "./logger.js";
export { DEADLETTER_DOMAIN, domainOf, domainSubjects, snakeCase, streamFor, subjectFor } from "./naming.js";
export type { EncodedEvent, PublishAck, PublishEventOptions, PublishOptions } from "./publisher.js";
export type { EnsureStreamOptions, EnsureStreamResult } from "./streams.js";
