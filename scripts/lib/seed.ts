// The demo data of `npm run dev`, created through the services' own RPCs (never by SQL) with the
// credentials a person would use, so it is exactly what a user would get: the platform admin and
// the demo owner sign up (or log in when they exist) and verify their addresses with the links the
// development sender handled (the admin is a platform admin because PLATFORM_ADMIN_EMAILS lists it
// and it is verified), and the owner's access token creates the channels (WhatsApp, Instagram and
// a web-chat widget) and the assistant answering on all three. Idempotent: what exists is found and
// reused, and the demo channels are brought back to the known local secrets, Graph URL and origins.
import { AssistantService } from "@atendo/proto/assistant/v1";
import { AuthService, ChannelService, TenantService } from "@atendo/proto/tenant/v1";
import { createServiceClient } from "@atendo/service-kit";
import type { Client } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { WIDGET_DEMO_PORT, widgetDemoOrigins } from "./dev-ports.js";
import type { AccountSession } from "./seed/account.js";
import { signUpOrLogIn } from "./seed/account.js";
import { ensureAssistant } from "./seed/assistant.js";
import { bearer } from "./seed/bearer.js";
import { ensureChannel } from "./seed/channel.js";
import { instagramPlan, webPlan, whatsappPlan } from "./seed/channel-plans.js";
import { isCode } from "./seed/connect-errors.js";
import { findInPages } from "./seed/pages.js";
import { ensureVerified } from "./seed/verify.js";

/** What the demo is made of; tests override the unique parts (emails, slug, phone number id). */
export interface DemoSpec {
  tenantName: string;
  slug: string;
  workspaceName: string;
  /** The demo tenant's owner: signs up with the tenant. Local password, printed by `npm run dev`. */
  ownerEmail: string;
  ownerPassword: string;
  ownerName: string;
  /** The platform admin (listed in the tenant service's PLATFORM_ADMIN_EMAILS); gets a tenant of its own. */
  adminEmail: string;
  adminPassword: string;
  adminName: string;
  adminTenantName: string;
  channelName: string;
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
  /** Local test secrets: printed by `npm run dev`, never used outside a developer's machine. */
  appSecret: string;
  verifyToken: string;
  accessToken: string;
  /** The Instagram channel: the fixtures' account, with the same local app secret and tokens. */
  instagramChannelName: string;
  instagramAccountId: string;
  /** The web-chat channel: allowed on these origins (the widget demo page's), anonymous visitors. */
  webChannelName: string;
  webOrigins: readonly string[];
  assistantName: string;
  language: string;
}

/** The demo of `npm run dev`: the fixtures' WhatsApp number (packages/testing/fixtures/README.md). */
export const DEMO: Readonly<DemoSpec> = {
  tenantName: "Demo",
  slug: "demo",
  workspaceName: "Demo workspace",
  ownerEmail: "demo@atendo.local",
  ownerPassword: "atendo-demo-owner",
  ownerName: "Demo Owner",
  adminEmail: "admin@atendo.local",
  adminPassword: "atendo-demo-admin",
  adminName: "Platform Admin",
  adminTenantName: "Atendo platform",
  channelName: "Demo WhatsApp",
  phoneNumberId: "109876543210001",
  wabaId: "200000000000001",
  displayPhoneNumber: "15550001111",
  appSecret: "demo-app-secret",
  verifyToken: "demo-verify-token",
  accessToken: "demo-access-token",
  instagramChannelName: "Demo Instagram",
  instagramAccountId: "17841400000000001",
  webChannelName: "Demo web chat",
  webOrigins: widgetDemoOrigins(WIDGET_DEMO_PORT),
  assistantName: "Demo assistant",
  language: "pt-BR",
};

export interface SeedOptions {
  tenantUrl: string;
  assistantUrl: string;
  /** Graph API base URL stored on the channel: the local fake in dev. */
  graphBaseUrl: string;
  spec?: Partial<DemoSpec>;
}

export interface DemoSeed {
  spec: DemoSpec;
  /** The demo tenant's slug: spec.slug unless another tenant had it (see warnings). */
  slug: string;
  tenantId: string;
  workspaceId: string;
  /** The WhatsApp channel. */
  channelId: string;
  instagramChannelId: string;
  webChannelId: string;
  /** The web channel's public site key (the widget demo page embeds it). */
  siteKey: string;
  assistantId: string;
  /** The owner's access token from this run's sign-up or login (short-lived). */
  ownerAccessToken: string;
  /** The platform admin's access token from this run's sign-up or login. */
  adminAccessToken: string;
  /** Whether the tenant service made the admin a platform admin (PLATFORM_ADMIN_EMAILS lists it). */
  platformAdmin: boolean;
  /** What this run created or changed, e.g. ["owner", "channel secrets"]; empty when all existed. */
  changed: string[];
  /** Things a person should know (e.g. the channel is bound to another assistant). */
  warnings: string[];
}

