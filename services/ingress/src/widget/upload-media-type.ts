import { MediaKind } from "@atendo/proto/common/v1";
import { fileTypeFromBuffer } from "file-type";

/**
 * What a visitor may attach, by the type found in the bytes (file-type's names). Anything else,
 * executables and archives first, is refused: the file reaches agents, the assistant and webhook
 * subscribers.
 */
const ACCEPTED = new Set([
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/webp",
  "image/heic",
  "image/heif",
  "image/avif",
  "audio/mpeg",
  "audio/mp4",
  "audio/aac",
  "audio/ogg",
  "audio/wav",
  "audio/amr",
  "audio/flac",
  "video/mp4",
  "video/webm",
  "video/quicktime",
  "video/3gpp",
  "application/pdf",
  "application/rtf",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  "application/vnd.oasis.opendocument.text",
  "application/vnd.oasis.opendocument.spreadsheet",
  "application/vnd.oasis.opendocument.presentation",
]);

/** Plain text has no signature to find: accepted when the bytes are UTF-8 text. */
const TEXT = new Set(["text/plain", "text/csv"]);

/** Names browsers and file-type give the same format. */
const ALIASES: Readonly<Record<string, string>> = {
  "image/jpg": "image/jpeg",
  "image/pjpeg": "image/jpeg",
  "audio/mp3": "audio/mpeg",
  "audio/x-wav": "audio/wav",
  "audio/wave": "audio/wav",
  "audio/vnd.wave": "audio/wav",
  "audio/x-m4a": "audio/mp4",
  "audio/m4a": "audio/mp4",
  "audio/opus": "audio/ogg",
  "application/x-pdf": "application/pdf",
};

/** The MIME type without parameters, lowercase, under its usual name. */
export function mimeEssence(mime: string): string {
  const base = (mime.split(";")[0] ?? "").trim().toLowerCase();
  return ALIASES[base] ?? base;
}

/** Whether a declared type may be uploaded at all (checked before any byte is sent). */
export function acceptedType(mime: string): boolean {
  const essence = mimeEssence(mime);
  if (ACCEPTED.has(essence) || TEXT.has(essence)) return true;
  // A voice note recorded by a browser is audio in a video container's name (audio/webm).
  const [top, sub] = essence.split("/");
  return top === "audio" && ACCEPTED.has(`video/${sub}`);
}

/** The kind of media a type makes a message (its size limit too): image, audio, video or document. */
export function kindOfMime(mime: string): MediaKind {
  const top = mimeEssence(mime).split("/")[0];
  if (top === "image") return MediaKind.IMAGE;
  if (top === "audio") return MediaKind.AUDIO;
  if (top === "video") return MediaKind.VIDEO;
  return MediaKind.DOCUMENT;
}

export type BytesCheck = { ok: true; mimeType: string } | { ok: false; reason: string };

/**
 * Checks the bytes against the declared type: the format found in them must be one accepted and the
 * one declared (audio and video of one container, such as audio/webm and video/webm, agree). Returns
 * the type to store: the declared essence, now known true.
 */
export async function checkUploadBytes(declared: string, bytes: Uint8Array): Promise<BytesCheck> {
  const wanted = mimeEssence(declared);
  const found = await fileTypeFromBuffer(bytes);
  if (found === undefined) {
    if (TEXT.has(wanted) && isText(bytes)) return { ok: true, mimeType: wanted };
    return { ok: false, reason: `the file's type could not be recognised; ${wanted} files are not accepted` };
  }
  const actual = mimeEssence(found.mime);
  if (!ACCEPTED.has(actual)) {
    return { ok: false, reason: `the file is ${actual} (${found.ext}), which is not accepted` };
  }
  const [wantedTop, wantedSub] = wanted.split("/");
  const [actualTop, actualSub] = actual.split("/");
  const sameContainer =
    wantedSub === actualSub && (wantedTop === "audio" || wantedTop === "video") && actualTop === "video";
  if (wanted !== actual && !sameContainer) {
    return { ok: false, reason: `the file is ${actual}, not the ${wanted} it was declared as` };
  }
  return { ok: true, mimeType: wanted };
}

/** UTF-8 without NUL or other control characters than tab, newline and carriage return. */
function isText(bytes: Uint8Array): boolean {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return false;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text);
}
