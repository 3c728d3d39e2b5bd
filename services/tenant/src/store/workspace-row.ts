import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

export const WorkspaceRow = defineEntity({
  name: "WorkspaceRow",
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
export type WorkspaceRow = InferEntity<typeof WorkspaceRow>;
