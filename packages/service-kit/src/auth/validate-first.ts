import type { DescMessage, Message } from "@bufbuild/protobuf";
import type { Validator } from "@bufbuild/protovalidate";
import { violationsToProto } from "@bufbuild/protovalidate";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Validates a request the way the validation interceptor will (same error shape), for the one
 * place that needs it earlier: before an authenticated caller's target is looked up, so a
 * malformed workspace id is `invalid_argument` naming the field rather than `not_found`.
 */
export function assertValid(validator: Validator, schema: DescMessage, message: Message): void {
  const result = validator.validate(schema, message);
  if (result.kind === "valid") return;
  if (result.kind === "error") {
    throw new ConnectError(result.error.message, Code.InvalidArgument, undefined, undefined, result.error);
  }
  const [value, desc] = violationsToProto(result.violations);
  throw new ConnectError(
    result.error.message,
    Code.InvalidArgument,
    undefined,
    [{ desc, value }],
    result.error,
  );
}
