import assert from "node:assert/strict";
import { FinishReason } from "@atendo/proto/ai/v1";
import { ModelProvider } from "@atendo/proto/common/v1";
import { quotaHandoffReply, quotaReached, utcMonthOf } from "../src/domain/monthly-quota.js";

describe("monthly AI messages: rules", () => {
  it("counts per UTC calendar month, whatever the local time zone", () => {
    const mid = utcMonthOf(new Date("2026-11-15T12:00:00Z"));
    assert.equal(mid.start.toISOString(), "2026-11-01T00:00:00.000Z");
    assert.equal(mid.end.toISOString(), "2026-12-01T00:00:00.000Z");
    assert.equal(mid.label, "2026-11");
    // 21:30 on Dec 31 in São Paulo is already January in UTC.
    const turn = utcMonthOf(new Date("2026-12-31T21:30:00-03:00"));
    assert.equal(turn.start.toISOString(), "2027-01-01T00:00:00.000Z");
    assert.equal(turn.end.toISOString(), "2027-02-01T00:00:00.000Z");
    assert.equal(turn.label, "2027-01");
    const last = utcMonthOf(new Date("2026-12-31T23:59:59.999Z"));
    assert.equal(last.label, "2026-12");
    assert.equal(last.end.toISOString(), "2027-01-01T00:00:00.000Z");
  });

  it("is reached at the limit, never with a limit of 0", () => {
    assert.equal(quotaReached(3, 2), false);
    assert.equal(quotaReached(3, 3), true);
    assert.equal(quotaReached(3, 4), true);
    assert.equal(quotaReached(0, 0), false);
    assert.equal(quotaReached(0, 1_000_000), false);
  });

  it("hands off without a message, a model or usage when used up", () => {
    const reply = quotaHandoffReply({ limit: 100, used: 100, month: "2026-11" });
    assert.deepEqual(reply.parts, []);
    assert.equal(reply.provider, ModelProvider.UNSPECIFIED);
    assert.equal(reply.finishReason, FinishReason.TOOL_CALLS);
    assert.equal(reply.usage.inputTokens + reply.usage.outputTokens, 0n);
    const action = reply.actions[0]?.action;
    assert.equal(action?.case, "handoff");
    assert.equal(
      action?.case === "handoff" ? action.value.reason : "",
      "The plan's monthly AI messages are used up (100 of 100 in 2026-11, UTC): " +
        "the assistant answers again when the limit is raised or the next month starts.",
    );
  });
});
