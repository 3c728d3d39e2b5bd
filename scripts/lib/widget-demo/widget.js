// The web-chat widget of the demo page, in plain JavaScript: it talks to WidgetService through the
// edge with the Connect protocol over fetch (JSON, no client library), keeps the visitor token in
// localStorage, and shows the visitor's messages and the replies. The stream is a convenience; after
// any drop the page catches up with ListMessages (the history is the truth), then follows again.
// Attachments: CreateUpload, a PUT of the file with a progress bar (upload-put.js), SendAttachment.
import { createConnectClient, RpcError } from "./connect-fetch.js";
import { putFile } from "./upload-put.js";

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute("content") ?? "";
const SERVICE = `${meta("atendo-edge")}/atendo.ingress.v1.WidgetService`;
const SITE_KEY = meta("atendo-site-key");
const STORE = `atendo-widget:${SITE_KEY}`;

const LABELS = {
  en: {
    intro: "Ask anything: the demo assistant answers here.",
    placeholder: "Type a message",
    send: "Send",
    you: "You",
    assistant: "Assistant",
    typing: "is typing…",
    connecting: "Connecting…",
    reconnecting: "Connection lost, reconnecting…",
    failed: "Could not send",
    attach: "Attach a file",
    uploading: "Uploading",
    file: "file",
  },
  "pt-BR": {
    intro: "Pergunte o que quiser: o assistente de demonstração responde aqui.",
    placeholder: "Escreva uma mensagem",
    send: "Enviar",
    you: "Você",
    assistant: "Assistente",
    typing: "está digitando…",
    connecting: "Conectando…",
    reconnecting: "Conexão perdida, reconectando…",
    failed: "Não foi possível enviar",
    attach: "Anexar um arquivo",
    uploading: "Enviando",
    file: "arquivo",
  },
};
const language = navigator.language.toLowerCase().startsWith("pt") ? "pt-BR" : "en";
const t = LABELS[language];

const $ = (id) => document.getElementById(id);
document.documentElement.lang = language;
$("intro").textContent = t.intro;
$("text").placeholder = t.placeholder;
$("send").textContent = t.send;
$("attach").title = t.attach;
$("attach").setAttribute("aria-label", t.attach);
const status = (text) => {
  $("status").textContent = text;
};

const rpc = createConnectClient({ baseUrl: SERVICE });
const call = (method, request, token) => rpc.unary(method, request, token);

// The session: resumed with the stored visitor token when it still works, else a new one.
let token = "";
async function startSession() {
  const saved = localStorage.getItem(STORE) ?? "";
  const start = (resumeToken) =>
    call("StartSession", {
      siteKey: SITE_KEY,
      resumeToken,
      pageUrl: location.href,
      locale: navigator.language,
      requestId: crypto.randomUUID(),
    });
  const session = await start(saved).catch((err) => (saved === "" ? Promise.reject(err) : start("")));
  token = session.visitorToken;
  localStorage.setItem(STORE, token);
  if (session.channelName) $("title").textContent = session.channelName;
}

// Bubbles by message id; the visitor's own, while sending, by request id.
const bubbles = new Map();
let lastCursor = "";

function show(message) {
  const key = bubbles.has(message.id) ? message.id : message.requestId || message.id;
  let bubble = bubbles.get(key);
  if (bubble === undefined) {
    bubble = document.createElement("div");
    $("chat").append(bubble);
  }
  bubbles.delete(key);
  bubbles.set(message.id, bubble);
  const inbound = message.direction === "DIRECTION_INBOUND";
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = inbound ? t.you : message.senderName || t.assistant;
  bubble.className = `bubble ${inbound ? "inbound" : "outbound"}`;
  bubble.replaceChildren(who, ...contentOf(message));
  if (message.cursor) lastCursor = message.cursor;
  bubble.scrollIntoView({ block: "end" });
}

