// A small service-like model: a tenant table (notes), a non-tenant table (plans), their migrations.
import { defineEntity, EntitySchema, type InferEntity, p } from "@mikro-orm/core";
import { Migration, type MigrationEntry, tenantRls } from "../src/index.js";

export const Note = defineEntity({
  name: "Note",
  tableName: "notes",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    body: p.text(),
    externalId: p.string().nullable(),
    createdAt: p.datetime(),
  },
});
export type Note = InferEntity<typeof Note>;

export interface Plan {
  code: string;
  name: string;
  seats: number;
}

export const PlanSchema = new EntitySchema<Plan>({
  name: "Plan",
  tableName: "plans",
  properties: {
    code: { type: "string", primary: true },
    name: { type: "string" },
    seats: { type: "integer" },
  },
});

export const ENTITIES = [Note, PlanSchema];

export function createNotesMigration(schema: string) {
  return class extends Migration {
    override up() {
      this.addSql(`create table ${schema}.notes (
        id uuid primary key,
        tenant_id uuid not null,
        body text not null,
        external_id varchar(255),
        created_at timestamptz not null default now(),
        unique (tenant_id, external_id))`);
      for (const sql of tenantRls(`${schema}.notes`)) this.addSql(sql);
    }
  };
}

export function createPlansMigration(schema: string) {
  return class extends Migration {
    override up() {
      this.addSql(
        `create table ${schema}.plans (code text primary key, name text not null, seats int not null)`,
      );
    }
  };
}

/** A later migration: a table born after the grants ran (default privileges must cover it). */
export function createTagsMigration(schema: string) {
  return class extends Migration {
    override up() {
      this.addSql(
        `create table ${schema}.tags (id bigserial primary key, tenant_id uuid not null, label text not null)`,
      );
      for (const sql of tenantRls(`${schema}.tags`)) this.addSql(sql);
    }
  };
}

export function baseMigrations(schema: string): MigrationEntry[] {
  return [
    { name: "Migration20261125000000_notes", class: createNotesMigration(schema) },
    { name: "Migration20261125000100_plans", class: createPlansMigration(schema) },
  ];
}

export function withTagsMigration(schema: string): MigrationEntry[] {
  return [
    ...baseMigrations(schema),
    { name: "Migration20261126000000_tags", class: createTagsMigration(schema) },
  ];
}

/** A migration that runs the given statements (e.g. inboxTableSql's). */
export function statementsMigration(name: string, statements: readonly string[]): MigrationEntry {
  return {
    name,
    class: class extends Migration {
      override up() {
        for (const sql of statements) this.addSql(sql);
      }
    },
  };
}
