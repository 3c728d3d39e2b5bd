import type { BusLogger, ConnectBusOptions } from "@atendo/bus";
import type { CommonConfig } from "./common-config.js";

/**
 * `connectBus`'s options from the settings every service shares (NATS_URL, BUS_NAMESPACE,
 * DEAD_LETTER_RETENTION_DAYS), so no service forgets one:
 * `await connectBus(busOptionsOf(config, "ingress", logger))`.
 */
export function busOptionsOf(
  config: Pick<CommonConfig, "natsUrl" | "busNamespace" | "deadLetterRetentionDays">,
  name: string,
  logger: BusLogger,
): ConnectBusOptions {
  return {
    servers: config.natsUrl,
    name,
    logger,
    ...(config.busNamespace === undefined ? {} : { namespace: config.busNamespace }),
    ...(config.deadLetterRetentionDays === undefined
      ? {}
      : { deadLetterRetentionDays: config.deadLetterRetentionDays }),
  };
}
