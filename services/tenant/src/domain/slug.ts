import { InvalidInputError } from "./invalid-input.js";

// Handles that would read as Atendo's own pages or services in URLs and e-mails.
const RESERVED = new Set([
  "admin",
  "api",
  "app",
  "atendo",
  "auth",
  "console",
  "dashboard",
  "docs",
  "help",
  "login",
  "root",
  "signup",
  "status",
  "support",
  "system",
  "webhooks",
  "widget",
  "www",
]);

/** The format is protovalidate's job; this adds what a pattern cannot say. */
export function checkSlug(slug: string, field = "slug"): void {
  if (RESERVED.has(slug)) throw new InvalidInputError(field, `"${slug}" is reserved`);
  if (slug.includes("--")) throw new InvalidInputError(field, "must not contain two dashes in a row");
}

/**
 * A slug for a business name when the caller gives none ("Café Zé & Filhos" -> "cafe-ze-filhos"),
 * padded or cut to the contract's 3..63 characters, never a reserved one. `suffix` tells apart a
 * retry after a collision.
 */
export function slugFromName(name: string, suffix = ""): string {
  let base = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (base.length < 3 || RESERVED.has(base)) base = `${base}${base === "" ? "" : "-"}team`.replace(/^-/, "");
  const tail = suffix === "" ? "" : `-${suffix}`;
  return `${base.slice(0, 63 - tail.length).replace(/-+$/, "")}${tail}`;
}
