// One TCP port for HTTP/1.1 and HTTP/2 without TLS (h2c prior knowledge): the first bytes of each
// connection decide, as in @atendo/service-kit's server.
import type { Server, Socket } from "node:net";
import { createServer } from "node:net";

// Every h2c connection starts with this preface; no HTTP/1 request can ("PRI" is reserved).
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export interface SniffingListener {
  server: Server;
  sockets: ReadonlySet<Socket>;
}

export function createSniffingListener(options: {
  onHttp1: (socket: Socket) => void;
  onHttp2: (socket: Socket) => void;
  /** Connections that send nothing this long are dropped. */
  sniffTimeoutMs: number;
}): SniffingListener {
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    let head: Buffer = Buffer.alloc(0);
    const drop = (): void => {
      socket.destroy();
    };
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const n = Math.min(head.length, H2_PREFACE.length);
      const h2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (h2 && n < H2_PREFACE.length) return; // could still be either
      socket.off("data", onData);
      socket.off("error", drop);
      socket.off("timeout", drop);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(head);
      if (h2) {
        options.onHttp2(socket);
      } else {
        options.onHttp1(socket);
        // The HTTP/1 parser sees the bytes put back only once the socket flows again.
        socket.resume();
      }
    };
    socket.on("error", drop);
    socket.setTimeout(options.sniffTimeoutMs, drop);
    socket.on("data", onData);
  });
  return { server, sockets };
}
