import assert from "node:assert/strict";
import { DeadLetterSchema, EventMetaSchema } from "@atendo/proto/common/v1";
import { assertEventSchema } from "../src/event-meta.js";
import { domainOf, snakeCase, streamFor, subjectFor } from "../src/index.js";
import { createNaming, parseTypeName } from "../src/naming.js";
import { NotAnEventSchema, PingedSchema } from "./support/schemas.js";

describe("naming", () => {
  it("snake-cases message names, acronyms included", () => {
    assert.equal(snakeCase("MessageReceived"), "message_received");
    assert.equal(snakeCase("TurnReady"), "turn_ready");
    assert.equal(snakeCase("URLChecked"), "url_checked");
    assert.equal(snakeCase("Pinged"), "pinged");
    assert.equal(snakeCase("Step2Done"), "step2_done");
  });

  it("derives subject, domain and stream from the type name", () => {
    assert.equal(subjectFor(PingedSchema), "atendo.bustest.v1.pinged");
    assert.equal(domainOf(PingedSchema), "bustest");
    assert.equal(streamFor("ingress"), "ATENDO_INGRESS");
    assert.deepEqual(parseTypeName("atendo.ingress.v1.MessageReceived"), {
      domain: "ingress",
      event: "message_received",
    });
  });

  it("rejects type names outside atendo.<domain>.v1.<Message>", () => {
    assert.throws(() => parseTypeName("google.protobuf.Timestamp"), /not an event type name/);
    assert.throws(() => parseTypeName("atendo.ingress.v2.MessageReceived"), /not an event type name/);
    assert.throws(() => parseTypeName("atendo.in_gress.v1.MessageReceived"), /not an event type name/);
    assert.throws(() => streamFor("Ingress"), /invalid bus domain/);
  });

  it("prefixes subjects and suffixes streams with the namespace", () => {
    const naming = createNaming("t1ab");
    assert.equal(naming.subject(PingedSchema), "t1ab.atendo.bustest.v1.pinged");
    assert.equal(naming.stream("bustest"), "ATENDO_BUSTEST_T1AB");
    assert.equal(naming.domainSubjects("bustest"), "t1ab.atendo.bustest.v1.>");
    assert.equal(
      naming.deadLetterSubject("ATENDO_BUSTEST_T1AB", "worker"),
      "t1ab.atendo.deadletter.v1.ATENDO_BUSTEST_T1AB.worker",
    );
    assert.equal(naming.ownsStream("ATENDO_BUSTEST_T1AB"), true);
    assert.equal(naming.ownsStream("ATENDO_BUSTEST"), false);
    assert.equal(naming.ownsStream("ATENDO_BUSTEST_T1ABC"), false);
    assert.equal(createNaming(undefined).ownsStream("ATENDO_BUSTEST_T1AB"), false);
    assert.throws(() => createNaming("Has.Dot"), /invalid bus namespace/);
  });

  it("accepts only messages whose field 1 is EventMeta meta", () => {
    assert.doesNotThrow(() => assertEventSchema(PingedSchema));
    assert.throws(() => assertEventSchema(NotAnEventSchema), /field 1 must be/);
    assert.throws(() => assertEventSchema(DeadLetterSchema), /field 1 must be/);
    assert.throws(() => assertEventSchema(EventMetaSchema), /field 1 must be/);
  });
});
