import { randomBytes } from "node:crypto";
import { MemberRole, Plan, type PlanLimits, type TokenPair } from "@atendo/proto/tenant/v1";
import { devServiceCredential } from "@atendo/service-kit";
import { Code, ConnectError } from "@connectrpc/connect";
import { devMailboxOf, linkFrom, tokenOf } from "../mail/mailbox.js";
import { clientsFor } from "./clients-for.js";
import { TENANT_SERVICES, type TenantClients } from "./tenant-services.js";
import type {
  Caller,
  ClientFactory,
  IdentityKit,
  IdentityKitOptions,
  Owner,
  Person,
  PlanLimitsInit,
  TenantCaller,
} from "./types.js";
import { newPassword, uniqueEmail, uniqueSlug } from "./unique-values.js";

const RAISED_LIMITS: PlanLimitsInit = {
  workspaces: 10,
  channels: 10,
  assistants: 10,
  monthlyAiMessages: 1000,
  members: 20,
};

const bearer = (caller: Caller) => ({ headers: { authorization: `Bearer ${caller.accessToken}` } });
const hex = () => randomBytes(6).toString("hex");

function tokensOf(rpc: string, tokens: TokenPair | undefined): TokenPair {
  if (tokens === undefined || tokens.accessToken === "") throw new Error(`${rpc} answered without tokens`);
  return tokens;
}

/**
 * Identities issued by the tenant service at `tenantUrl`, through its public RPCs only. Each one
 * comes with `clients(credential)`: the test's own set of clients (default: the tenant service's).
 */
