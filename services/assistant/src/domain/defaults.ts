/** Defaults applied when a request leaves a setting unset (the contract documents each). */
export const DEFAULT_LANGUAGE = "pt-BR";
export const DEFAULT_BUFFER_WINDOW_MS = 3_000;
export const DEFAULT_MAX_INBOUND_AGE_MS = 24 * 3_600_000;
export const DEFAULT_MAX_OUTPUT_TOKENS = 1024;
