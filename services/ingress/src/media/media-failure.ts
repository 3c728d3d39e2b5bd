/**
 * Why a media file could not be fetched. `retryable` failures (5xx, timeouts, the network) are
 * tried again with backoff up to the attempts allowed; the others are final at once.
 */
export class MediaFetchFailure extends Error {
  override readonly name = "MediaFetchFailure";
  constructor(
    readonly reason: string,
    readonly retryable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(reason, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

export const tooLarge = (kind: string, limit: number) =>
  new MediaFetchFailure(`too large: over the ${limit} bytes allowed for ${kind}`, false);
