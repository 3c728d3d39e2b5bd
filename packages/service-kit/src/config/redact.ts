import { Secret } from "./secret.js";

// user:password@ inside any URL-looking text (connection strings, error messages).
const URL_CREDENTIALS = /(\/\/)[^/\s:@]+:[^/\s@]+@/g;

/** Masks the credentials of every URL inside `text`. */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, "$1***:***@");
}

/**
 * A copy of a config object that is safe to log: secrets masked, URL credentials masked.
 */
export function redactConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value instanceof Secret) out[key] = value.toJSON();
    else if (typeof value === "string") out[key] = redactUrlCredentials(value);
    else out[key] = value;
  }
  return out;
}
