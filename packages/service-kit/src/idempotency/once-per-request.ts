import { type EntityManager, RequestIdReusedError, type RequestIds, requestFingerprint } from "@atendo/db";
import { ErrorReason } from "@atendo/proto/common/v1";
import { create, type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { commonError } from "../errors/common-errors.js";

/** A request that may carry an AIP-155 `request_id`. */
type WithRequestId = { requestId: string };

/**
 * Runs a Create or an action once per `request_id` (AIP-155), inside the caller's tenant
 * transaction: a retry with the same id and the same request gets the first response back; the same
 * id with another request is `invalid_argument` REQUEST_ID_REUSED. Without a request_id the work
 * simply runs.
 */
export async function oncePerRequest<Req extends DescMessage, Res extends DescMessage>(
  em: EntityManager,
  requestIds: RequestIds,
  call: {
    tenantId: string;
    /** `atendo.tenant.v1.ChannelService/CreateChannel`. */
    method: string;
    requestSchema: Req;
    request: MessageShape<Req> & WithRequestId;
    responseSchema: Res;
  },
  work: () => Promise<MessageShape<Res>>,
): Promise<MessageShape<Res>> {
  const { request } = call;
  if (request.requestId === "") return work();
  // The fingerprint leaves the id out: it is what stays equal between a call and its retry.
  const withoutId = create(call.requestSchema, { ...request, requestId: "" } as never);
  try {
    const bytes = await requestIds.once(
      em,
      {
        tenantId: call.tenantId,
        requestId: request.requestId,
        method: call.method,
        fingerprint: requestFingerprint(toBinary(call.requestSchema, withoutId)),
      },
      async () => toBinary(call.responseSchema, await work()),
    );
    return fromBinary(call.responseSchema, bytes);
  } catch (e) {
    if (e instanceof RequestIdReusedError) {
      throw commonError(ErrorReason.REQUEST_ID_REUSED, `request_id: ${e.message}`, {
        field: "request_id",
        request_id: e.requestId,
      });
    }
    throw e;
  }
}
