// A fixture webhook made current (WhatsApp and Instagram): the fixtures are dated 2026-01-01, and ingress stores
// anything older than its window (24 h) as stale, never answered. The text edits keep Meta's exact
// formatting (escapes, spacing), so the bytes stay those of a real delivery.

export interface RefreshOptions {
  /** Unix seconds of the first message; the others keep their offsets. */
  nowSeconds: number;
  /** Appended to every message id (wamid), so each run's messages are new, not duplicates. */
  idSuffix: string;
  /** Replaces metadata.phone_number_id (tests use a number of their own). */
  phoneNumberId?: string;
}

export function refreshWebhookBody(fixture: Buffer, options: RefreshOptions): Buffer {
  if (!/^[A-Za-z0-9]+$/.test(options.idSuffix)) throw new Error("idSuffix must be alphanumeric");
  let text = fixture.toString("utf8");
  const stamps = [...text.matchAll(/"timestamp": "(\d+)"/g)].map((m) => Number(m[1]));
  const base = stamps.length > 0 ? Math.min(...stamps) : 0;
  text = text.replace(
    /"timestamp": "(\d+)"/g,
    (_, t: string) => `"timestamp": "${options.nowSeconds + Number(t) - base}"`,
  );
  text = text.replace(
    /"id": "(wamid\.[A-Za-z0-9_=-]+)"/g,
    (_, id: string) => `"id": "${id}${options.idSuffix}"`,
  );
  if (options.phoneNumberId !== undefined) {
    if (!/^\d+$/.test(options.phoneNumberId)) throw new Error("phoneNumberId must be digits");
    text = text.replace(/"phone_number_id": "\d+"/g, `"phone_number_id": "${options.phoneNumberId}"`);
  }
  return Buffer.from(text, "utf8");
}

export interface InstagramRefreshOptions {
  /** Unix milliseconds of the earliest event; the others keep their offsets. */
  nowMs: number;
  /** Appended to every message id (mid), so each run's messages are new, not duplicates. */
  idSuffix: string;
}

/**
 * The same for an Instagram delivery: `timestamp` and `entry[].time` are integers of milliseconds,
 * message ids are `mid`s (base64url, so an alphanumeric suffix keeps them valid).
 */
export function refreshInstagramBody(fixture: Buffer, options: InstagramRefreshOptions): Buffer {
  if (!/^[A-Za-z0-9]+$/.test(options.idSuffix)) throw new Error("idSuffix must be alphanumeric");
  let text = fixture.toString("utf8");
  const stamp = /"(timestamp|time)": (\d+)/g;
  const stamps = [...text.matchAll(stamp)].map((m) => Number(m[2]));
  const base = stamps.length > 0 ? Math.min(...stamps) : 0;
  text = text.replace(stamp, (_, key: string, t: string) => `"${key}": ${options.nowMs + Number(t) - base}`);
  text = text.replace(/"mid": "([A-Za-z0-9_-]+)"/g, (_, id: string) => `"mid": "${id}${options.idSuffix}"`);
  return Buffer.from(text, "utf8");
}
