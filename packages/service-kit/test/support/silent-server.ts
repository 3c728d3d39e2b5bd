import {
  createServer as createH2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
} from "node:http2";
import { createServer, type Server, type Socket } from "node:net";

/** A local server that accepts connections and never answers: what a hung peer looks like. */
export interface SilentServer {
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** HTTP/2 request headers received (the HTTP/2 variant only). */
  readonly requests: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** Accepts TCP connections and never sends a byte. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  let connections = 0;
  server.on("connection", () => connections++);
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    requests: [],
    close: () =>
      closeServer(server, () => {
        for (const s of sockets) s.destroy();
      }),
  };
}

/** Speaks HTTP/2 (h2c), records each request's headers and never responds. */
export async function startSilentH2Server(): Promise<SilentServer> {
  const requests: IncomingHttpHeaders[] = [];
  const server = createH2Server();
  const open = new Set<ServerHttp2Session>();
  let connections = 0;
  server.on("session", (session) => {
    connections++;
    open.add(session);
    session.on("close", () => open.delete(session));
  });
  server.on("stream", (stream, headers) => {
    requests.push(headers);
    stream.on("error", () => {});
  });
  const port = await listen(server as unknown as Server);
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Sessions left open by a client keep close() waiting.
        for (const session of open) session.destroy();
      }),
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    });
  });
}

function closeServer(server: Server, destroyAll: () => void): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    destroyAll();
  });
}
