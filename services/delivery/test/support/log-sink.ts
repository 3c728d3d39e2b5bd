/** A logger destination that keeps every line, parsed, so tests can wait for what the service did. */
export interface LogSink {
  write(line: string): void;
  readonly raw: string[];
  records(): Array<Record<string, unknown>>;
}

export function createLogSink(): LogSink {
  const raw: string[] = [];
  return {
    raw,
    write(line) {
      raw.push(line);
    },
    records: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
