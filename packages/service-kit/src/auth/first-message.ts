/**
 * Reads the first message of a request stream and gives back a stream that yields it again, then
 * the rest: the interceptor can check the target of a client stream before the handler runs.
 * Undefined when the stream has no message.
 */
export async function peekFirst<T>(
  source: AsyncIterable<T>,
): Promise<{ first: T; stream: AsyncIterable<T> } | undefined> {
  const it = source[Symbol.asyncIterator]();
  const head = await it.next();
  if (head.done === true) return undefined;
  return { first: head.value, stream: replay(head.value, it) };
}

async function* replay<T>(first: T, it: AsyncIterator<T>): AsyncGenerator<T, void, undefined> {
  let done = false;
  try {
    yield first;
    for (;;) {
      const next = await it.next();
      if (next.done === true) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // The handler stopped early: let the source release what it holds.
    if (!done) await it.return?.();
  }
}
