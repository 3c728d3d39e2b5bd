import type { Db } from "@atendo/db";
import {
  type AssistantDirectoryService,
  GetAssistantForChannelResponseSchema,
} from "@atendo/proto/assistant/v1";
import { notFound } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { toAssistant } from "../domain/assistant-view.js";
import type { AssistantRepository } from "../store/assistant-repository.js";

/**
 * AssistantDirectoryService: what other Atendo services read of assistants. Its policy admits the
 * named services only; the tenant is the one the service names (from the event it handles), not a
 * caller's.
 */
export function createDirectoryService(deps: {
  db: Db;
  repo: AssistantRepository;
}): ServiceImpl<typeof AssistantDirectoryService> {
  const { db, repo } = deps;
  return {
    async getAssistantForChannel(req) {
      const assistant = await db.withTenant(req.tenantId, async (em) => {
        const row = await repo.findByChannel(em, req.channelId);
        if (row === undefined) return undefined;
        const channelIds = await repo.channelIds(em, [row.id]);
        return toAssistant(row, channelIds.get(row.id) ?? []);
      });
      if (assistant === undefined) throw notFound("assistant for channel", req.channelId);
      // Actions (tools) come with their own issue; until then an assistant has none.
      return create(GetAssistantForChannelResponseSchema, { assistant, actions: [] });
    },
  };
}
