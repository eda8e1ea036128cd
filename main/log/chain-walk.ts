// Verifying the whole log: SQLite's own integrity check, then every link
// under the chain key, across what retention's keyed markers record as
// deleted, up to the sealed head.
import type Database from 'better-sqlite3';
import type { EventRow } from './audit-events.js';
import { GENESIS_HASH, sameMac, type ChainKey, type ChainReport } from './chain.js';
import type { SyncState } from './check-record.js';
import { CHECK_SELECT, linkedRecordOf, type StoredCheck } from './check-rows.js';
import type { Head, Link } from './chain-writer.js';
import { parseStored } from './log-meta.js';
import { SCHEMA_SET_BACK } from './migrations.js';
import { brokenBeforeKeyedOf, PURGE_MARKER_TYPES, PurgedPositions, purgedRangesOf, type BrokenBeforeKeyed, type PositionRange } from './purged-ranges.js';
import { CheckLogUnusable, isDamaged, oneLine } from './unusable.js';

/** What the walk needs of the open log. */
export interface WalkedLog {
  db: Database.Database;
  key: ChainKey;
  /** meta.chain_key_id: which key the log was chained with. */
  keyId: () => string | null;
  head: () => Head;
}

/**
 * Checks the whole log: SQLite's own integrity_check first (a damaged file
 * is reported as such, never as an intact chain), then every link under
 * the chain key. Each entry must follow the one before it, except across
 * positions that a keyed retention marker records as deleted; the newest
 * entry must be the sealed head.
 *
 * integrity_check, not quick_check: only the full check compares each
 * index with its table. An index that lost a row (an admitted check
 * missing from checks_holder_admitted) passes quick_check, and
 * anti-passback, which looks the holder up there, would admit them again.
 * It reads the whole file, as the walk does anyway; CheckLog.integrity()
 * (the self-test's quick look) keeps to quick_check.
 */
