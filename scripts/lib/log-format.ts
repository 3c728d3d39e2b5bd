// Turns a service's pino JSON line into one readable line for the dev console:
//   12:03:04 tenant       INFO  listening host=127.0.0.1 port=7101
// Errors keep their message and stack; lines that are not JSON (a crash's stack printed by Node, not
// by the logger) are shown as they are, URL credentials masked as the logger masks them.
import { redactUrlCredentials } from "@atendo/telemetry";

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const HIDDEN = new Set(["level", "time", "service", "pid", "hostname", "msg", "trace_id", "span_id", "v"]);
// Bus bookkeeping: useful when something fails, noise on every info line.
const QUIET_BELOW_WARN = new Set([
  "component",
  "stream",
  "durable",
  "subject",
  "stream_seq",
  "correlation_id",
]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_VALUE = 120;

const ANSI = {
  reset: "\u001b[0m",
  dim: "\u001b[2m",
  bold: "\u001b[1m",
  red: "\u001b[31m",
  yellow: "\u001b[33m",
  palette: ["\u001b[36m", "\u001b[35m", "\u001b[32m", "\u001b[34m", "\u001b[33m", "\u001b[96m", "\u001b[95m"],
};

export interface FormattedLine {
  text: string;
  /** pino's number (30 info, 40 warn, 50 error); 30 for lines that are not JSON. */
  level: number;
}

export interface LogFormatOptions {
  color: boolean;
  /** Width of the service column. */
  nameWidth?: number;
}

function levelOf(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") return LEVELS[value] ?? 30;
  return 30;
}

function levelLabel(level: number): string {
  if (level >= 60) return "FATAL";
  if (level >= 50) return "ERROR";
  if (level >= 40) return "WARN";
  if (level >= 30) return "INFO";
  if (level >= 20) return "DEBUG";
  return "TRACE";
}

function clock(time: unknown): string {
  const d = typeof time === "string" || typeof time === "number" ? new Date(time) : new Date();
  return Number.isNaN(d.getTime()) ? "--:--:--" : d.toISOString().slice(11, 19);
}

function show(value: unknown): string {
  const s = typeof value === "string" ? value : JSON.stringify(value);
  const oneLine = (s ?? "").replace(/\s+/g, " ");
  const quoted = /[\s=]/.test(oneLine) && typeof value === "string" ? JSON.stringify(oneLine) : oneLine;
  return quoted.length > MAX_VALUE ? `${quoted.slice(0, MAX_VALUE - 1)}…` : quoted;
}

function colorOf(service: string): string {
  let h = 0;
  for (const c of service) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return ANSI.palette[h % ANSI.palette.length] ?? "";
}

export function formatLogLine(service: string, line: string, options: LogFormatOptions): FormattedLine {
  const paint = (code: string, s: string): string => (options.color ? `${code}${s}${ANSI.reset}` : s);
  const name = paint(colorOf(service), service.padEnd(options.nameWidth ?? 12));
  let parsed: unknown;
  try {
    parsed = line.startsWith("{") ? JSON.parse(line) : undefined;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { text: `${paint(ANSI.dim, clock(undefined))} ${name} ${redactUrlCredentials(line)}`, level: 30 };
  }
  const rec = parsed as Record<string, unknown>;
  const level = levelOf(rec.level);
  const label = levelLabel(level).padEnd(5);
  const levelText =
    level >= 50 ? paint(ANSI.bold + ANSI.red, label) : level >= 40 ? paint(ANSI.yellow, label) : label;
  const fields: string[] = [];
  let stack: string | undefined;
  for (const [key, value] of Object.entries(rec)) {
    if (HIDDEN.has(key) || value === undefined || value === null) continue;
    if (level < 40 && QUIET_BELOW_WARN.has(key)) continue;
    if (key === "err" && typeof value === "object") {
      const err = value as { message?: unknown; stack?: unknown; type?: unknown };
      fields.push(`err=${show(err.message ?? err.type ?? value)}`);
      if (level >= 50 && typeof err.stack === "string") stack = err.stack;
      continue;
    }
    // Ids are told apart by their first characters (UUIDv7: the time); warnings keep them whole.
    const shown =
      level < 40 && typeof value === "string" && UUID.test(value) ? `${value.slice(0, 13)}…` : show(value);
    fields.push(`${key}=${shown}`);
  }
  const msg = typeof rec.msg === "string" ? rec.msg : "";
  const head = `${paint(ANSI.dim, clock(rec.time))} ${name} ${levelText} ${msg}`;
  const tail = fields.length > 0 ? ` ${paint(ANSI.dim, fields.join(" "))}` : "";
  const indented = stack === undefined ? "" : `\n${stack.replace(/^/gm, "    ")}`;
  return { text: `${head}${tail}${indented}`, level };
}
