/** The request is valid but the object's state forbids it; the handlers answer failed_precondition. */
export class PreconditionError extends Error {
  override readonly name = "PreconditionError";
}
