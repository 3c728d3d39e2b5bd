/**
 * The form emails are stored and compared in. Addresses are case-insensitive in practice (no
 * provider distinguishes Ana@ from ana@), so one person cannot hold two accounts by changing case.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
