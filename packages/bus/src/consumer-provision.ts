import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import type { BusLogger } from "./logger.js";

export type DurableSpec = {
  stream: string;
  durable: string;
  filterSubject: string;
  ackWaitMs: number;
  maxDeliver: number;
};

/**
 * Creates the durable pull consumer, or updates it when its settings differ. Only one filter subject:
 * `filter_subjects` needs nats-server 2.10 and the platform runs on 2.9.
 */
export async function ensureDurableConsumer(
  jsm: JetStreamManager,
  spec: DurableSpec,
  logger: BusLogger,
): Promise<"created" | "updated" | "unchanged"> {
  const ackWait = nanos(spec.ackWaitMs);
  const desired: Partial<ConsumerConfig> = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ackWait,
    max_deliver: spec.maxDeliver,
    filter_subject: spec.filterSubject,
  };
  let current = await consumerInfo(jsm, spec);
  if (current === undefined) {
    try {
      await jsm.consumers.add(spec.stream, desired);
      logger.info(
        { stream: spec.stream, durable: spec.durable, filter: spec.filterSubject },
        "consumer created",
      );
      return "created";
    } catch (err) {
      // A replica created it concurrently: compare with what it made.
      current = await consumerInfo(jsm, spec);
      if (current === undefined) throw err;
    }
  }
  const config = current.config;
  if (config.deliver_subject) {
    throw new Error(
      `consumer ${spec.stream}/${spec.durable} is a push consumer; delete it to reuse the name`,
    );
  }
  if (config.ack_policy !== AckPolicy.Explicit) {
    throw new Error(
      `consumer ${spec.stream}/${spec.durable} has ack_policy=${config.ack_policy}; delete it to reuse the name`,
    );
  }
  const changed: string[] = [];
  if (config.ack_wait !== ackWait) changed.push("ack_wait");
  if (config.max_deliver !== desired.max_deliver) changed.push("max_deliver");
  if ((config.filter_subject ?? "") !== spec.filterSubject) changed.push("filter_subject");
  if (changed.length === 0) return "unchanged";
  try {
    await jsm.consumers.update(spec.stream, spec.durable, {
      ack_wait: ackWait,
      max_deliver: spec.maxDeliver,
      filter_subject: spec.filterSubject,
    });
  } catch (err) {
    throw new Error(
      `cannot update consumer ${spec.stream}/${spec.durable} (${changed.join(", ")}): ${errorMessage(err)}`,
      { cause: err },
    );
  }
  logger.info({ stream: spec.stream, durable: spec.durable, changed }, "consumer updated");
  return "updated";
}

async function consumerInfo(jsm: JetStreamManager, spec: DurableSpec): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(spec.stream, spec.durable);
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound) return undefined;
    throw err;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
