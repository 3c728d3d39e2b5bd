import type { GraphErrorSpec } from "./graph-error.js";

/** What a POST to `/{version}/{id}/messages` was, judged by its body. */
export type SendKind =
  | "whatsapp_message" // Cloud API send
  | "whatsapp_read" // mark read (+ typing indicator)
  | "instagram_message" // Send API message
  | "instagram_action" // Send API sender_action (typing_on, mark_seen, ...)
  | "unparsable"; // not a JSON object

/** One recorded POST to `/{version}/{id}/messages`, successful or not. */
export interface RecordedSend {
  kind: SendKind;
  path: string;
  /** Graph API version from the path, e.g. "v23.0". */
  version: string;
  /** phone_number_id (WhatsApp) or Instagram account id, from the path. */
  businessId: string;
  /** Request headers, names lowercased. */
  headers: Record<string, string>;
  /** Parsed JSON body (the raw text when it was not JSON). */
  body: unknown;
  /** WhatsApp `to` or Instagram `recipient.id`, when present. */
  to?: string;
  at: Date;
  response: { status: number; body: unknown };
}

/** What a failure rule is matched against. */
export interface SendRequest {
  kind: SendKind;
  version: string;
  businessId: string;
  to?: string;
  body: unknown;
}

export type SendMatch =
  | { kind?: SendKind; businessId?: string; to?: string }
  | ((send: SendRequest) => boolean);

export interface FailNextOptions extends GraphErrorSpec {
  /** How many matching sends fail; default 1. */
  times?: number;
  /** Which sends fail; default every send. */
  match?: SendMatch;
}

export interface MediaRegistration {
  id: string;
  bytes: Buffer | Uint8Array | string;
  mimeType: string;
  /** The SHA-256 the media endpoint declares (default: the bytes' own, hex), to test checksum checks. */
  declaredSha256?: string;
}

/** Which media request a failure or a record concerns. */
export type MediaStep = "info" | "download" | "cdn";

/** One request to the media endpoints, in arrival order. */
export interface RecordedMediaRequest {
  step: MediaStep;
  /** WhatsApp media id (info, download) or the CDN file's id. */
  mediaId: string;
  status: number;
  /** Request headers, names lowercased. */
  headers: Record<string, string>;
}

export interface FailMediaOptions {
  step: MediaStep;
  /** HTTP status answered (a Graph error body for info, plain text otherwise). */
  status: number;
  /** How many requests of that step fail; default 1. */
  times?: number;
}

export interface RegisteredMedia {
  id: string;
  mimeType: string;
  /** Lowercase hex, as the media endpoint returns it. */
  sha256: string;
  fileSize: number;
}

/** The structural subset of a pino logger the fake writes to. */
export interface FakeGraphLogger {
  info(obj: Record<string, unknown>, msg: string): void;
}
