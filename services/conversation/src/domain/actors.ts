import { type Actor, ActorKind, ActorSchema } from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";

// Who the events of what the consumers store name as their actor (RPCs name their caller through
// service-kit's actorOf).

/** The customer who wrote. */
export const contactActor = (contactId: string): Actor =>
  create(ActorSchema, { kind: ActorKind.CONTACT, id: contactId });

/** The assistant that answered; its id is empty when the reply named none. */
export const assistantActor = (assistantId: string): Actor =>
  create(ActorSchema, { kind: ActorKind.ASSISTANT, id: assistantId });

/** A person of the business writing from the channel's own app, seen through an echo. */
export const businessAppActor = (): Actor => create(ActorSchema, { kind: ActorKind.BUSINESS_APP });

/** Atendo itself (the reply buffer, a failed model call). */
export const systemActor = (): Actor =>
  create(ActorSchema, { kind: ActorKind.SYSTEM, displayName: "service:conversation" });