export async function seedDemo(options: SeedOptions): Promise<DemoSeed> {
  const spec: DemoSpec = { ...DEMO, ...options.spec };
  const auth = createServiceClient(AuthService, options.tenantUrl);
  const changed: string[] = [];
  const warnings: string[] = [];
  // Both accounts prove their address (a new account cannot connect channels before it does).
  const verified = async (email: string, password: string, session: AccountSession, what: string) => {
    const outcome = await ensureVerified(auth, options.tenantUrl, { email, password, session });
    if (outcome.changed) changed.push(what);
    if (outcome.problem !== undefined) warnings.push(outcome.problem);
    return outcome.session;
  };

  const adminAccount = await signUpOrLogIn(auth, {
    email: spec.adminEmail,
    password: spec.adminPassword,
    name: spec.adminName,
    tenantName: spec.adminTenantName,
    tenantSlug: "",
    workspaceName: "",
  });
  if (adminAccount.signedUp !== undefined) changed.push("platform admin");
  const admin = await verified(spec.adminEmail, spec.adminPassword, adminAccount, "platform admin email");
  const adminAuth = createServiceClient(AuthService, options.tenantUrl, {
    interceptors: [bearer(admin.accessToken)],
  });
  const platformAdmin = (await adminAuth.getCurrentUser({})).platformAdmin;
  if (!platformAdmin) {
    warnings.push(
      `${spec.adminEmail} is not a platform admin: list it in the tenant service's PLATFORM_ADMIN_EMAILS (and verify it), or grant it with \`npm run admin -- platform-admin grant ${spec.adminEmail}\``,
    );
  }

  const ownerAccount = await signUpOrLogIn(auth, {
    email: spec.ownerEmail,
    password: spec.ownerPassword,
    name: spec.ownerName,
    tenantName: spec.tenantName,
    tenantSlug: spec.slug,
    workspaceName: spec.workspaceName,
  });
  if (ownerAccount.signedUp !== undefined) changed.push("owner", "tenant", "workspace");
  const owner = await verified(spec.ownerEmail, spec.ownerPassword, ownerAccount, "owner email");
  const as = { interceptors: [bearer(owner.accessToken)] };
  const tenants = createServiceClient(TenantService, options.tenantUrl, as);
  const channels = createServiceClient(ChannelService, options.tenantUrl, as);
  const assistants = createServiceClient(AssistantService, options.assistantUrl, as);

  const slug =
    owner.signedUp?.tenantSlug ?? (await tenants.getTenant({ tenantId: owner.tenantId })).tenant?.slug;
  if (slug === undefined || slug === "") throw new Error("GetTenant answered without the demo tenant");
  if (owner.slugTaken) {
    warnings.push(`the slug "${spec.slug}" belongs to another tenant; the demo tenant's slug is "${slug}"`);
  }
  const workspaceId = await ensureWorkspace(tenants, owner, spec.workspaceName, changed);

  const channel = await ensureChannel(
    channels,
    workspaceId,
    whatsappPlan(spec, options.graphBaseUrl),
    changed,
  );
  const instagram = await ensureChannel(
    channels,
    workspaceId,
    instagramPlan(spec, options.graphBaseUrl),
    changed,
  );
  const web = await ensureChannel(channels, workspaceId, webPlan(spec), changed);
  const siteKey = web.config.case === "web" ? web.config.value.siteKey : "";
  if (siteKey === "") throw new Error("the web channel came back without a site key");
  const assistant = await ensureAssistant(assistants, workspaceId, spec, changed);

  for (const [bound, label] of [
    [channel, "channel binding"],
    [instagram, "instagram channel binding"],
    [web, "web channel binding"],
  ] as const) {
    if (assistant.channelIds.includes(bound.id)) continue;
    try {
      await assistants.bindChannel({ workspaceId, assistantId: assistant.id, channelId: bound.id });
      changed.push(label);
    } catch (err) {
      if (!isCode(err, Code.AlreadyExists)) throw err;
      warnings.push(`channel ${bound.id} is bound to another assistant; left as it is`);
    }
  }

  return {
    spec,
    slug,
    tenantId: owner.tenantId,
    workspaceId,
    channelId: channel.id,
    instagramChannelId: instagram.id,
    webChannelId: web.id,
    siteKey,
    assistantId: assistant.id,
    ownerAccessToken: owner.accessToken,
    adminAccessToken: admin.accessToken,
    platformAdmin,
    changed,
    warnings,
  };
}

/** The sign-up's first workspace, or the one of that name (created when it was removed). */
async function ensureWorkspace(
  tenants: Client<typeof TenantService>,
  owner: AccountSession,
  name: string,
  changed: string[],
): Promise<string> {
  if (owner.signedUp !== undefined && owner.signedUp.workspaceId !== "") return owner.signedUp.workspaceId;
  const tenantId = owner.tenantId;
  const found = await findInPages(
    async (pageToken) => {
      const r = await tenants.listWorkspaces({ tenantId, pageSize: 100, pageToken });
      return { items: r.workspaces, next: r.nextPageToken };
    },
    (w) => w.name === name,
  );
  if (found !== undefined) return found.id;
  const created = (await tenants.createWorkspace({ tenantId, name })).workspace?.id ?? "";
  if (created === "") throw new Error("CreateWorkspace answered without a workspace");
  changed.push("workspace");
  return created;
}