export function createIdentityKit<C>(
  options: IdentityKitOptions & { clients: ClientFactory<C> },
): IdentityKit<C>;
export function createIdentityKit(options: IdentityKitOptions): IdentityKit<TenantClients>;
export function createIdentityKit<C>(
  options: IdentityKitOptions & { clients?: ClientFactory<C> },
): IdentityKit<C | TenantClients> {
  const headers = options.headers ?? {};
  const tenant = clientsFor(options.tenantUrl, undefined, TENANT_SERVICES, { headers });
  const clients: ClientFactory<C | TenantClients> =
    options.clients ??
    ((credential) => clientsFor(options.tenantUrl, credential, TENANT_SERVICES, { headers }));
  const mailbox = options.mailbox ?? devMailboxOf(options.tenantUrl);
  let admin: Promise<Person<C | TenantClients>> | undefined;

  const verifyEmail = async (email: string) => {
    const link = await linkFrom(mailbox, email, "verification");
    await tenant.auth.verifyEmail({ token: tokenOf(link) });
  };

  const person = (
    fields: { email: string; password: string; userId: string | undefined; tenantId: string },
    tokens: TokenPair,
  ): Person<C | TenantClients> => ({
    ...fields,
    userId: fields.userId ?? "",
    tokens,
    accessToken: tokens.accessToken,
    clients: clients(tokens.accessToken),
  });

  // A listed address makes a platform admin once it is proved: sign up, open the mailed link, and
  // log in again for a token that carries `padm`.
  async function signInAdmin(email: string, password: string): Promise<Person<C | TenantClients>> {
    try {
      await tenant.auth.signUp({ email, password, name: "Platform Admin", tenantName: "Platform" });
      await verifyEmail(email);
    } catch (err) {
      // Signed up by an earlier kit of the same service (one restarted on another port, say).
      if (ConnectError.from(err).code !== Code.AlreadyExists) throw err;
    }
    let res = await tenant.auth.login({ email, password });
    const me = await tenant.auth.getCurrentUser(
      {},
      { headers: { authorization: `Bearer ${tokensOf("Login", res.tokens).accessToken}` } },
    );
    if (me.user?.emailVerified === false) {
      // An earlier kit signed up but never verified: ask for the link again.
      const seen = (await mailbox.messagesTo(email)).length;
      await tenant.auth.resendVerificationEmail(
        {},
        { headers: { authorization: `Bearer ${tokensOf("Login", res.tokens).accessToken}` } },
      );
      await tenant.auth.verifyEmail({
        token: tokenOf(await linkFrom(mailbox, email, "verification", { after: seen })),
      });
      res = await tenant.auth.login({ email, password });
    }
    const tokens = tokensOf("Login of the platform admin", res.tokens);
    return person({ email, password, userId: res.user?.id, tenantId: res.tenantId }, tokens);
  }

  const kit: IdentityKit<C | TenantClients> = {
    async signUpOwner(signUp = {}) {
      const email = signUp.email ?? uniqueEmail("owner");
      const password = signUp.password ?? newPassword();
      const res = await tenant.auth.signUp({
        email,
        password,
        name: signUp.name ?? "Olivia Owner",
        tenantName: signUp.tenantName ?? "Padaria Central",
        tenantSlug: signUp.tenantSlug ?? uniqueSlug("shop"),
      });
      const tokens = tokensOf("SignUp", res.tokens);
      const tenantId = res.tenant?.id ?? "";
      const workspaceId = res.workspace?.id ?? "";
      if (tenantId === "" || workspaceId === "")
        throw new Error("SignUp answered without tenant or workspace");
      if (signUp.verify ?? true) await verifyEmail(email);
      // SignUp makes a FREE tenant; any other plan is the platform admin's call.
      if (signUp.plan !== undefined && signUp.plan !== Plan.FREE) await kit.setPlan(tenantId, signUp.plan);
      const owner: Owner<C | TenantClients> = {
        ...person({ email, password, userId: res.user?.id, tenantId }, tokens),
        tenantSlug: res.tenant?.slug ?? "",
        workspaceId,
      };
      return owner;
    },

    async addMember(inviter, role = MemberRole.AGENT, workspaceIds = [], member = {}) {
      const email = uniqueEmail("member");
      const password = newPassword();
      await tenant.tenants.inviteMember(
        { tenantId: inviter.tenantId, email, role, workspaceIds: [...workspaceIds] },
        bearer(inviter),
      );
      // The token is only in the mail: accepting it also proves the new member's address.
      const accepted = await tenant.tenants.acceptInvitation({
        invitationToken: tokenOf(await linkFrom(mailbox, email, "invitation")),
        name: member.name ?? "Max Member",
        password,
      });
      const tokens = tokensOf("AcceptInvitation", accepted.tokens);
      return person({ email, password, userId: accepted.user?.id, tenantId: inviter.tenantId }, tokens);
    },

    async addWorkspace<P extends TenantCaller>(
      owner: P,
      workspace: { name?: string; defaultLanguage?: string } = {},
    ): Promise<P & { workspaceId: string }> {
      const res = await tenant.tenants.createWorkspace(
        {
          tenantId: owner.tenantId,
          name: workspace.name ?? `Workspace ${hex()}`,
          defaultLanguage: workspace.defaultLanguage ?? "",
        },
        bearer(owner),
      );
      const workspaceId = res.workspace?.id ?? "";
      if (workspaceId === "") throw new Error("CreateWorkspace answered without a workspace");
      return { ...owner, workspaceId };
    },

    async createApiKey(creator, workspaceId, scopes, key = {}) {
      const res = await tenant.apiKeys.createApiKey(
        { workspaceId, name: key.name ?? `Key ${hex()}`, scopes: [...scopes] },
        bearer(creator),
      );
      if (res.apiKey === undefined || res.secret === "")
        throw new Error("CreateApiKey answered without a key");
      return {
        id: res.apiKey.id,
        workspaceId,
        scopes: [...scopes],
        secret: res.secret,
        clients: clients(res.secret),
      };
    },

    async createWebChannel(creator, allowedOrigins = []) {
      const { channel } = await tenant.channels.createChannel(
        {
          workspaceId: creator.workspaceId,
          name: `Site ${hex()}`,
          config: { case: "web", value: { allowedOrigins: [...allowedOrigins] } },
        },
        bearer(creator),
      );
      if (channel === undefined) throw new Error("CreateChannel answered without a channel");
      return channel.id;
    },

    async serviceToken(service, credential = devServiceCredential(service)) {
      const res = await tenant.tokens.issueServiceToken({ service, credential });
      return res.serviceToken;
    },

    async asService(service) {
      return clients(await kit.serviceToken(service));
    },

    platformAdmin() {
      const configured = options.platformAdmin;
      if (configured === undefined) {
        return Promise.reject(
          new Error("createIdentityKit was given no platformAdmin (an email of PLATFORM_ADMIN_EMAILS)"),
        );
      }
      admin ??= signInAdmin(configured.email, configured.password ?? newPassword()).catch((err: unknown) => {
        admin = undefined;
        throw err;
      });
      return admin;
    },

    async setPlan(tenantId, plan) {
      await tenant.tenants.updateTenant(
        { tenantId, updateMask: { paths: ["plan"] }, plan },
        bearer(await kit.platformAdmin()),
      );
    },

    async setLimits(tenantId, limits): Promise<PlanLimits> {
      const res = await tenant.tenants.updateTenant(
        { tenantId, updateMask: { paths: ["limits"] }, limits },
        bearer(await kit.platformAdmin()),
      );
      const now = res.tenant?.limits;
      if (now === undefined) throw new Error("UpdateTenant answered without the tenant's limits");
      return now;
    },

    async raiseLimits(tenantId) {
      await kit.setLimits(tenantId, RAISED_LIMITS);
    },

    verifyEmail,
  };
  return kit;
}
