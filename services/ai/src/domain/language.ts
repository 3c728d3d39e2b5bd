import { ENGLISH_STOPWORDS, PORTUGUESE_STOPWORDS } from "./stopwords.js";
import { words } from "./text-normalize.js";

/** The languages the offline replies are written in. */
export type ReplyLanguage = "pt-BR" | "en";

const DEFAULT_LANGUAGE: ReplyLanguage = "pt-BR";

/**
 * The language to answer in: the assistant's (BCP 47) when set, pt-BR for any Portuguese and
 * English for any other; an empty language means the customer's, guessed from their words.
 */
export function replyLanguage(assistantLanguage: string, customerTexts: readonly string[]): ReplyLanguage {
  const tag = assistantLanguage.trim().toLowerCase();
  if (tag.startsWith("pt")) return "pt-BR";
  if (tag !== "") return "en";
  return guessLanguage(customerTexts);
}

/** Counts function words of each language; ties (and no words) fall back to pt-BR. */
export function guessLanguage(texts: readonly string[]): ReplyLanguage {
  let pt = 0;
  let en = 0;
  for (const w of texts.flatMap(words)) {
    if (PORTUGUESE_STOPWORDS.has(w)) pt++;
    if (ENGLISH_STOPWORDS.has(w)) en++;
  }
  if (en > pt) return "en";
  if (pt > en) return "pt-BR";
  return DEFAULT_LANGUAGE;
}
