// A check as the central service receives it (spec §6): what sync pushes,
// and what `sentinel log` and a technician's export show. Here rather than
// in the sync client so that the log's own readers need not import sync.
import type { LoggedCheck } from './check-record.js';
import { WIRE_CHECK_TEXT_MAX as MAX, wireText, type SyncedCheck } from '../contract/sync-wire.js';

export type { SyncedCheck } from '../contract/sync-wire.js';

export function wireCheck(c: LoggedCheck): SyncedCheck {
  return {
    checkId: c.checkId,
    at: new Date(c.atMs).toISOString(),
    verdict: c.verdict,
    reasons: c.reasons,
    // The issuer and kid come from the traveller's code: cut to what the service keeps.
    format: wireText(c.format ?? null, MAX.format),
    issuer: wireText(c.issuer, MAX.issuer),
    status: wireText(c.status, MAX.status),
    kid: wireText(c.kid, MAX.kid),
    temperatureC: c.temperatureC,
    bundleSeq: c.bundleSeq,
    policyVersion: c.policyVersion,
    clockState: c.clockState,
    holder: c.holder,
  };
}
