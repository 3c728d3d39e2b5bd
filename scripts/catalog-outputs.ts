// Writes (or checks) what follows from the RPC catalogue and the contracts' descriptors:
//   gateway-envoy/envoy.yaml  the transcoded services and the RPC routes
//   docs/contracts.md         the services with their RPCs (REST, implemented) and the events
//   docs/errors.md            the error reasons
// Only blocks marked GENERATED are touched. Run by `proto gen` (write) and `proto check` (check).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { errorsMarkdown, eventsMarkdown, servicesMarkdown } from "./lib/contract-docs.js";
import { rpcRoutesYaml, transcoderServicesYaml } from "./lib/envoy-routes.js";
import { type BlockStyle, replaceBlock } from "./lib/generated-block.js";
import { implementedRpcPaths } from "./lib/implemented-rpcs.js";
import { buildImage, readImage } from "./lib/proto-image.js";
import { rpcCatalog } from "./lib/rpc-catalog.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();

interface Block {
  file: string;
  name: string;
  style: BlockStyle;
  body: string;
}

export async function catalogBlocks(): Promise<Block[]> {
  const image = readImage(buildImage());
  const catalog = rpcCatalog(image);
  const implemented = await implementedRpcPaths();
  const envoy = join(root, "gateway-envoy", "envoy.yaml");
  const contracts = join(root, "docs", "contracts.md");
  return [
    {
      file: envoy,
      name: "transcoder-services",
      style: "yaml",
      body: transcoderServicesYaml(catalog, " ".repeat(24)),
    },
    { file: envoy, name: "rpc-routes", style: "yaml", body: rpcRoutesYaml(catalog, " ".repeat(24)) },
    { file: contracts, name: "services", style: "markdown", body: servicesMarkdown(image, implemented) },
    { file: contracts, name: "events", style: "markdown", body: eventsMarkdown(image) },
    {
      file: join(root, "docs", "errors.md"),
      name: "error-reasons",
      style: "markdown",
      body: errorsMarkdown(image),
    },
  ];
}

/** The text as `npm run format` leaves it (Biome formats Markdown and YAML too). */
function formatted(file: string, text: string): string {
  // Biome only formats paths inside the repository; a file elsewhere (a test's) is formatted as
  // if it were at the root.
  const at = file.startsWith(`${root}/`) ? file : join(root, basename(file));
  const res = spawnSync(join(root, "node_modules", ".bin", "biome"), ["format", `--stdin-file-path=${at}`], {
    input: text,
    encoding: "utf8",
    cwd: root,
  });
  if (res.status !== 0) throw new Error(`biome could not format ${relative(root, file)}: ${res.stderr}`);
  return res.stdout;
}

/** Files whose generated blocks differ from what the contracts give now, with their new text. */
export function staleFiles(blocks: Block[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const b of blocks) {
    const text = texts.get(b.file) ?? readFileSync(b.file, "utf8");
    texts.set(b.file, replaceBlock(text, b.name, b.body, b.style));
  }
  for (const [file, text] of texts) {
    const fresh = formatted(file, text);
    if (readFileSync(file, "utf8") === fresh) texts.delete(file);
    else texts.set(file, fresh);
  }
  return texts;
}

async function main(): Promise<number> {
  const mode = process.argv[2];
  if (mode !== "write" && mode !== "check") throw new Error("usage: catalog-outputs.ts write|check");
  const stale = staleFiles(await catalogBlocks());
  if (mode === "write") {
    for (const [file, text] of stale) {
      writeFileSync(file, text);
      console.log(`wrote ${relative(root, file)}`);
    }
    return 0;
  }
  for (const file of stale.keys())
    console.error(`stale: ${relative(root, file)} (generated from the contracts)`);
  return stale.size === 0 ? 0 : 1;
}

if (import.meta.main) process.exitCode = await main();
