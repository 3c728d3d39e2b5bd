import type { EntityManager } from "@atendo/db";
import { advanceMessageStatus } from "@atendo/service-kit";

/** One message of a visitor's thread, as stored (content: atendo.common.v1.MessageInput, binary). */
export interface StoredWidgetMessage {
  id: string;
  channelId: string;
  visitorId: string;
  /** Position in the thread's history: 1, 2, 3... in commit order. */
  seq: number;
  /**
   * The thread's change counter when the message last changed (stored: its seq; a new status: the
   * next number). Streams and ListMessages after a cursor read in this order.
   */
  version: number;
  direction: "inbound" | "outbound";
  senderKind: number;
  senderName: string;
  requestId: string;
  content: Uint8Array;
  status: number;
  createdAt: Date;
}

export type NewWidgetMessage = Omit<StoredWidgetMessage, "seq" | "version" | "createdAt" | "requestId"> & {
  tenantId: string;
  /** The SendMessage request_id (a retry finds the first message). */
  requestId?: string;
  /** The conversation's id of an outbound message (a reply heard twice is stored once). */
  conversationMessageId?: string;
};

export interface WidgetSessionRow {
  id: string;
  visitorId: string;
  verified: boolean;
  /** What the visitor said about themselves (the contact's name and email). */
  name: string;
  email: string;
  createdAt: Date;
}

/**
 * Where a page of a thread starts: after a version (change order, oldest change first), before a
 * seq (history order, newest first) or at the newest message.
 */
export type ThreadAnchor = { after: number } | { before: number } | { newest: true };

export interface ThreadRef {
  channelId: string;
  visitorId: string;
}

export interface VisitorRef {
  tenantId: string;
  channelId: string;
  visitorId: string;
}

/**
 * The widget's rows (migrations/20270103000000-widget.ts, 20270105000000-widget-versions.ts), inside the caller's tenant transaction
 * (row-level security keeps each tenant to its rows).
 */
export interface WidgetStore {
  /**
   * Creates the visitor's thread when new (else marks it seen now, for retention); returns its
   * conversation (empty until one is known).
   */
  ensureVisitor(
    em: EntityManager,
    v: VisitorRef & { verified: boolean },
  ): Promise<{ conversationId: string }>;
  sessionOfRequest(
    em: EntityManager,
    channelId: string,
    requestId: string,
  ): Promise<WidgetSessionRow | undefined>;
  session(em: EntityManager, sessionId: string): Promise<WidgetSessionRow | undefined>;
  insertSession(
    em: EntityManager,
    s: VisitorRef & { id: string; verified: boolean; name: string; email: string; requestId?: string },
  ): Promise<WidgetSessionRow>;
  /**
   * Appends a message to its thread under the thread's row lock, so sequence numbers commit in
   * order; a message whose request_id or conversation message id is already stored is returned
   * instead (created: false). Undefined when the thread does not exist.
   */
  append(
    em: EntityManager,
    m: NewWidgetMessage,
  ): Promise<{ message: StoredWidgetMessage; created: boolean } | undefined>;
  /** A message of the thread by id. */
  message(
    em: EntityManager,
    channelId: string,
    visitorId: string,
    id: string,
  ): Promise<StoredWidgetMessage | undefined>;
  /** A page of a thread: after (oldest first), before or newest (newest first). */
  page(
    em: EntityManager,
    channelId: string,
    visitorId: string,
    anchor: ThreadAnchor,
    limit: number,
  ): Promise<StoredWidgetMessage[]>;
  /** Records the contact and current conversation the conversation service gave the thread (StartSession). */
  linkConversation(
    em: EntityManager,
    thread: { channelId: string; visitorId: string },
    link: { conversationId: string; contactId: string },
  ): Promise<void>;
  /** The thread's latest version (0 for none): a stream without a cursor starts after it. */
  lastVersion(em: EntityManager, channelId: string, visitorId: string): Promise<number>;
  /** Remembers the conversation and contact of the thread a stored inbound message belongs to. */
  learnConversation(
    em: EntityManager,
    widgetMessageId: string,
    link: { conversationId: string; contactId: string },
  ): Promise<void>;
  /** The thread of a conversation's contact on the channel (the newest when several). */
  visitorOfContact(em: EntityManager, channelId: string, contactId: string): Promise<string | undefined>;
  /** The thread whose latest conversation this is. */
  visitorOfConversation(
    em: EntityManager,
    conversationId: string,
  ): Promise<{ channelId: string; visitorId: string } | undefined>;
  /**
   * A new status of an outbound message, with the thread's next version (taken under the thread's
   * row lock, like a new message's seq, so versions commit in order). Returns the message's thread
   * (undefined for a message of no thread) and whether this call changed it: when another consumer
   * did first, the change has committed by the time this returns.
   */
  setStatus(
    em: EntityManager,
    conversationMessageId: string,
    status: number,
  ): Promise<(ThreadRef & { changed: boolean }) | undefined>;
}