// What a bubble shows: text, a picture or a link to a file (by its signed URL), its caption.
function contentOf(message) {
  const content = message.message ?? {};
  if (content.text) return [content.text.body];
  const media = content.media;
  if (media === undefined) return [`[${Object.keys(content)[0] ?? "message"}]`];
  const url = message.attachment?.downloadUrl || media.url || "";
  const name = message.attachment?.filename || media.filename || t.file;
  let file;
  if (url !== "" && (media.mimeType ?? "").startsWith("image/")) {
    file = document.createElement("img");
    file.src = url;
    file.alt = name;
  } else {
    file = document.createElement(url === "" ? "span" : "a");
    if (url !== "") file.href = url;
    file.textContent = `📎 ${name}`;
  }
  return media.caption ? [file, media.caption] : [file];
}

// Everything after the last message shown (or the newest page on the first load).
async function catchUp() {
  if (lastCursor === "") {
    const page = await call("ListMessages", { pageSize: 50 }, token);
    for (const m of (page.messages ?? []).reverse()) show(m);
    return;
  }
  let pageToken = "";
  do {
    const page = await call("ListMessages", { afterCursor: lastCursor, pageToken }, token);
    for (const m of page.messages ?? []) show(m);
    pageToken = page.nextPageToken ?? "";
  } while (pageToken !== "");
}

async function follow() {
  let pause = 1000;
  for (;;) {
    // The server sends a heartbeat every 15 s: a silent minute means the stream is dead.
    const abort = new AbortController();
    let watchdog = setTimeout(() => abort.abort(), 60_000);
    try {
      for await (const item of rpc.stream(
        "StreamMessages",
        { afterCursor: lastCursor },
        token,
        abort.signal,
      )) {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => abort.abort(), 60_000);
        status("");
        pause = 1000;
        if (item.message) show(item.message);
        if (item.typing)
          status(item.typing.active ? `${item.typing.senderName || t.assistant} ${t.typing}` : "");
      }
    } catch (err) {
      if (err instanceof RpcError && err.code === "unauthenticated")
        await startSession().catch(() => undefined);
    } finally {
      clearTimeout(watchdog);
    }
    status(t.reconnecting);
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 15_000);
    await catchUp().catch(() => undefined);
  }
}

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = $("text").value.trim();
  if (body === "") return;
  $("text").value = "";
  // An optimistic bubble, replaced by the stored message with the same request id.
  const requestId = crypto.randomUUID();
  const bubble = document.createElement("div");
  bubble.className = "bubble inbound pending";
  bubble.textContent = body;
  bubbles.set(requestId, bubble);
  $("chat").append(bubble);
  try {
    await ready;
    const res = await call("SendMessage", { requestId, message: { text: { body } } }, token);
    show(res.message);
  } catch (err) {
    bubble.title = `${t.failed}: ${err.message}`;
    status(t.failed);
  }
});

// A file: reserved (the server checks its type and size), PUT with a progress bar, then sent.
$("file").addEventListener("change", async () => {
  const file = $("file").files?.[0];
  $("file").value = "";
  if (file === undefined) return;
  const progress = $("progress");
  progress.value = 0;
  progress.hidden = false;
  status(`${t.uploading} ${file.name}…`);
  try {
    await ready;
    const { upload } = await call(
      "CreateUpload",
      {
        requestId: crypto.randomUUID(),
        filename: file.name,
        mimeType: file.type || "application/octet-stream",
        sizeBytes: String(file.size),
      },
      token,
    );
    await putFile(upload.uploadUrl, file, token, (done) => {
      progress.value = done;
    });
    const res = await call("SendAttachment", { requestId: crypto.randomUUID(), uploadId: upload.id }, token);
    show(res.message);
    status("");
  } catch (err) {
    status(`${t.failed}: ${err.message}`);
  } finally {
    progress.hidden = true;
  }
});

status(t.connecting);
// What the visitor sends before the session is there waits for it (a fast typist, a slow network).
const ready = startSession();
ready
  .then(catchUp)
  .then(() => {
    status("");
    void follow();
  })
  .catch((err) => status(`${t.failed}: ${err.message}`));
