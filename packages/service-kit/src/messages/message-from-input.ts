import {
  MediaContentSchema,
  MediaRefSchema,
  type Message,
  type MessageInput,
  MessageSchema,
  ReactionContentSchema,
  ReplyContextSchema,
} from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";
import { invalidArgument } from "../errors/common-errors.js";

/**
 * Finds the channel's id of a message of the same conversation by its Atendo id (undefined when the
 * conversation has no such message, or it has no channel id yet).
 */
export type ExternalIdOf = (messageId: string) => Promise<string | undefined>;

async function externalId(externalIdOf: ExternalIdOf, messageId: string, field: string): Promise<string> {
  const id = await externalIdOf(messageId);
  if (id === undefined || id === "") throw invalidArgument(field, "is not a message of this conversation");
  return id;
}

/**
 * The Message to store for what a client wrote: its content, with the Atendo ids it names mapped to
 * the channel's ids. Nothing the server derives (interpretation, referral, channel ids) comes from
 * the client.
 */
export async function messageFromInput(input: MessageInput, externalIdOf: ExternalIdOf): Promise<Message> {
  const message = create(MessageSchema);
  const { content } = input;
  switch (content.case) {
    case "text":
    case "location":
    case "contacts":
    case "interactiveReply":
    case "template":
      message.content = content as Message["content"];
      break;
    case "media": {
      const m = content.value;
      message.content = {
        case: "media",
        value: create(MediaContentSchema, {
          kind: m.kind,
          media: create(MediaRefSchema, { url: m.url, mimeType: m.mimeType, filename: m.filename }),
          caption: m.caption,
          voice: m.voice,
        }),
      };
      break;
    }
    case "reaction":
      message.content = {
        case: "reaction",
        value: create(ReactionContentSchema, {
          targetExternalMessageId: await externalId(
            externalIdOf,
            content.value.messageId,
            "reaction.message_id",
          ),
          emoji: content.value.emoji,
        }),
      };
      break;
    case undefined:
      throw invalidArgument("content", "is required");
  }
  if (input.replyToMessageId !== "") {
    message.context = create(ReplyContextSchema, {
      quotedExternalMessageId: await externalId(externalIdOf, input.replyToMessageId, "reply_to_message_id"),
    });
  }
  return message;
}
