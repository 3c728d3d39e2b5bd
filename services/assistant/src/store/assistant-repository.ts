import type { EntityManager } from "@atendo/db";
import { LockMode } from "@mikro-orm/core";
import type { AssistantFields } from "../domain/assistant-fields.js";
import type { AssistantRecord, BindingRecord } from "../domain/assistant-view.js";
import { AssistantRow } from "./assistant-entity.js";
import { ChannelBindingRow } from "./channel-binding-entity.js";

export interface BindResult {
  binding: BindingRecord;
  /** The assistant the channel was moved from; undefined when it was unbound or already here. */
  previousAssistantId: string | undefined;
  /** The channel was bound to this assistant already: nothing changed. */
  alreadyBound: boolean;
}

/** Reads and writes of the assistant schema; every call runs inside the caller's tenant transaction. */
export interface AssistantRepository {
  insert(
    em: EntityManager,
    ids: { id: string; tenantId: string; workspaceId: string },
    fields: AssistantFields,
  ): Promise<AssistantRecord>;
  /**
   * How many assistants the tenant has, holding the tenant's creation lock until the transaction
   * ends so concurrent creates cannot both pass the plan's limit.
   */
  countForLimit(em: EntityManager, tenantId: string): Promise<number>;
  /** The assistant if it belongs to the workspace; `lock` holds it until the transaction ends. */
  find(
    em: EntityManager,
    workspaceId: string,
    id: string,
    options?: { lock?: boolean },
  ): Promise<AssistantRecord | undefined>;
  /** Oldest first, after `afterId` (exclusive). */
  list(
    em: EntityManager,
    workspaceId: string,
    afterId: string | undefined,
    limit: number,
  ): Promise<AssistantRecord[]>;
  /** Applies the changes and bumps the version. */
  update(
    em: EntityManager,
    row: AssistantRecord,
    changes: Partial<AssistantFields>,
  ): Promise<AssistantRecord>;
  delete(em: EntityManager, row: AssistantRecord): Promise<void>;
  /** Channel ids bound to each assistant, in binding order. */
  channelIds(em: EntityManager, assistantIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Binds the channel to the assistant, moving it from any other assistant. */
  bind(
    em: EntityManager,
    binding: { tenantId: string; workspaceId: string; assistantId: string; channelId: string },
  ): Promise<BindResult>;
  /** False when the channel was not bound to that assistant. */
  unbind(em: EntityManager, assistantId: string, channelId: string): Promise<boolean>;
  /** The assistant bound to a channel. */
  findByChannel(em: EntityManager, channelId: string): Promise<AssistantRecord | undefined>;
}

export function createAssistantRepository(): AssistantRepository {
  return {
    async insert(em, ids, fields) {
      const now = new Date();
      const row = em.create(AssistantRow, { ...ids, ...fields, version: 1, createdAt: now, updatedAt: now });
      // Flush here so a duplicate name surfaces as this call's error, inside the transaction.
      await em.flush();
      return row;
    },

    async countForLimit(em, tenantId) {
      await em.execute(
        "select pg_advisory_xact_lock(hashtextextended(?, 0))",
        [`assistant:create:${tenantId}`],
        "run",
      );
      return em.count(AssistantRow, { tenantId });
    },

    async find(em, workspaceId, id, options = {}) {
      const row = await em.findOne(
        AssistantRow,
        { id, workspaceId },
        options.lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
      );
      return row ?? undefined;
    },

    list(em, workspaceId, afterId, limit) {
      return em.find(
        AssistantRow,
        afterId === undefined ? { workspaceId } : { workspaceId, id: { $gt: afterId } },
        { orderBy: { id: "asc" }, limit },
      );
    },

    async update(em, row, changes) {
      const entity = await em.findOneOrFail(AssistantRow, { id: row.id });
      em.assign(entity, { ...changes, version: entity.version + 1, updatedAt: new Date() });
      await em.flush();
      return entity;
    },

    async delete(em, row) {
      // Bindings go with it (on delete cascade).
      await em.nativeDelete(AssistantRow, { id: row.id });
    },

    async channelIds(em, assistantIds) {
      const out = new Map<string, string[]>(assistantIds.map((id) => [id, []]));
      if (assistantIds.length === 0) return out;
      const rows = await em.find(
        ChannelBindingRow,
        { assistantId: { $in: [...assistantIds] } },
        { orderBy: { createdAt: "asc", channelId: "asc" } },
      );
      for (const b of rows) out.get(b.assistantId)?.push(b.channelId);
      return out;
    },

    async bind(em, b) {
      // Lock the current binding (if any) so the previous assistant read is the one replaced.
      const previous = await em.execute<Array<{ assistant_id: string }>>(
        "select assistant_id from assistant.channel_bindings where channel_id = ? for update",
        [b.channelId],
        "all",
      );
      const previousAssistantId = previous[0]?.assistant_id;
      if (previousAssistantId === b.assistantId) {
        const existing = await em.findOneOrFail(ChannelBindingRow, { channelId: b.channelId });
        return { binding: existing, previousAssistantId: undefined, alreadyBound: true };
      }
      const rows = await em.execute<Array<{ created_at: Date }>>(
        `insert into assistant.channel_bindings (channel_id, tenant_id, workspace_id, assistant_id, created_at)
         values (?, ?, ?, ?, now())
         on conflict (channel_id) do update
           set assistant_id = excluded.assistant_id, workspace_id = excluded.workspace_id, created_at = now()
         returning created_at`,
        [b.channelId, b.tenantId, b.workspaceId, b.assistantId],
        "all",
      );
      const createdAt = rows[0]?.created_at ?? new Date();
      return {
        binding: {
          channelId: b.channelId,
          assistantId: b.assistantId,
          workspaceId: b.workspaceId,
          createdAt: new Date(createdAt),
        },
        previousAssistantId,
        alreadyBound: false,
      };
    },

    async unbind(em, assistantId, channelId) {
      const deleted = await em.nativeDelete(ChannelBindingRow, { channelId, assistantId });
      return deleted > 0;
    },

    async findByChannel(em, channelId) {
      const binding = await em.findOne(ChannelBindingRow, { channelId });
      if (binding === null) return undefined;
      return (await em.findOne(AssistantRow, { id: binding.assistantId })) ?? undefined;
    },
  };
}
