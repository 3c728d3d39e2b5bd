import assert from "node:assert/strict";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { validate, version } from "uuid";
import { causedBy, newEventMeta } from "../src/index.js";

describe("event meta", () => {
  it("fills a UUIDv7 event id and the time it happened", () => {
    const before = Date.now();
    const meta = newEventMeta({ tenantId: "t1", workspaceId: "w1", correlationId: "c1" });
    assert.ok(validate(meta.eventId));
    assert.equal(version(meta.eventId), 7);
    assert.ok(meta.occurredAt);
    const at = timestampDate(meta.occurredAt).getTime();
    assert.ok(at >= before - 1 && at <= Date.now() + 1, `occurred_at ${at} not now`);
    assert.equal(meta.tenantId, "t1");
    assert.equal(meta.workspaceId, "w1");
    assert.equal(meta.correlationId, "c1");
    assert.equal(meta.causationId, "");
    assert.notEqual(
      newEventMeta({ tenantId: "t1", workspaceId: "w1", correlationId: "c1" }).eventId,
      meta.eventId,
    );
  });

  it("derives the envelope of a caused event", () => {
    const parent = newEventMeta({ tenantId: "t1", workspaceId: "w1", correlationId: "c1" });
    const child = causedBy(parent);
    assert.equal(child.tenantId, "t1");
    assert.equal(child.workspaceId, "w1");
    assert.equal(child.correlationId, "c1");
    assert.equal(child.causationId, parent.eventId);
    assert.notEqual(child.eventId, parent.eventId);
  });
});
