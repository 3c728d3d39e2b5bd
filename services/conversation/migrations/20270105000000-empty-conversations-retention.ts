import { Migration, pruneFunctionSql } from "@atendo/db";

/**
 * Conversations opened ahead of a first message that never came (OpenConversation: a web-chat
 * visitor who opened the chat and wrote nothing) go after RETENTION_DAYS; a conversation with any
 * message is history and stays. The prune locks the row (skip locked) as a message's lookup does, so
 * a message arriving meanwhile either keeps it or, if it is already gone, opens a new one.
 */
export class Migration20270105000000EmptyConversationsRetention extends Migration {
  override async up() {
    // Only conversations without an inbound message: the few the prune looks at.
    this.addSql(
      "create index conversations_without_inbound on conversation.conversations (created_at) where last_inbound_at is null",
    );
    for (const s of pruneFunctionSql(
      "conversation",
      "conversations",
      "created_at",
      `t.last_inbound_at is null
         and not exists (select 1 from conversation.messages m where m.conversation_id = t.id)`,
    )) {
      this.addSql(s);
    }
  }
}
