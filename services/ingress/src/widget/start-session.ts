import { newId } from "@atendo/db";
import { ChannelType } from "@atendo/proto/common/v1";
import {
  type StartSessionRequest,
  type StartSessionResponse,
  StartSessionResponseSchema,
  WidgetSessionSchema,
} from "@atendo/proto/ingress/v1";
import { ChannelStatus, type ResolveChannelResponse, type WebCredentials } from "@atendo/proto/tenant/v1";
import {
  clientIp,
  failedPrecondition,
  InvalidCredentialsError,
  notFound,
  permissionDenied,
  rateLimited,
  unavailable,
  type VisitorPrincipal,
} from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { checkPageOrigin } from "./page-origin.js";
import { provenUserId } from "./visitor-identity.js";
import type { WidgetDeps } from "./widget-deps.js";
import type { WidgetSessionRow } from "./widget-store.js";

/** Anonymous visitor ids: never a tenant's user id, which only a verified claim gives. */
const ANONYMOUS_PREFIX = "anon-";

/**
 * StartSession: the site key names the channel, the page's Origin must be one of its allowed
 * origins, a claimed identity must be proven, and a resume token of the same channel continues its
 * session (unless a different proven user is now logged in). The token is signed by the tenant
 * service (IssueVisitorToken), like every Atendo token.
 */
export function createStartSession(deps: WidgetDeps) {
  return async (req: StartSessionRequest, ctx: HandlerContext): Promise<StartSessionResponse> => {
    const ip = clientIp(ctx.requestHeader);
    const admission = await deps.limiter.admitSession(ip);
    if (!admission.admitted) {
      throw rateLimited(
        "too many widget sessions started from this address; try again later",
        Math.ceil(admission.retryAfterMs / 1000),
      );
    }
    const channel = await resolveSite(deps, req.siteKey);
    const web = channel.credentials.value as WebCredentials;
    checkPageOrigin(ctx.requestHeader.get("origin"), web.allowedOrigins);
    const userId = provenUserId(req.visitor, web);
    const resumed = await resumable(deps, req.resumeToken, channel.channelId);

    let sessionId: string;
    let visitorId: string;
    let verified: boolean;
    if (resumed !== undefined && (userId === undefined || userId === resumed.visitorId)) {
      sessionId = resumed.sessionId;
      visitorId = resumed.visitorId;
      verified = resumed.verified || userId !== undefined;
    } else {
      sessionId = newId();
      visitorId = userId ?? `${ANONYMOUS_PREFIX}${newId()}`;
      verified = userId !== undefined;
    }
    const { session, conversationId } = await deps.db.withTenant(channel.tenantId, async (em) => {
      const thread = await deps.store.ensureVisitor(em, {
        tenantId: channel.tenantId,
        channelId: channel.channelId,
        visitorId,
        verified,
      });
      const stored =
        (resumed === undefined || resumed.sessionId !== sessionId
          ? undefined
          : await deps.store.session(em, sessionId)) ??
        (await deps.store.insertSession(em, {
          id: sessionId,
          tenantId: channel.tenantId,
          channelId: channel.channelId,
          visitorId,
          verified,
          name: req.visitor?.name ?? "",
          email: req.visitor?.email ?? "",
          ...(req.requestId === "" ? {} : { requestId: req.requestId }),
        }));
      return { session: stored, conversationId: thread.conversationId };
    });
    // Asked every time: the conversation service knows the current one (a recorded id may be of a
    // conversation it has since pruned, never having had a message).
    const conversation = (await openThreadConversation(deps, channel, session)) ?? conversationId;
    const issued = await deps.tokens.issueVisitorToken({
      tenantId: channel.tenantId,
      channelId: channel.channelId,
      sessionId: session.id,
      visitorId: session.visitorId,
      verified: session.verified,
    });
    return create(StartSessionResponseSchema, {
      visitorToken: issued.visitorToken,
      ...(issued.expiresAt === undefined ? {} : { expiresAt: issued.expiresAt }),
      session: create(WidgetSessionSchema, {
        id: session.id,
        channelId: channel.channelId,
        visitorId: session.visitorId,
        verified: session.verified,
        createdAt: timestampFromDate(session.createdAt),
      }),
      channelName: web.name,
      conversationId: conversation,
    });
  };
}

/**
 * The thread's conversation, opened at the conversation service ahead of the first message (the
 * same contact and conversation that message will find), and recorded on the thread. Undefined when
 * conversation cannot be reached: the session still starts, with the id last recorded (empty for a
 * new thread, which learns it from its first message's MessageStored).
 */
async function openThreadConversation(
  deps: WidgetDeps,
  channel: ResolveChannelResponse,
  session: WidgetSessionRow,
): Promise<string | undefined> {
  let opened: { contactId: string; conversationId: string };
  try {
    opened = await deps.conversations.openConversation(
      {
        tenantId: channel.tenantId,
        workspaceId: channel.workspaceId,
        channelId: channel.channelId,
        channelType: ChannelType.WEB,
        contactExternalId: session.visitorId,
        displayName: session.name,
        email: session.email,
      },
      { timeoutMs: 5_000 },
    );
  } catch (err) {
    deps.logger.warn(
      { err },
      "opening a widget visitor's conversation failed; it opens with the first message",
    );
    return undefined;
  }
  await deps.db.withTenant(channel.tenantId, (em) =>
    deps.store.linkConversation(em, { channelId: channel.channelId, visitorId: session.visitorId }, opened),
  );
  return opened.conversationId;
}

async function resolveSite(deps: WidgetDeps, siteKey: string): Promise<ResolveChannelResponse> {
  let channel: ResolveChannelResponse;
  try {
    channel = await deps.siteKeys.resolveChannel(
      { key: { case: "siteKey", value: siteKey } },
      { timeoutMs: 5_000 },
    );
  } catch (err) {
    if (ConnectError.from(err).code === Code.NotFound) throw notFound("web channel with site key", siteKey);
    deps.logger.warn({ err }, "resolving a widget site key failed");
    throw unavailable("the channel could not be looked up; try again");
  }
  if (channel.type !== ChannelType.WEB || channel.credentials.case !== "web") {
    throw notFound("web channel with site key", siteKey);
  }
  if (channel.status === ChannelStatus.DISABLED || channel.tenantSuspended) {
    throw failedPrecondition("this chat is not available at the moment");
  }
  return channel;
}

/**
 * The session a resume token continues: undefined for none, or for one that no longer verifies
 * (expired: the widget starts afresh). A valid token of another channel is refused: a page must not
 * carry one site's visitor to another.
 */
async function resumable(
  deps: WidgetDeps,
  token: string,
  channelId: string,
): Promise<VisitorPrincipal | undefined> {
  if (token === "") return undefined;
  let principal: Awaited<ReturnType<WidgetDeps["verifier"]["verify"]>>;
  try {
    principal = await deps.verifier.verify(token);
  } catch (err) {
    if (err instanceof InvalidCredentialsError) return undefined;
    // The keys could not be had: starting afresh would lose the visitor's thread.
    deps.logger.warn({ err }, "checking a widget resume token failed");
    throw unavailable("the session could not be resumed now; try again");
  }
  if (principal.kind !== "visitor") return undefined;
  if (principal.channelId !== channelId)
    throw permissionDenied("the resume token belongs to another channel");
  return principal;
}
