import type { DescMessage } from "@bufbuild/protobuf";
import { assertEventSchema } from "./event-meta.js";
import { assertDomain, domainOf, type Naming } from "./naming.js";

/** The event types one subscription handles, as seen on one bus. */
export type EventSelection<S extends DescMessage> = {
  domain: string;
  /** Each handled type by its subject (namespace included). */
  schemasBySubject: ReadonlyMap<string, S>;
  /**
   * The consumer's one filter subject (nats-server 2.9 has no `filter_subjects`): the type's subject,
   * or the domain wildcard when there are several types, whose other types are then skipped.
   */
  filterSubject: string;
};

/**
 * Checks that every schema is an event and that all share one domain (matching `domain` when given),
 * and works out the filter subject. `caller` names the API in errors ("consume", "listen").
 */
export function selectEvents<S extends DescMessage>(
  naming: Naming,
  schema: S | readonly S[],
  domain: string | undefined,
  caller: string,
): EventSelection<S> {
  const schemas: readonly S[] = isSchemaList(schema) ? schema : [schema];
  const first = schemas[0];
  if (first === undefined) throw new TypeError(`${caller}: schema list is empty`);
  for (const s of schemas) assertEventSchema(s);
  const eventsDomain = domainOf(first);
  for (const s of schemas) {
    if (domainOf(s) !== eventsDomain) {
      throw new TypeError(
        `${caller}: ${s.typeName} is not in domain "${eventsDomain}"; use one subscription per domain`,
      );
    }
  }
  if (domain !== undefined) {
    assertDomain(domain);
    if (domain !== eventsDomain)
      throw new TypeError(`${caller}: domain "${domain}" but events are in "${eventsDomain}"`);
  }
  const schemasBySubject = new Map(schemas.map((s) => [naming.subject(s), s] as const));
  const onlySubject = schemasBySubject.size === 1 ? [...schemasBySubject.keys()][0] : undefined;
  return {
    domain: eventsDomain,
    schemasBySubject,
    filterSubject: onlySubject ?? naming.domainSubjects(eventsDomain),
  };
}

function isSchemaList<S extends DescMessage>(value: S | readonly S[]): value is readonly S[] {
  return Array.isArray(value);
}
