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
export function checkSlug(slug: string): void {
  if (RESERVED.has(slug)) throw new InvalidInputError("slug", `"${slug}" is reserved`);
  if (slug.includes("--")) throw new InvalidInputError("slug", "must not contain two dashes in a row");
}
