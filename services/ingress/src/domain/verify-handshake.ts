import { secretEquals } from "./meta-signature.js";

export type HandshakeAnswer = { status: 200; challenge: string } | { status: 400 | 403; message: string };

// Meta sends a short number; a bound keeps the echo from being used to reflect large content.
const MAX_CHALLENGE_LENGTH = 256;

/**
 * The verify handshake (docs/meta-wire-format.md, rule 2): `hub.mode=subscribe` and `hub.verify_token`
 * equal to the channel's token answer the bare `hub.challenge`; anything else is refused.
 */
export function answerHandshake(query: URLSearchParams, verifyToken: string): HandshakeAnswer {
  const mode = query.get("hub.mode");
  const token = query.get("hub.verify_token") ?? "";
  if (mode !== "subscribe" || verifyToken === "" || !secretEquals(token, verifyToken)) {
    return { status: 403, message: "verification failed" };
  }
  const challenge = query.get("hub.challenge") ?? "";
  if (challenge === "" || challenge.length > MAX_CHALLENGE_LENGTH) {
    return { status: 400, message: "hub.challenge is missing or too long" };
  }
  return { status: 200, challenge };
}
