import { ContactEntity } from "./contact-entity.js";
import { ConversationEntity } from "./conversation-entity.js";
import { EarlyChangeEntity } from "./early-change-entity.js";
import { MessageEntity } from "./message-entity.js";
import { MessageVersionEntity } from "./message-version-entity.js";

/** Every entity of the conversation schema, for createDb. */
export const ENTITIES = [
  ContactEntity,
  ConversationEntity,
  MessageEntity,
  MessageVersionEntity,
  EarlyChangeEntity,
];
