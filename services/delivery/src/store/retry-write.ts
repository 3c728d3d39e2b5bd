import { setTimeout as delay } from "node:timers/promises";

/**
 * Runs a write a few times before giving up. Used once the channel has answered: failing to record
 * an accepted send would make the redelivery send the message again, so a blip of the database
 * (failover, a dropped pooled connection) is worth riding out here.
 */
export async function retryWrite<T>(write: () => Promise<T>, attempts = 3, baseDelayMs = 100): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= attempts) throw err;
      await delay(baseDelayMs * attempt);
    }
  }
}
