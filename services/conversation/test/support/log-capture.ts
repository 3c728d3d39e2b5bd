// A logger that keeps every line (debug and up) for assertions and prints those at or above
// TEST_LOG_LEVEL (default: nothing).
import { createLogger, type Logger } from "@atendo/telemetry";

export type LogLine = Record<string, unknown> & { level: string; msg?: string };

const ORDER = ["trace", "debug", "info", "warn", "error", "fatal"];

export interface LogCapture {
  logger: Logger;
  lines: LogLine[];
  matching(pred: (line: LogLine) => boolean): LogLine[];
}

export function createLogCapture(service: string): LogCapture {
  const lines: LogLine[] = [];
  const printFrom = ORDER.indexOf(process.env.TEST_LOG_LEVEL ?? "silent");
  const logger = createLogger({
    service,
    level: "debug",
    destination: {
      write(chunk: string) {
        const line = JSON.parse(chunk) as LogLine;
        lines.push(line);
        if (printFrom >= 0 && ORDER.indexOf(line.level) >= printFrom) process.stdout.write(chunk);
      },
    },
  });
  return { logger, lines, matching: (pred) => lines.filter(pred) };
}
