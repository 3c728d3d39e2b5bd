// The demo's assistant: found by name, or created with the offline model (no API key needed).
import type { Assistant, AssistantService } from "@atendo/proto/assistant/v1";
import { ModelProvider } from "@atendo/proto/common/v1";
import type { Client } from "@connectrpc/connect";
import { findInPages } from "./pages.js";

const INSTRUCTIONS =
  "Você é o assistente de demonstração da Atendo. Responda de forma breve e cordial, em português, " +
  "e passe a conversa para uma pessoa quando o cliente pedir.";

export async function ensureAssistant(
  assistants: Client<typeof AssistantService>,
  workspaceId: string,
  spec: { assistantName: string; language: string },
  changed: string[],
): Promise<Assistant> {
  const found = await findInPages(
    async (pageToken) => {
      const r = await assistants.listAssistants({ workspaceId, pageSize: 100, pageToken });
      return { items: r.assistants, next: r.nextPageToken };
    },
    (a) => a.name === spec.assistantName,
  );
  if (found !== undefined) return found;
  const res = await assistants.createAssistant({
    workspaceId,
    name: spec.assistantName,
    instructions: INSTRUCTIONS,
    language: spec.language,
    model: { provider: ModelProvider.OFFLINE },
  });
  if (res.assistant === undefined) throw new Error("CreateAssistant answered without an assistant");
  changed.push("assistant");
  return res.assistant;
}
