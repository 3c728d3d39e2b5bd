import { randomBytes } from "node:crypto";

/** One Graph API error, as a test asks for it. */
export interface GraphErrorSpec {
  /** HTTP status, e.g. 400, 401, 429, 500. */
  status: number;
  /** Graph `error.code`, e.g. 131047. */
  code: number;
  message: string;
  /** Graph `error.type`; default "OAuthException", which Graph uses for most errors. */
  type?: string;
  /** Graph `error.error_subcode`. */
  subcode?: number;
  /** `error.error_data.details`; default the message. */
  details?: string;
}

export interface GraphErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data: { messaging_product?: "whatsapp"; details: string };
    fbtrace_id: string;
  };
}

export function graphErrorBody(spec: GraphErrorSpec, product?: "whatsapp"): GraphErrorBody {
  const errorData: GraphErrorBody["error"]["error_data"] = { details: spec.details ?? spec.message };
  if (product !== undefined) errorData.messaging_product = product;
  return {
    error: {
      message: spec.message,
      type: spec.type ?? "OAuthException",
      code: spec.code,
      ...(spec.subcode === undefined ? {} : { error_subcode: spec.subcode }),
      error_data: errorData,
      fbtrace_id: randomBytes(12).toString("base64url"),
    },
  };
}

export function invalidParameter(details: string): GraphErrorSpec {
  return { status: 400, code: 100, message: "(#100) Invalid parameter", details };
}

/** The errors delivery must handle (see docs/meta-wire-format.md), ready for `fake.failNext(...)`. */
export const GRAPH_ERRORS = {
  /** 130429: throughput limit of the business number; back off. */
  throughput: {
    status: 429,
    code: 130429,
    message: "(#130429) Rate limit hit",
    details: "Cloud API message throughput has been reached.",
  },
  /** 131056: too many messages to the same recipient; retry that recipient later. */
  pairRateLimit: {
    status: 400,
    code: 131056,
    message: "(#131056) (Business Account, Consumer Account) pair rate limit hit",
    details:
      "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.",
  },
  /** 131047: more than 24 h since the customer's last message; only a template can be sent. */
  windowClosed: {
    status: 400,
    code: 131047,
    message: "(#131047) Re-engagement message",
    details:
      "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
  },
  /** 190: access token invalid or expired; the channel needs reconnecting. */
  tokenExpired: {
    status: 401,
    code: 190,
    subcode: 463,
    message: "Error validating access token: Session has expired.",
  },
  /** 131000: transient failure on Meta's side; retry with backoff. */
  internal: {
    status: 500,
    code: 131000,
    message: "(#131000) Something went wrong",
    details: "Message failed to send due to an unknown error.",
  },
  /** 131026: the message cannot be delivered to this recipient. */
  undeliverable: {
    status: 400,
    code: 131026,
    message: "(#131026) Message undeliverable",
    details: "Message could not be delivered.",
  },
  /** 131030: test numbers may only send to their allowed recipient list. */
  recipientNotAllowed: {
    status: 400,
    code: 131030,
    message: "(#131030) Recipient phone number not in allowed list",
    details:
      "Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.",
  },
  /** 368: the business is temporarily blocked for policy violations. */
  blocked: {
    status: 400,
    code: 368,
    message: "Temporarily blocked for policies violations.",
  },
} as const satisfies Record<string, GraphErrorSpec>;
