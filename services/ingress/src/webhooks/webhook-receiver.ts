import { hash } from "node:crypto";
import { newId } from "@atendo/db";
import type { Plan } from "@atendo/proto/tenant/v1";
import {
  CORRELATION_HEADER,
  clientIp,
  type NodeRequest,
  type NodeResponse,
  sendText,
} from "@atendo/service-kit";
import { type Logger, withContext } from "@atendo/telemetry";
import type { ChannelDirectory } from "../clients/channel-directory.js";
import { clip } from "../domain/json-read.js";
import { verifyMetaSignature } from "../domain/meta-signature.js";
import type { MetaChannelName } from "../domain/resolved-channel.js";
import { eventCount } from "../domain/split-delivery.js";
import { GroupCommitFullError } from "../store/group-commit.js";
import type { RejectedRequestLimiter } from "../store/rejected-request-limiter.js";
import type { NewWebhookEvent, WebhookEventWriter } from "../store/webhook-event-writer.js";
import type { BodyBudget } from "./body-budget.js";
import { readBudgetedBody } from "./budgeted-body.js";
import { findMetaChannel, holdReason, type MetaChannel, RETRY_LATER_SECONDS } from "./channel-gate.js";
import type { DeliveryPublisher } from "./delivery-publisher.js";
import { countsOf, type DeliverySplitter } from "./delivery-splitter.js";
import type { QueuedRowProcessor } from "./queued-row-processor.js";
import type { WebhookMetrics } from "./webhook-metrics.js";
import type { RateLimitDecision, WebhookRateLimiter } from "./webhook-rate-limit.js";

export interface WebhookReceiverDeps {
  channels: ChannelDirectory;
  writer: WebhookEventWriter;
  splitter: DeliverySplitter;
  publisher: DeliveryPublisher;
  limiter: RejectedRequestLimiter;
  /** Signed deliveries per tenant and per channel, by plan: past it 429 and a throttled row. */
  rateLimiter: WebhookRateLimiter;
  metrics: WebhookMetrics;
  logger: Logger;
  /** Larger bodies are refused with 413 (Meta's limit is 3 MB). */
  maxBodyBytes: number;
  /** The bytes of bodies held by requests in progress; past it a request gets 503 unread. */
  bodyBudget: BodyBudget;
  /** A badly signed delivery keeps this much of its body (with its size and hash). */
  rejectedBodyKeepBytes: number;
  /** A queued row the request could not publish is due for the sweeper this long after arrival. */
  queuedAfterMs: number;
  /** Publishes a stored queued row (split from its body): larger deliveries go this way. */
  processor: QueuedRowProcessor;
  /**
   * Bodies larger than this (a coexistence history chunk runs to MBs) are not split in the request:
   * stored queued, answered, then split and published from the row. Default 256 KiB.
   */
  splitInlineMaxBytes?: number;
  now?: () => Date;
}

const SPLIT_INLINE_MAX_BYTES = 256 * 1024;

/**
 * POST `/webhooks/{whatsapp|instagram}/{channelId}`: one delivery, checked with its channel's
 * credentials, stored, then published. Both Meta channels share every step; the row's channel type
 * picks the mapping (delivery-splitter.ts).
 */
export interface WebhookReceiver {
  receive(req: NodeRequest, res: NodeResponse, name: MetaChannelName, channelId: string): Promise<void>;
}

// The request headers kept with a delivery (forensics of rejected ones above all).
const KEPT_HEADERS = [
  "content-type",
  "content-length",
  "content-encoding",
  "user-agent",
  "x-hub-signature-256",
];
const MAX_HEADER_VALUE = 512;
// A throttled row keeps the delivery's size and hash, not its bytes.
const EMPTY_BODY = Buffer.alloc(0);

type RowFields = Pick<NewWebhookEvent, "status" | "reason" | "message_count" | "status_count"> &
  Partial<Pick<NewWebhookEvent, "attempts" | "last_error" | "next_attempt_at">>;

