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
import type Database from 'better-sqlite3';
import { unsyncedPurgeOutlook, UNSYNCED_WARN_DAYS, type Policy } from '../contract/policy.js';
import { highestBundleSeqOf } from './bundle-floor.js';
import { sameMac, type ChainKey } from './chain.js';
import type { ChainWriter } from './chain-writer.js';
import { uuidv7 } from './check-id.js';
import { parseStored, type LogMeta } from './log-meta.js';
import { ATTESTED_SYNCED, type Outbox } from './outbox.js';
import { brokenBeforeKeyedOf, mergeRanges, PURGE_MARKER_TYPES, purgedRangesOf, rangesOf } from './purged-ranges.js';

/** How long a synced check stays on the kiosk (the central service holds it), days. */
export const DEFAULT_RETENTION_DAYS = 21;
export { unsyncedPurgeOutlook, UNSYNCED_WARN_DAYS, type UnsyncedPurgeOutlook } from '../contract/policy.js';

/** What one retention pass deleted (and recorded in the chain). */
export interface RetentionResult {
  /** Synced checks older than the retention period. */
  deleted: number;
  /** Synced audit events older than the retention period. */
  events: number;
  /** Unsynced checks older than the policy's unsyncedMaxAgeDays, dropped without ever reaching the central service. */
  unsyncedDropped: number;
  /** When the oldest and newest of those were logged, ms; null when none was dropped. */
  unsyncedRange: { fromMs: number; toMs: number } | null;
}

/** What retention may delete: synced checks and events past retentionDays; unsynced checks past unsyncedMaxAgeDays (null: never). */
export interface RetentionRule {
  nowMs: number;
  retentionDays: number;
  unsyncedMaxAgeDays: number | null;
}

/**
 * One retention pass: deletes synced checks and events older than
 * `retentionDays` and unsynced checks older than the policy's
 * `unsyncedMaxAgeDays` (once warned of for two weeks, see above), records
 * what went in the chain (a `retention/purged` event), and gives the space
 * back.
 */
