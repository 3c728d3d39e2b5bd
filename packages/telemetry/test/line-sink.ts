import type { DestinationStream } from "pino";

/** A pino destination that keeps every line, parsed, for assertions. */
export interface LineSink extends DestinationStream {
  readonly raw: string[];
  records(): Record<string, unknown>[];
  last(): Record<string, unknown>;
}

export function createLineSink(): LineSink {
  const raw: string[] = [];
  const records = () => raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    raw,
    write(line: string) {
      raw.push(line);
    },
    records,
    last() {
      const all = records();
      const record = all[all.length - 1];
      if (record === undefined) throw new Error("no log line was written");
      return record;
    },
  };
}
