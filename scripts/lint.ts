// npm run lint: Biome (lint + format check) and the TypeScript type check over every workspace.
import { spawnSync } from "node:child_process";

export function lint(): number {
  for (const [cmd, args] of [
    ["biome", ["check", "."]],
    ["tsc", ["-p", "tsconfig.json", "--noEmit"]],
  ] as const) {
    console.log(`$ ${cmd} ${args.join(" ")}`);
    const res = spawnSync(cmd, args, { stdio: "inherit" });
    if (res.status !== 0) return res.status ?? 1;
  }
  return 0;
}

if (import.meta.main) process.exit(lint());
