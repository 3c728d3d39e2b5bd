/** Bad input found by the service's own checks; the handlers answer invalid_argument naming `field`. */
export class InvalidInputError extends Error {
  override readonly name = "InvalidInputError";
  readonly field: string;
  readonly reason: string;

  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.field = field;
    this.reason = reason;
  }
}
