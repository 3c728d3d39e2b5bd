/** An option that must be a positive integer, or a RangeError naming it. */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`invalid ${name} ${value}: expected a positive integer`);
  }
  return value;
}