const COLUMNS = `id, channel_id, visitor_id, seq, version, direction, sender_kind, sender_name, request_id, content, status,
  (extract(epoch from created_at) * 1000)::float8 as created_ms`;

interface MessageRow {
  id: string;
  channel_id: string;
  visitor_id: string;
  seq: string | number;
  version: string | number;
  direction: "inbound" | "outbound";
  sender_kind: number;
  sender_name: string;
  request_id: string | null;
  content: Buffer;
  status: number;
  created_ms: number;
}

function messageOf(r: MessageRow): StoredWidgetMessage {
  return {
    id: r.id,
    channelId: r.channel_id,
    visitorId: r.visitor_id,
    seq: Number(r.seq),
    version: Number(r.version),
    direction: r.direction,
    senderKind: r.sender_kind,
    senderName: r.sender_name,
    requestId: r.request_id ?? "",
    content: new Uint8Array(r.content),
    status: r.status,
    createdAt: new Date(Number(r.created_ms)),
  };
}

interface SessionRow {
  id: string;
  visitor_id: string;
  verified: boolean;
  name: string;
  email: string;
  created_ms: number;
}

const SESSION_COLUMNS =
  "id, visitor_id, verified, name, email, (extract(epoch from created_at) * 1000)::float8 as created_ms";

const sessionOf = (r: SessionRow): WidgetSessionRow => ({
  id: r.id,
  visitorId: r.visitor_id,
  verified: r.verified,
  name: r.name,
  email: r.email,
  createdAt: new Date(Number(r.created_ms)),
});

async function sessionOfRequest(
  em: EntityManager,
  channelId: string,
  requestId: string,
): Promise<WidgetSessionRow | undefined> {
  const [row] = await em.execute<SessionRow[]>(
    `select ${SESSION_COLUMNS} from ingress.widget_sessions where channel_id = ? and start_request_id = ?`,
    [channelId, requestId],
  );
  return row === undefined ? undefined : sessionOf(row);
}

