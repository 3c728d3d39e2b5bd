/** One page of a List RPC (AIP-158), as `allPages` needs it. */
export interface Page<T> {
  items: readonly T[];
  nextPageToken: string;
}

/**
 * Every item of a paged list, reading page after page from an empty token until the list returns
 * none; fails past `maxPages`, so a list that never ends fails the test instead of hanging it.
 */
export async function allPages<T>(
  fetchPage: (pageToken: string) => Promise<Page<T>>,
  maxPages = 1_000,
): Promise<T[]> {
  const items: T[] = [];
  let token = "";
  for (let pages = 0; pages < maxPages; pages++) {
    const page = await fetchPage(token);
    items.push(...page.items);
    token = page.nextPageToken;
    if (token === "") return items;
  }
  throw new Error(`the list still had a next page after ${maxPages} pages`);
}
