import { constraintName, isUniqueViolation } from "@atendo/db";
import { alreadyExists, failedPrecondition, invalidArgument } from "@atendo/service-kit";
import { Code, ConnectError } from "@connectrpc/connect";
import { InvalidInputError } from "../domain/invalid-input.js";
import { HashingBusyError } from "../domain/password-hasher.js";
import { PreconditionError } from "../domain/precondition-error.js";

/**
 * Unique constraint name -> what already exists, in the caller's words (answered already_exists),
 * or the precise error to answer.
 */
export type UniqueMessages = Readonly<Record<string, string | ConnectError>>;

/**
 * Runs a handler body and turns domain errors into Connect errors: invalid input names its field,
 * state conflicts are failed_precondition, unique violations already_exists, a full argon2 queue
 * resource_exhausted. Anything else passes
 * on to service-kit's error interceptor (logged, answered `internal` with a reference).
 */
export async function rpc<T>(work: () => Promise<T>, uniques: UniqueMessages = {}): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof InvalidInputError) throw invalidArgument(err.field, err.reason);
    if (err instanceof PreconditionError) throw failedPrecondition(err.message);
    if (err instanceof HashingBusyError) throw new ConnectError(err.message, Code.ResourceExhausted);
    if (isUniqueViolation(err)) {
      const what = uniques[constraintName(err) ?? ""];
      if (what instanceof ConnectError) throw what;
      if (what !== undefined) throw alreadyExists(what);
    }
    throw err;
  }
}
