import type { EntityManager, RequestIds } from "@atendo/db";
import { oncePerRequest } from "@atendo/service-kit";
import {
  create,
  type DescMessage,
  type DescMethodUnary,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";

/**
 * Runs a Create or an action of `rpc` once per request_id (AIP-155), in the caller's tenant
 * transaction `em` (service-kit's oncePerRequest): a retry gets the first answer back. The RPC's
 * descriptor names the method and its messages.
 */
export async function oncePer<I extends DescMessage, O extends DescMessage>(
  requestIds: RequestIds,
  em: EntityManager,
  rpc: DescMethodUnary<I, O>,
  call: { tenantId: string; request: MessageShape<I> & { requestId: string } },
  work: () => Promise<MessageInitShape<O>>,
): Promise<MessageShape<O>> {
  return oncePerRequest(
    em,
    requestIds,
    {
      tenantId: call.tenantId,
      method: `${rpc.parent.typeName}/${rpc.name}`,
      requestSchema: rpc.input,
      request: call.request,
      responseSchema: rpc.output,
    },
    async () => create(rpc.output, await work()),
  );
}
