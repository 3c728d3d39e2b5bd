import assert from "node:assert/strict";
import { validate, version } from "uuid";
import { isUuid, newId, roleFromUrl, TENANT_PREDICATE, tenantRls } from "../src/index.js";

describe("tenantRls", () => {
  it("enables and forces RLS and adds the nullif-guarded tenant policy", () => {
    assert.deepEqual(tenantRls("ingress.webhook_events"), [
      `alter table "ingress"."webhook_events" enable row level security`,
      `alter table "ingress"."webhook_events" force row level security`,
      `create policy tenant_isolation on "ingress"."webhook_events" for all using (${TENANT_PREDICATE}) with check (${TENANT_PREDICATE})`,
    ]);
    assert.equal(TENANT_PREDICATE, "tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid");
  });

  it("rejects names that are not schema.table identifiers", () => {
    for (const bad of ["webhook_events", "a.b.c", 'ingress."x"; drop table y', "Ingress.Events", ""]) {
      assert.throws(() => tenantRls(bad), /invalid table name/, bad);
    }
  });
});

describe("roleFromUrl", () => {
  it("returns the login role of a postgres URL", () => {
    assert.equal(roleFromUrl("postgres://atendo_ingress:pw@db:5432/atendo"), "atendo_ingress");
    assert.equal(roleFromUrl("postgresql://atendo_ai@localhost/atendo?sslmode=require"), "atendo_ai");
  });

  it("fails clearly without echoing the URL (it carries the password)", () => {
    assert.throws(() => roleFromUrl("postgres://db:5432/atendo"), /names no user/);
    assert.throws(
      () => roleFromUrl("::not a url:s3cret"),
      (err: Error) => /cannot parse/.test(err.message) && !err.message.includes("s3cret"),
    );
    assert.throws(() => roleFromUrl("postgres://Bad%20Role:pw@db/atendo"), /invalid role/);
  });
});

describe("newId", () => {
  it("returns distinct UUIDv7s that sort in creation order", () => {
    const ids = Array.from({ length: 2000 }, () => newId());
    for (const id of ids) {
      assert.ok(validate(id) && isUuid(id));
      assert.equal(version(id), 7);
    }
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), ids);
  });
});
