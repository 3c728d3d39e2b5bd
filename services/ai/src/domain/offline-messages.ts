import type { ReplyLanguage } from "./language.js";

/**
 * What the offline provider says. It is honest about being automatic and about having no language
 * model: it never answers as if it understood the question.
 */
export interface OfflineMessages {
  notice: string;
  noticeWithHandoff: string;
  /** Introduces a quoted knowledge-base passage. */
  passage(excerpt: string, title: string): string;
}

const MESSAGES: Record<ReplyLanguage, OfflineMessages> = {
  "pt-BR": {
    notice:
      "Olá! Obrigado pela sua mensagem. Esta é uma resposta automática: ainda não há um modelo de " +
      "linguagem configurado para este atendimento, então não consigo responder à sua pergunta por aqui. " +
      "Uma pessoa da nossa equipe vai dar continuidade ao seu atendimento em breve.",
    noticeWithHandoff:
      "Olá! Obrigado pela sua mensagem. Esta é uma resposta automática: ainda não há um modelo de " +
      "linguagem configurado para este atendimento. Já avisei a nossa equipe, e uma pessoa vai continuar " +
      "a conversa com você em breve.",
    passage: (text, title) =>
      `Enquanto isso, encontrei esta informação que pode ajudar${title === "" ? "" : ` (${title})`}:\n\n"${text}"`,
  },
  en: {
    notice:
      "Hello! Thanks for your message. This is an automatic reply: no language model is configured for " +
      "this service yet, so I can't answer your question here. A person from our team will follow up " +
      "with you soon.",
    noticeWithHandoff:
      "Hello! Thanks for your message. This is an automatic reply: no language model is configured for " +
      "this service yet. I've let our team know, and a person will continue the conversation with you soon.",
    passage: (text, title) =>
      `Meanwhile, here is something that may help${title === "" ? "" : ` (${title})`}:\n\n"${text}"`,
  },
};

export function offlineMessages(language: ReplyLanguage): OfflineMessages {
  return MESSAGES[language];
}
