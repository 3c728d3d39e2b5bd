import type { Db } from "@atendo/db";
import type { Logger } from "@atendo/telemetry";
import { LockMode } from "@mikro-orm/core";
import type { SigningKeys } from "../auth/signing-keys.js";
import { openChannelSecrets, sealChannelSecrets } from "../domain/channel-secrets.js";
import type { KeyRing } from "../domain/key-ring.js";
import type { SecretBox } from "../domain/secret-box.js";
import { ChannelEntity } from "../store/channel-entity.js";

/** What one pass did, and what still keeps each ring key in use. */
export interface ResealReport {
  channels: { resealed: number; failed: number };
  signingKeys: { resealed: number; failed: number };
  /** Channels per key id after the pass (every tenant), the active key included. */
  channelsByKey: Record<string, number>;
}

export interface ResealProgress {
  /** Channels looked at so far in this pass. */
  seen: number;
  resealed: number;
  failed: number;
}

export interface ResealJob {
  /**
   * Re-seals every channel secret sealed with a ring key other than the active one (signing keys
   * of this issuer too), page by page, each row inside its tenant under `FOR UPDATE SKIP LOCKED`:
   * idempotent, and replicas running it at once share the rows instead of fighting over them. A
   * row that does not open (its key is missing, or another deployment's key has the same id) is
   * counted, logged by id, and left untouched. Stops between rows when `signal` aborts.
   */
  run(options?: { signal?: AbortSignal; onProgress?: (p: ResealProgress) => void }): Promise<ResealReport>;
}

const PAGE = 200;

export function createResealJob(deps: {
  db: Db;
  ring: KeyRing;
  secretBox: SecretBox;
  signingKeys: SigningKeys;
  logger: Logger;
}): ResealJob {
  const { db, ring, secretBox, logger } = deps;
  const oldKeys = ring.keyIds.filter((k) => k !== ring.activeKeyId);

  /** One channel: "resealed", "failed", or "skipped" (gone, locked elsewhere, already current). */
  async function resealChannel(
    tenantId: string,
    channelId: string,
  ): Promise<"resealed" | "failed" | "skipped"> {
    try {
      return await db.withTenant(tenantId, async (em) => {
        const row = await em.findOne(
          ChannelEntity,
          { id: channelId },
          { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
        );
        if (row === null || row.keyId === ring.activeKeyId) return "skipped";
        // Same content, new envelope: updated_at stays, nothing changed for readers.
        const sealed = sealChannelSecrets(secretBox, row, openChannelSecrets(secretBox, row));
        row.secrets = sealed.ciphertext;
        row.keyId = sealed.keyId;
        return "resealed";
      });
    } catch (err) {
      // The box's messages name the key id, never key material or secrets.
      logger.warn(
        { tenant_id: tenantId, channel_id: channelId, err: { message: (err as Error).message } },
        "a channel's secrets could not be re-sealed; left as they are",
      );
      return "failed";
    }
  }

  async function channelsByKey(): Promise<Record<string, number>> {
    const rows = await db.withoutTenant((em) =>
      em.execute<Array<{ key_id: string; channels: string }>>(
        "select key_id, channels from tenant.channel_key_usage()",
        [],
        "all",
      ),
    );
    return Object.fromEntries(rows.map((r) => [r.key_id, Number(r.channels)]));
  }

  return {
    async run(options = {}) {
      const progress: ResealProgress = { seen: 0, resealed: 0, failed: 0 };
      const aborted = () => options.signal?.aborted === true;
      let after: string | null = null;
      while (oldKeys.length > 0 && !aborted()) {
        const page: Array<{ tenant_id: string; channel_id: string }> = await db.withoutTenant((em) =>
          em.execute<Array<{ tenant_id: string; channel_id: string }>>(
            "select tenant_id, channel_id from tenant.channels_sealed_with(?::text[], ?::uuid, ?)",
            [`{${oldKeys.join(",")}}`, after, PAGE],
            "all",
          ),
        );
        for (const { tenant_id: tenantId, channel_id: channelId } of page) {
          if (aborted()) break;
          const outcome = await resealChannel(tenantId, channelId);
          progress.seen++;
          if (outcome === "resealed") progress.resealed++;
          if (outcome === "failed") progress.failed++;
        }
        options.onProgress?.({ ...progress });
        const last = page.at(-1);
        if (page.length < PAGE || last === undefined) break;
        after = last.channel_id;
      }
      const signingKeys =
        oldKeys.length > 0 && !aborted() ? await deps.signingKeys.resealAll() : { resealed: 0, failed: 0 };
      return {
        channels: { resealed: progress.resealed, failed: progress.failed },
        signingKeys,
        channelsByKey: await channelsByKey(),
      };
    },
  };
}
