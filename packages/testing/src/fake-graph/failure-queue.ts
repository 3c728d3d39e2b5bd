import type { GraphErrorSpec } from "./graph-error.js";
import type { FailNextOptions, SendMatch, SendRequest } from "./types.js";

interface Rule {
  spec: GraphErrorSpec;
  remaining: number;
  match: SendMatch | undefined;
}

export interface FailureQueue {
  add(options: FailNextOptions): void;
  /** The error the next matching rule prescribes for this send (consuming one use), if any. */
  take(send: SendRequest): GraphErrorSpec | undefined;
  clear(): void;
  readonly pending: number;
}

function matches(match: SendMatch | undefined, send: SendRequest): boolean {
  if (match === undefined) return true;
  if (typeof match === "function") return match(send);
  return (
    (match.kind === undefined || match.kind === send.kind) &&
    (match.businessId === undefined || match.businessId === send.businessId) &&
    (match.to === undefined || match.to === send.to)
  );
}

export function createFailureQueue(): FailureQueue {
  const rules: Rule[] = [];
  return {
    add(options) {
      const { times = 1, match, ...spec } = options;
      if (!Number.isInteger(times) || times < 1)
        throw new Error(`failNext times must be a positive integer: ${times}`);
      if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599) {
        throw new Error(`failNext status must be an HTTP error status (400-599): ${spec.status}`);
      }
      rules.push({ spec, remaining: times, match });
    },
    take(send) {
      const index = rules.findIndex((rule) => matches(rule.match, send));
      const rule = rules[index];
      if (rule === undefined) return undefined;
      rule.remaining--;
      if (rule.remaining === 0) rules.splice(index, 1);
      return rule.spec;
    },
    clear() {
      rules.length = 0;
    },
    get pending() {
      return rules.reduce((sum, rule) => sum + rule.remaining, 0);
    },
  };
}
