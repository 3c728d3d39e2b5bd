import { type ChannelSecrets, secretsContext } from "./channel-model.js";
import type { SecretBox } from "./secret-box.js";

/** Seals a channel's secrets with the active key, bound to its tenant and id. */
export function sealChannelSecrets(
  box: SecretBox,
  channel: { tenantId: string; id: string },
  secrets: ChannelSecrets,
): { keyId: string; ciphertext: Buffer } {
  return box.seal(JSON.stringify(secrets), secretsContext(channel.tenantId, channel.id));
}

export function openChannelSecrets(
  box: SecretBox,
  channel: { tenantId: string; id: string; keyId: string; secrets: Uint8Array },
): ChannelSecrets {
  const json = box.open(
    { keyId: channel.keyId, ciphertext: channel.secrets },
    secretsContext(channel.tenantId, channel.id),
  );
  return JSON.parse(json) as ChannelSecrets;
}
