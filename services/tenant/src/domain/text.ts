import { InvalidInputError } from "./invalid-input.js";

/** Trims a display name; one made of spaces only is invalid input. */
export function nonBlank(field: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === "") throw new InvalidInputError(field, "must not be blank");
  return trimmed;
}
