import { v7 } from "uuid";

/** A UUIDv7: time-ordered, so primary keys and event ids index well and sort by creation. */
export function newId(): string {
  return v7();
}
