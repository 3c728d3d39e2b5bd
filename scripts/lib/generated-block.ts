// Generated parts of hand-written files (Envoy's routes, the tables of docs/): a block between two
// marker lines that `npm run proto:gen` rewrites and `proto check` compares.
export type BlockStyle = "markdown" | "yaml";

const WRITER = "npm run proto:gen";

function markers(
  name: string,
  style: BlockStyle,
): { begin: RegExp; end: RegExp; beginText: string; endText: string } {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (style === "markdown") {
    return {
      begin: new RegExp(`^<!-- BEGIN GENERATED ${escaped}\\b.*-->$`, "m"),
      end: new RegExp(`^<!-- END GENERATED ${escaped} -->$`, "m"),
      beginText: `<!-- BEGIN GENERATED ${name}: \`${WRITER}\` writes it from the contracts; do not edit -->`,
      endText: `<!-- END GENERATED ${name} -->`,
    };
  }
  return {
    begin: new RegExp(`^[ \\t]*# BEGIN GENERATED ${escaped}\\b.*$`, "m"),
    end: new RegExp(`^[ \\t]*# END GENERATED ${escaped}$`, "m"),
    beginText: `# BEGIN GENERATED ${name}: \`${WRITER}\` writes it from the contracts; do not edit`,
    endText: `# END GENERATED ${name}`,
  };
}

/** The marker lines of a new block, for a file that gets one (indent: YAML's). */
export function emptyBlock(name: string, style: BlockStyle, indent = ""): string {
  const m = markers(name, style);
  return `${indent}${m.beginText}\n${indent}${m.endText}\n`;
}

/** `text` with the body of block `name` replaced by `body` (lines ending in a newline). */
export function replaceBlock(text: string, name: string, body: string, style: BlockStyle): string {
  const m = markers(name, style);
  const begin = m.begin.exec(text);
  const end = m.end.exec(text);
  if (!begin || !end || end.index < begin.index) {
    throw new Error(`no generated block "${name}": keep its BEGIN GENERATED and END GENERATED marker lines`);
  }
  const indent = /^[ \t]*/.exec(begin[0])?.[0] ?? "";
  const after = text.slice(end.index + end[0].length);
  return `${text.slice(0, begin.index)}${indent}${m.beginText}\n${body}${indent}${m.endText}${after}`;
}
