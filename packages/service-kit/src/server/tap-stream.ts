/**
 * Passes a stream through, mapping an error it throws and reporting once how it ended
 * (`undefined` on success or when the consumer stopped early).
 */
export async function* tapStream<T>(
  source: AsyncIterable<T>,
  hooks: { mapError?: (error: unknown) => unknown; onEnd?: (error: unknown) => void },
): AsyncGenerator<T, void, undefined> {
  let failure: { error: unknown } | undefined;
  try {
    yield* source;
  } catch (e) {
    failure = { error: hooks.mapError ? hooks.mapError(e) : e };
    throw failure.error;
  } finally {
    hooks.onEnd?.(failure?.error);
  }
}
