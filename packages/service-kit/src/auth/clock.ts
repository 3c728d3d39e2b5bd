/** Milliseconds from a monotonic clock; tests pass their own to move time without waiting. */
export type Clock = () => number;

export const monotonicClock: Clock = () => performance.now();
