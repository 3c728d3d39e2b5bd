// The conversation domain's contract as integrators meet it, read from the generated descriptors:
// what a client may send, which service is internal, what every event is and carries, and one path
// per resource. Behaviour behind the contract is tested in the other suites.
import assert from "node:assert/strict";
import {
  EventVisibility,
  event as eventOption,
  ServiceVisibility,
  service as serviceOption,
} from "@atendo/proto/common/v1";
import {
  AnalyticsService,
  ContactService,
  ConversationService,
  file_atendo_conversation_v1_conversation_events,
  ListFollowUpsRequestSchema,
  SendAgentReplyRequestSchema,
  TurnContextService,
} from "@atendo/proto/conversation/v1";
import { http } from "@atendo/proto/google/api";
import {
  create,
  type DescMessage,
  type DescService,
  getOption,
  hasOption,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import { createValidator } from "@bufbuild/protovalidate";

const PUBLIC: readonly DescService[] = [ConversationService, ContactService, AnalyticsService];
const WORKSPACE = "0190f5a4-7c1d-7b3e-9a2b-1c2d3e4f5a6b";
const validator = createValidator();

/** protovalidate's verdict on a request, as the services' validation interceptor gives it. */
const verdictOf = <D extends DescMessage>(schema: D, init: MessageInitShape<D>) =>
  validator.validate(schema, create(schema, init)).kind;
const methods = (services: readonly DescService[]) => services.flatMap((s) => s.methods);

/** `GET /v1/...` of a method, undefined when it has no HTTP rule. */
function routeOf(method: DescService["methods"][number]): string | undefined {
  if (!hasOption(method, http)) return undefined;
  const { pattern } = getOption(method, http);
  if (pattern.case === undefined) return undefined;
  return pattern.case === "custom" ? `${pattern.value.kind} ${pattern.value.path}` : pattern.value;
}

/** Every message a request reaches through its fields, the request first. */
function reachable(root: DescMessage): DescMessage[] {
  const seen = new Map<string, DescMessage>();
  const walk = (m: DescMessage) => {
    if (seen.has(m.typeName) || m.typeName.startsWith("google.")) return;
    seen.set(m.typeName, m);
    for (const f of m.fields) if (f.message) walk(f.message);
  };
  walk(root);
  return [...seen.values()];
}

describe("conversation contract", () => {
  it("takes what clients write as MessageInput, and no channel id where an Atendo id exists", () => {
    const problems: string[] = [];
    for (const method of methods(PUBLIC)) {
      for (const m of reachable(method.input)) {
        for (const f of m.fields) {
          if (f.message?.typeName === "atendo.common.v1.Message")
            problems.push(`${method.name}: ${m.name}.${f.name} is a stored Message`);
          // Content may quote channel data (a shared contact card's wa_id); requests and inputs may not.
          const isInput = m.typeName.startsWith("atendo.conversation.") || m.name.endsWith("Input");
          if (isInput && /external|wamid|phone_number_id|igsid|wa_id/.test(f.name))
            problems.push(`${method.name}: ${m.name}.${f.name} is a channel id`);
        }
      }
    }
    assert.deepEqual(problems, []);
    const input = (name: string) => ConversationService.methods.find((m) => m.name === name)?.input;
    for (const name of ["SendAgentReply", "ScheduleFollowUp"]) {
      assert.equal(input(name)?.field.message?.message?.typeName, "atendo.common.v1.MessageInput", name);
    }
  });

  it("serves GetTurnContext from an internal service with no route, and only public RPCs elsewhere", () => {
    assert.equal(getOption(TurnContextService, serviceOption).visibility, ServiceVisibility.INTERNAL);
    assert.deepEqual(
      TurnContextService.methods.map((m) => [m.name, routeOf(m)]),
      [["GetTurnContext", undefined]],
    );
    for (const service of PUBLIC) {
      assert.notEqual(getOption(service, serviceOption).visibility, ServiceVisibility.INTERNAL);
      for (const m of service.methods) assert.ok(routeOf(m), `${service.name}.${m.name} has a route`);
    }
  });

  it("takes a request_id (a UUID, or empty) on the RPCs that create something", () => {
    const reply = (requestId: string) =>
      verdictOf(SendAgentReplyRequestSchema, {
        workspaceId: WORKSPACE,
        conversationId: "0190f5a4-7c1d-7b3e-9a2b-1c2d3e4f5a6c",
        requestId,
        message: { content: { case: "text", value: { body: "hi" } } },
      });
    assert.equal(reply(""), "valid");
    assert.equal(reply("0190f5a4-7c1d-7b3e-9a2b-1c2d3e4f5a6d"), "valid");
    assert.equal(reply("retry-1"), "invalid");
    const withId = methods(PUBLIC)
      .filter((m) => m.input.fields.some((f) => f.name === "request_id" && f.scalar !== undefined))
      .map((m) => m.name)
      .sort();
    assert.deepEqual(withId, ["ScheduleFollowUp", "SendAgentReply"]);
  });

  it("pages every list with page_size, page_token and next_page_token (AIP-158)", () => {
    const lists = methods(PUBLIC).filter((m) => m.name.startsWith("List"));
    assert.deepEqual(lists.map((m) => m.name).sort(), [
      "ListContacts",
      "ListConversations",
      "ListFollowUps",
      "ListMessages",
    ]);
    for (const m of lists) {
      const names = (d: DescMessage) => d.fields.map((f) => f.name);
      assert.ok(names(m.input).includes("page_size") && names(m.input).includes("page_token"), m.name);
      assert.ok(names(m.output).includes("next_page_token"), m.name);
      assert.ok(!names(m.input).includes("page") && !names(m.output).includes("page"), m.name);
    }
  });

  it("gives every resource one parent: a collection lives under one path", () => {
    const parents = new Map<string, Set<string>>();
    for (const m of methods(PUBLIC)) {
      const path = (routeOf(m) ?? "").split(":")[0] ?? "";
      const segments = path.split("/");
      segments.forEach((s, i) => {
        if (s.startsWith("{") || i === 0) return;
        // A collection: the parent is the path before it, with every id written alike.
        const parent = segments
          .slice(0, i)
          .map((p) => (p.startsWith("{") ? "{}" : p))
          .join("/");
        parents.set(s, (parents.get(s) ?? new Set()).add(parent));
      });
    }
    const many = [...parents].filter(([, p]) => p.size > 1).map(([c, p]) => `${c}: ${[...p].join(" | ")}`);
    assert.deepEqual(many, []);
    const route = (name: string) =>
      routeOf(ConversationService.methods.find((m) => m.name === name) ?? ({} as never));
    assert.equal(
      route("ListFollowUps"),
      "/v1/workspaces/{workspace_id}/conversations/{conversation_id}/follow-ups",
    );
    assert.equal(
      route("CancelFollowUp"),
      "/v1/workspaces/{workspace_id}/conversations/{conversation_id}/follow-ups/{follow_up_id}:cancel",
    );
  });

  it('lists the follow-ups of every conversation with conversation_id "-" (AIP-159)', () => {
    const verdict = (conversationId: string) =>
      verdictOf(ListFollowUpsRequestSchema, { workspaceId: WORKSPACE, conversationId });
    assert.equal(verdict("-"), "valid");
    assert.equal(verdict("0190f5a4-7c1d-7b3e-9a2b-1c2d3e4f5a6c"), "valid");
    assert.equal(verdict(""), "invalid");
    assert.equal(verdict("--"), "invalid");
  });

  it("marks every event public or internal, and public ones carry the conversation, contact and channel", () => {
    const events = file_atendo_conversation_v1_conversation_events.messages.filter(
      (m) => m.fields[0]?.name === "meta",
    );
    const visibility = (m: DescMessage) =>
      hasOption(m, eventOption) ? getOption(m, eventOption).visibility : EventVisibility.UNSPECIFIED;
    assert.deepEqual(
      events.filter((m) => visibility(m) === EventVisibility.INTERNAL).map((m) => m.name),
      ["TurnReady", "OutboundCreated", "FollowUpDue"],
    );
    const publicEvents = events.filter((m) => visibility(m) === EventVisibility.PUBLIC);
    assert.equal(publicEvents.length + 3, events.length, "every event is marked");
    for (const m of publicEvents) {
      if (m.name === "ContactUpdated") continue; // about a contact: the Contact names its channels
      const names = m.fields.map((f) => f.name);
      for (const id of ["conversation_id", "contact_id", "channel_id", "channel_type"]) {
        assert.ok(names.includes(id), `${m.name} lacks ${id}`);
      }
    }
  });
});
