import { createLogger, type Logger } from "@atendo/telemetry";

/** A logger whose JSON lines a test can read back. */
export interface LogLines {
  logger: Logger;
  /** Every line logged so far, parsed. */
  lines(): Array<Record<string, unknown>>;
}

export function captureLogs(level: "debug" | "info" | "warn" | "error" = "warn"): LogLines {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    service: "ingress-test",
    level,
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines: () => [...lines] };
}
