import { ModelProvider } from "@atendo/proto/common/v1";

/** Stored provider names (the column's check constraint lists the same). */
export const PROVIDER_NAMES = ["offline", "openai", "anthropic"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

const TO_NAME: Partial<Record<ModelProvider, ProviderName>> = {
  [ModelProvider.OFFLINE]: "offline",
  [ModelProvider.OPENAI]: "openai",
  [ModelProvider.ANTHROPIC]: "anthropic",
};

const FROM_NAME: Record<ProviderName, ModelProvider> = {
  offline: ModelProvider.OFFLINE,
  openai: ModelProvider.OPENAI,
  anthropic: ModelProvider.ANTHROPIC,
};

/** The stored name of a provider; undefined for UNSPECIFIED (requests reject it before this). */
export function providerName(provider: ModelProvider): ProviderName | undefined {
  return TO_NAME[provider];
}

export function providerFromName(name: ProviderName): ModelProvider {
  return FROM_NAME[name];
}
