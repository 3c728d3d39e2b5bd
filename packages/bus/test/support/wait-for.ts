import { waitFor as waitUntil } from "@atendo/testing";

/** Polls `check` until it returns true; fails with `what` after the deadline (@atendo/testing's waitFor). */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  await waitUntil(check, { message: what, ...options });
}

/** Asserts `check` stays true for `forMs` (used to prove something does NOT happen, polled, not slept on blindly). */
export async function holdsFor(what: string, check: () => boolean, forMs: number): Promise<void> {
  const until = Date.now() + forMs;
  while (Date.now() < until) {
    if (!check()) throw new Error(`expected ${what} to hold for ${forMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (!check()) throw new Error(`expected ${what} to hold for ${forMs} ms`);
}

/** A promise with its resolve exposed, to hold a handler open until the test lets it go. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
