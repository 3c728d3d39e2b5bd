// The demo data of `npm run dev`, created through the services' own RPCs (never by SQL), so it is
// exactly what a user would get. Idempotent: what exists is found and reused (already_exists ->
// list), and the demo channel is brought back to the known local secrets and Graph URL.
import type { Assistant } from "@atendo/proto/assistant/v1";
import { AssistantService } from "@atendo/proto/assistant/v1";
import { ChannelType, ModelProvider } from "@atendo/proto/common/v1";
import type { Channel } from "@atendo/proto/tenant/v1";
import { ChannelService, ChannelStatus, Plan, TenantService } from "@atendo/proto/tenant/v1";
import { createServiceClient } from "@atendo/service-kit";
import { Code, ConnectError } from "@connectrpc/connect";

/** What the demo is made of; tests override the unique parts (slug, phone number id). */
export interface DemoSpec {
  tenantName: string;
  slug: string;
  workspaceName: string;
  channelName: string;
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
  /** Local test secrets: printed by `npm run dev`, never used outside a developer's machine. */
  appSecret: string;
  verifyToken: string;
  accessToken: string;
  assistantName: string;
  language: string;
}

/** The demo of `npm run dev`: the fixtures' WhatsApp number (packages/testing/fixtures/README.md). */
export const DEMO: Readonly<DemoSpec> = {
  tenantName: "Demo",
  slug: "demo",
  workspaceName: "Demo workspace",
  channelName: "Demo WhatsApp",
  phoneNumberId: "109876543210001",
  wabaId: "200000000000001",
  displayPhoneNumber: "15550001111",
  appSecret: "demo-app-secret",
  verifyToken: "demo-verify-token",
  accessToken: "demo-access-token",
  assistantName: "Demo assistant",
  language: "pt-BR",
};

const INSTRUCTIONS =
  "Você é o assistente de demonstração da Atendo. Responda de forma breve e cordial, em português, " +
  "e passe a conversa para uma pessoa quando o cliente pedir.";

export interface SeedOptions {
  tenantUrl: string;
  assistantUrl: string;
  /** Graph API base URL stored on the channel: the local fake in dev. */
  graphBaseUrl: string;
  spec?: Partial<DemoSpec>;
}

export interface DemoSeed {
  spec: DemoSpec;
  tenantId: string;
  workspaceId: string;
  channelId: string;
  assistantId: string;
  /** What this run created or changed, e.g. ["tenant", "channel secrets"]; empty when all existed. */
  changed: string[];
  /** Things a person should know (e.g. the channel is bound to another assistant). */
  warnings: string[];
}

function isCode(err: unknown, code: Code): boolean {
  return err instanceof ConnectError && err.code === code;
}

/** Walks every page of a list RPC until `pick` finds an item. */
async function findInPages<T>(
  list: (pageToken: string) => Promise<{ items: T[]; next: string }>,
  pick: (item: T) => boolean,
): Promise<T | undefined> {
  let token = "";
  for (;;) {
    const { items, next } = await list(token);
    const hit = items.find(pick);
    if (hit !== undefined || next === "") return hit;
    token = next;
  }
}

const last4 = (s: string): string => s.slice(-4);

export async function seedDemo(options: SeedOptions): Promise<DemoSeed> {
  const spec: DemoSpec = { ...DEMO, ...options.spec };
  const tenants = createServiceClient(TenantService, options.tenantUrl);
  const channels = createServiceClient(ChannelService, options.tenantUrl);
  const assistants = createServiceClient(AssistantService, options.assistantUrl);
  const changed: string[] = [];
  const warnings: string[] = [];

  // Tenant: create, or find by slug.
  let tenantId: string;
  try {
    const res = await tenants.createTenant({ name: spec.tenantName, slug: spec.slug, plan: Plan.PRO });
    tenantId = res.tenant?.id ?? "";
    changed.push("tenant");
  } catch (err) {
    if (!isCode(err, Code.AlreadyExists)) throw err;
    const found = await findInPages(
      async (pageToken) => {
        const r = await tenants.listTenants({ query: spec.slug, page: { pageSize: 100, pageToken } });
        return { items: r.tenants, next: r.page?.nextPageToken ?? "" };
      },
      (t) => t.slug === spec.slug,
    );
    if (found === undefined)
      throw new Error(`tenant "${spec.slug}" already exists but ListTenants does not show it`);
    tenantId = found.id;
  }
  if (tenantId === "") throw new Error("CreateTenant answered without a tenant id");

  // Workspace: names are not unique, so look first.
  const listWorkspaces = async (pageToken: string) => {
    const r = await tenants.listWorkspaces({ tenantId, page: { pageSize: 100, pageToken } });
    return { items: r.workspaces, next: r.page?.nextPageToken ?? "" };
  };
  let workspace = await findInPages(listWorkspaces, (w) => w.name === spec.workspaceName);
  if (workspace === undefined) {
    workspace = (await tenants.createWorkspace({ tenantId, name: spec.workspaceName })).workspace;
    changed.push("workspace");
  }
  const workspaceId = workspace?.id ?? "";
  if (workspaceId === "") throw new Error("CreateWorkspace answered without a workspace");

  const channel = await ensureChannel(channels, workspaceId, spec, options.graphBaseUrl, changed);
  const assistant = await ensureAssistant(assistants, workspaceId, spec, changed);

  if (!assistant.channelIds.includes(channel.id)) {
    try {
      await assistants.bindChannel({ workspaceId, assistantId: assistant.id, channelId: channel.id });
      changed.push("channel binding");
    } catch (err) {
      if (!isCode(err, Code.AlreadyExists)) throw err;
      warnings.push(`channel ${channel.id} is bound to another assistant; left as it is`);
    }
  }

  return {
    spec,
    tenantId,
    workspaceId,
    channelId: channel.id,
    assistantId: assistant.id,
    changed,
    warnings,
  };
}

