const MIN_LENGTH_FOR_HINT = 12;

/**
 * The last 4 characters of a secret, so people can tell which one is configured. Short secrets
 * get no hint: 4 characters would give away too large a part of them.
 */
export function hintOf(secret: string): string {
  const chars = [...secret];
  return chars.length >= MIN_LENGTH_FOR_HINT ? chars.slice(-4).join("") : "";
}
