// Assertions read the service's tables as the superuser (every tenant's rows, RLS ignored).
import { adminQuery, waitFor } from "@atendo/testing";

export interface ConversationRow {
  id: string;
  tenant_id: string;
  status: string;
  handler: string;
  turn_epoch: number;
  answered_epoch: number;
  flushed_epoch: number;
  unread_count: number;
  contact_id: string;
  last_inbound_at: Date | null;
  last_message_preview: string;
}

export interface MessageRow {
  id: string;
  conversation_id: string;
  direction: string;
  sender_kind: string;
  external_id: string | null;
  text: string;
  status: string | null;
  turn_epoch: number;
  answerable: boolean;
  answered_at: Date | null;
  part_index: number;
  part_count: number;
  history: boolean;
  sort_at: Date;
  edited_at: Date | null;
  edit_count: number;
  deleted_at: Date | null;
  content: Buffer;
  sender_id: string;
}

export const conversationsOfChannel = (channelId: string) =>
  adminQuery<ConversationRow>(
    "select * from conversation.conversations where channel_id = $1 order by created_at",
    [channelId],
  );

export const messagesOfChannel = (channelId: string) =>
  adminQuery<MessageRow>("select * from conversation.messages where channel_id = $1 order by sort_at, id", [
    channelId,
  ]);

export const contactsOfChannel = (channelId: string) =>
  adminQuery<{ id: string; external_id: string; display_name: string; saved_name: string; phone: string }>(
    "select * from conversation.contacts where channel_id = $1",
    [channelId],
  );

/** The channel's only conversation, once it exists. */
export function theConversation(channelId: string, until: (c: ConversationRow) => boolean = () => true) {
  return waitFor(
    async () => {
      const rows = await conversationsOfChannel(channelId);
      const [only] = rows;
      return rows.length === 1 && only !== undefined && until(only) ? only : undefined;
    },
    { message: `the conversation of channel ${channelId}` },
  );
}

/** Waits until the channel holds `count` messages (and returns them). */
export function messagesWhen(channelId: string, ok: (rows: MessageRow[]) => boolean) {
  return waitFor(
    async () => {
      const rows = await messagesOfChannel(channelId);
      return ok(rows) ? rows : undefined;
    },
    { message: `the messages of channel ${channelId}` },
  );
}