async function ensureChannel(
  channels: ReturnType<typeof createServiceClient<typeof ChannelService>>,
  workspaceId: string,
  spec: DemoSpec,
  graphBaseUrl: string,
  changed: string[],
): Promise<Channel> {
  const config = {
    phoneNumberId: spec.phoneNumberId,
    wabaId: spec.wabaId,
    displayPhoneNumber: spec.displayPhoneNumber,
    accessToken: spec.accessToken,
    appSecret: spec.appSecret,
    verifyToken: spec.verifyToken,
    graphApiBaseUrl: graphBaseUrl,
  };
  try {
    const res = await channels.createChannel({
      workspaceId,
      name: spec.channelName,
      config: { case: "whatsapp", value: config },
    });
    if (res.channel === undefined) throw new Error("CreateChannel answered without a channel");
    changed.push("channel");
    return res.channel;
  } catch (err) {
    if (!isCode(err, Code.AlreadyExists)) throw err;
  }
  const found = await findInPages(
    async (pageToken) => {
      const r = await channels.listChannels({
        workspaceId,
        type: ChannelType.WHATSAPP,
        page: { pageSize: 100, pageToken },
      });
      return { items: r.channels, next: r.page?.nextPageToken ?? "" };
    },
    (c) => c.config.case === "whatsapp" && c.config.value.phoneNumberId === spec.phoneNumberId,
  );
  if (found === undefined) {
    throw new Error(
      `WhatsApp number ${spec.phoneNumberId} is already registered outside the demo workspace ${workspaceId}; ` +
        "disable that channel or reset the dev database",
    );
  }
  let channel = found;
  // Secrets are write-only: compare their hints, and the Graph URL (the fake's port may differ).
  const view = channel.config.case === "whatsapp" ? channel.config.value : undefined;
  const stale =
    view === undefined ||
    view.graphApiBaseUrl !== graphBaseUrl ||
    view.accessTokenHint !== last4(spec.accessToken) ||
    view.appSecretHint !== last4(spec.appSecret) ||
    view.verifyTokenHint !== last4(spec.verifyToken);
  if (stale) {
    const res = await channels.updateChannel({
      workspaceId,
      channelId: channel.id,
      updateMask: { paths: ["access_token", "app_secret", "verify_token", "graph_api_base_url"] },
      accessToken: spec.accessToken,
      appSecret: spec.appSecret,
      verifyToken: spec.verifyToken,
      graphApiBaseUrl: graphBaseUrl,
    });
    channel = res.channel ?? channel;
    changed.push("channel secrets");
  }
  if (channel.status !== ChannelStatus.ACTIVE) {
    const res = await channels.enableChannel({ workspaceId, channelId: channel.id });
    channel = res.channel ?? channel;
    changed.push("channel status");
  }
  return channel;
}

async function ensureAssistant(
  assistants: ReturnType<typeof createServiceClient<typeof AssistantService>>,
  workspaceId: string,
  spec: DemoSpec,
  changed: string[],
): Promise<Assistant> {
  const found = await findInPages(
    async (pageToken) => {
      const r = await assistants.listAssistants({ workspaceId, page: { pageSize: 100, pageToken } });
      return { items: r.assistants, next: r.page?.nextPageToken ?? "" };
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
