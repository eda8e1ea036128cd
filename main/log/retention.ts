// Retention, in one place: what the kiosk deletes from its check log, and
// when. Callers — the sync loop after a pass, `sentinel log --purge`, and
// the kiosk on a timer of its own (a kiosk that never syncs must still be
// bounded) — all call applyRetention.
//
// Two rules:
// - A synced check (or audit event) goes once it is older than the
//   retention period: the central service holds it (spec §6). Synced means
//   marked so by this kiosk, under its chain key (sync_mac); a row whose
//   sync state was edited counts as unsynced.
// - An unsynced check goes once it is older than the policy's
//   `unsyncedMaxAgeDays` (default 90; null keeps it forever) — and only
//   once the status bar's warning has stood two weeks of kiosk time since
//   it first became due (recorded, sealed, in meta), so that a clock jump,
//   an upgrade onto an old backlog or a lowered bound never drops a check
//   unannounced. A check logged while the clock was untrusted is never
//   dropped by its time (a dead RTC's year 2000 says nothing); it stays
//   until it is synced.
//
// The second rule is a trade-off. Keeping every check until the central
// service has it means none is ever lost — but on a kiosk that never syncs
// (no network, an enrollment never finished) the log of who passed, with
// pseudonyms and temperatures, would grow without end on an unattended
// machine, and data minimisation says personal data is kept no longer than
// needed. Three months is far beyond any outage the sync loop is meant to
// ride out; the status bar warns at least two weeks before the first check
// would go (unsyncedPurgeOutlook), and the drop itself is an audit event in the
// keyed chain saying how many unsynced checks went and from when to when,
// so it is never silent. A deployment that must never lose a check sets
// `unsyncedMaxAgeDays: null` and takes on watching the disk instead.
// Unsynced audit events are never dropped: they are few, hold no holder
// data, and include the records of these very drops.
import type { Policy } from '../contract/policy.js';
import type { CheckLog, RetentionResult } from './check-log.js';

export type { RetentionResult } from './check-log.js';

/** How long a synced check stays on the kiosk (the central service holds it), days. */
export const DEFAULT_RETENTION_DAYS = 21;
export { unsyncedPurgeOutlook, UNSYNCED_WARN_DAYS, type UnsyncedPurgeOutlook } from '../contract/policy.js';

/**
 * One retention pass: deletes synced checks and events older than
 * `retentionDays` and unsynced checks older than the policy's
 * `unsyncedMaxAgeDays` (once warned of for two weeks, see above), records
 * what went in the chain (a `retention/purged` event), and gives the space
 * back.
 */
export function applyRetention(log: CheckLog, policy: Pick<Policy, 'unsyncedMaxAgeDays'>, opts: { nowMs: number; retentionDays: number }): RetentionResult {
  return log.retain({ nowMs: opts.nowMs, retentionDays: opts.retentionDays, unsyncedMaxAgeDays: policy.unsyncedMaxAgeDays });
}
