import { PermanentError } from "@atendo/bus";
import { isCheckViolation, isNotNullViolation, isRlsViolation, isUuid } from "@atendo/db";

/** Throws a PermanentError (dead letter, no retry) naming what is wrong with the event. */
export function reject(reason: string): never {
  throw new PermanentError(reason);
}

export function requireUuid(field: string, value: string): string {
  if (!isUuid(value)) reject(`${field} must be a UUID`);
  return value;
}

/**
 * Runs a unit of work, turning database refusals that no retry can fix (the row breaks a rule, or
 * belongs to another tenant) into PermanentError; anything else is retried by the bus.
 */
export async function hopelessAsPermanent<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isCheckViolation(err) || isNotNullViolation(err) || isRlsViolation(err)) {
      throw new PermanentError("the database refused the event's data", { cause: err });
    }
    throw err;
  }
}
