// A check as a row of the `checks` table. Its columns are declared once,
// here; the INSERT, the row read back as a record and the values its link
// covers (chain.ts) all follow from that one declaration.
import type Database from 'better-sqlite3';
import { isReasonCode, type Verdict } from '../contract/reasons.js';
import type { CheckRecord, LoggedCheck, SyncState } from './check-record.js';

/**
 * Each field of a check and its column, in the order the check's link
 * covers them. Kiosks hold chains linked in this order: never reorder it;
 * a new field goes at the end (and its column through a new migration).
 */
export const CHECK_COLUMNS = {
  checkId: 'check_id',
  atMs: 'at_ms',
  verdict: 'verdict',
  reasons: 'reasons',
  issuer: 'issuer',
  status: 'status',
  kid: 'kid',
  holder: 'holder',
  temperatureC: 'temperature_c',
  bundleSeq: 'bundle_seq',
  policyVersion: 'policy_version',
  clockState: 'clock_state',
  // Schema 4: covered by the plain links of schemas 1–4 only when present (legacyChainHash).
  temperatureRawC: 'temperature_raw_c',
  calibrationOffsetC: 'calibration_offset_c',
  // Schema 6: covered by the keyed link only when present (linkedValues): checks logged before it verify unchanged.
  format: 'format',
} as const satisfies { [F in keyof CheckRecord]-?: string };

type CheckField = keyof typeof CHECK_COLUMNS;
const CHECK_FIELDS = Object.keys(CHECK_COLUMNS) as CheckField[];

/** A check as its row stores it: the reasons as one space-separated text; an absent reading as NULL. */
export type StoredCheck = { [F in CheckField]: F extends 'reasons' ? string : Exclude<CheckRecord[F], undefined> };

/** The check's values as stored, in CHECK_COLUMNS order: what its row holds and what its link covers. */
export function storedValues(r: CheckRecord): unknown[] {
  return CHECK_FIELDS.map((f) => (f === 'reasons' ? r.reasons.join(' ') : (r[f] ?? null)));
}

/**
 * The values a check's keyed link covers (chain.ts): every stored value, but
 * the format only when there is one — a check logged before schema 6 had no
 * format, and its link must verify as it was made.
 */
export function linkedValues(r: CheckRecord): unknown[] {
  const values = storedValues(r);
  if ((r.format ?? null) === null) values.pop();
  return values;
}

/**
 * The check's columns selected under its field names: SQLite hands back
 * the record itself (its reasons still as text), with no copy made per row
 * in JavaScript — the sync backlog and `sentinel log` read every row.
 */
export const CHECK_SELECT = CHECK_FIELDS.map((f) => (f === CHECK_COLUMNS[f] ? f : `${CHECK_COLUMNS[f]} AS ${f}`)).join(', ');

/** A logged check as selected (LOGGED_CHECK_SELECT), before its reasons are split. */
export type StoredLoggedCheck = StoredCheck & { seq: number; syncState: SyncState; syncedAtMs: number | null };
const LOGGED_CHECK_SELECT = `seq, ${CHECK_SELECT}, sync_state AS syncState, synced_at_ms AS syncedAtMs`;

function splitReasons(text: string): string[] {
  return text === '' ? [] : text.split(' ');
}

/**
 * A check as selected (CHECK_SELECT), its reasons split, as the record that
 * was logged: the stored text exactly, even codes this version does not
 * know, since the link covers them so. Made in place.
 */
export function linkedRecordOf(stored: StoredCheck): CheckRecord {
  const r = stored as unknown as CheckRecord;
  r.reasons = splitReasons(stored.reasons) as CheckRecord['reasons'];
  return r;
}

/** A check as selected (LOGGED_CHECK_SELECT) as the rest of the kiosk reads it: only reason codes this version knows. Made in place. */
export function loggedCheckOf(stored: StoredLoggedCheck): LoggedCheck {
  const c = stored as unknown as LoggedCheck;
  c.reasons = splitReasons(stored.reasons).filter(isReasonCode);
  return c;
}

