/** The languages emails are written in. */
export type Language = "en" | "pt-BR";

/**
 * The first candidate we have texts for: any Portuguese tag reads Brazilian Portuguese, an English
 * one English; unknown or empty candidates are skipped, and English is the last resort.
 */
export function languageOf(...candidates: ReadonlyArray<string | undefined>): Language {
  for (const tag of candidates) {
    const base = tag?.trim().toLowerCase().split(/[-_]/)[0] ?? "";
    if (base === "pt") return "pt-BR";
    if (base === "en") return "en";
  }
  return "en";
}

/** The tags of an Accept-Language header, most preferred first (q=0 entries dropped). */
export function acceptedLanguages(header: string | null): string[] {
  if (header === null) return [];
  return header
    .split(",")
    .map((part, i) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((e) => e.tag !== "" && e.tag !== "*" && e.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((e) => e.tag);
}
