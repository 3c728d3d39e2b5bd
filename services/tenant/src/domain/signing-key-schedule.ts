import { LONGEST_TOKEN_TTL_S } from "./token-lifetimes.js";

/** What the schedule needs to know of a signing key. */
export interface ScheduledKey {
  kid: string;
  createdAt: Date;
  activeFrom: Date;
  retireAfter: Date | null | undefined;
}

/** Keys still in the JWKS at `now`: every key not yet retired, pending ones included. */
export function publishedKeys<K extends ScheduledKey>(keys: readonly K[], now: Date): K[] {
  return keys.filter((k) => k.retireAfter == null || k.retireAfter > now);
}

/** The key that signs at `now`: the newest published key whose active_from has passed. */
export function activeKey<K extends ScheduledKey>(keys: readonly K[], now: Date): K | undefined {
  let best: K | undefined;
  for (const k of publishedKeys(keys, now)) {
    if (k.activeFrom > now) continue;
    if (
      best === undefined ||
      k.activeFrom > best.activeFrom ||
      (k.activeFrom.getTime() === best.activeFrom.getTime() && k.createdAt > best.createdAt)
    ) {
      best = k;
    }
  }
  return best;
}

export interface RotationPlan {
  /** When the new key starts signing. */
  activeFrom: Date;
  /** New retirement times of the keys it replaces (never later than one they already have). */
  retire: Array<{ kid: string; retireAfter: Date }>;
}

/**
 * A rotation at `now`: the new key is published at once and signs after the grace period. Every key
 * published until then is retired once the last token it may have signed expired, or, when the
 * current key is compromised, as soon as the new key signs (its tokens stop verifying then).
 */
export function planRotation(
  keys: readonly ScheduledKey[],
  now: Date,
  options: { graceS: number; compromised: boolean },
): RotationPlan {
  const activeFrom = new Date(now.getTime() + options.graceS * 1000);
  const retireAt = options.compromised
    ? activeFrom
    : new Date(activeFrom.getTime() + LONGEST_TOKEN_TTL_S * 1000);
  const retire = publishedKeys(keys, now).map((k) => ({
    kid: k.kid,
    retireAfter: k.retireAfter != null && k.retireAfter < retireAt ? k.retireAfter : retireAt,
  }));
  return { activeFrom, retire };
}
