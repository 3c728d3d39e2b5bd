// npm run admin -- <command>: the tenant service's operator command (run-admin.ts lists them).
import { runAdmin } from "./run-admin.js";

process.exitCode = await runAdmin(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
