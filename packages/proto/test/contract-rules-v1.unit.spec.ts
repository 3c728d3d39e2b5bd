// The rules of the public contract (docs/contracts.md, "Naming and shape") over the real v1
// contracts, one test per rule so that each names what breaks it.
import assert from "node:assert/strict";
import { registry } from "@atendo/proto/registry";
import {
  checkErrorReasons,
  checkEventVisibility,
  checkPagination,
  checkRequestIds,
  checkRouting,
  errorReasonEnums,
  eventMessages,
  formatViolation,
  type Violation,
} from "../../../scripts/lib/contract-rules.js";
import { REQUEST_ID_EXEMPT } from "../../../scripts/lib/request-id-exemptions.js";
import { atendoServices } from "../../../scripts/lib/rpc-catalog.js";

const none = (violations: Violation[]) => assert.deepEqual(violations.map(formatViolation), []);

describe("contract rules of v1", () => {
  it("finds the contracts' services and events", () => {
    assert.ok(atendoServices(registry).length >= 14, "services");
    assert.ok(eventMessages(registry).length >= 30, "events");
  });

  it("paginates every List RPC with top-level page_size, page_token and next_page_token", () => {
    none(checkPagination(registry));
  });

  it("routes every public RPC and no RPC of an internal service", () => {
    none(checkRouting(registry));
  });

  it("marks every event public or internal", () => {
    none(checkEventVisibility(registry));
  });

  it("takes a request_id on every Create and every side-effecting custom method clients retry", () => {
    none(checkRequestIds(registry));
  });

  it("exempts from request_id only RPCs that exist", () => {
    const names = new Set(
      atendoServices(registry).flatMap((s) => s.methods.map((m) => `${s.typeName}.${m.name}`)),
    );
    assert.deepEqual(
      [...REQUEST_ID_EXEMPT].filter((n) => !names.has(n)),
      [],
      "remove exemptions of RPCs that moved or are gone",
    );
  });

  it("gives every error reason its status code, each reason in one ErrorReason enum only", () => {
    assert.ok(errorReasonEnums(registry).some((e) => e.typeName === "atendo.common.v1.ErrorReason"));
    none(checkErrorReasons(registry));
  });
});
