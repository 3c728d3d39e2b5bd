import type { AssistantService } from "@atendo/proto/assistant/v1";
import type { ServiceImpl } from "@connectrpc/connect";
import { createAssistantRpcs } from "./assistant-rpcs.js";
import { createBindingRpcs } from "./binding-rpcs.js";
import type { AssistantServiceDeps } from "./deps.js";

export type { AssistantServiceDeps } from "./deps.js";

/** AssistantService: assistants and channel bindings (actions come with their own issue). */
export function createAssistantService(
  deps: AssistantServiceDeps,
): Partial<ServiceImpl<typeof AssistantService>> {
  return { ...createAssistantRpcs(deps), ...createBindingRpcs(deps) };
}
