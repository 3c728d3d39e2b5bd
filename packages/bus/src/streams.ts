import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import type { BusLogger } from "./logger.js";
import type { Naming } from "./naming.js";

export type EnsureStreamOptions = {
  domain: string;
  /** Window in which a repeated msgID is dropped. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** How long events are kept; 0 keeps them forever. Default 7 days. */
  maxAgeMs?: number;
  /** Copies kept in a clustered JetStream. Default 1. */
  replicas?: number;
};

export type EnsureStreamResult = { stream: string; action: "created" | "updated" | "unchanged" };

export type StreamProvisioner = {
  ensureStream(options: EnsureStreamOptions): Promise<EnsureStreamResult>;
  /** Creates the stream with defaults when it is missing; never changes an existing one. */
  ensureStreamExists(domain: string): Promise<string>;
};

const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;
const DEFAULT_MAX_AGE_MS = 7 * 24 * 3_600_000;
const SERVER_DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;

type Desired = Pick<
  StreamConfig,
  "name" | "subjects" | "storage" | "retention" | "discard" | "max_age" | "duplicate_window" | "num_replicas"
>;

export function createStreamProvisioner(deps: {
  jsm: JetStreamManager;
  naming: Naming;
  logger: BusLogger;
}): StreamProvisioner {
  const { jsm, naming, logger } = deps;

  function desiredConfig(options: EnsureStreamOptions): Desired {
    const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    const duplicateWindowMs =
      options.duplicateWindowMs ??
      (maxAgeMs > 0 ? Math.min(DEFAULT_DUPLICATE_WINDOW_MS, maxAgeMs) : DEFAULT_DUPLICATE_WINDOW_MS);
    const replicas = options.replicas ?? 1;
    assertWholeMs("maxAgeMs", maxAgeMs, 0);
    assertWholeMs("duplicateWindowMs", duplicateWindowMs, 1);
    if (maxAgeMs > 0 && duplicateWindowMs > maxAgeMs) {
      throw new RangeError(`duplicateWindowMs (${duplicateWindowMs}) cannot exceed maxAgeMs (${maxAgeMs})`);
    }
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      throw new RangeError(`replicas must be an integer from 1 to 5, got ${replicas}`);
    }
    return {
      name: naming.stream(options.domain),
      subjects: [naming.domainSubjects(options.domain)],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(maxAgeMs),
      duplicate_window: nanos(duplicateWindowMs),
      num_replicas: replicas,
    };
  }

  async function info(name: string): Promise<StreamInfo | undefined> {
    try {
      return await jsm.streams.info(name);
    } catch (err) {
      if (isStreamNotFound(err)) return undefined;
      throw err;
    }
  }

  async function create(desired: Desired): Promise<boolean> {
    try {
      await jsm.streams.add(desired);
      return true;
    } catch (err) {
      // Another replica created it between our info and add: fall back to comparing.
      if (err instanceof JetStreamApiError && err.code === STREAM_NAME_IN_USE) return false;
      throw err;
    }
  }

  async function ensureStream(options: EnsureStreamOptions): Promise<EnsureStreamResult> {
    const desired = desiredConfig(options);
    const stream = desired.name;
    let current = await info(stream);
    if (current === undefined) {
      if (await create(desired)) {
        logger.info({ stream, subjects: desired.subjects }, "stream created");
        return { stream, action: "created" };
      }
      current = await info(stream);
      if (current === undefined) throw new Error(`stream ${stream} vanished while being provisioned`);
    }
    const differences = diff(current.config, desired);
    if (differences.length === 0) return { stream, action: "unchanged" };
    if (current.config.storage !== desired.storage || current.config.retention !== desired.retention) {
      throw new Error(
        `stream ${stream} exists with storage=${current.config.storage} retention=${current.config.retention}, ` +
          `which cannot be changed in place; expected storage=${desired.storage} retention=${desired.retention}`,
      );
    }
    await jsm.streams.update(stream, {
      subjects: desired.subjects,
      discard: desired.discard,
      max_age: desired.max_age,
      duplicate_window: desired.duplicate_window,
      num_replicas: desired.num_replicas,
    });
    logger.info({ stream, changed: differences }, "stream updated");
    return { stream, action: "updated" };
  }

  async function ensureStreamExists(domain: string): Promise<string> {
    const desired = desiredConfig({ domain });
    if ((await info(desired.name)) === undefined && (await create(desired))) {
      logger.info({ stream: desired.name }, "stream created with defaults by a consumer");
    }
    return desired.name;
  }

  return { ensureStream, ensureStreamExists };
}

// JSStreamNameExistErr: a stream of that name exists with another configuration.
const STREAM_NAME_IN_USE = 10058;

export function isStreamNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound;
}

function diff(current: StreamConfig, desired: Desired): string[] {
  const out: string[] = [];
  const sameSubjects =
    current.subjects.length === desired.subjects.length &&
    desired.subjects.every((s) => current.subjects.includes(s));
  if (!sameSubjects) out.push("subjects");
  if (current.storage !== desired.storage) out.push("storage");
  if (current.retention !== desired.retention) out.push("retention");
  if (current.discard !== desired.discard) out.push("discard");
  if (current.max_age !== desired.max_age) out.push("max_age");
  // The server stores 0 as its own default window.
  const currentWindow = current.duplicate_window || nanos(SERVER_DEFAULT_DUPLICATE_WINDOW_MS);
  if (currentWindow !== desired.duplicate_window) out.push("duplicate_window");
  if ((current.num_replicas || 1) !== desired.num_replicas) out.push("num_replicas");
  return out;
}

function assertWholeMs(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}