export function createWidgetStore(): WidgetStore {
  return {
    async ensureVisitor(em, v) {
      await em.execute(
        `insert into ingress.widget_visitors (tenant_id, channel_id, visitor_id, verified)
         values (?, ?, ?, ?) on conflict (channel_id, visitor_id) do update set last_seen_at = now()`,
        [v.tenantId, v.channelId, v.visitorId, v.verified],
      );
      const [row] = await em.execute<Array<{ conversation_id: string | null }>>(
        "select conversation_id from ingress.widget_visitors where channel_id = ? and visitor_id = ?",
        [v.channelId, v.visitorId],
      );
      return { conversationId: row?.conversation_id ?? "" };
    },

    sessionOfRequest,

    async session(em, sessionId) {
      const [row] = await em.execute<SessionRow[]>(
        `select ${SESSION_COLUMNS} from ingress.widget_sessions where id = ?`,
        [sessionId],
      );
      return row === undefined ? undefined : sessionOf(row);
    },

    async insertSession(em, s) {
      // A concurrent StartSession with the same request_id inserted first: its session is the answer.
      const [row] = await em.execute<SessionRow[]>(
        `insert into ingress.widget_sessions (id, tenant_id, channel_id, visitor_id, verified, name, email, start_request_id)
         values (?, ?, ?, ?, ?, ?, ?, ?)
         on conflict do nothing
         returning ${SESSION_COLUMNS}`,
        [s.id, s.tenantId, s.channelId, s.visitorId, s.verified, s.name, s.email, s.requestId ?? null],
      );
      if (row !== undefined) return sessionOf(row);
      const first =
        s.requestId === undefined ? undefined : await sessionOfRequest(em, s.channelId, s.requestId);
      if (first === undefined) throw new Error("a widget session could not be inserted nor found");
      return first;
    },

    async append(em, m) {
      const [thread] = await em.execute<Array<{ last_seq: string }>>(
        "select last_seq from ingress.widget_visitors where channel_id = ? and visitor_id = ? for update",
        [m.channelId, m.visitorId],
      );
      if (thread === undefined) return undefined;
      // Under the lock: a concurrent duplicate has committed (or not started) by now.
      const existing = await em.execute<MessageRow[]>(
        `select ${COLUMNS} from ingress.widget_messages
          where (channel_id = ? and visitor_id = ? and request_id = ?) or conversation_message_id = ?`,
        [m.channelId, m.visitorId, m.requestId ?? null, m.conversationMessageId ?? null],
      );
      if (existing[0] !== undefined) return { message: messageOf(existing[0]), created: false };
      const seq = Number(thread.last_seq) + 1;
      await em.execute(
        "update ingress.widget_visitors set last_seq = ?, last_seen_at = now() where channel_id = ? and visitor_id = ?",
        [seq, m.channelId, m.visitorId],
      );
      const [row] = await em.execute<MessageRow[]>(
        `insert into ingress.widget_messages (id, tenant_id, channel_id, visitor_id, seq, version, direction,
           sender_kind, sender_name, request_id, conversation_message_id, content, status)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         returning ${COLUMNS}`,
        [
          m.id,
          m.tenantId,
          m.channelId,
          m.visitorId,
          seq,
          seq,
          m.direction,
          m.senderKind,
          m.senderName,
          m.requestId ?? null,
          m.conversationMessageId ?? null,
          Buffer.from(m.content),
          m.status,
        ],
      );
      if (row === undefined) throw new Error("inserting a widget message returned nothing");
      return { message: messageOf(row), created: true };
    },

    async message(em, channelId, visitorId, id) {
      const [row] = await em.execute<MessageRow[]>(
        `select ${COLUMNS} from ingress.widget_messages where channel_id = ? and visitor_id = ? and id = ?`,
        [channelId, visitorId, id],
      );
      return row === undefined ? undefined : messageOf(row);
    },

    async page(em, channelId, visitorId, anchor, limit) {
      const where = "channel_id = ? and visitor_id = ?";
      const params: unknown[] = [channelId, visitorId];
      let sql: string;
      if ("after" in anchor) {
        sql = `select ${COLUMNS} from ingress.widget_messages where ${where} and version > ? order by version limit ?`;
        params.push(anchor.after, limit);
      } else if ("before" in anchor) {
        sql = `select ${COLUMNS} from ingress.widget_messages where ${where} and seq < ? order by seq desc limit ?`;
        params.push(anchor.before, limit);
      } else {
        sql = `select ${COLUMNS} from ingress.widget_messages where ${where} order by seq desc limit ?`;
        params.push(limit);
      }
      return (await em.execute<MessageRow[]>(sql, params)).map(messageOf);
    },

    async linkConversation(em, thread, link) {
      await em.execute(
        `update ingress.widget_visitors set conversation_id = ?, contact_id = ?
          where channel_id = ? and visitor_id = ?`,
        [link.conversationId, link.contactId, thread.channelId, thread.visitorId],
      );
    },

    async lastVersion(em, channelId, visitorId) {
      const [row] = await em.execute<Array<{ last_seq: string }>>(
        "select last_seq from ingress.widget_visitors where channel_id = ? and visitor_id = ?",
        [channelId, visitorId],
      );
      return Number(row?.last_seq ?? 0);
    },

    async learnConversation(em, widgetMessageId, link) {
      await em.execute(
        `update ingress.widget_visitors v set conversation_id = ?, contact_id = ?
           from ingress.widget_messages m
          where m.id = ? and v.channel_id = m.channel_id and v.visitor_id = m.visitor_id`,
        [link.conversationId, link.contactId, widgetMessageId],
      );
    },

    async visitorOfContact(em, channelId, contactId) {
      const [row] = await em.execute<Array<{ visitor_id: string }>>(
        `select visitor_id from ingress.widget_visitors where channel_id = ? and contact_id = ?
          order by created_at desc limit 1`,
        [channelId, contactId],
      );
      return row?.visitor_id;
    },

    async visitorOfConversation(em, conversationId) {
      const [row] = await em.execute<Array<{ channel_id: string; visitor_id: string }>>(
        "select channel_id, visitor_id from ingress.widget_visitors where conversation_id = ? limit 1",
        [conversationId],
      );
      return row === undefined ? undefined : { channelId: row.channel_id, visitorId: row.visitor_id };
    },

    async setStatus(em, conversationMessageId, status) {
      const [target] = await em.execute<Array<{ channel_id: string; visitor_id: string }>>(
        "select channel_id, visitor_id from ingress.widget_messages where conversation_message_id = ?",
        [conversationMessageId],
      );
      if (target === undefined) return undefined;
      // The thread first, then the message: the lock order of append.
      const [thread] = await em.execute<Array<{ last_seq: string }>>(
        "select last_seq from ingress.widget_visitors where channel_id = ? and visitor_id = ? for update",
        [target.channel_id, target.visitor_id],
      );
      if (thread === undefined) return undefined;
      const ref = { channelId: target.channel_id, visitorId: target.visitor_id };
      // Reports arrive late and out of order (several consumers at once): a status only moves
      // forward, so a DELIVERED handled after the READ changes nothing. Under the thread's lock the
      // current status cannot move under us.
      const [current] = await em.execute<Array<{ status: number }>>(
        "select status from ingress.widget_messages where conversation_message_id = ?",
        [conversationMessageId],
      );
      if (current === undefined) return undefined;
      const next = advanceMessageStatus(current.status, status);
      if (next === current.status) return { ...ref, changed: false };
      const version = Number(thread.last_seq) + 1;
      await em.execute(
        "update ingress.widget_messages set status = ?, version = ? where conversation_message_id = ?",
        [next, version, conversationMessageId],
      );
      await em.execute(
        "update ingress.widget_visitors set last_seq = ? where channel_id = ? and visitor_id = ?",
        [version, target.channel_id, target.visitor_id],
      );
      return { ...ref, changed: true };
    },
  };
}
