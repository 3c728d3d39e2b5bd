import type { GetTurnContextResponse, TurnContextService } from "@atendo/proto/conversation/v1";
import type { CallOptions, Client } from "@connectrpc/connect";

export interface TurnContextQuery {
  tenantId: string;
  conversationId: string;
  messageIds: readonly string[];
  turnEpoch: number;
}

/** The conversation around a turn, from the conversation service's internal TurnContextService. */
export interface TurnContexts {
  get(query: TurnContextQuery, options?: CallOptions): Promise<GetTurnContextResponse>;
}

export function createTurnContexts(deps: {
  client: Pick<Client<typeof TurnContextService>, "getTurnContext">;
  /** Earlier messages to include, 1..200. */
  historyLimit: number;
}): TurnContexts {
  return {
    get(q, options) {
      return deps.client.getTurnContext(
        {
          tenantId: q.tenantId,
          conversationId: q.conversationId,
          messageIds: [...q.messageIds],
          turnEpoch: q.turnEpoch,
          historyLimit: deps.historyLimit,
        },
        options,
      );
    },
  };
}
