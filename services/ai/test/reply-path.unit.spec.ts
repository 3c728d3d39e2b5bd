import assert from "node:assert/strict";
import { ChatMessageSchema, ChatRole, FinishReason } from "@atendo/proto/ai/v1";
import { AssistantSchema, HandoffRulesSchema, ModelSettingsSchema } from "@atendo/proto/assistant/v1";
import { MessageInputSchema, ModelProvider, TextContentSchema } from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";
import { createReplyGenerator } from "../src/domain/generate-reply.js";
import { guessLanguage, replyLanguage } from "../src/domain/language.js";
import { createOfflineProvider } from "../src/domain/offline-provider.js";
import type { Provider } from "../src/domain/provider.js";
import { assistantProfile, turnFromChat } from "../src/domain/turn-input.js";

const text = (body: string) =>
  create(MessageInputSchema, { content: { case: "text", value: create(TextContentSchema, { body }) } });
const chat = (role: ChatRole, body: string) => create(ChatMessageSchema, { role, message: text(body) });

function assistant(init: {
  language?: string;
  keywords?: string[];
  message?: string;
  provider?: ModelProvider;
}) {
  return create(AssistantSchema, {
    id: "0193a000-0000-7000-8000-000000000002",
    name: "Lia",
    language: init.language ?? "pt-BR",
    model: create(ModelSettingsSchema, { provider: init.provider ?? ModelProvider.OFFLINE }),
    handoff: create(HandoffRulesSchema, { keywords: init.keywords ?? [], message: init.message ?? "" }),
  });
}

describe("reply path", () => {
  const offline = createOfflineProvider({ handoffKeywords: ["atendente"] });

  it("hands off at once on the assistant's own keyword, without calling the provider", async () => {
    let calls = 0;
    const counting: Provider = {
      provider: ModelProvider.OFFLINE,
      generate: (turn) => {
        calls++;
        return offline.generate(turn);
      },
    };
    const generate = createReplyGenerator({ providers: [], offline: counting });
    const profile = assistantProfile(assistant({ keywords: ["cancelar pedido"], message: "Um momento!" }));
    const reply = await generate(
      turnFromChat(profile, [chat(ChatRole.CUSTOMER, "Quero CANCELAR pedido")], ""),
    );
    assert.equal(calls, 0);
    assert.equal(reply.actions[0]?.action.case, "handoff");
    assert.equal(reply.parts.length, 1);
    assert.equal(reply.parts[0]?.part.case === "text" && reply.parts[0].part.value.body, "Um momento!");
    assert.equal(reply.finishReason, FinishReason.STOP);

    const silent = createReplyGenerator({ providers: [], offline });
    const quiet = await silent(
      turnFromChat(
        assistantProfile(assistant({ keywords: ["gerente"] })),
        [chat(ChatRole.CUSTOMER, "o gerente")],
        "",
      ),
    );
    assert.deepEqual(quiet.parts, []);
    assert.equal(quiet.finishReason, FinishReason.TOOL_CALLS);
  });

  it("answers through the offline provider when the assistant's provider is not available here", async () => {
    const generate = createReplyGenerator({ providers: [], offline });
    const profile = assistantProfile(assistant({ provider: ModelProvider.OPENAI }));
    const reply = await generate(turnFromChat(profile, [chat(ChatRole.CUSTOMER, "Oi")], ""));
    assert.equal(reply.provider, ModelProvider.OFFLINE);
    assert.equal(reply.offline, true);
  });

  it("takes the trailing customer messages as the turn and the rest as history", () => {
    const profile = assistantProfile(assistant({}), "Seja breve.");
    const turn = turnFromChat(
      profile,
      [
        chat(ChatRole.CUSTOMER, "Oi"),
        chat(ChatRole.ASSISTANT, "Olá!"),
        chat(ChatRole.CUSTOMER, "Tem pizza?"),
        chat(ChatRole.CUSTOMER, "E refrigerante?"),
      ],
      "Ana",
    );
    assert.deepEqual(
      turn.history.map((l) => l.role),
      ["customer", "assistant"],
    );
    assert.deepEqual(
      turn.turn.map((l) => l.text),
      ["Tem pizza?", "E refrigerante?"],
    );
    assert.equal(turn.assistant.instructions, "Seja breve.");
    assert.equal(turn.contactName, "Ana");
  });

  it("answers in the assistant's language, or guesses the customer's when it has none", () => {
    assert.equal(replyLanguage("pt-BR", ["hello"]), "pt-BR");
    assert.equal(replyLanguage("en-US", ["olá"]), "en");
    assert.equal(replyLanguage("", ["Hi, what are your opening hours?"]), "en");
    assert.equal(replyLanguage("", ["Oi, qual é o horário de vocês?"]), "pt-BR");
    assert.equal(guessLanguage([]), "pt-BR");
  });
});
