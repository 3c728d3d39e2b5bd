import { connect, type Socket } from "node:net";

/** A bare TCP connection to a local port that records everything it receives, for HTTP/1.1 by hand. */
export interface RawConnection {
  socket: Socket;
  /** Everything received so far, as latin1 text. */
  received(): string;
  /** Whether the other side closed (or reset) the connection. */
  closed(): boolean;
}

export function rawConnection(port: number): RawConnection {
  const socket = connect(port, "127.0.0.1");
  let text = "";
  let isClosed = false;
  socket.on("data", (d: Buffer) => {
    text += d.toString("latin1");
  });
  socket.on("close", () => {
    isClosed = true;
  });
  // A reset shows as closed(); the test asserts on that.
  socket.on("error", () => undefined);
  return { socket, received: () => text, closed: () => isClosed };
}
