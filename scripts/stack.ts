// npm run stack:up / stack:down — the local Postgres, Redis and NATS used by dev and tests.
import { stackDown, stackUp, stackUrls } from "./lib/stack.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();
const cmd = process.argv[2] ?? "up";
if (cmd === "up") {
  const stack = await stackUp(root, ["atendo", "atendo_test"]);
  const urls = stackUrls(stack.config, "atendo");
  console.log(`postgres  ${urls.ownerUrl}\nredis     ${urls.redisUrl}\nnats      ${urls.natsUrl}`);
  console.log(
    stack.postgres === undefined
      ? `pg data   (a server this clone did not start answers on port ${stack.config.pgPort})`
      : `pg data   ${stack.postgres.dataDir}`,
  );
} else if (cmd === "down") {
  await stackDown(root);
  console.log("stack stopped");
} else {
  console.error(`unknown command ${cmd}: use up or down`);
  process.exit(2);
}
