import { invalidArgument } from "@atendo/service-kit";
import { Cursor } from "@mikro-orm/core";

export const DEFAULT_PAGE_SIZE = 50;

/** The page size asked for, 0 meaning the default (the contract limits it to 1..100). */
export const pageSize = (requested: number | undefined): number =>
  requested === undefined || requested === 0 ? DEFAULT_PAGE_SIZE : requested;

/**
 * Checks an opaque cursor (MikroORM's, the values of the order-by columns) before it reaches SQL:
 * a token that does not decode to `arity` scalar values is the caller's mistake.
 */
export function checkPageToken(token: string | undefined, arity: number): string | undefined {
  if (token === undefined || token === "") return undefined;
  let values: unknown[];
  try {
    values = Cursor.decode(token);
  } catch {
    throw invalidArgument("page.page_token", "is not a token returned by this list");
  }
  const ok =
    Array.isArray(values) &&
    values.length === arity &&
    values.every((v) => typeof v === "string" || typeof v === "number");
  if (!ok) throw invalidArgument("page.page_token", "is not a token returned by this list");
  return token;
}
