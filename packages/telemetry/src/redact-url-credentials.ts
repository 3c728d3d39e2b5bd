// Credentials of connection URLs, of any scheme and in any form (postgres://user:pass@,
// redis://:pass@, nats://token@, amqp://, https://user:pass@), wherever they sit in a text: a
// message, an error's message or stack, a whole serialized log line. The whole user-info becomes
// "***", so the mask does not even tell a password from a token.
//
// The user-info runs from "://" to the last "@" before the authority ends (at "/", "?", "#",
// whitespace or a quote), so a password holding "@" is covered whole. A backslash escape counts as
// part of it: a password with a quote, escaped inside a JSON line, is still masked. Masking an odd
// string too much is preferred to letting a secret through. The look-behind makes the scheme start
// at its first letter, which keeps the scan linear on long runs of letters (no ReDoS on log input).
const URL_USER_INFO = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/)(?:\\.|[^\s/?#"'<>`\\])*@/gi;

/** `text` with the credentials of every URL inside it masked. */
export function redactUrlCredentials(text: string): string {
  if (!text.includes("@")) return text;
  return text.replace(URL_USER_INFO, "$1***@");
}
