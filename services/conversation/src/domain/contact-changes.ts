export interface ContactFields {
  name: string;
  email: string;
  phone: string;
  tags: string[];
  attributes: Record<string, string>;
}

export interface ContactChange {
  /** Tags to add. */
  addTags: readonly string[];
  /** Empty strings leave a field as it is. */
  name: string;
  email: string;
  phone: string;
  /** Merged into the existing attributes. */
  attributes: Readonly<Record<string, string>>;
}

/** Applies the assistant's contact tools; returns the new fields and the paths that changed. */
export function applyContactChange(
  current: ContactFields,
  change: ContactChange,
): { next: ContactFields; changed: string[] } {
  const changed: string[] = [];
  const next: ContactFields = {
    ...current,
    tags: [...current.tags],
    attributes: { ...current.attributes },
  };
  for (const field of ["name", "email", "phone"] as const) {
    if (change[field] !== "" && change[field] !== current[field]) {
      next[field] = change[field];
      changed.push(field);
    }
  }
  const newTags = change.addTags.filter((t, i) => !next.tags.includes(t) && change.addTags.indexOf(t) === i);
  if (newTags.length > 0) {
    next.tags.push(...newTags);
    changed.push("tags");
  }
  for (const [key, value] of Object.entries(change.attributes)) {
    if (next.attributes[key] !== value) {
      next.attributes[key] = value;
      changed.push(`attributes.${key}`);
    }
  }
  return { next, changed };
}
