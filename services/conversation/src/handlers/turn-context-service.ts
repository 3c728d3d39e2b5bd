import type { Db } from "@atendo/db";
import { GetTurnContextResponseSchema, type TurnContextService } from "@atendo/proto/conversation/v1";
import { notFound } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { channelTypeToProto } from "../domain/enums.js";
import { conversationToProto, messageToProto } from "../domain/to-proto.js";
import { isTurnStale, windowExpiresAt } from "../domain/turn-rules.js";
import { getConversation } from "../store/conversation-reads.js";
import { loadTurnMessages } from "../store/message-reads.js";

export interface TurnContextServiceDeps {
  db: Db;
}

const DEFAULT_HISTORY = 30;

/** The ai service's view of a turn (internal: the tenant is the one the request names). */
export function createTurnContextService(
  deps: TurnContextServiceDeps,
): ServiceImpl<typeof TurnContextService> {
  const { db } = deps;
  return {
    async getTurnContext(req) {
      const historyLimit = req.historyLimit === 0 ? DEFAULT_HISTORY : req.historyLimit;
      const result = await db.withTenant(req.tenantId, async (em) => {
        const found = await getConversation(em, undefined, req.conversationId);
        if (found === undefined) return undefined;
        const messages = await loadTurnMessages(em, req.conversationId, req.messageIds, historyLimit);
        return { ...found, ...messages };
      });
      if (result === undefined) throw notFound("conversation", req.conversationId);
      const { conversation, contact } = result;
      const conversationProto = conversationToProto(conversation, contact);
      const expires = windowExpiresAt(conversation.channelType, conversation.lastInboundAt);
      return create(GetTurnContextResponseSchema, {
        conversation: conversationProto,
        contact: conversationProto.contact,
        history: result.history.map((m) => messageToProto(m)),
        turnMessages: result.turn.map((m) => messageToProto(m)),
        stale: isTurnStale(conversation, req.turnEpoch),
        windowExpiresAt: expires ? timestampFromDate(expires) : undefined,
        channelType: channelTypeToProto(conversation.channelType),
      });
    },
  };
}
