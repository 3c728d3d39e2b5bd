import { InvalidInputError } from "./invalid-input.js";

export const DEFAULT_TIME_ZONE = "UTC";
export const DEFAULT_LANGUAGE = "en";

/** "" -> UTC; otherwise the zone must be one the runtime's time-zone database knows. */
export function normalizeTimeZone(timeZone: string): string {
  if (timeZone === "") return DEFAULT_TIME_ZONE;
  try {
    // Canonical spelling ("america/sao_paulo" -> "America/Sao_Paulo").
    return new Intl.DateTimeFormat("en", { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw new InvalidInputError("time_zone", `"${timeZone}" is not an IANA time zone`);
  }
}

/** "" -> en; otherwise a well-formed BCP 47 tag, canonicalised ("pt-br" -> "pt-BR"). */
export function normalizeLanguage(language: string): string {
  if (language === "") return DEFAULT_LANGUAGE;
  try {
    const [canonical] = Intl.getCanonicalLocales(language);
    if (canonical !== undefined) return canonical;
  } catch {
    // reported below
  }
  throw new InvalidInputError("default_language", `"${language}" is not a BCP 47 language tag`);
}

/** The first workspace of a new tenant when the sign-up names none. */
export const DEFAULT_WORKSPACE_NAME = "Main";
