import { randomBytes } from "node:crypto";
import { type Bus, connectBus } from "@atendo/bus";
import type { Logger } from "pino";
import { pino } from "pino";

/** The stack's NATS (scripts/mocha.ts sets it). */
export const natsUrl = process.env.ATENDO_TEST_NATS_URL ?? "nats://127.0.0.1:54222";

/**
 * Bus connections on one fresh namespace, as separate processes would hold them; `cleanup` closes
 * them and deletes the namespace's streams.
 */
export function createTestBuses() {
  const namespace = `sk${randomBytes(5).toString("hex")}`;
  const opened: Bus[] = [];
  return {
    namespace,
    async open(name: string, logger: Logger = pino({ level: "silent" })): Promise<Bus> {
      const bus = await connectBus({ servers: natsUrl, name, logger, namespace });
      opened.push(bus);
      return bus;
    },
    async cleanup(): Promise<void> {
      await Promise.all(opened.map((bus) => bus.close()));
      const admin = await connectBus({
        servers: natsUrl,
        name: "cleanup",
        logger: pino({ level: "silent" }),
        namespace,
      });
      await admin.deleteNamespaceStreams();
      await admin.close();
    },
  };
}
