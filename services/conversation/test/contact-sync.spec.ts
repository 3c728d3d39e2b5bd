import assert from "node:assert/strict";
import { ActorKind } from "@atendo/proto/common/v1";
import { ContactUpdatedSchema, TurnReadySchema } from "@atendo/proto/conversation/v1";
import {
  ContactSyncAction,
  ContactSyncReceivedSchema,
  MessageReceivedSchema,
} from "@atendo/proto/ingress/v1";
import { waitFor } from "@atendo/testing";
import {
  contactsOfChannel,
  conversationsOfChannel,
  messagesOfChannel,
  theConversation,
} from "./support/db.js";
import { contactSynced, messageReceived, newCustomer } from "./support/events.js";
import { type Harness, startConversation } from "./support/harness.js";

describe("the WhatsApp Business app's address book (coexistence)", () => {
  let h: Harness;
  before(async () => {
    h = await startConversation();
  });
  after(async () => {
    await h?.stop();
  });

  const updatesOf = (contactId: string) =>
    h.captured.of(ContactUpdatedSchema).filter((e) => e.contact?.id === contactId);

  it("creates an unknown number as a contact with its saved name, and nothing else", async () => {
    const c = newCustomer();
    const add = contactSynced(c, {
      action: ContactSyncAction.ADD,
      fullName: "Joana Prado (bakery)",
      firstName: "Joana",
      occurredAt: new Date(),
    });
    await h.bus.publish(ContactSyncReceivedSchema, add);
    await h.bus.publish(ContactSyncReceivedSchema, add, { msgId: `${add.meta?.eventId}-again` });
    await h.handled(add.meta?.eventId, 2);

    const contacts = await contactsOfChannel(c.channelId);
    assert.deepEqual(
      contacts.map((k) => [k.external_id, k.saved_name, k.display_name, k.phone]),
      [[c.waId, "Joana Prado (bakery)", "", `+${c.waId}`]],
    );
    assert.deepEqual(await conversationsOfChannel(c.channelId), [], "no conversation");
    assert.deepEqual(await messagesOfChannel(c.channelId), [], "no message");
    const [contact] = contacts;
    const updates = await waitFor(() => {
      const found = updatesOf(contact?.id ?? "");
      return found.length > 0 ? found : undefined;
    });
    assert.equal(updates.length, 1, "the repeated event changed nothing");
    assert.deepEqual(updates[0]?.changedFields, ["saved_name"]);
    assert.equal(updates[0]?.contact?.savedName, "Joana Prado (bakery)");
    assert.equal(updates[0]?.meta?.actor?.kind, ActorKind.BUSINESS_APP);
  });

  it("keeps the saved name apart from the profile name, and a removal keeps the contact and its conversation", async () => {
    const c = newCustomer();
    await h.bus.publish(MessageReceivedSchema, messageReceived(c, { displayName: "Maria S." }));
    const conversation = await theConversation(c.channelId);
    await waitFor(() => h.captured.of(TurnReadySchema).some((t) => t.conversationId === conversation.id));
    const t0 = Date.now() - 60_000;
    const add = contactSynced(c, {
      action: ContactSyncAction.ADD,
      firstName: "Maria",
      occurredAt: new Date(t0),
    });
    await h.bus.publish(ContactSyncReceivedSchema, add);
    await h.handled(add.meta?.eventId);
    let [contact] = await contactsOfChannel(c.channelId);
    assert.deepEqual([contact?.display_name, contact?.saved_name], ["Maria S.", "Maria"]);

    // The app's removal, then a late copy of an older add: the removal stands.
    const remove = contactSynced(c, { action: ContactSyncAction.REMOVE, occurredAt: new Date(t0 + 20_000) });
    const olderAdd = contactSynced(c, {
      action: ContactSyncAction.ADD,
      fullName: "Maria Old Name",
      occurredAt: new Date(t0 + 10_000),
    });
    await h.bus.publish(ContactSyncReceivedSchema, remove);
    await h.handled(remove.meta?.eventId);
    await h.bus.publish(ContactSyncReceivedSchema, olderAdd);
    await h.handled(olderAdd.meta?.eventId);

    [contact] = await contactsOfChannel(c.channelId);
    assert.deepEqual([contact?.display_name, contact?.saved_name], ["Maria S.", ""]);
    assert.equal((await conversationsOfChannel(c.channelId)).length, 1, "the conversation stays");
    assert.equal((await messagesOfChannel(c.channelId)).length, 1, "nobody was messaged");
    assert.deepEqual(
      updatesOf(contact?.id ?? "").map((u) => u.contact?.savedName),
      ["Maria", ""],
      "one update per change applied, none for the stale add",
    );
    assert.equal(
      h.captured.of(TurnReadySchema).filter((t) => t.conversationId === conversation.id).length,
      1,
      "no turn from the address book",
    );
  });

  it("ignores the removal of a number it never saw", async () => {
    const c = newCustomer();
    const remove = contactSynced(c, { action: ContactSyncAction.REMOVE, occurredAt: new Date() });
    await h.bus.publish(ContactSyncReceivedSchema, remove);
    await h.handled(remove.meta?.eventId);
    assert.deepEqual(await contactsOfChannel(c.channelId), []);
  });
});
