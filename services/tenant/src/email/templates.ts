import type { TokenRole } from "../domain/roles.js";
import type { Language } from "./language.js";

/** The words of a message in one language. */
export interface MessageText {
  subject: string;
  text: string;
  html: string;
}

export interface VerificationText {
  name: string;
  email: string;
  link: string;
  expiresAt: Date;
}

export interface InvitationText {
  tenantName: string;
  role: TokenRole;
  link: string;
  expiresAt: Date;
}

const ROLE_NAMES: Record<Language, Record<TokenRole, string>> = {
  en: { owner: "an owner", admin: "an admin", agent: "an agent" },
  "pt-BR": { owner: "proprietário(a)", admin: "administrador(a)", agent: "agente" },
};

// Names come from users and tenants: no control characters in a subject line, markup escaped.
const oneLine = (s: string) => s.replace(/[\p{Cc}\p{Cf}]+/gu, " ").trim();
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** Paragraphs as plain text and as simple HTML; `{link}` marks where the link goes. */
function render(subject: string, paragraphs: readonly string[], link: string): MessageText {
  const text = paragraphs.map((p) => (p === "{link}" ? link : p)).join("\n\n");
  const html = paragraphs
    .map((p) =>
      p === "{link}"
        ? `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`
        : `<p>${escapeHtml(p)}</p>`,
    )
    .join("\n");
  return {
    subject: oneLine(subject),
    text: `${text}\n`,
    html: `<!doctype html>\n<html><body>\n${html}\n</body></html>\n`,
  };
}

/** The verification mail: confirm the address by opening the link. */
export function verificationText(language: Language, v: VerificationText): MessageText {
  const name = oneLine(v.name);
  if (language === "pt-BR") {
    return render(
      "Confirme seu e-mail no Atendo",
      [
        `Olá, ${name}.`,
        `Confirme que ${v.email} é o seu endereço abrindo este link:`,
        "{link}",
        `O link funciona uma vez e vale até ${utc(v.expiresAt)}. Até confirmar, você pode configurar seus espaços de trabalho e assistentes, mas não pode convidar pessoas, criar chaves de API nem conectar canais.`,
        "Se você não criou uma conta no Atendo, ignore esta mensagem.",
      ],
      v.link,
    );
  }
  return render(
    "Confirm your email address for Atendo",
    [
      `Hello ${name},`,
      `Confirm that ${v.email} is your address by opening this link:`,
      "{link}",
      `The link works once, until ${utc(v.expiresAt)}. Until you confirm, you can set up your workspaces and assistants, but you cannot invite people, create API keys or connect channels.`,
      "If you did not create an Atendo account, ignore this message.",
    ],
    v.link,
  );
}

/** The invitation: join a tenant with a role by opening the link. */
export function invitationText(language: Language, i: InvitationText): MessageText {
  const tenant = oneLine(i.tenantName);
  const role = ROLE_NAMES[language][i.role];
  if (language === "pt-BR") {
    return render(
      `Convite para ${tenant} no Atendo`,
      [
        "Olá.",
        `Você foi convidado(a) para entrar em ${tenant} no Atendo como ${role}. Aceite o convite neste link:`,
        "{link}",
        `O convite vale até ${utc(i.expiresAt)}. Se você não esperava por ele, ignore esta mensagem.`,
      ],
      i.link,
    );
  }
  return render(
    `Invitation to ${tenant} on Atendo`,
    [
      "Hello,",
      `You are invited to join ${tenant} on Atendo as ${role}. Accept the invitation with this link:`,
      "{link}",
      `The invitation is valid until ${utc(i.expiresAt)}. If you were not expecting it, ignore this message.`,
    ],
    i.link,
  );
}
