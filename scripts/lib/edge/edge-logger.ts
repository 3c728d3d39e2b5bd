/** The pino-like subset the edge logs through (a pino Logger fits). */
export interface EdgeLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

export const silentEdgeLogger: EdgeLogger = { info() {}, warn() {} };
