// Lifetimes of docs/auth.md.
export const ACCESS_TOKEN_TTL_S = 15 * 60;
export const SERVICE_TOKEN_TTL_S = 15 * 60;
export const REFRESH_TOKEN_TTL_S = 30 * 24 * 3600;
export const VISITOR_TOKEN_DEFAULT_TTL_S = 7 * 24 * 3600;
export const VISITOR_TOKEN_MAX_TTL_S = 30 * 24 * 3600;
export const INVITATION_TTL_S = 7 * 24 * 3600;
/** How long a verification link works. */
export const EMAIL_VERIFICATION_TTL_S = 24 * 3600;
/** Verification mail to one user: at most one a minute, ten a day. */
export const VERIFICATION_RESEND_COOLDOWN_S = 60;
export const VERIFICATION_MAILS_PER_DAY = 10;
/** The longest a token signed by a key can stay valid: how long a replaced key stays published. */
export const LONGEST_TOKEN_TTL_S = Math.max(ACCESS_TOKEN_TTL_S, SERVICE_TOKEN_TTL_S, VISITOR_TOKEN_MAX_TTL_S);
/** Cache time of IntrospectApiKey answers (a revoked key works at most this long elsewhere). */
export const API_KEY_CACHE_TTL_S = 5;
/** last_used_at of a key is written at most this often. */
export const API_KEY_LAST_USED_RESOLUTION_S = 60;
