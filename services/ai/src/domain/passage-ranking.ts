import type { Passage } from "@atendo/proto/ai/v1";
import { ENGLISH_STOPWORDS, PORTUGUESE_STOPWORDS } from "./stopwords.js";
import { words } from "./text-normalize.js";

function keywords(text: string): Set<string> {
  return new Set(
    words(text).filter((w) => w.length > 1 && !PORTUGUESE_STOPWORDS.has(w) && !ENGLISH_STOPWORDS.has(w)),
  );
}

/**
 * The passage sharing the most keywords with the query (ties: the retrieval score, then the given
 * order); undefined when none shares any. A plain overlap count: real retrieval ranks by vectors.
 */
export function bestPassage(query: string, passages: readonly Passage[]): Passage | undefined {
  const wanted = keywords(query);
  if (wanted.size === 0) return undefined;
  let best: { passage: Passage; overlap: number } | undefined;
  for (const passage of passages) {
    let overlap = 0;
    for (const w of keywords(`${passage.title} ${passage.text}`)) if (wanted.has(w)) overlap++;
    if (overlap === 0) continue;
    if (
      best === undefined ||
      overlap > best.overlap ||
      (overlap === best.overlap && passage.score > best.passage.score)
    ) {
      best = { passage, overlap };
    }
  }
  return best?.passage;
}

/** A passage shortened for quoting, cut at a word boundary. */
export function excerpt(text: string, maxChars: number): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (clean.length <= maxChars) return clean;
  const cut = clean.slice(0, maxChars - 1);
  const lastSpace = cut.lastIndexOf(" ");
  return `${(lastSpace > maxChars / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}
