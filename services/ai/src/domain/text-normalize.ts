/** Lowercase, accents removed (so "Atendente" matches "atendente" and "não" matches "nao"). */
export function normalizeText(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
}

/** Words of a text after normalizing: letters and digits only. */
export function words(text: string): string[] {
  return normalizeText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Whether `phrase` occurs in `text` as whole words (case- and accent-insensitive). */
export function containsPhrase(text: string, phrase: string): boolean {
  const needle = words(phrase);
  if (needle.length === 0) return false;
  const hay = words(text);
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (hay[i + j] !== needle[j]) continue outer;
    }
    return true;
  }
  return false;
}
