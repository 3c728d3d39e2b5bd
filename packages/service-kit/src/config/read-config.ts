import type { EnvVar, Presence } from "./env-var.js";

/** Environment variable name -> how to read it. */
export type ConfigSpec = Readonly<Record<string, EnvVar<unknown, Presence>>>;

type ValueOf<V> = V extends EnvVar<infer T, Presence> ? T : never;
type OptionalKeys<S> = { [K in keyof S]: S[K] extends EnvVar<unknown, "optional"> ? K : never }[keyof S];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The typed config read from a spec: optional variables that are unset are absent keys. */
export type ConfigOf<S extends ConfigSpec> = Simplify<
  { readonly [K in Exclude<keyof S, OptionalKeys<S>>]: ValueOf<S[K]> } & {
    readonly [K in OptionalKeys<S>]?: ValueOf<S[K]>;
  }
>;

/** Every missing or invalid variable at once, so one failed start shows everything to fix. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

function describe(v: EnvVar<unknown, Presence>): string {
  return v.expectation === "" ? v.description : `${v.description} (${v.expectation})`;
}

/**
 * Reads `spec` from `env`. Empty or blank values count as unset. Throws one ConfigError naming every
 * bad variable and what it should be.
 */
export function readConfig<S extends ConfigSpec>(
  spec: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, v] of Object.entries(spec)) {
    const raw = env[name]?.trim() ?? "";
    if (raw === "") {
      if (v.hasDefault) out[name] = v.defaultValue;
      else if (v.presence === "required") problems.push(`${name} is missing: ${describe(v)}`);
      continue;
    }
    const parsed = v.parse(raw);
    if (parsed.ok) out[name] = parsed.value;
    else {
      const expected = v.expectation === "" ? "" : `; it should be ${v.expectation}`;
      problems.push(`${name} is invalid: ${parsed.problem}${expected} (${v.description})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // The loop above filled exactly the keys ConfigOf<S> promises, each parsed by its own variable.
  return out as ConfigOf<S>;
}
