import { inspect } from "node:util";

const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;
const KEY_BYTES = 32;

/**
 * The keys that encrypt channel secrets: the first encrypts, all decrypt (old rows keep working
 * after a rotation). Key material stays in a private field: logging or serialising a KeyRing
 * shows only the key ids.
 */
export class KeyRing {
  readonly activeKeyId: string;
  readonly #keys: ReadonlyMap<string, Buffer>;

  constructor(entries: ReadonlyArray<readonly [string, Buffer]>) {
    const first = entries[0];
    if (first === undefined) throw new Error("a key ring needs at least one key");
    this.activeKeyId = first[0];
    this.#keys = new Map(entries);
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** The key with this id, or undefined when the ring does not hold it. */
  key(keyId: string): Buffer | undefined {
    return this.#keys.get(keyId);
  }

  toJSON(): string {
    return `[key ring: ${this.keyIds.join(", ")}]`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}

/**
 * Parses `<kid>:<base64 of 32 bytes>[,<kid>:<key>...]`. Error messages name the entry by position
 * and key id, never the key.
 */
export function parseKeyRing(spec: string): KeyRing {
  const entries: Array<readonly [string, Buffer]> = [];
  const parts = spec.split(",").map((p) => p.trim());
  for (const [i, part] of parts.entries()) {
    const where = `entry ${i + 1}`;
    const colon = part.indexOf(":");
    if (colon < 0) throw new Error(`${where} is not "<kid>:<base64 key>"`);
    const keyId = part.slice(0, colon);
    const encoded = part.slice(colon + 1);
    if (!KEY_ID.test(keyId)) {
      throw new Error(`${where} has an invalid key id: use 1 to 32 letters, digits, "_", "." or "-"`);
    }
    if (entries.some(([id]) => id === keyId)) throw new Error(`key id "${keyId}" is listed twice`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new Error(`key "${keyId}" is not base64`);
    const key = Buffer.from(encoded, "base64");
    if (key.length !== KEY_BYTES) {
      throw new Error(`key "${keyId}" decodes to ${key.length} bytes; AES-256 needs ${KEY_BYTES}`);
    }
    entries.push([keyId, key]);
  }
  return new KeyRing(entries);
}
