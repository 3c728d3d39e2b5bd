import type { Bus } from "@atendo/bus";
import { type AuditRecorded, AuditRecordedSchema } from "@atendo/proto/audit/v1";
import { waitFor } from "@atendo/testing";

/** Every AuditRecorded published on the test's namespace, as they arrive. */
export interface AuditEvents {
  all: AuditRecorded[];
  /** Waits for an event matching `match` and returns it. */
  waitFor(match: (e: AuditRecorded) => boolean, what: string): Promise<AuditRecorded>;
}

export async function collectAudit(bus: Bus): Promise<AuditEvents> {
  const all: AuditRecorded[] = [];
  await bus.consume({
    durable: "test-audit-recorded",
    schema: AuditRecordedSchema,
    handler: (event) => {
      all.push(event);
    },
  });
  return {
    all,
    waitFor: (match, what) => waitFor(() => all.find(match), { message: `AuditRecorded: ${what}` }),
  };
}

/** A summary as the event carries it: JSON text, or undefined when empty. */
export function summaryOf(text: string | undefined): unknown {
  return text === undefined || text === "" ? undefined : JSON.parse(text);
}
