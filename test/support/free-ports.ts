import { createServer, type Server } from "node:net";

/** `n` distinct ports that were free a moment ago (held together, so they differ). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const address = s.address();
    ports.push(typeof address === "object" && address !== null ? address.port : 0);
    servers.push(s);
  }
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}
