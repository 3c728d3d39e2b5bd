import type { Bus } from "@atendo/bus";
import { type AssistantConfigured, AssistantConfiguredSchema } from "@atendo/proto/assistant/v1";
import { waitFor } from "@atendo/testing";

/** Every AssistantConfigured published on the test's namespace, as they arrive. */
export interface ConfiguredEvents {
  all: AssistantConfigured[];
  /** Waits for the events matching `match` to reach `count` and returns them. */
  waitFor(match: (e: AssistantConfigured) => boolean, count?: number): Promise<AssistantConfigured[]>;
}

export async function collectConfigured(bus: Bus): Promise<ConfiguredEvents> {
  const all: AssistantConfigured[] = [];
  await bus.consume({
    durable: "test-assistant-configured",
    schema: AssistantConfiguredSchema,
    handler: (event) => {
      all.push(event);
    },
  });
  return {
    all,
    waitFor: (match, count = 1) =>
      waitFor(
        () => {
          const found = all.filter(match);
          return found.length >= count ? found : undefined;
        },
        { message: `${count} AssistantConfigured event(s)` },
      ),
  };
}
