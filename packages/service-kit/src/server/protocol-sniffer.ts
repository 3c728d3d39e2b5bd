import type { Server, Socket } from "node:net";
import { createServer } from "node:net";

// Every HTTP/2 prior-knowledge (h2c) connection starts with this; no HTTP/1 request can, since
// "PRI" was reserved as a method by RFC 7540 precisely so servers can tell the two apart.
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export interface SniffingListener {
  server: Server;
  /** Every connection currently open, whichever protocol it speaks. */
  sockets: ReadonlySet<Socket>;
}

/**
 * A TCP server that reads the first bytes of each connection, puts them back, and hands the socket
 * to the HTTP/2 or the HTTP/1.1 side. Connections that send nothing within `sniffTimeoutMs` are
 * dropped so they cannot pile up.
 */
export function createSniffingListener(options: {
  onHttp1: (socket: Socket) => void;
  onHttp2: (socket: Socket) => void;
  sniffTimeoutMs: number;
}): SniffingListener {
  const sockets = new Set<Socket>();

  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    let head: Buffer = Buffer.alloc(0);

    const onError = (): void => {
      socket.destroy();
    };
    const onTimeout = (): void => {
      socket.destroy();
    };
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const n = Math.min(head.length, H2_PREFACE.length);
      const h2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (h2 && n < H2_PREFACE.length) return; // could still be either: wait for more bytes
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("timeout", onTimeout);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(head);
      if (h2) {
        options.onHttp2(socket);
      } else {
        options.onHttp1(socket);
        // The HTTP/1 parser reads the handle directly; the bytes put back reach it only as a
        // 'data' event, which flows once the socket is resumed.
        socket.resume();
      }
    };

    socket.on("error", onError);
    socket.setTimeout(options.sniffTimeoutMs, onTimeout);
    socket.on("data", onData);
  });

  return { server, sockets };
}
