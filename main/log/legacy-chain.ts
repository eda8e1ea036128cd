// The unkeyed chain of schemas 1–4, checked one last time by migration 5
// before the log is re-keyed. This is the old verifyChain as it was: plain
// SHA-256 links, retention recorded in meta (chain_resumes,
// chain_head_purged). Nothing else uses it.
import type Database from 'better-sqlite3';
import { GENESIS_HASH, legacyChainHash, legacyEventHash, type ChainReport } from './chain.js';
import type { CheckRecord } from './check-record.js';
import { recordOfRow } from './check-rows.js';

export interface LegacyRow {
  chain_pos: number;
  kind: 'check' | 'event';
  prev_hash: string;
  hash: string;
  [column: string]: unknown;
}

/** A check row read back as the record it was logged as (a schema-3 row has no raw reading or offset: null). */
export function legacyRecord(row: LegacyRow): CheckRecord {
  return recordOfRow(row);
}

function meta(db: Database.Database, key: string): string | null {
  return (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null;
}

/**
 * Every entry of a schema-4 log in chain order, checks and events alike.
 * Checks are read a page at a time (a large log is never all in memory, and
 * the caller may write between pages); events are few.
 */
export function* legacyEntries(db: Database.Database): Generator<LegacyRow> {
  const events = db.prepare("SELECT *, 'event' AS kind FROM events ORDER BY chain_pos").all() as LegacyRow[];
  const page = db.prepare("SELECT *, 'check' AS kind FROM checks WHERE chain_pos > ? ORDER BY chain_pos LIMIT 1000");
  let e = 0;
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const checks = page.all(after) as LegacyRow[];
    for (const c of checks) {
      while (e < events.length && events[e]!.chain_pos < c.chain_pos) yield events[e++]!;
      yield c;
    }
    if (checks.length === 0) break;
    after = checks.at(-1)!.chain_pos;
  }
  while (e < events.length) yield events[e++]!;
}

/** meta.chain_head as schemas 1–4 wrote it ({seq, hash}); null when absent, 'damaged' when it is not that. */
export function legacyHead(db: Database.Database): { seq: number; hash: string } | null | 'damaged' {
  const text = meta(db, 'chain_head');
  if (text === null) return null;
  let head: unknown;
  try {
    head = JSON.parse(text);
  } catch {
    return 'damaged';
  }
  const h = head as { seq?: unknown; hash?: unknown } | null;
  return h !== null && typeof h === 'object' && Number.isSafeInteger(h.seq) && typeof h.hash === 'string' ? { seq: h.seq as number, hash: h.hash } : 'damaged';
}

/** The unkeyed chain of a schema-4 log, walked as schema 4 did. */
export function verifyLegacyChain(db: Database.Database): ChainReport {
  const resumesText = meta(db, 'chain_resumes');
  const resumes = new Set(resumesText === null ? [] : (JSON.parse(resumesText) as number[]));
  let prevHash: string | null = null;
  let last: { seq: number; hash: string } | null = null;
  let checked = 0;
  for (const row of legacyEntries(db)) {
    const pos = row.chain_pos;
    const computed =
      row.kind === 'check'
        ? legacyChainHash(row.prev_hash, legacyRecord(row))
        : legacyEventHash(row.prev_hash, { eventId: row.event_id as string, atMs: row.at_ms as number, type: row.type as string, actor: row.actor as string, detailText: row.detail as string });
    if (!(row.prev_hash === (prevHash ?? GENESIS_HASH) || resumes.has(pos))) {
      return { ok: false, checked, brokenAtSeq: pos, problem: `${row.kind} ${pos} does not follow the one before it (an entry was removed or changed)` };
    }
    if (computed !== row.hash) return { ok: false, checked, brokenAtSeq: pos, problem: `${row.kind} ${pos} was changed after it was logged` };
    prevHash = row.hash;
    last = { seq: pos, hash: row.hash };
    checked++;
  }
  const head = legacyHead(db);
  if (head === 'damaged') return { ok: false, checked, brokenAtSeq: null, problem: 'the record of the newest entry (chain head) is damaged' };
  const headPurged = meta(db, 'chain_head_purged') === '1';
  if (head && !(last && last.seq === head.seq && last.hash === head.hash) && !(headPurged && (last === null || last.seq < head.seq))) {
    return { ok: false, checked, brokenAtSeq: head.seq, problem: `the newest entries (up to ${head.seq}) are missing` };
  }
  return { ok: true, checked, brokenAtSeq: null, problem: null };
}
