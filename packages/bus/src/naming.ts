import type { DescMessage } from "@bufbuild/protobuf";

// Subjects are `atendo.<domain>.v1.<event>`; the version is fixed so one stream per domain covers
// every event of the domain (`atendo.<domain>.v1.>`).
const ROOT = "atendo";
const VERSION = "v1";
// No underscore in a domain: the stream name `ATENDO_<DOMAIN>_<NAMESPACE>` must stay unambiguous.
const DOMAIN_RE = /^[a-z][a-z0-9]*$/;
const NAMESPACE_RE = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const DURABLE_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** The domain that owns dead-letter records. */
export const DEADLETTER_DOMAIN = "deadletter";

/** `MessageReceived` -> `message_received`, `URLChecked` -> `url_checked`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

export function assertDomain(domain: string): void {
  if (!DOMAIN_RE.test(domain)) {
    throw new TypeError(
      `invalid bus domain "${domain}": expected lowercase letters and digits, e.g. "ingress"`,
    );
  }
}

export function assertNamespace(namespace: string): void {
  if (!NAMESPACE_RE.test(namespace)) {
    throw new TypeError(
      `invalid bus namespace "${namespace}": expected 1-40 of [a-z0-9_-], starting with a letter or digit`,
    );
  }
}

export function assertDurable(durable: string): void {
  if (!DURABLE_RE.test(durable)) {
    throw new TypeError(`invalid durable consumer name "${durable}": expected 1-64 of [A-Za-z0-9_-]`);
  }
}

/** Splits `atendo.<domain>.v1.<Message>` into its domain and event token; throws on any other shape. */
export function parseTypeName(typeName: string): { domain: string; event: string } {
  const parts = typeName.split(".");
  const [root, domain, version, message] = parts;
  if (
    parts.length !== 4 ||
    root !== ROOT ||
    version !== VERSION ||
    domain === undefined ||
    message === undefined ||
    !DOMAIN_RE.test(domain) ||
    !/^[A-Z][A-Za-z0-9]*$/.test(message)
  ) {
    throw new TypeError(
      `"${typeName}" is not an event type name: expected ${ROOT}.<domain>.${VERSION}.<Message>`,
    );
  }
  return { domain, event: snakeCase(message) };
}

/** The domain an event schema belongs to: `atendo.ingress.v1.MessageReceived` -> `ingress`. */
export function domainOf(schema: DescMessage): string {
  return parseTypeName(schema.typeName).domain;
}

/** The subject of an event schema: `atendo.ingress.v1.MessageReceived` -> `atendo.ingress.v1.message_received`. */
export function subjectFor(schema: DescMessage): string {
  const { domain, event } = parseTypeName(schema.typeName);
  return `${ROOT}.${domain}.${VERSION}.${event}`;
}

/** The stream of a domain: `ingress` -> `ATENDO_INGRESS`. */
export function streamFor(domain: string): string {
  assertDomain(domain);
  return `${ROOT.toUpperCase()}_${domain.toUpperCase()}`;
}

/** Every subject of a domain's stream: `ingress` -> `atendo.ingress.v1.>`. */
export function domainSubjects(domain: string): string {
  assertDomain(domain);
  return `${ROOT}.${domain}.${VERSION}.>`;
}

/** Names as seen inside one bus: a namespace prefixes subjects and suffixes stream names. */
export type Naming = {
  readonly namespace: string | undefined;
  subject(schema: DescMessage): string;
  stream(domain: string): string;
  domainSubjects(domain: string): string;
  deadLetterSubject(stream: string, durable: string): string;
  /** True for the stream names this bus creates (those of its namespace only). */
  ownsStream(name: string): boolean;
};

export function createNaming(namespace: string | undefined): Naming {
  if (namespace !== undefined) assertNamespace(namespace);
  const prefix = namespace === undefined ? "" : `${namespace}.`;
  const suffix = namespace === undefined ? "" : `_${namespace.toUpperCase()}`;
  // Domains have no underscore, so the suffix cannot be mistaken for part of a domain.
  const streamPattern = new RegExp(`^${ROOT.toUpperCase()}_[A-Z][A-Z0-9]*${suffix}$`);
  // Asked on every publish: parsed once per event type and domain.
  const subjects = new WeakMap<DescMessage, string>();
  const streams = new Map<string, string>();
  return {
    namespace,
    subject(schema) {
      let subject = subjects.get(schema);
      if (subject === undefined) {
        subject = `${prefix}${subjectFor(schema)}`;
        subjects.set(schema, subject);
      }
      return subject;
    },
    stream(domain) {
      let stream = streams.get(domain);
      if (stream === undefined) {
        stream = `${streamFor(domain)}${suffix}`;
        streams.set(domain, stream);
      }
      return stream;
    },
    domainSubjects: (domain) => `${prefix}${domainSubjects(domain)}`,
    deadLetterSubject: (stream, durable) =>
      `${prefix}${ROOT}.${DEADLETTER_DOMAIN}.${VERSION}.${stream}.${durable}`,
    ownsStream: (name) => streamPattern.test(name),
  };
}
