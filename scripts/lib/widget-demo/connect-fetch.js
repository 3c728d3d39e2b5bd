// The Connect protocol over fetch, as small as the widget demo needs it (no client library in the
// page): unary calls as JSON POSTs, and server streams as enveloped JSON. Plain JavaScript, loaded
// by the browser as a module; the dev-stack test drives the real widget service with it.

export class RpcError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = "RpcError";
    this.code = code;
  }
}

// Every envelope: 1 flag byte, a 4-byte big-endian length, then that many bytes of JSON. The
// server's last envelope has flag 2 and carries the end of the stream (and its error, if any).
const END_STREAM = 2;

function envelope(request) {
  const json = new TextEncoder().encode(JSON.stringify(request));
  const out = new Uint8Array(5 + json.length);
  new DataView(out.buffer).setUint32(1, json.length);
  out.set(json, 5);
  return out;
}

async function errorOf(res) {
  const body = await res.json().catch(() => ({}));
  return new RpcError(body.code ?? "unknown", body.message ?? res.statusText);
}

/** `baseUrl` is the service's, e.g. http://127.0.0.1:7100/atendo.ingress.v1.WidgetService. */
export function createConnectClient({ baseUrl, fetch = globalThis.fetch.bind(globalThis) }) {
  const headers = (contentType, token) => ({
    "content-type": contentType,
    "connect-protocol-version": "1",
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });
  return {
    // A unary call: POST the JSON request; an error is a non-200 answer with {code, message}.
    async unary(method, request, token) {
      const res = await fetch(`${baseUrl}/${method}`, {
        method: "POST",
        headers: headers("application/json", token),
        body: JSON.stringify(request),
      });
      if (!res.ok) throw await errorOf(res);
      return res.json();
    },
    // A server stream: yields each message until the server ends the stream (or `signal` aborts).
    async *stream(method, request, token, signal) {
      const res = await fetch(`${baseUrl}/${method}`, {
        method: "POST",
        headers: headers("application/connect+json", token),
        body: envelope(request),
        signal,
      });
      if (!res.ok || res.body === null) throw await errorOf(res);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = new Uint8Array(0);
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) throw new RpcError("unavailable", "the stream ended without its last envelope");
          const joined = new Uint8Array(buffer.length + value.length);
          joined.set(buffer);
          joined.set(value, buffer.length);
          buffer = joined;
          // A read may hold part of an envelope, or several: take every complete one.
          while (buffer.length >= 5) {
            const length = new DataView(buffer.buffer, buffer.byteOffset).getUint32(1);
            if (buffer.length < 5 + length) break;
            const flags = buffer[0];
            const data = JSON.parse(decoder.decode(buffer.subarray(5, 5 + length)));
            buffer = buffer.subarray(5 + length);
            if (flags & END_STREAM) {
              if (data.error) throw new RpcError(data.error.code, data.error.message ?? "");
              return;
            }
            yield data;
          }
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
}
