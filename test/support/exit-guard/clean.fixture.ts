// A spec that closes what it opens: the run ends by itself.
import { createServer, type Server } from "node:net";

describe("a tidy spec", () => {
  let server: Server;
  before((done) => {
    server = createServer().listen(0, "127.0.0.1", done);
  });
  after((done) => {
    server.close(() => done());
  });

  it("uses a server and a timer, then lets both go", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
  });
});
