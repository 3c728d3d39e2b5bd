import { newEventMeta } from "@atendo/bus";
import {
  type Assistant,
  type AssistantConfigured,
  AssistantConfiguredSchema,
} from "@atendo/proto/assistant/v1";
import type { Actor } from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";

/** AssistantConfigured for a change of `assistant` made by `actor` (views never hold secrets). */
export function configuredEvent(init: {
  assistant: Assistant;
  actor: Actor;
  correlationId: string;
  deleted?: boolean;
  affectedChannelIds?: readonly string[];
}): AssistantConfigured {
  const { assistant } = init;
  return create(AssistantConfiguredSchema, {
    meta: newEventMeta({
      tenantId: assistant.tenantId,
      workspaceId: assistant.workspaceId,
      correlationId: init.correlationId,
      actor: init.actor,
    }),
    assistant,
    deleted: init.deleted ?? false,
    affectedChannelIds: [...(init.affectedChannelIds ?? [])],
  });
}
