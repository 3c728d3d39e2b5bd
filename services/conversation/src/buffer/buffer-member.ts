import { isUuid } from "@atendo/db";

export interface BufferMember {
  tenantId: string;
  conversationId: string;
}

/** The sorted-set member of a conversation: "<tenantId>:<conversationId>". */
export function encodeMember(m: BufferMember): string {
  return `${m.tenantId}:${m.conversationId}`;
}

/** undefined for anything that is not two UUIDs (foreign or corrupted entries are dropped). */
export function parseMember(member: string): BufferMember | undefined {
  const [tenantId, conversationId, ...rest] = member.split(":");
  if (rest.length > 0 || tenantId === undefined || conversationId === undefined) return undefined;
  if (!isUuid(tenantId) || !isUuid(conversationId)) return undefined;
  return { tenantId, conversationId };
}
