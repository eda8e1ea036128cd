// A check as the central service receives it (spec §6): what sync pushes,
// and what `sentinel log` and a technician's export show. Here rather than
// in the sync client so that the log's own readers need not import sync.
import type { LoggedCheck } from './check-record.js';

/** What a check looks like on the wire: no QR text, no raw subject, no name. */
export interface SyncedCheck {
  checkId: string;
  at: string;
  verdict: string;
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

export function wireCheck(c: LoggedCheck): SyncedCheck {
  return {
    checkId: c.checkId,
    at: new Date(c.atMs).toISOString(),
    verdict: c.verdict,
    reasons: c.reasons,
    format: c.format ?? null,
    issuer: c.issuer,
    status: c.status,
    kid: c.kid,
    temperatureC: c.temperatureC,
    bundleSeq: c.bundleSeq,
    policyVersion: c.policyVersion,
    clockState: c.clockState,
    holder: c.holder,
  };
}
