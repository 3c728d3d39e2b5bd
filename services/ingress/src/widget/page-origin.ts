import { permissionDenied } from "@atendo/service-kit";

/** Origins compare without a trailing slash, case-insensitively (scheme and host are). */
const normalize = (origin: string) => origin.trim().replace(/\/+$/, "").toLowerCase();

/**
 * Refuses a page whose Origin is not one of the channel's allowed origins (an empty list allows
 * any). Without an Origin header (not a browser) a restricted channel refuses too: the list is what
 * the tenant asked for.
 */
export function checkPageOrigin(origin: string | null, allowed: readonly string[]): void {
  if (allowed.length === 0) return;
  if (origin === null || origin === "") {
    throw permissionDenied(
      "this channel accepts the widget only on its allowed origins, and the request has no Origin",
    );
  }
  const wanted = normalize(origin);
  if (!allowed.some((o) => normalize(o) === wanted)) {
    throw permissionDenied(`origin ${origin} is not one of this channel's allowed origins`);
  }
}