export function applyRetention(log: { retain(rule: RetentionRule): RetentionResult }, policy: Pick<Policy, 'unsyncedMaxAgeDays'>, opts: { nowMs: number; retentionDays: number }): RetentionResult {
  return log.retain({ nowMs: opts.nowMs, retentionDays: opts.retentionDays, unsyncedMaxAgeDays: policy.unsyncedMaxAgeDays });
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** meta key: when the warning before unsynced checks are dropped first became due (Retention.unsyncedWarnedSinceMs). */
const UNSYNCED_WARNED = 'unsynced_warned';

function down(ms: number, unit: number): number {
  return Math.floor(ms / unit) * unit;
}

/** Retention on one open log (CheckLog.retain is the way in). */
export class Retention {
  private readonly deleteSynced: Database.Statement;
  private readonly deleteUnsynced: Database.Statement;
  private readonly deleteEvents: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly key: ChainKey,
    private readonly meta: LogMeta,
    private readonly outbox: Outbox,
    private readonly chain: ChainWriter,
  ) {
    // Each deletion hands back what it deleted: one statement, not a SELECT and then a DELETE of the same rows.
    this.deleteSynced = db.prepare(`DELETE FROM checks WHERE at_ms < ? AND ${ATTESTED_SYNCED.checks} RETURNING chain_pos AS pos`).pluck();
    this.deleteUnsynced = db.prepare(`DELETE FROM checks WHERE at_ms < ? AND clock_state = 'trusted' AND NOT ${ATTESTED_SYNCED.checks} RETURNING chain_pos AS pos, at_ms AS at`);
    this.deleteEvents = db.prepare(`DELETE FROM events WHERE at_ms < ? AND ${ATTESTED_SYNCED.events} RETURNING chain_pos AS pos, type, detail`);
  }

  /**
   * One retention pass: deletes what the rule allows and, in the same
   * transaction, appends a `retention/purged` event to the chain saying
   * what went — how many synced checks and events, how many unsynced
   * checks and their time range, and which chain positions (with those of
   * any earlier marker deleted now), so the chain still verifies and a
   * deletion by hand still shows.
   *
   * Unsynced checks go only once the warning has stood two weeks, and only
   * those logged at a trusted clock (unsyncedCutoff).
   *
   * Cut-offs are rounded down so that a kiosk purging every few seconds
   * writes few markers: synced entries go once an hour at most (their
   * markers are synced and purged in turn); unsynced checks once a day at
   * most (UTC days), since on a kiosk that never syncs those markers are
   * never purged — a year of them is some 365 small events. A check is
   * kept at most that hour or day longer.
   */
  retain(rule: RetentionRule): RetentionResult {
    for (const days of [rule.retentionDays, rule.unsyncedMaxAgeDays ?? 0]) {
      if (!Number.isFinite(days) || days < 0) throw new RangeError(`retention needs a number of days, not ${days}`);
    }
    const synced = down(rule.nowMs - rule.retentionDays * DAY_MS, HOUR_MS);
    const result: RetentionResult = this.db
      .transaction((): RetentionResult => {
        const unsynced = this.unsyncedCutoff(rule);
        // Read before deleting: a kiosk whose every entry is purged still knows which bundle was in force (TrustStore.load's floor).
        const highestBundleSeq = highestBundleSeqOf(this.db);
        // Synced means marked so by this kiosk (ATTESTED_SYNCED); a row merely claiming it counts as unsynced.
        const checks = this.deleteSynced.all(synced) as number[];
        const dropped = unsynced === null ? [] : (this.deleteUnsynced.all(unsynced) as { pos: number; at: number }[]);
        const events = this.deleteEvents.all(synced) as { pos: number; type: string; detail: string }[];
        const none: RetentionResult = { deleted: 0, events: 0, unsyncedDropped: 0, unsyncedRange: null };
        if (checks.length + dropped.length + events.length === 0) return none;
        // What is left may not be due yet: its own warning then starts afresh when it is.
        if (unsynced !== null && !unsyncedPurgeOutlook(this.outbox.oldestUnsyncedAtMs(), rule, rule.nowMs).warn) this.meta.delete(UNSYNCED_WARNED);

        const positions = [...checks, ...dropped.map((d) => d.pos), ...events.map((ev) => ev.pos)].sort((a, b) => a - b);
        // An earlier marker deleted now hands its record on to this one: the positions it recorded, and a chain found broken before it was keyed.
        const markers = events.filter((ev) => PURGE_MARKER_TYPES.has(ev.type)).map((ev) => parseStored(ev.detail));
        const inherited = markers.flatMap((detail) => purgedRangesOf(detail) ?? []);
        const brokenBefore = markers.map(brokenBeforeKeyedOf).find((b) => b !== null) ?? null;
        const purged = mergeRanges([...rangesOf(positions), ...inherited]);

        // A loop, not Math.min(...): a first pass on an old kiosk may drop more checks than a call takes arguments.
        let range: { fromMs: number; toMs: number } | null = null;
        for (const d of dropped) range = range === null ? { fromMs: d.at, toMs: d.at } : { fromMs: Math.min(range.fromMs, d.at), toMs: Math.max(range.toMs, d.at) };
        const iso = (ms: number): string => new Date(ms).toISOString();
        this.chain.linkEvents([
          {
            eventId: uuidv7(rule.nowMs),
            atMs: rule.nowMs,
            type: 'retention/purged',
            actor: 'sentinel',
            detail: {
              retentionDays: rule.retentionDays,
              unsyncedMaxAgeDays: rule.unsyncedMaxAgeDays,
              synced: { checks: checks.length, events: events.length },
              unsynced: range === null ? null : { checks: dropped.length, from: iso(range.fromMs), to: iso(range.toMs) },
              purged,
              ...(highestBundleSeq === null ? {} : { highestBundleSeq }),
              ...(brokenBefore === null ? {} : brokenBefore),
            },
          },
        ]);
        return { deleted: checks.length, events: events.length, unsyncedDropped: dropped.length, unsyncedRange: range };
      })
      .immediate();
    if (result.deleted + result.events + result.unsyncedDropped > 0) {
      this.db.pragma('incremental_vacuum');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    }
    return result;
  }

  /**
   * Before which time unsynced checks may be dropped now, or null: part of a
   * retention pass, inside its transaction.
   *
   * The bound alone went by the clock: a clock jump to 2100, a kiosk
   * upgraded with a backlog older than the bound, or a technician lowering
   * it each dropped unsynced checks at once, with no warning shown first.
   * So the time the warning for the current bound first became due is
   * recorded (meta.unsynced_warned), and nothing is dropped until it has
   * stood UNSYNCED_WARN_DAYS of kiosk time — what the status bar promised.
   * The record goes when the warning is no longer due (synced, bound
   * raised), so a new backlog gets its own two weeks; one from a clock that
   * was ahead is started again. It is sealed under the chain key: anyone
   * editing meta could otherwise backdate it and skip the warning.
   *
   * Only checks logged at a trusted clock are dropped by their time (the
   * outlook reads the same set); the others are kept until synced.
   */
  private unsyncedCutoff(rule: RetentionRule): number | null {
    const bound = rule.unsyncedMaxAgeDays;
    const outlook = unsyncedPurgeOutlook(bound === null ? null : this.outbox.oldestUnsyncedAtMs(), { unsyncedMaxAgeDays: bound }, rule.nowMs);
    if (bound === null || !outlook.warn) {
      this.meta.delete(UNSYNCED_WARNED);
      return null;
    }
    let since = this.unsyncedWarnedSinceMs(bound);
    if (since === null || since > rule.nowMs) {
      since = rule.nowMs;
      this.meta.set(UNSYNCED_WARNED, JSON.stringify({ boundDays: bound, sinceMs: since, mac: this.key.warnedMac(bound, since) }));
    }
    if (rule.nowMs < since + UNSYNCED_WARN_DAYS * DAY_MS) return null;
    return down(rule.nowMs - bound * DAY_MS, DAY_MS);
  }

  /** See CheckLog.unsyncedWarnedSinceMs. */
  unsyncedWarnedSinceMs(boundDays: number | null): number | null {
    if (boundDays === null) return null;
    const record = parseStored(this.meta.get(UNSYNCED_WARNED) ?? 'null') as { boundDays?: unknown; sinceMs?: unknown; mac?: unknown } | null;
    if (record === null || typeof record !== 'object' || record.boundDays !== boundDays || !Number.isSafeInteger(record.sinceMs)) return null;
    return sameMac(record.mac, this.key.warnedMac(boundDays, record.sinceMs as number)) ? (record.sinceMs as number) : null;
  }
}
