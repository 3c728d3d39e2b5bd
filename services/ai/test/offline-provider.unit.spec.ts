import assert from "node:assert/strict";
import { FinishReason, type Passage, PassageSchema } from "@atendo/proto/ai/v1";
import { ModelProvider } from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";
import { DEFAULT_HANDOFF_KEYWORDS } from "../src/domain/handoff.js";
import { createOfflineProvider } from "../src/domain/offline-provider.js";
import type { AssistantProfile, TurnInput } from "../src/domain/provider.js";

const profile: AssistantProfile = {
  id: "0193a000-0000-7000-8000-000000000001",
  name: "Lia",
  instructions: "",
  language: "pt-BR",
  provider: ModelProvider.OFFLINE,
  model: "",
  temperature: undefined,
  maxOutputTokens: 1024,
  handoff: { keywords: [], message: "", onRequest: false },
};

function turn(texts: string[], init: Partial<TurnInput> = {}): TurnInput {
  return {
    assistant: profile,
    language: "pt-BR",
    history: [],
    turn: texts.map((text) => ({ role: "customer" as const, text })),
    passages: [],
    contactName: "",
    ...init,
  };
}

function passage(text: string, title: string, score = 0.5): Passage {
  return create(PassageSchema, {
    knowledgeBaseId: "kb-1",
    documentId: `doc-${title}`,
    chunkId: `chunk-${title}`,
    title,
    text,
    score,
  });
}

function texts(parts: { part: { case: string | undefined; value?: unknown } }[]): string[] {
  return parts.map((p) => (p.part.case === "text" ? (p.part.value as { body: string }).body : ""));
}

describe("offline provider", () => {
  const provider = createOfflineProvider({ handoffKeywords: DEFAULT_HANDOFF_KEYWORDS });

  it("says in Portuguese that no language model is configured and a person will follow up", async () => {
    const reply = await provider.generate(turn(["Qual o horário de funcionamento?"]));
    const [body] = texts(reply.parts);
    assert.equal(reply.parts.length, 1);
    assert.match(body ?? "", /não há um modelo de linguagem configurado/);
    assert.match(body ?? "", /Uma pessoa da nossa equipe/);
    assert.equal(reply.offline, true);
    assert.equal(reply.model, "offline");
    assert.equal(reply.finishReason, FinishReason.STOP);
    assert.equal(reply.usage.provider, ModelProvider.OFFLINE);
    assert.equal(reply.usage.inputTokens, 0n);
    assert.equal(reply.usage.outputTokens, 0n);
    assert.deepEqual(reply.actions, []);
  });

  it("says it in English when the reply language is English", async () => {
    const reply = await provider.generate(turn(["What time do you open?"], { language: "en" }));
    const [body] = texts(reply.parts);
    assert.match(body ?? "", /no language model is configured/);
    assert.match(body ?? "", /A person from our team will follow up/);
    assert.doesNotMatch(body ?? "", /modelo/);
  });

  it("quotes the passage sharing the most words with the question and cites it", async () => {
    const passages = [
      passage("Entregamos em todo o Brasil em até 5 dias úteis.", "Entregas", 0.9),
      passage("Trocas e devoluções são aceitas em até 30 dias após o recebimento.", "Trocas", 0.2),
    ];
    const reply = await provider.generate(
      turn(["Como faço para devolver? Aceitam devoluções?"], { passages }),
    );
    assert.equal(reply.parts.length, 2);
    const quoted = texts(reply.parts)[1] ?? "";
    assert.match(quoted, /Trocas e devoluções são aceitas em até 30 dias/);
    assert.match(quoted, /\(Trocas\)/);
    assert.equal(reply.citations.length, 1);
    assert.equal(reply.citations[0]?.chunkId, "chunk-Trocas");
    assert.equal(reply.citations[0]?.score, 0.2);
  });

  it("quotes nothing when no passage shares a word with the question", async () => {
    const passages = [passage("Entregamos em todo o Brasil.", "Entregas")];
    const reply = await provider.generate(turn(["Vocês vendem camisetas?"], { passages }));
    assert.equal(reply.parts.length, 1);
    assert.deepEqual(reply.citations, []);
  });

  it("hands off when the customer asks for a person, and says the team was told", async () => {
    for (const ask of [
      "Quero falar com um atendente",
      "tem algum HUMANO aí?",
      "I need a human",
      "agent please",
    ]) {
      const reply = await provider.generate(turn([ask]));
      assert.equal(reply.actions.length, 1, ask);
      assert.equal(reply.actions[0]?.action.case, "handoff", ask);
      assert.match(texts(reply.parts)[0] ?? "", /Já avisei a nossa equipe/, ask);
    }
  });

  it("does not hand off on words that merely contain a keyword", async () => {
    const reply = await provider.generate(turn(["Vocês atendem aos sábados? Sou agente de viagens."]));
    assert.deepEqual(reply.actions, []);
  });
});
