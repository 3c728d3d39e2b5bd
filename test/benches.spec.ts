// Every bench (bench/*.bench.ts, found by name) in smoke mode: one short round against the real
// services, so a bench that no longer works fails npm test instead of rotting until someone runs it.
import assert from "node:assert/strict";
import { listBenches, runBenchFile } from "../scripts/lib/benches.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();

describe("benches in smoke mode", function () {
  this.timeout(300_000);
  const benches = listBenches(root);

  it("finds the benches", () => {
    assert.ok(benches.includes("bench/ingress.bench.ts"), benches.join(", "));
  });

  for (const file of benches) {
    it(`${file} --smoke runs one round and exits 0`, async () => {
      const { code, output } = await runBenchFile(root, file, ["--smoke"]);
      assert.equal(code, 0, `${file} --smoke failed:\n${output.slice(-6000)}`);
      assert.match(output, /medians over 1 round/);
    });
  }
});
