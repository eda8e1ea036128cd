// A check and an audit event as they cross to the central service (spec §6
// and its `events` extension): what the kiosk's sync sends and the
// service stores. Declared once, for the kiosk (main/log, main/sync) and
// the service (central/batch.ts).
import type { Verdict } from './reasons.js';

/** What a check looks like on the wire: no QR text, no raw subject, no name. */
export interface SyncedCheck {
  checkId: string;
  at: string;
  verdict: Verdict;
  reasons: string[];
  /** formats.md §4: phc1, dcc or shc; null for a text of no known format (and for checks logged before formats were kept). */
  format: string | null;
  issuer: string | null;
  status: string | null;
  kid: string | null;
  temperatureC: number | null;
  bundleSeq: number | null;
  policyVersion: number;
  clockState: string;
  holder: string | null;
}

/** An audit event beside the checks (the `events` extension of spec §6). */
export interface SyncedEvent {
  eventId: string;
  at: string;
  type: string;
  actor: string;
  detail: unknown;
}
