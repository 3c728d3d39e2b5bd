/** Walks every page of a list RPC until `pick` finds an item. */
export async function findInPages<T>(
  list: (pageToken: string) => Promise<{ items: T[]; next: string }>,
  pick: (item: T) => boolean,
): Promise<T | undefined> {
  let token = "";
  for (;;) {
    const { items, next } = await list(token);
    const hit = items.find(pick);
    if (hit !== undefined || next === "") return hit;
    token = next;
  }
}
