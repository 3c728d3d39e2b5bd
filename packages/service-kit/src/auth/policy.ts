import type { DescMethod, DescService, Message, MessageShape } from "@bufbuild/protobuf";
import type { Role } from "./principal.js";

/**
 * Who may call one RPC (docs/auth.md). Kinds not named here are refused: a user needs `role`, an
 * API key `scope`, a visitor `visitor`, a service its name in `services`, a platform admin
 * `platformAdmin`.
 */
export interface Rule<Req extends Message = Message> {
  /** No credentials needed (SignUp, Login, ...); presented ones are still read when valid. */
  readonly public?: true;
  /** The least member role of a user. */
  readonly role?: Role;
  /** What an API key needs. */
  readonly scope?: string;
  /** Widget visitors may call (the handler checks the session). */
  readonly visitor?: true;
  /** Services that may call (internal RPCs); they pass every other check. */
  readonly services?: readonly string[];
  /** Platform admins may call; they pass every other check. */
  readonly platformAdmin?: true;
  /** The workspace the request targets: it must be the caller's (client streams: the first message). */
  workspace?(req: Req): string;
  /** The tenant the request targets: it must be the caller's. */
  tenant?(req: Req): string;
}

/** One rule per method of `S`, each typed by the method's input. */
export type PolicyRules<S extends DescService> = {
  readonly [K in keyof S["method"]]: Rule<MessageShape<S["method"][K]["input"]>>;
};

/** The rules of one service. */
export interface Policy<S extends DescService = DescService> {
  readonly service: S;
  readonly rules: PolicyRules<S>;
}

/**
 * Declares who may call each RPC of `service`. TypeScript refuses a missing or unknown method; at
 * run time an unknown method name throws (a typo must not leave an RPC unguarded), and a method
 * that has no rule is refused on every call.
 */
export function definePolicy<S extends DescService>(service: S, rules: NoInfer<PolicyRules<S>>): Policy<S> {
  const unknown = Object.keys(rules).filter((name) => !(name in service.method));
  if (unknown.length > 0) {
    throw new Error(`policy of ${service.typeName} names unknown methods: ${unknown.join(", ")}`);
  }
  return { service, rules };
}

/** The policy of `service` among `policies`, if there is one. */
export function policyOf(policies: readonly Policy[], service: DescService): Policy | undefined {
  return policies.find((p) => p.service.typeName === service.typeName);
}

/** The rule of one method, if its service has a policy that covers it. */
export function ruleOf(policies: readonly Policy[], method: DescMethod): Rule | undefined {
  const rules: Readonly<Record<string, Rule | undefined>> | undefined = policyOf(
    policies,
    method.parent,
  )?.rules;
  return rules?.[method.localName];
}

/** `package.Service/Method` of every method of `services` that has no rule: what the matrix test fails on. */
export function methodsWithoutRule(policies: readonly Policy[], services: readonly DescService[]): string[] {
  return services.flatMap((service) =>
    service.methods
      .filter((method) => ruleOf(policies, method) === undefined)
      .map((method) => `${service.typeName}/${method.name}`),
  );
}
