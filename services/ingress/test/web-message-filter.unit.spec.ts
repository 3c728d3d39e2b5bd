import assert from "node:assert/strict";
import { ChannelType } from "@atendo/proto/common/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { create, toBinary } from "@bufbuild/protobuf";
import { isWebMessage } from "../src/widget/web-message-filter.js";

describe("isWebMessage: the widget's wake-up listener reads channel_type only", () => {
  const encoded = (channelType: ChannelType) =>
    toBinary(
      MessageReceivedSchema,
      create(MessageReceivedSchema, {
        meta: { eventId: "e1", tenantId: "t1" },
        channelId: "c1",
        channelType,
        externalMessageId: "m1",
        contact: { externalId: "visitor-1", displayName: "Ana" },
        message: { content: { case: "text", value: { body: "oi".repeat(2000) } } },
      }),
    );

  it("takes a web-chat message and skips every other channel's", () => {
    assert.equal(isWebMessage(encoded(ChannelType.WEB)), true);
    for (const other of [ChannelType.WHATSAPP, ChannelType.INSTAGRAM, ChannelType.UNSPECIFIED]) {
      assert.equal(isWebMessage(encoded(other)), false, ChannelType[other]);
    }
  });

  it("skips bytes that are not a message at all", () => {
    const web = encoded(ChannelType.WEB);
    assert.equal(isWebMessage(web.subarray(0, web.length - 7)), false);
    assert.equal(isWebMessage(Uint8Array.of(0xff, 0xff, 0xff)), false);
  });
});
