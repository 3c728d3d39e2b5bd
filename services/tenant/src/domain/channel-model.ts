import type { ChannelStatusName, ChannelTypeName } from "./enums.js";
import type { HistoryImportJson } from "./history-import.js";

/**
 * The public settings of a channel as stored in `channels.config` (jsonb, snake_case keys so SQL
 * indexes can use them). Which keys are set depends on the type. Hints are kept here so reads
 * never decrypt.
 */
export interface ChannelConfigJson {
  phone_number_id?: string;
  waba_id?: string;
  display_phone_number?: string;
  account_id?: string;
  /** "" = the platform default. */
  graph_api_version?: string;
  /** "" = the platform default. */
  graph_api_base_url?: string;
  access_token_hint?: string;
  app_secret_hint?: string;
  verify_token_hint?: string;
  site_key?: string;
  allowed_origins?: string[];
  identity_verification?: boolean;
  identity_secret_hint?: string;
}

/** The secrets of a channel: JSON, sealed with AES-256-GCM into `channels.secrets`. */
export interface ChannelSecrets {
  access_token?: string;
  app_secret?: string;
  verify_token?: string;
  identity_secret?: string;
}

/** A channel as the domain sees it (secrets still sealed). */
export interface ChannelRecord {
  id: string;
  tenantId: string;
  workspaceId: string;
  type: ChannelTypeName;
  name: string;
  status: ChannelStatusName;
  statusReason: string;
  statusChangedAt: Date;
  config: ChannelConfigJson;
  createdAt: Date;
  updatedAt: Date;
  /** WhatsApp coexistence: the import of past chats; absent or null before it started. */
  historyImport?: HistoryImportJson | null | undefined;
}

/** What the AES-GCM additional data binds a ciphertext to: it cannot be moved to another row. */
export function secretsContext(tenantId: string, channelId: string): string {
  return `atendo.tenant.channel:${tenantId}:${channelId}`;
}

/** Defaults applied where a channel leaves Graph settings empty. */
export interface GraphDefaults {
  graphApiVersion: string;
  whatsappGraphBaseUrl: string;
  instagramGraphBaseUrl: string;
  /** Whether a channel may set its own graph_api_base_url (GRAPH_BASE_URL_OVERRIDES=allow). */
  allowBaseUrlOverride: boolean;
}
