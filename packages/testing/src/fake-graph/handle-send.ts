import { randomBytes } from "node:crypto";
import { wwwAuthenticate } from "./bearer-auth.js";
import type { Json } from "./checks.js";
import { InvalidParameter, isObject } from "./checks.js";
import type { GraphErrorSpec } from "./graph-error.js";
import { graphErrorBody, invalidParameter } from "./graph-error.js";
import { validateInstagramSend } from "./instagram-send.js";
import type { SendKind, SendRequest } from "./types.js";
import { isWhatsAppReadBody, validateWhatsAppMessage, validateWhatsAppRead } from "./whatsapp-send.js";

export interface SendOutcome {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface SendContext {
  version: string;
  businessId: string;
  /** The auth check's verdict on the request headers. */
  authError: GraphErrorSpec | undefined;
  /** Consumes a scripted failure for this send, if one matches. */
  takeFailure(send: SendRequest): GraphErrorSpec | undefined;
}

export interface ParsedSend {
  kind: SendKind;
  body: unknown;
  to?: string;
}

/** Decides what a body is: Instagram bodies name a `recipient`, WhatsApp ones a `messaging_product`. */
export function parseSend(rawBody: Buffer): ParsedSend {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString("utf8"));
  } catch {
    return { kind: "unparsable", body: rawBody.toString("utf8") };
  }
  if (!isObject(body)) return { kind: "unparsable", body };
  if (body.recipient !== undefined && body.messaging_product === undefined) {
    const recipient = body.recipient;
    const to = isObject(recipient) && typeof recipient.id === "string" ? recipient.id : undefined;
    const kind = body.sender_action !== undefined ? "instagram_action" : "instagram_message";
    return to === undefined ? { kind, body } : { kind, body, to };
  }
  const kind = isWhatsAppReadBody(body) ? "whatsapp_read" : "whatsapp_message";
  return typeof body.to === "string" ? { kind, body, to: body.to } : { kind, body };
}

function errorOutcome(
  spec: GraphErrorSpec,
  whatsapp: boolean,
  headers?: Record<string, string>,
): SendOutcome {
  const outcome: SendOutcome = {
    status: spec.status,
    body: graphErrorBody(spec, whatsapp ? "whatsapp" : undefined),
  };
  if (headers !== undefined) outcome.headers = headers;
  return outcome;
}

function wamid(): string {
  return `wamid.${randomBytes(30).toString("base64")}`;
}

function instagramMessageId(accountId: string): string {
  return Buffer.from(
    `ig_message_item:1:IGMessageThread:${accountId}:${randomBytes(12).toString("hex")}`,
  ).toString("base64url");
}

function validate(parsed: ParsedSend): GraphErrorSpec | undefined {
  if (parsed.kind === "unparsable") return invalidParameter("The request body must be a JSON object");
  const body = parsed.body as Json;
  try {
    if (parsed.kind === "whatsapp_message") validateWhatsAppMessage(body);
    else if (parsed.kind === "whatsapp_read") validateWhatsAppRead(body);
    else validateInstagramSend(body);
  } catch (err) {
    if (err instanceof InvalidParameter) return invalidParameter(err.message);
    throw err;
  }
  return undefined;
}

function success(parsed: ParsedSend, businessId: string): SendOutcome {
  const body = parsed.body as Json;
  switch (parsed.kind) {
    case "whatsapp_message": {
      const to = String(body.to);
      const message: Json = { id: wamid() };
      // Templates are accepted for delivery; Graph says so on the message.
      if (body.type === "template") message.message_status = "accepted";
      return {
        status: 200,
        body: {
          messaging_product: "whatsapp",
          contacts: [{ input: to, wa_id: to.replace(/^\+/, "") }],
          messages: [message],
        },
      };
    }
    case "whatsapp_read":
      return { status: 200, body: { success: true } };
    case "instagram_message":
      return { status: 200, body: { recipient_id: parsed.to, message_id: instagramMessageId(businessId) } };
    default:
      return { status: 200, body: { recipient_id: parsed.to } };
  }
}

/** Graph's order: authenticate, validate, then whatever Meta decides (a scripted failure), then success. */
export function handleSend(parsed: ParsedSend, ctx: SendContext): SendOutcome {
  const whatsapp = parsed.kind === "whatsapp_message" || parsed.kind === "whatsapp_read";
  if (ctx.authError !== undefined)
    return errorOutcome(ctx.authError, whatsapp, wwwAuthenticate(ctx.authError));
  const invalid = validate(parsed);
  if (invalid !== undefined) return errorOutcome(invalid, whatsapp);
  const request: SendRequest = {
    kind: parsed.kind,
    version: ctx.version,
    businessId: ctx.businessId,
    body: parsed.body,
  };
  if (parsed.to !== undefined) request.to = parsed.to;
  const failure = ctx.takeFailure(request);
  if (failure !== undefined) return errorOutcome(failure, whatsapp);
  return success(parsed, ctx.businessId);
}
