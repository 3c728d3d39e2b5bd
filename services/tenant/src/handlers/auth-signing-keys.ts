import { AuthService } from "@atendo/proto/tenant/v1";
import { withContext } from "@atendo/telemetry";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { userOf } from "./caller.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { oncePer } from "./once-per-request.js";
import { rpc } from "./rpc-errors.js";

/**
 * RotateSigningKey (platform admins): a new key, published now, signing after the grace period.
 * The request id is kept in the admin's own tenant, with the rotation.
 */
export function createSigningKeyRotation(
  deps: HandlerDeps,
): Pick<ServiceImpl<typeof AuthService>, "rotateSigningKey"> {
  return {
    rotateSigningKey: (req, ctx) =>
      rpc(async () => {
        const admin = userOf(ctx);
        return deps.db.withTenant(admin.tenantId, (em) =>
          oncePer(
            deps.requestIds,
            em,
            AuthService.method.rotateSigningKey,
            { tenantId: admin.tenantId, request: req },
            async () => {
              const rotated = await deps.signingKeys.rotate(em, { compromised: req.compromised });
              withContext(deps.logger, { correlationId: correlationOf(ctx) }).warn(
                {
                  userId: admin.userId,
                  newKid: rotated.newKid,
                  previousKid: rotated.previousKid,
                  activeFrom: rotated.activeFrom.toISOString(),
                  compromised: req.compromised,
                },
                "signing key rotated",
              );
              return {
                newKeyId: rotated.newKid,
                activeFrom: timestampFromDate(rotated.activeFrom),
                previousKeyId: rotated.previousKid,
              };
            },
          ),
        );
      }),
  };
}
