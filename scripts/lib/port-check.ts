// Tells which of the ports `npm run dev` needs are taken, before anything starts, so a clash is one
// clear message instead of a stack trace from deep inside a service.
import { createServer } from "node:net";

export interface PortNeed {
  port: number;
  what: string;
}

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

export async function busyPorts(needs: readonly PortNeed[], host = "127.0.0.1"): Promise<PortNeed[]> {
  const busy: PortNeed[] = [];
  for (const need of needs) if (!(await isFree(need.port, host))) busy.push(need);
  return busy;
}

export function describeBusyPorts(busy: readonly PortNeed[]): string {
  const lines = busy.map((b) => `  - ${b.port} (${b.what})`);
  return [
    "these ports are already in use:",
    ...lines,
    "Is another `npm run dev` running? Stop it, or find the process with `ss -ltnp` (or `lsof -i :PORT`).",
  ].join("\n");
}
