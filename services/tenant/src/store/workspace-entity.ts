import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

export const WorkspaceEntity = defineEntity({
  name: "WorkspaceEntity",
  tableName: "workspaces",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    name: p.text(),
    timeZone: p.text(),
    defaultLanguage: p.text(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type WorkspaceEntity = InferEntity<typeof WorkspaceEntity>;