/** `SELECT … FROM checks` of logged checks, the rest of the statement after it. */
export function selectLoggedChecks(rest: string): string {
  return `SELECT ${LOGGED_CHECK_SELECT} FROM checks ${rest}`;
}

/** A row of any schema (`SELECT *`) as the record that was logged; a column an older schema lacked reads as null (legacy-chain). */
export function recordOfRow(row: Readonly<Record<string, unknown>>): CheckRecord {
  const stored: Record<string, unknown> = {};
  for (const f of CHECK_FIELDS) stored[f] = row[CHECK_COLUMNS[f]] ?? null;
  return linkedRecordOf(stored as StoredCheck);
}

const INSERT_SQL = `INSERT INTO checks (${Object.values(CHECK_COLUMNS).join(', ')}, chain_pos, prev_hash, hash)
  VALUES (${CHECK_FIELDS.map(() => '?').join(', ')}, ?, ?, ?)`;

/** The `checks` table: its statements, prepared once per connection. */
export class CheckRows {
  private readonly insertStmt: Database.Statement;
  private readonly findStmt: Database.Statement;
  private readonly lastAdmitted: Database.Statement;
  private readonly newest: Database.Statement;
  private readonly verdictCounts: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insertStmt = db.prepare(INSERT_SQL);
    this.findStmt = db.prepare(selectLoggedChecks('WHERE check_id = ?'));
    // An admit whose traveller did not pass the gate (a gate/not-passed event names it) is no
    // passage: anti-passback counts only passages that happened, or that nobody could deny.
    // Each of the holder's admits is looked up in events_not_passed (migration 6), not by a
    // scan of every event on every check. The `|| ''` strips the column's text affinity, which
    // would otherwise keep SQLite from searching the expression index (EXPLAIN QUERY PLAN).
    this.lastAdmitted = db.prepare(
      "SELECT MAX(at_ms) AS at FROM checks WHERE holder = ? AND verdict = 'admit' AND NOT EXISTS (SELECT 1 FROM events WHERE type = 'gate/not-passed' AND json_extract(detail, '$.checkId') = checks.check_id || '')",
    );
    this.newest = db.prepare('SELECT MAX(at_ms) AS at FROM checks');
    this.verdictCounts = db.prepare('SELECT verdict, COUNT(*) AS n FROM checks WHERE at_ms >= ? GROUP BY verdict');
  }

  /** Writes one check at its chain position; runs inside the caller's transaction. */
  insert(r: CheckRecord, pos: number, prevHash: string, hash: string): void {
    this.insertStmt.run(...storedValues(r), pos, prevHash, hash);
  }

  find(checkId: string): LoggedCheck | null {
    const row = this.findStmt.get(checkId) as StoredLoggedCheck | undefined;
    return row ? loggedCheckOf(row) : null;
  }

  /** In log order, streamed. A statement of its own each time: two lists may be read at once. */
  *list(sinceMs: number): IterableIterator<LoggedCheck> {
    for (const row of this.db.prepare(selectLoggedChecks('WHERE at_ms >= ? ORDER BY seq')).iterate(sinceMs)) yield loggedCheckOf(row as StoredLoggedCheck);
  }

  lastAdmittedAtMs(holder: string): number | null {
    return (this.lastAdmitted.get(holder) as { at: number | null }).at;
  }

  newestAtMs(): number | null {
    return (this.newest.get() as { at: number | null }).at;
  }

  verdictCountsSince(sinceMs: number): Record<Verdict, number> {
    const counts: Record<Verdict, number> = { admit: 0, review: 0, deny: 0 };
    for (const r of this.verdictCounts.all(sinceMs) as { verdict: Verdict; n: number }[]) counts[r.verdict] = r.n;
    return counts;
  }
}
