import { graphUrl } from "@atendo/service-kit";
import { classifyWhatsAppError } from "../domain/classify-whatsapp-error.js";
import { isRetryable, notSent, type SendOutcome } from "../domain/send-outcome.js";
import type { WhatsAppBody } from "../domain/whatsapp-message.js";

export interface WhatsAppSendRequest {
  graphApiBaseUrl: string;
  graphApiVersion: string;
  phoneNumberId: string;
  accessToken: string;
  body: WhatsAppBody;
  signal?: AbortSignal;
}

/** The WhatsApp Cloud API send endpoint: `POST {graph}/{version}/{phone_number_id}/messages`. */
export interface WhatsAppGraph {
  /** Never throws: every failure, network ones included, comes back classified. */
  sendMessage(request: WhatsAppSendRequest): Promise<SendOutcome>;
}

export interface WhatsAppGraphOptions {
  /** Time limit of one request. */
  timeoutMs: number;
  userAgent?: string;
  fetch?: typeof globalThis.fetch;
}

const SNIPPET_CHARS = 1024;

interface GraphError {
  code?: unknown;
  message?: unknown;
  type?: unknown;
  error_user_title?: unknown;
  error_user_msg?: unknown;
  error_data?: { details?: unknown };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

function endpoint(request: WhatsAppSendRequest): URL {
  return graphUrl(request.graphApiBaseUrl, request.graphApiVersion, request.phoneNumberId, "messages");
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function accepted(json: unknown): string | undefined {
  const messages = (json as { messages?: unknown } | undefined)?.messages;
  const first: unknown = Array.isArray(messages) ? messages[0] : undefined;
  const id = (first as { id?: unknown } | undefined)?.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

function failure(
  status: number,
  json: unknown,
  text: string,
  durationMs: number,
  headers: Headers,
): SendOutcome {
  const error = (json as { error?: GraphError } | undefined)?.error;
  const code = typeof error?.code === "number" ? error.code : undefined;
  const kind = classifyWhatsAppError(status, code);
  const message = str(error?.message) || `HTTP ${status}`;
  // Graph puts the title in the message: "(#131047) Re-engagement message".
  const title = str(error?.error_user_title) || message.replace(/^\(#\d+\)\s*/, "");
  const details = str(error?.error_data?.details) || str(error?.error_user_msg);
  const after = retryAfterMs(headers.get("retry-after"));
  return {
    kind,
    error: { code: code ?? 0, title, message, details, retryable: isRetryable(kind) },
    httpStatus: status,
    durationMs,
    responseSnippet: text.slice(0, SNIPPET_CHARS),
    ...(after === undefined ? {} : { retryAfterMs: after }),
  };
}

export function createWhatsAppGraph(options: WhatsAppGraphOptions): WhatsAppGraph {
  const doFetch = options.fetch ?? globalThis.fetch;
  const userAgent = options.userAgent ?? "atendo-delivery/0.1";

  return {
    async sendMessage(request) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
      let res: Response;
      let text: string;
      try {
        res = await doFetch(endpoint(request), {
          method: "POST",
          headers: {
            authorization: `Bearer ${request.accessToken}`,
            "content-type": "application/json",
            accept: "application/json",
            "user-agent": userAgent,
          },
          body: JSON.stringify(request.body),
          signal,
        });
        text = await res.text();
      } catch (err) {
        // The request may or may not have reached Meta; only a retry can tell the customer anything.
        const outcome = timeout.aborted
          ? notSent("transient", "timeout", `no answer from the Graph API within ${options.timeoutMs} ms`)
          : request.signal?.aborted
            ? notSent("transient", "interrupted", "the send was interrupted (shutdown or lease lost)")
            : notSent("transient", "network error", err instanceof Error ? err.message : String(err));
        return { ...outcome, durationMs: elapsed() };
      }
      const durationMs = elapsed();
      const json = parseJson(text);
      if (res.ok) {
        const externalMessageId = accepted(json);
        if (externalMessageId !== undefined) {
          return {
            kind: "accepted",
            externalMessageId,
            httpStatus: res.status,
            durationMs,
            responseSnippet: text.slice(0, SNIPPET_CHARS),
          };
        }
        // Accepted without an id: sending again could duplicate the message, so it is not retried.
        return {
          ...notSent("permanent", "unexpected response", "the Graph API accepted the message without an id"),
          httpStatus: res.status,
          durationMs,
          responseSnippet: text.slice(0, SNIPPET_CHARS),
        };
      }
      return failure(res.status, json, text, durationMs, res.headers);
    },
  };
}