export function createWebhookReceiver(deps: WebhookReceiverDeps): WebhookReceiver {
  const { channels, writer, splitter, publisher, processor, limiter, rateLimiter, metrics, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const splitInlineMaxBytes = deps.splitInlineMaxBytes ?? SPLIT_INLINE_MAX_BYTES;

  /** Stores the row; false when the queue is full, having answered 503 (nothing was stored). */
  async function store(row: NewWebhookEvent, res: NodeResponse, log: () => Logger): Promise<boolean> {
    try {
      await writer.insert(row);
      return true;
    } catch (err) {
      if (!(err instanceof GroupCommitFullError)) throw err;
      metrics.refused("overloaded");
      log().warn({ channel_id: row.channel_id }, "webhook refused: too many deliveries waiting to be stored");
      res.setHeader("retry-after", String(RETRY_LATER_SECONDS));
      sendText(res, 503, "busy, retry later");
      return false;
    }
  }

  /**
   * A bad or missing signature: counted per channel and client address; within the limits its
   * metadata, hash and first bytes are kept as a rejected row, past them nothing is (429).
   */
  async function refuse(
    row: NewWebhookEvent,
    reason: string,
    res: NodeResponse,
    log: () => Logger,
  ): Promise<void> {
    let admission: Awaited<ReturnType<RejectedRequestLimiter["admit"]>>;
    try {
      admission = await limiter.admit(row.channel_id, row.source_ip);
    } catch (err) {
      // Unable to count them, unauthenticated requests get no row (the answer is the same).
      log().warn({ err, channel_id: row.channel_id }, "counting a rejected webhook failed: not stored");
      sendText(res, 401, reason);
      return;
    }
    if (!admission.admitted) {
      metrics.refused("rate_limited");
      log().warn(
        { channel_id: row.channel_id, source_ip: row.source_ip, reason },
        "rejected webhooks over the limit",
      );
      res.setHeader("retry-after", String(Math.ceil(admission.retryAfterMs / 1000)));
      sendText(res, 429, "too many badly signed requests, retry later");
      return;
    }
    // A copy: the kept bytes must not pin the whole body in memory while queued.
    const kept = Buffer.from(row.body.subarray(0, deps.rejectedBodyKeepBytes));
    try {
      await writer.insert({ ...row, body: kept });
    } catch (err) {
      if (!(err instanceof GroupCommitFullError)) throw err;
      log().warn({ channel_id: row.channel_id }, "rejected webhook not stored: the queue is full");
    }
    log().warn({ channel_id: row.channel_id, source_ip: row.source_ip, reason }, "webhook rejected");
    sendText(res, 401, reason);
  }

  /**
   * The rate limits' decision; undefined when they could not be checked (a Redis outage must not
   * turn into lost messages: the delivery goes on). Never rejects, so it can run while the body is
   * split.
   */
  function admission(row: NewWebhookEvent, plan: Plan, log: () => Logger) {
    return rateLimiter
      .admit({ tenantId: row.tenant_id, channelId: row.channel_id, plan })
      .catch((err: unknown): undefined => {
        log().warn({ err, channel_id: row.channel_id }, "checking the webhook rate limit failed: admitted");
        return undefined;
      });
  }

  /**
   * Over the tenant's or the channel's rate limit: 429 with Retry-After, and a throttled row with
   * the delivery's size, hash and headers but not its body (Meta delivers it again). True when it
   * answered.
   */
  async function throttle(
    row: NewWebhookEvent,
    decision: RateLimitDecision | undefined,
    res: NodeResponse,
    log: () => Logger,
  ): Promise<boolean> {
    if (decision === undefined || decision.admitted) return false;
    const retryAfter = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    metrics.throttled(decision.scope);
    log().warn(
      { channel_id: row.channel_id, scope: decision.scope, retry_after_s: retryAfter },
      "webhook throttled: over the rate limit",
    );
    try {
      await writer.insert({
        ...row,
        body: EMPTY_BODY,
        reason: `over the ${decision.scope}'s webhook rate limit`,
      });
    } catch (err) {
      if (!(err instanceof GroupCommitFullError)) throw err;
      log().warn({ channel_id: row.channel_id }, "throttled webhook not recorded: the queue is full");
    }
    res.setHeader("retry-after", String(retryAfter));
    sendText(res, 429, `over the ${decision.scope}'s webhook rate limit, retry later`);
    return true;
  }

  /**
   * A delivery too large to split in the request: stored queued and due at once, answered, then
   * split and published from the stored row, as the sweeper would (the row is the outbox; a crash
   * meanwhile leaves it to the sweeper).
   */
  async function storeThenSplit(row: NewWebhookEvent, res: NodeResponse, log: () => Logger): Promise<void> {
    if (!(await store(row, res, log))) return;
    sendText(res, 200, "ok");
    processor.process(row.id, row.tenant_id).catch((err: unknown) => {
      log().warn({ err }, "processing a large webhook failed; the sweeper will retry");
    });
  }

  /** One delivery read within the budget: checked, stored, then published. */
  async function handle(
    req: NodeRequest,
    res: NodeResponse,
    name: MetaChannelName,
    channelId: string,
    { channel, credentials }: MetaChannel,
    body: Buffer,
  ): Promise<void> {
    const id = newId();
    const receivedAt = now();
    res.setHeader(CORRELATION_HEADER, id);
    // Made when something is logged: a child logger costs more than a quiet delivery's other work.
    let contextLog: Logger | undefined;
    const log = () => (contextLog ??= withContext(logger, { tenantId: channel.tenantId, correlationId: id }));
    const common = {
      id,
      tenant_id: channel.tenantId,
      workspace_id: channel.workspaceId,
      channel_id: channel.channelId,
      channel_type: name,
      body,
      body_size: body.length,
      body_sha256: hash("sha256", body, "buffer"),
      source_ip: clientIp(req.headers, req.socket?.remoteAddress),
      request_headers: keptHeaders(req),
      received_at: receivedAt,
    };
    const row = (fields: RowFields): NewWebhookEvent => ({
      ...common,
      processed_at: fields.status === "queued" ? null : receivedAt,
      attempts: 0,
      next_attempt_at: null,
      last_error: "",
      ...fields,
    });

    const header = req.headers["x-hub-signature-256"];
    const signature = verifyMetaSignature(
      credentials.appSecret,
      body,
      Array.isArray(header) ? header[0] : header,
    );
    if (!signature.ok) {
      const rejected = row({
        status: "rejected",
        reason: signature.reason,
        message_count: 0,
        status_count: 0,
      });
      await refuse(rejected, signature.reason, res, log);
      return;
    }
    const throttled = row({ status: "throttled", reason: "", message_count: 0, status_count: 0 });
    // The limits are asked of Redis while the body is split: their round trip costs no latency.
    const decided = admission(throttled, channel.plan, log);
    // A queued row the request does not see published is due for the sweeper then.
    const dueAt = new Date(receivedAt.getTime() + deps.queuedAfterMs);
    const held = holdReason(channel);
    if (held === undefined && body.length > splitInlineMaxBytes) {
      if (await throttle(throttled, await decided, res, log)) return;
      const queued = row({
        status: "queued",
        reason: "",
        next_attempt_at: dueAt,
        message_count: 0,
        status_count: 0,
      });
      await storeThenSplit(queued, res, log);
      return;
    }

    const split = splitter.split(
      {
        id,
        tenantId: channel.tenantId,
        workspaceId: channel.workspaceId,
        channelId: channel.channelId,
        channelType: name,
        body,
        receivedAt,
      },
      credentials.accountId,
    );
    if (await throttle(throttled, await decided, res, log)) return;
    if (!split.ok) {
      // A mapping bug must not lose the delivery: stored as failed, visible, replayable once fixed.
      const failed = row({
        status: "failed",
        reason: "the body could not be processed",
        message_count: 0,
        status_count: 0,
        attempts: 1,
        last_error: split.error,
      });
      if (!(await store(failed, res, log))) return;
      metrics.rowFailed();
      log().error(
        { channel_id: channelId, error: split.error },
        "webhook failed: splitting it failed; replay it once fixed",
      );
      sendText(res, 200, "ok");
      return;
    }

    const { parts } = split;
    if (parts.ignored !== undefined) {
      // Not this channel's (another number or account, the dashboard's sample): stored, answered
      // 200 (Meta would retry anything else), never published.
      const ignored = row({ status: "ignored", reason: parts.ignored, message_count: 0, status_count: 0 });
      if (!(await store(ignored, res, log))) return;
      log().info({ channel_id: channelId, reason: clip(parts.ignored, 200) }, "webhook ignored");
      sendText(res, 200, "ok");
      return;
    }
    const { messageCount, statusCount } = countsOf(parts);
    const counts = { message_count: messageCount, status_count: statusCount };
    const notes = parts.notes.join("; ");
    if (held !== undefined) {
      if (!(await store(row({ status: "held", reason: held, ...counts }), res, log))) return;
      log().info({ channel_id: channelId, reason: held }, "webhook held");
      sendText(res, 200, "ok");
      return;
    }
    if (eventCount(parts) === 0) {
      // Stored and answered 200 even when unusable (docs/meta-wire-format.md, rule 3): Meta retries anything
      // else.
      if (!(await store(row({ status: "accepted", reason: notes, ...counts }), res, log))) return;
      log().debug({ channel_id: channelId, reason: clip(notes, 200) }, "webhook stored without events");
      sendText(res, 200, "ok");
      return;
    }

    // The row is the outbox: once it is committed the delivery cannot be lost.
    if (
      !(await store(row({ status: "queued", reason: notes, next_attempt_at: dueAt, ...counts }), res, log))
    ) {
      return;
    }
    const failure = await publisher.publish(parts, log);
    // Stored and in JetStream: Meta can have its 200 now. Marking the row is bookkeeping off the
    // request path; if it is lost the sweeper republishes (deduplicated) and marks it.
    sendText(res, 200, "ok");
    if (failure !== undefined) {
      log().warn(
        { channel_id: channelId, error: failure },
        "publishing a webhook failed; the sweeper will retry",
      );
      return;
    }
    if (logger.isLevelEnabled("debug")) log().debug({ channel_id: channelId, ...counts }, "webhook accepted");
    writer.markAccepted(channel.tenantId, id).catch((err: unknown) => {
      log().warn({ err }, "marking a webhook accepted failed");
    });
  }

  return {
    async receive(req, res, name, channelId) {
      const found = await findMetaChannel(channels, name, channelId, res, logger);
      if (found === undefined) return;
      // Over the limit this throws PayloadTooLargeError: the server answers 413 and closes.
      const read = await readBudgetedBody(req, { maxBytes: deps.maxBodyBytes, budget: deps.bodyBudget });
      if (!read.ok && read.reason === "client gone") {
        logger.info({ channel_id: channelId }, "webhook client went away before sending its whole body");
        return;
      }
      if (!read.ok) {
        metrics.refused("overloaded");
        logger.warn(
          { channel_id: channelId },
          "webhook refused: too many body bytes held by requests in progress",
        );
        // The rest of the body stays unread: over HTTP/1.1 the connection closes after the answer.
        if (req.httpVersionMajor === 1 && !res.headersSent) res.setHeader("connection", "close");
        res.setHeader("retry-after", String(RETRY_LATER_SECONDS));
        sendText(res, 503, "busy, retry later");
        return;
      }
      try {
        await handle(req, res, name, channelId, found, read.body);
      } finally {
        read.release();
      }
    },
  };
}

/** The headers worth keeping, lowercase names, values cut short. */
function keptHeaders(req: NodeRequest): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = req.headers[name];
    const text = Array.isArray(value) ? value.join(", ") : value;
    if (text !== undefined) kept[name] = clip(text, MAX_HEADER_VALUE);
  }
  return kept;
}
