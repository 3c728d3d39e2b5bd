import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { correlationIdKey, notFound } from "../../src/index.js";
import type { EchoRequest } from "./echo-service.js";
import { EchoResponseSchema, type EchoService } from "./echo-service.js";

/** A leaked internal detail: tests check it never reaches a caller. */
export const SECRET_DETAIL = 'relation "users" password hash for admin@example.com';

/** A promise the test releases by hand, to hold a request in flight. */
export interface Gate {
  promise: Promise<void>;
  open(): void;
  /** How many calls are waiting on the gate. */
  waiting: number;
}

export function createGate(): Gate {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open, waiting: 0 };
}

/**
 * Modes: "" echoes; "boom" throws a plain Error; "missing" throws notFound; "gate" waits for
 * `gate` (held in flight) or the call's abort. Ticks sends one reply, then throws for "boom" or, for "forever", waits
 * until the call ends.
 */
export function createEchoImpl(gate: Gate = createGate()): ServiceImpl<typeof EchoService> {
  const reply = (req: EchoRequest, ctx: HandlerContext) =>
    create(EchoResponseSchema, {
      text: req.text,
      correlationId: ctx.values.get(correlationIdKey),
      contentType: ctx.requestHeader.get("content-type") ?? "",
    });
  return {
    async echo(req, ctx) {
      if (req.mode === "boom") throw new Error(SECRET_DETAIL);
      if (req.mode === "missing") throw notFound("contact", req.text);
      if (req.mode === "gate") {
        gate.waiting++;
        // Like a database call given ctx.signal: gives up when the call is aborted.
        await new Promise<void>((resolve, reject) => {
          void gate.promise.then(resolve);
          ctx.signal.addEventListener("abort", () =>
            reject(new Error("aborted", { cause: ctx.signal.reason })),
          );
        });
      }
      return reply(req, ctx);
    },
    async *ticks(req, ctx) {
      yield reply(req, ctx);
      if (req.mode === "boom") throw new Error(SECRET_DETAIL);
      if (req.mode === "forever") {
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
      }
    },
  };
}
