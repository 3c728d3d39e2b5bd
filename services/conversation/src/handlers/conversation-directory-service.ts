import type { Db } from "@atendo/db";
import { pgText } from "@atendo/db";
import {
  type ConversationDirectoryService,
  OpenConversationResponseSchema,
} from "@atendo/proto/conversation/v1";
import { invalidArgument, notFound, requireWorkspace } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { channelTypeFromProto } from "../domain/enums.js";
import { openConversation } from "../store/open-conversation.js";

export interface ConversationDirectoryServiceDeps {
  db: Db;
}

/**
 * Internal (ingress only, policies.ts): a channel identity's conversation before its first message.
 * The request names the tenant; its workspace must be that tenant's, and the rows are written under
 * the tenant's row-level security.
 */
export function createConversationDirectoryService(
  deps: ConversationDirectoryServiceDeps,
): ServiceImpl<typeof ConversationDirectoryService> {
  const { db } = deps;
  return {
    async openConversation(req, ctx) {
      if ((await requireWorkspace(ctx, req.workspaceId)) !== req.tenantId) {
        throw notFound("workspace", req.workspaceId);
      }
      const channelType = channelTypeFromProto(req.channelType);
      if (channelType === undefined) throw invalidArgument("channel_type", "is not a known channel");
      // Cleaned like a received message's strings, so both find the same contact.
      const opened = await db.withTenant(req.tenantId, (em) =>
        openConversation(em, {
          tenantId: req.tenantId,
          workspaceId: req.workspaceId,
          channelId: req.channelId,
          channelType,
          contact: {
            externalId: pgText(req.contactExternalId),
            displayName: pgText(req.displayName),
            email: pgText(req.email),
          },
        }),
      );
      return create(OpenConversationResponseSchema, opened);
    },
  };
}
