// A spec that leaves a server listening and a timer pending: the run must not end by itself.
import { createServer } from "node:net";

describe("a leaky spec", () => {
  it("opens a server and a timer and closes neither", (done) => {
    createServer().listen(0, "127.0.0.1", done);
    setTimeout(() => undefined, 600_000);
  });
});
