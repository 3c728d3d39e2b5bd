import { clip } from "./json-read.js";

/**
 * Whom a delivery's changes were for. A WhatsApp app subscribed for several numbers gets every
 * number's changes on each callback URL, and the App Dashboard's "Test" button sends a fixed sample
 * (entry id "0", phone_number_id "123456123", display number "16505551111"). A delivery none of whose
 * changes is for the channel's number is stored as IGNORED with the reason from here.
 */
export interface Addressees {
  /** A change for the channel's number. */
  ours(): void;
  /** A change for another number; `entryId` tells the dashboard's sample apart. */
  foreign(phoneNumberId: string, entryId: string): void;
  /** The reason to ignore the delivery, when nothing of it was for the channel's number. */
  ignoredReason(): string | undefined;
}

/** The phone_number_id of the App Dashboard's sample for the `messages` field. */
export const DASHBOARD_SAMPLE_PHONE_NUMBER_ID = "123456123";
const DASHBOARD_SAMPLE_ENTRY_ID = "0";
const NAMED_NUMBERS = 3;

export function createAddressees(channelNumber: string): Addressees {
  let ours = false;
  let samples = 0;
  const others = new Set<string>();
  return {
    ours() {
      ours = true;
    },
    foreign(phoneNumberId, entryId) {
      if (phoneNumberId === DASHBOARD_SAMPLE_PHONE_NUMBER_ID || entryId === DASHBOARD_SAMPLE_ENTRY_ID)
        samples++;
      else others.add(clip(phoneNumberId, 64));
    },
    ignoredReason() {
      if (ours || (samples === 0 && others.size === 0)) return undefined;
      if (others.size === 0) return "Meta dashboard sample";
      const named = [...others].slice(0, NAMED_NUMBERS).map((n) => `"${n}"`);
      const more = others.size > NAMED_NUMBERS ? ` and ${others.size - NAMED_NUMBERS} more` : "";
      return `addressed to phone_number_id ${named.join(", ")}${more}, not this channel's "${channelNumber}"`;
    },
  };
}
