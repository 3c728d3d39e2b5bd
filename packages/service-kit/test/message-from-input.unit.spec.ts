import assert from "node:assert/strict";
import {
  MediaKind,
  type MessageInput,
  MessageInputSchema,
  MessageSchema,
  TextContentSchema,
} from "@atendo/proto/common/v1";
import { create, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { messageFromInput } from "../src/index.js";

const known = new Map([["0193a0c0-0000-7000-8000-000000000001", "wamid.QUOTED"]]);
const externalIdOf = async (id: string) => known.get(id);

describe("messageFromInput", () => {
  it("keeps the content and maps Atendo ids to the channel's ids", async () => {
    const input: MessageInput = create(MessageInputSchema, {
      content: {
        case: "reaction",
        value: { messageId: "0193a0c0-0000-7000-8000-000000000001", emoji: "👍" },
      },
      replyToMessageId: "0193a0c0-0000-7000-8000-000000000001",
    });
    const message = await messageFromInput(input, externalIdOf);
    assert.deepEqual(toJson(MessageSchema, message), {
      reaction: { targetExternalMessageId: "wamid.QUOTED", emoji: "👍" },
      context: { quotedExternalMessageId: "wamid.QUOTED" },
    });
  });

  it("turns a media input into a media message located by its URL", async () => {
    const message = await messageFromInput(
      create(MessageInputSchema, {
        content: {
          case: "media",
          value: { kind: MediaKind.IMAGE, url: "https://cdn.example.com/a.jpg", caption: "menu" },
        },
      }),
      externalIdOf,
    );
    assert.deepEqual(toJson(MessageSchema, message), {
      media: { kind: "MEDIA_KIND_IMAGE", media: { url: "https://cdn.example.com/a.jpg" }, caption: "menu" },
    });
  });

  it("sets nothing the server derives", async () => {
    const message = await messageFromInput(
      create(MessageInputSchema, {
        content: { case: "text", value: create(TextContentSchema, { body: "hi" }) },
      }),
      externalIdOf,
    );
    assert.equal(message.interpretation, undefined);
    assert.equal(message.referral, undefined);
    assert.equal(message.context, undefined);
  });

  it("refuses an id that is not a message of the conversation", async () => {
    await assert.rejects(
      messageFromInput(
        create(MessageInputSchema, {
          content: { case: "text", value: { body: "hi" } },
          replyToMessageId: "0193a0c0-0000-7000-8000-0000000000ff",
        }),
        externalIdOf,
      ),
      (e: unknown) =>
        e instanceof ConnectError &&
        e.code === Code.InvalidArgument &&
        /reply_to_message_id/.test(e.rawMessage),
    );
  });
});
