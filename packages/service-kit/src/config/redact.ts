import { redactUrlCredentials } from "@atendo/telemetry";
import { Secret } from "./secret.js";

// One implementation of URL credential masking for everything: the logger applies it to every line.
export { redactUrlCredentials };

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
