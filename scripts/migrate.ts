// npm run migrate [database]: applies every service's pending migrations to the dev database
// (default `atendo`), starting the local stack when it is down, and prints what was applied.
import { migrateServices } from "./lib/migrate-services.js";
import { stackUp } from "./lib/stack.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();
const database = process.argv[2] ?? "atendo";
if (!/^[a-z_][a-z0-9_]*$/.test(database)) {
  console.error(`invalid database name "${database}": use lowercase letters, digits and _`);
  process.exit(2);
}

const stack = await stackUp(root, [database]);
let failed = false;
try {
  const reports = await migrateServices({ root, stack: stack.config, database });
  for (const r of reports) {
    if (!r.found) console.log(`${r.service.padEnd(13)} no migrations/index.ts yet`);
    else if (r.applied.length === 0) console.log(`${r.service.padEnd(13)} up to date`);
    else console.log(`${r.service.padEnd(13)} applied ${r.applied.join(", ")}`);
  }
} catch (err) {
  failed = true;
  console.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await stack.stop();
}
process.exit(failed ? 1 : 0);
