import { containsPhrase } from "./text-normalize.js";

/** The words customers use to ask for a person, unless the service is configured otherwise. */
export const DEFAULT_HANDOFF_KEYWORDS: readonly string[] = ["atendente", "humano", "human", "agent"];

/** The first keyword (a word or phrase) found in any of the texts, as whole words; else undefined. */
export function findHandoffKeyword(
  texts: readonly string[],
  keywords: readonly string[],
): string | undefined {
  for (const keyword of keywords) {
    if (texts.some((t) => containsPhrase(t, keyword))) return keyword;
  }
  return undefined;
}
