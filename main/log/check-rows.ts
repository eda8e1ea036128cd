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
} as const satisfies { [F in keyof CheckRecord]-?: string };

type CheckField = keyof typeof CHECK_COLUMNS;
const CHECK_FIELDS = Object.keys(CHECK_COLUMNS) as CheckField[];

/** As stored: the reasons as one space-separated text; an absent reading as NULL. */
type Stored<F extends CheckField> = F extends 'reasons' ? string : Exclude<CheckRecord[F], undefined>;

/** A row of `checks` as SQLite hands it back. */
export type CheckRow = { [F in CheckField as (typeof CHECK_COLUMNS)[F]]: Stored<F> } & {
  seq: number;
  chain_pos: number;
  sync_state: SyncState;
  synced_at_ms: number | null;
  /** ChainKey.syncMac, when the kiosk marked it synced. */
  sync_mac: string | null;
  prev_hash: string;
  hash: string;
};

/** The check's values as stored, in CHECK_COLUMNS order: what its row holds and what its link covers. */
export function storedValues(r: CheckRecord): unknown[] {
  return CHECK_FIELDS.map((f) => (f === 'reasons' ? r.reasons.join(' ') : (r[f] ?? null)));
}

function splitReasons(text: string): string[] {
  return text === '' ? [] : text.split(' ');
}

/**
 * A row read back as the record that was logged. The reasons are the stored
 * text exactly, even codes this version does not know: the link covers them
 * so. A column an older schema lacked reads as null.
 */
export function linkedRecordOf(row: Readonly<Record<string, unknown>>): CheckRecord {
  const r: Record<string, unknown> = {};
  for (const f of CHECK_FIELDS) r[f] = row[CHECK_COLUMNS[f]] ?? null;
  r.reasons = splitReasons(row.reasons as string);
  return r as unknown as CheckRecord;
}

/** A row as the rest of the kiosk reads it: only reason codes this version knows. */
export function loggedCheckOf(row: CheckRow): LoggedCheck {
  const check = { seq: row.seq, ...linkedRecordOf(row), syncState: row.sync_state, syncedAtMs: row.synced_at_ms };
  check.reasons = check.reasons.filter(isReasonCode);
  return check;
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
    this.findStmt = db.prepare('SELECT * FROM checks WHERE check_id = ?');
    this.lastAdmitted = db.prepare("SELECT MAX(at_ms) AS at FROM checks WHERE holder = ? AND verdict = 'admit'");
    this.newest = db.prepare('SELECT MAX(at_ms) AS at FROM checks');
    this.verdictCounts = db.prepare('SELECT verdict, COUNT(*) AS n FROM checks WHERE at_ms >= ? GROUP BY verdict');
  }

  /** Writes one check at its chain position; runs inside the caller's transaction. */
  insert(r: CheckRecord, pos: number, prevHash: string, hash: string): void {
    this.insertStmt.run(...storedValues(r), pos, prevHash, hash);
  }

  find(checkId: string): LoggedCheck | null {
    const row = this.findStmt.get(checkId) as CheckRow | undefined;
    return row ? loggedCheckOf(row) : null;
  }

  /** In log order, streamed. A statement of its own each time: two lists may be read at once. */
  *list(sinceMs: number): IterableIterator<LoggedCheck> {
    for (const row of this.db.prepare('SELECT * FROM checks WHERE at_ms >= ? ORDER BY seq').iterate(sinceMs)) yield loggedCheckOf(row as CheckRow);
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
