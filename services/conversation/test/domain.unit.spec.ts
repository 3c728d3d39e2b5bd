import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import { MediaKind, MessageSchema } from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";
import { encodeMember, parseMember } from "../src/buffer/buffer-member.js";
import { loadConfig } from "../src/config.js";
import { applyContactChange } from "../src/domain/contact-changes.js";
import { planInbound } from "../src/domain/inbound-plan.js";
import { advanceStatus } from "../src/domain/message-status.js";
import { isAnswerableContent, messagePreview, messageText } from "../src/domain/message-text.js";
import { hasPendingTurn, isTurnStale, judgeReply, windowExpiresAt } from "../src/domain/turn-rules.js";
import { text } from "./support/events.js";

describe("domain rules", () => {
  it("moves statuses forward only and keeps FAILED", () => {
    assert.equal(advanceStatus(null, "SENT"), "SENT");
    assert.equal(advanceStatus("PENDING", "DELIVERED"), "DELIVERED");
    assert.equal(advanceStatus("READ", "DELIVERED"), "READ");
    assert.equal(advanceStatus("SENT", "SENT"), "SENT");
    assert.equal(advanceStatus("DELIVERED", "FAILED"), "FAILED");
    assert.equal(advanceStatus("FAILED", "READ"), "FAILED");
  });

  it("stores a reply only for the current, unanswered turn of an AI conversation", () => {
    const state = { turnEpoch: 3, answeredEpoch: 2, handler: "AI", status: "OPEN" } as const;
    assert.equal(judgeReply(state, 3), "store");
    assert.equal(judgeReply(state, 2), "epoch_moved");
    assert.equal(judgeReply({ ...state, answeredEpoch: 3 }, 3), "already_answered");
    assert.equal(judgeReply({ ...state, handler: "HUMAN" }, 3), "human_handles");
    assert.equal(judgeReply({ ...state, status: "RESOLVED" }, 3), "resolved");
    assert.equal(isTurnStale(state, 3), false);
    assert.equal(isTurnStale(state, 2), true);
    assert.equal(hasPendingTurn(state), true);
    assert.equal(hasPendingTurn({ ...state, answeredEpoch: 3 }), false);
  });

  it("plans inbound messages: echoes pause the AI, stale or unanswerable ones start no turn", () => {
    const base = {
      isEcho: false,
      stale: false,
      history: false,
      deleted: false,
      answerableContent: true,
      handler: "AI",
    } as const;
    assert.deepEqual(planInbound(base), {
      direction: "INBOUND",
      senderKind: "CONTACT",
      answerable: true,
      startsTurn: true,
      handsOff: false,
    });
    assert.equal(planInbound({ ...base, stale: true }).startsTurn, false);
    assert.equal(planInbound({ ...base, answerableContent: false }).answerable, false);
    assert.equal(planInbound({ ...base, handler: "HUMAN" }).startsTurn, false);
    assert.equal(planInbound({ ...base, handler: "HUMAN" }).answerable, true, "answered after a release");
    const echo = planInbound({ ...base, isEcho: true });
    assert.deepEqual(
      [echo.direction, echo.senderKind, echo.startsTurn, echo.handsOff],
      ["OUTBOUND", "AGENT", false, true],
    );
    assert.equal(planInbound({ ...base, isEcho: true, handler: "HUMAN" }).handsOff, false);
    // Imported history keeps its direction and nothing else: no turn, no pause.
    for (const isEcho of [false, true]) {
      const past = planInbound({ ...base, history: true, isEcho });
      assert.deepEqual(
        [past.direction, past.answerable, past.startsTurn, past.handsOff],
        [isEcho ? "OUTBOUND" : "INBOUND", false, false, false],
      );
    }
    assert.equal(planInbound({ ...base, deleted: true }).startsTurn, false, "deleted before it arrived");
  });

  it("derives text and previews from content, and skips reactions and unsupported content", () => {
    const voice = create(MessageSchema, {
      content: {
        case: "media",
        value: { kind: MediaKind.AUDIO, voice: true, media: { channelMediaId: "1" } },
      },
      interpretation: { text: "is the shop open today" },
    });
    assert.equal(messageText(voice), "[voice note] is the shop open today");
    assert.equal(messagePreview(text(`line one\n${"x".repeat(300)}`)).length, 200);
    assert.equal(isAnswerableContent(text("hi")), true);
    const reaction = create(MessageSchema, {
      content: { case: "reaction", value: { targetExternalMessageId: "wamid.1", emoji: "👍" } },
    });
    assert.equal(isAnswerableContent(reaction), false);
    const unsupported = create(MessageSchema, {
      content: { case: "unsupported", value: { originalType: "order" } },
    });
    assert.equal(isAnswerableContent(unsupported), false);
    assert.equal(messageText(unsupported), "[order]");
  });

  it("closes the WhatsApp and Instagram window 24 h after the last inbound message", () => {
    const at = new Date("2026-11-20T10:00:00Z");
    assert.equal(windowExpiresAt("WHATSAPP", at)?.toISOString(), "2026-11-21T10:00:00.000Z");
    assert.equal(windowExpiresAt("WEB", at), undefined);
    assert.equal(windowExpiresAt("INSTAGRAM", null), undefined);
  });

  it("merges the assistant's contact changes and names what changed", () => {
    const { next, changed } = applyContactChange(
      { name: "Ana", email: "", phone: "+5511999990000", tags: ["lead"], attributes: { plan: "free" } },
      {
        addTags: ["lead", "vip", "vip"],
        name: "",
        email: "ana@example.com",
        phone: "",
        attributes: { plan: "pro" },
      },
    );
    assert.deepEqual(next.tags, ["lead", "vip"]);
    assert.equal(next.name, "Ana");
    assert.equal(next.email, "ana@example.com");
    assert.deepEqual(changed, ["email", "tags", "attributes.plan"]);
  });

  it("encodes buffer members and refuses foreign ones", () => {
    const m = { tenantId: newId(), conversationId: newId() };
    assert.deepEqual(parseMember(encodeMember(m)), m);
    assert.equal(parseMember("not:a:member"), undefined);
    assert.equal(parseMember(`${m.tenantId}:nope`), undefined);
  });

  it("reads its configuration (a zero buffer window allowed, inbox retention), and names every bad variable", () => {
    const env = {
      DATABASE_URL: "postgres://atendo_conversation:x@127.0.0.1:55432/atendo",
      REDIS_URL: "redis://127.0.0.1:56379",
      NATS_URL: "nats://127.0.0.1:54222",
    };
    const config = loadConfig({ ...env, BUFFER_WINDOW_MS: "0" });
    assert.equal(config.buffer.windowMs, 0);
    assert.equal(config.port, 7103);
    assert.equal(config.tenantServiceUrl, "http://127.0.0.1:7101");
    assert.equal(config.redisKeyPrefix, "atendo:");
    assert.equal(config.migrationDatabaseUrl, undefined);
    assert.equal(config.authIssuer, "atendo");
    assert.equal(config.serviceCredential.reveal(), "dev-service-credential-conversation");
    assert.deepEqual(config.retention, { maxAgeMs: 30 * 86_400_000, intervalMs: 3_600_000 });
    assert.equal(config.deadLetterRetentionDays, 30);
    assert.deepEqual(loadConfig({ ...env, RETENTION_DAYS: "8" }).retention.maxAgeMs, 8 * 86_400_000);
    assert.throws(
      () => loadConfig({ ...env, RETENTION_DAYS: "0" }),
      (err: Error) => /RETENTION_DAYS is invalid/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ ...env, BUFFER_WINDOW_MS: "-1", NATS_URL: "" }),
      (err: Error) =>
        /BUFFER_WINDOW_MS is invalid/.test(err.message) && /NATS_URL is missing/.test(err.message),
    );
  });

  it("requires its own service credential in production, and never prints it", () => {
    const env = {
      NODE_ENV: "production",
      DATABASE_URL: "postgres://atendo_conversation:x@127.0.0.1:55432/atendo",
      REDIS_URL: "redis://127.0.0.1:56379",
      NATS_URL: "nats://127.0.0.1:54222",
    };
    assert.throws(
      () => loadConfig(env),
      (err: Error) => /SERVICE_CREDENTIAL is missing/.test(err.message),
    );
    const credential = "a-production-credential-0123456789";
    const config = loadConfig({ ...env, SERVICE_CREDENTIAL: credential, AUTH_ISSUER: "atendo-prod" });
    assert.equal(config.serviceCredential.reveal(), credential);
    assert.equal(config.authIssuer, "atendo-prod");
    assert.doesNotMatch(JSON.stringify(config), new RegExp(credential));
  });
});
