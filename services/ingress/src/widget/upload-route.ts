import type { Db } from "@atendo/db";
import { WidgetUploadSchema } from "@atendo/proto/ingress/v1";
import {
  type HttpHook,
  InvalidCredentialsError,
  type NodeRequest,
  type NodeResponse,
  PayloadTooLargeError,
  pathOf,
  readBody,
  readCredential,
  type SuspendedTenants,
  sendJson,
  type TokenVerifier,
  type VisitorPrincipal,
} from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import { toJson } from "@bufbuild/protobuf";
import { sha256Hex } from "../media/media-checksum.js";
import { mediaIdOf } from "../media/media-id.js";
import { widgetUploadOf } from "./create-upload.js";
import { UPLOAD_PATH_PREFIX, type WidgetUploadDeps } from "./upload-deps.js";
import { checkUploadBytes } from "./upload-media-type.js";
import { type WidgetUploadRow, widgetUploads } from "./widget-uploads.js";

export interface UploadRouteDeps {
  db: Db;
  verifier: TokenVerifier;
  suspendedTenants: SuspendedTenants;
  uploads: WidgetUploadDeps;
  logger: Logger;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A refusal with the HTTP status a browser expects and the Connect error shape the widget reads. */
class UploadRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const refuse = (status: number, code: string, message: string) => new UploadRefused(status, code, message);

/**
 * `PUT /v1/widget/uploads/{upload_id}` with `Authorization: Bearer <visitor token>`: the bytes of an
 * upload CreateUpload reserved for this visitor (another visitor's id is not found), exactly the
 * size declared, of the type declared as the bytes show it (executables and unknown types refused).
 * They go to the media store under the tenant and a media id derived from the upload and the bytes,
 * before the upload row is locked (no connection held while a large file is written, and two
 * concurrent PUTs of different bytes write different objects: the first to lock the row wins, the
 * other's object is removed). A retry with the same bytes answers the same; other bytes after the
 * first, or any once the upload was sent, are refused. The body is read only once the caller and the
 * upload are known.
 */
export function createUploadRoute(deps: UploadRouteDeps): HttpHook {
  const { db, uploads } = deps;

  async function visitorOf(req: NodeRequest): Promise<VisitorPrincipal> {
    const headers = new Headers();
    const authorization = req.headers.authorization;
    if (typeof authorization === "string") headers.set("authorization", authorization);
    const credential = readCredential(headers);
    if (typeof credential !== "object" || credential.kind !== "token") {
      throw refuse(401, "unauthenticated", "send the visitor token as Authorization: Bearer <token>");
    }
    try {
      const principal = await deps.verifier.verify(credential.value);
      if (principal.kind !== "visitor" || deps.suspendedTenants.has(principal.tenantId)) {
        throw new InvalidCredentialsError("not an active visitor token");
      }
      return principal;
    } catch (err) {
      if (err instanceof InvalidCredentialsError) {
        throw refuse(401, "unauthenticated", "the visitor token is not valid");
      }
      throw err;
    }
  }

  function usable(row: WidgetUploadRow | undefined, id: string): WidgetUploadRow {
    if (row === undefined) throw refuse(404, "not_found", `upload ${id} not found`);
    if (row.state === "sent") throw refuse(409, "failed_precondition", "this upload was already sent");
    if (row.state === "pending" && row.expiresAt.getTime() <= Date.now()) {
      throw refuse(410, "failed_precondition", "this upload URL has expired; create another upload");
    }
    return row;
  }

  const sameBytes = (row: WidgetUploadRow, sha256: string) => {
    if (row.sha256 !== sha256) {
      throw refuse(409, "failed_precondition", "this upload already has other bytes; create another upload");
    }
  };

  async function receive(req: NodeRequest, id: string): Promise<WidgetUploadRow> {
    const visitor = await visitorOf(req);
    const owner = { channelId: visitor.channelId, visitorId: visitor.visitorId };
    const found = usable(
      await db.withTenant(visitor.tenantId, (em) => widgetUploads.find(em, owner, id)),
      id,
    );
    let bytes: Buffer;
    try {
      bytes = await readBody(req, found.sizeBytes);
    } catch (err) {
      if (!(err instanceof PayloadTooLargeError)) throw err;
      throw refuse(413, "invalid_argument", `the file is larger than the ${found.sizeBytes} bytes declared`);
    }
    if (bytes.length !== found.sizeBytes) {
      throw refuse(400, "invalid_argument", `expected ${found.sizeBytes} bytes, got ${bytes.length}`);
    }
    const sha256 = sha256Hex(bytes);
    if (found.state === "uploaded") {
      sameBytes(found, sha256);
      return found;
    }
    const checked = await checkUploadBytes(found.declaredMimeType, bytes);
    if (!checked.ok) throw refuse(415, "invalid_argument", checked.reason);
    const key = { tenantId: visitor.tenantId, mediaId: mediaIdOf(found.channelId, `upload:${id}:${sha256}`) };
    await uploads.mediaStore.put(key, bytes, { mimeType: checked.mimeType, sizeBytes: bytes.length, sha256 });
    let current = "";
    try {
      return await db.withTenant(visitor.tenantId, async (em) => {
        // Under the row's lock: a concurrent PUT of this upload, or its send, waits its turn.
        const locked = await widgetUploads.lock(em, owner, id);
        current = locked?.mediaId ?? "";
        const row = usable(locked, id);
        if (row.state === "uploaded") {
          sameBytes(row, sha256);
          return row;
        }
        const file = { mimeType: checked.mimeType, sha256, mediaId: key.mediaId };
        await widgetUploads.markUploaded(em, id, file);
        return { ...row, ...file, state: "uploaded" as const };
      });
    } catch (err) {
      // Refused meanwhile (other bytes won, sent, expired): unless they are the upload's own, these
      // bytes are nobody's.
      if (current !== key.mediaId) await uploads.mediaStore.delete(key);
      throw err;
    }
  }

  return async (req: NodeRequest, res: NodeResponse) => {
    const path = pathOf(req);
    if (!path.startsWith(UPLOAD_PATH_PREFIX)) return false;
    const id = path.slice(UPLOAD_PATH_PREFIX.length).toLowerCase();
    try {
      if (!UUID.test(id)) throw refuse(404, "not_found", "no such upload");
      if (req.method !== "PUT") {
        res.setHeader("allow", "PUT");
        throw refuse(405, "unimplemented", "send the file's bytes with PUT");
      }
      const row = await receive(req, id);
      // The upload as CreateUpload's answer spells it (the contract's JSON), now UPLOADED.
      sendJson(res, 200, toJson(WidgetUploadSchema, widgetUploadOf(row, uploads)));
    } catch (err) {
      if (!(err instanceof UploadRefused)) throw err;
      deps.logger.debug({ upload_id: id, status: err.status, reason: err.message }, "widget upload refused");
      sendJson(res, err.status, { code: err.code, message: err.message });
    }
    return true;
  };
}
