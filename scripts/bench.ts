// npm run bench: every bench/*.bench.ts, one after the other, each in its own process.
//   npm run bench                       for real: medians and ratios to the baseline of the same run
//   npm run bench -- --smoke            one short round each (npm test does this)
//   npm run bench -- bench/x.bench.ts   only the benches named
import { listBenches, runBenchFile } from "./lib/benches.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();
const args = process.argv.slice(2);
const named = args.filter((a) => a.endsWith(".bench.ts"));
const flags = args.filter((a) => !named.includes(a));
const benches = named.length > 0 ? named : listBenches(root);

// Ctrl-C reaches the running bench too, which stops what it started and exits 130: wait for it.
process.on("SIGINT", () => undefined);

let failed = 0;
for (const file of benches) {
  console.log(`\n== ${file}${flags.length > 0 ? ` ${flags.join(" ")}` : ""}`);
  const { code } = await runBenchFile(root, file, flags, true);
  if (code !== 0) {
    console.error(`${file} failed (exit code ${code})`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
