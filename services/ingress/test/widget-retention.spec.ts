import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { adminQuery, uniqueNamespace, waitFor } from "@atendo/testing";
import { type RunningService, start } from "../src/main.js";
import { type Harness, startHarness } from "./support/harness.js";
import {
  createWebChannel,
  identityHash,
  pageHeaders,
  SHOP,
  startSession,
  text,
  type WebChannel,
  type WidgetClient,
  widgetClient,
} from "./support/widget-kit.js";

const DAY_MS = 24 * 3_600_000;

describe("retention of the widget's threads (WIDGET_RETENTION_DAYS, real Postgres)", function () {
  this.timeout(60_000);
  let h: Harness;
  let client: WidgetClient;
  let pruning: RunningService | undefined;

  before(async () => {
    h = await startHarness();
    client = widgetClient(h.ingressUrl);
  });

  after(async () => {
    await pruning?.stop();
    await h?.stop();
  });

  /** A proven visitor (a stable visitor id) with these messages sent. */
  async function visitor(channel: WebChannel, bodies: string[]) {
    const userId = `user-${randomUUID()}`;
    const session = await startSession(client, channel, SHOP, {
      visitor: { userId, identityHash: identityHash(channel.identitySecret, userId) },
    });
    const ids: string[] = [];
    for (const body of bodies) {
      const sent = await client.sendMessage(
        { message: text(body) },
        { headers: pageHeaders(SHOP, session.visitorToken) },
      );
      ids.push(sent.message?.id ?? "");
    }
    return { userId, sessionId: session.session?.id ?? "", messageIds: ids };
  }

  const ago = (days: number) => `now() - make_interval(days => ${days})`;
  const age = (table: string, column: string, where: string, id: string, days: number) =>
    adminQuery(`update ingress.${table} set ${column} = ${ago(days)} where ${where} = $1`, [id]);
  const count = async (table: string, where: string, id: string) =>
    Number(
      (
        await adminQuery<{ n: string }>(`select count(*) as n from ingress.${table} where ${where} = $1`, [
          id,
        ])
      )[0]?.n,
    );

  it("deletes messages and sessions past it, and visitors idle that long with no message left; keeps the rest", async () => {
    const channel = await createWebChannel(h, { identityVerification: true });
    // Active: one old message goes, the recent one and the thread stay.
    const active = await visitor(channel, ["old", "recent"]);
    await age("widget_messages", "created_at", "id", active.messageIds[0] ?? "", 91);
    await age("widget_visitors", "last_seen_at", "visitor_id", active.userId, 91);
    // Gone: idle for 91 days, every message old: the messages, the session and the thread go.
    const gone = await visitor(channel, ["a", "b"]);
    for (const id of gone.messageIds) await age("widget_messages", "created_at", "id", id, 91);
    await age("widget_visitors", "last_seen_at", "visitor_id", gone.userId, 91);
    await age("widget_sessions", "created_at", "id", gone.sessionId, 91);
    // Silent: never wrote and idle for 91 days.
    const silent = await visitor(channel, []);
    await age("widget_visitors", "last_seen_at", "visitor_id", silent.userId, 91);
    // Recent: idle for 89 days only, without messages: kept.
    const recent = await visitor(channel, []);
    await age("widget_visitors", "last_seen_at", "visitor_id", recent.userId, 89);
    await age("widget_sessions", "created_at", "id", recent.sessionId, 89);

    // A replica runs the job at start (WIDGET_RETENTION_DAYS: 90 by default).
    const config = h.ingressConfig({ busNamespace: uniqueNamespace("ingress") });
    assert.equal(config.widget.retentionMs, 90 * DAY_MS);
    pruning = await start(
      { ...config, retention: { ...config.retention, intervalMs: 3_600_000 } },
      {
        logger: h.logger,
      },
    );
    await waitFor(
      async () =>
        (await count("widget_visitors", "visitor_id", gone.userId)) === 0 &&
        (await count("widget_visitors", "visitor_id", silent.userId)) === 0 &&
        (await count("widget_messages", "id", active.messageIds[0] ?? "")) === 0,
      { message: "the old messages and the idle visitors without messages to be deleted" },
    );
    assert.equal(await count("widget_messages", "visitor_id", gone.userId), 0);
    assert.equal(await count("widget_sessions", "id", gone.sessionId), 0);
    assert.equal(
      await count("widget_messages", "id", active.messageIds[1] ?? ""),
      1,
      "a recent message stays",
    );
    assert.equal(
      await count("widget_visitors", "visitor_id", active.userId),
      1,
      "a thread with messages stays",
    );
    assert.equal(await count("widget_sessions", "id", active.sessionId), 1, "a recent session stays");
    assert.equal(
      await count("widget_visitors", "visitor_id", recent.userId),
      1,
      "a visitor seen 89 days ago stays",
    );
    assert.equal(await count("widget_sessions", "id", recent.sessionId), 1);

    // A pruned visitor who comes back starts afresh: a new thread, an empty history.
    const again = await startSession(client, channel, SHOP, {
      visitor: { userId: gone.userId, identityHash: identityHash(channel.identitySecret, gone.userId) },
    });
    const history = await client.listMessages({}, { headers: pageHeaders(SHOP, again.visitorToken) });
    assert.equal(history.messages.length, 0);
  });
});