export function verifyChain(log: WalkedLog): ChainReport {
  try {
    const integrity = (log.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
    if (integrity !== 'ok') return { ok: false, checked: 0, brokenAtSeq: null, problem: `the database file is damaged (SQLite integrity_check: ${oneLine(integrity)})` };
    return walkChain(log);
  } catch (err) {
    // Damage so bad that integrity_check or the walk cannot even read a page: still a report, not a failure to run.
    if (err instanceof CheckLogUnusable) return { ok: false, checked: 0, brokenAtSeq: null, problem: err.message };
    if (!isDamaged(err)) throw err;
    return { ok: false, checked: 0, brokenAtSeq: null, problem: `the database file is damaged (SQLite: ${oneLine((err as Error).message)})` };
  }
}

function walkChain({ db, key, keyId: readKeyId, head: readHead }: WalkedLog): ChainReport {
  const keyId = readKeyId();
  if (keyId !== null && keyId !== key.id()) {
    return { ok: false, checked: 0, brokenAtSeq: null, problem: 'the chain key (chain-key in the data directory) is not the one this log was chained with: it was replaced or lost' };
  }
  const events = db.prepare('SELECT * FROM events ORDER BY chain_pos').all() as EventRow[];
  // What retention (or migration 5) deleted, as its keyed markers say; each marker's own link is checked below.
  const ranges: PositionRange[] = [];
  let brokenBeforeKeyed: BrokenBeforeKeyed | null = null;
  for (const ev of events) {
    if (!PURGE_MARKER_TYPES.has(ev.type)) continue;
    // A detail that is not JSON was not written by Sentinel: its link will not verify either.
    const detail = parseStored(ev.detail);
    for (const r of purgedRangesOf(detail) ?? []) ranges.push(r);
    brokenBeforeKeyed ??= brokenBeforeKeyedOf(detail);
  }
  const purged = new PurgedPositions(ranges);
  let e = 0;
  let checked = 0;
  let last: Link | null = null;
  let broken: ChainReport | null = null;
  const visit = (pos: number, prev: string, hash: string, computed: string, what: 'check' | 'event', sync: { state: SyncState; mac: string | null; id: string }): boolean => {
    const expected = (last?.seq ?? 0) + 1;
    let problem: string | null = null;
    if (purged.has(pos)) problem = `${what} ${pos} was deleted by retention but is back`;
    else if (pos < expected) problem = `${what} ${pos} appears twice`;
    else if (pos === expected ? prev !== (last?.hash ?? GENESIS_HASH) : !purged.covers(expected, pos - 1)) {
      problem = `${what} ${pos} does not follow the one before it (an entry was removed or changed)`;
    } else if (computed !== hash) problem = `${what} ${pos} was changed after it was logged`;
    else if (sync.state === 'synced' && !sameMac(sync.mac, key.syncMac(what, pos, sync.id))) {
      problem = `${what} ${pos} is marked synced, but not by this kiosk (its sync state was edited)`;
    }
    if (problem !== null) {
      broken = { ok: false, checked, brokenAtSeq: pos, problem };
      return false;
    }
    last = { seq: pos, hash };
    checked++;
    return true;
  };
  const visitEventsBefore = (pos: number): boolean => {
    while (e < events.length && events[e]!.chain_pos < pos) {
      const ev = events[e++]!;
      // The link covers the stored detail text exactly.
      const computed = key.eventLink(ev.prev_hash, ev.chain_pos, { eventId: ev.event_id, atMs: ev.at_ms, type: ev.type, actor: ev.actor, detailText: ev.detail });
      if (!visit(ev.chain_pos, ev.prev_hash, ev.hash, computed, 'event', { state: ev.sync_state, mac: ev.sync_mac, id: ev.event_id })) return false;
    }
    return true;
  };
  for (const raw of db.prepare(`SELECT ${CHECK_SELECT}, chain_pos, prev_hash, hash, sync_state, sync_mac FROM checks ORDER BY chain_pos`).iterate()) {
    const row = raw as StoredCheck & { chain_pos: number; prev_hash: string; hash: string; sync_state: SyncState; sync_mac: string | null };
    if (!visitEventsBefore(row.chain_pos)) break;
    const sync = { state: row.sync_state, mac: row.sync_mac, id: row.checkId };
    if (!visit(row.chain_pos, row.prev_hash, row.hash, key.checkLink(row.prev_hash, row.chain_pos, linkedRecordOf(row)), 'check', sync)) break;
  }
  if (!broken) visitEventsBefore(Number.MAX_SAFE_INTEGER);
  if (broken) return broken;
  const head = readHead();
  const end = last as Link | null;
  if (head.state === 'damaged') {
    return { ok: false, checked, brokenAtSeq: null, problem: `the record of the newest entry (chain head) is damaged: ${head.problem}; the newest entries may have been deleted` };
  }
  if (head.state === 'none' && end !== null) {
    return { ok: false, checked, brokenAtSeq: null, problem: 'the record of the newest entry (chain head) is missing: the newest entries may have been deleted' };
  }
  if (head.state === 'ok' && !(end && end.seq === head.link.seq && end.hash === head.link.hash)) {
    return { ok: false, checked, brokenAtSeq: head.link.seq, problem: `the newest entries (up to ${head.link.seq}) are missing` };
  }
  if (brokenBeforeKeyed) {
    const { legacyChain: before, schemaSetBack } = brokenBeforeKeyed as BrokenBeforeKeyed;
    const problem = schemaSetBack
      ? `migration 5 re-keyed a log that had been keyed before: ${before.problem ?? SCHEMA_SET_BACK}; what it re-keyed cannot be trusted`
      : `the log was already broken before its chain was keyed (migration 5): ${before.problem ?? 'broken'}`;
    return { ok: false, checked, brokenAtSeq: before.brokenAtSeq, problem };
  }
  return { ok: true, checked, brokenAtSeq: null, problem: null };
}
