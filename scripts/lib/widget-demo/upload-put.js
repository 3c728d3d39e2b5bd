// PUTs a file to a widget upload URL with XMLHttpRequest, whose upload events report progress (fetch
// cannot, for a request body). Plain JavaScript, loaded by the browser as a module.
import { RpcError } from "./connect-fetch.js";

/**
 * Sends `file` to `url` with the visitor token; `onProgress(fraction)` follows the bytes sent.
 * Resolves with ingress's answer (the upload, now UPLOADED); rejects with an RpcError carrying the
 * refusal's code and message (too large, a type the chat does not take, an expired URL).
 */
export function putFile(url, file, token, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.setRequestHeader("content-type", file.type || "application/octet-stream");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // An answer that is not ours (a proxy's): its status says enough.
      }
      if (xhr.status === 200) resolve(body);
      else reject(new RpcError(body.code ?? "unknown", body.message ?? `HTTP ${xhr.status}`));
    });
    // A refused connection is an error; one the page's own policy blocks may end as an abort.
    for (const end of ["error", "abort", "timeout"]) {
      xhr.addEventListener(end, () => reject(new RpcError("unavailable", "the upload was interrupted")));
    }
    xhr.send(file);
  });
}
