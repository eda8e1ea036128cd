// The local check log: one row per check, on disk before the caller hears
// of it (WAL, synchronous=FULL, checked at open), chained by hashes so that
// an edit or deletion in the middle shows, and purged only once synced.
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import type { ClockState } from '../contract/decision.js';
import type { HealthStatus } from '../contract/code.js';
import { isReasonCode, type ReasonCode, type Verdict } from '../contract/reasons.js';
import { migrate } from './migrations.js';

/** What is written for one check. Never the QR text, never the raw subject. */
export interface CheckRecord {
  checkId: string;
  atMs: number;
  verdict: Verdict;
  reasons: ReasonCode[];
  issuer: string | null;
  status: HealthStatus | null;
  kid: string | null;
  /** Keyed pseudonym of the holder (HolderPseudonym), or null. */
  holder: string | null;
  temperatureC: number | null;
  bundleSeq: number | null;
  policyVersion: number;
  clockState: ClockState;
}

export type SyncState = 'pending' | 'synced';

export interface LoggedCheck extends CheckRecord {
  seq: number;
  syncState: SyncState;
  syncedAtMs: number | null;
}

export interface ChainReport {
  ok: boolean;
  /** Rows whose links were checked. */
  checked: number;
  /** The first row where the chain breaks (or the head that went missing). */
  brokenAtSeq: number | null;
  problem: string | null;
}

/** The log cannot promise durability here, or cannot be opened (CLI exit 78). */
export class CheckLogUnusable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckLogUnusable';
  }
}

export const GENESIS_HASH = '0'.repeat(64);
const DAY_MS = 86_400_000;

interface Row {
  seq: number;
  check_id: string;
  at_ms: number;
  verdict: Verdict;
  reasons: string;
  issuer: string | null;
  status: HealthStatus | null;
  kid: string | null;
  holder: string | null;
  temperature_c: number | null;
  bundle_seq: number | null;
  policy_version: number;
  clock_state: ClockState;
  sync_state: SyncState;
  synced_at_ms: number | null;
  prev_hash: string;
  hash: string;
}

interface Link {
  seq: number;
  hash: string;
}

/** The hash that chains a row to the one before it. Covers everything but sync state. */
export function chainHash(prevHash: string, r: CheckRecord): string {
  const fields = [
    prevHash,
    r.checkId,
    r.atMs,
    r.verdict,
    r.reasons.join(' '),
    r.issuer,
    r.status,
    r.kid,
    r.holder,
    r.temperatureC,
    r.bundleSeq,
    r.policyVersion,
    r.clockState,
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

function fromRow(row: Row): LoggedCheck {
  return {
    seq: row.seq,
    checkId: row.check_id,
    atMs: row.at_ms,
    verdict: row.verdict,
    reasons: row.reasons === '' ? [] : row.reasons.split(' ').filter(isReasonCode),
    issuer: row.issuer,
    status: row.status,
    kid: row.kid,
    holder: row.holder,
    temperatureC: row.temperature_c,
    bundleSeq: row.bundle_seq,
    policyVersion: row.policy_version,
    clockState: row.clock_state,
    syncState: row.sync_state,
    syncedAtMs: row.synced_at_ms,
  };
}

function recordOf(row: Row): CheckRecord {
  const { seq: _s, syncState: _st, syncedAtMs: _sa, ...record } = fromRow(row);
  // The hash covers the stored reasons text exactly, even codes this version does not know.
  return { ...record, reasons: (row.reasons === '' ? [] : row.reasons.split(' ')) as ReasonCode[] };
}

export class CheckLog {
  private readonly insert: Database.Statement;
  private readonly lastLink: Database.Statement;
  private readonly lastAdmitted: Database.Statement;
  private readonly newest: Database.Statement;
  private readonly getMetaStmt: Database.Statement;
  private readonly setMetaStmt: Database.Statement;
  private readonly appendTx: (records: CheckRecord[]) => void;
  private readonly countStmt: Database.Statement;
  private readonly pendingStmt: Database.Statement;
  private readonly markStmt: Database.Statement;

  private constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(`
      INSERT INTO checks (check_id, at_ms, verdict, reasons, issuer, status, kid, holder, temperature_c,
                          bundle_seq, policy_version, clock_state, prev_hash, hash)
      VALUES (@checkId, @atMs, @verdict, @reasons, @issuer, @status, @kid, @holder, @temperatureC,
              @bundleSeq, @policyVersion, @clockState, @prevHash, @hash)`);
    this.lastLink = db.prepare('SELECT seq, hash FROM checks ORDER BY seq DESC LIMIT 1');
    this.lastAdmitted = db.prepare("SELECT MAX(at_ms) AS at FROM checks WHERE holder = ? AND verdict = 'admit'");
    this.newest = db.prepare('SELECT MAX(at_ms) AS at FROM checks');
    this.getMetaStmt = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.setMetaStmt = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    const tx = db.transaction((records: CheckRecord[]) => {
      // The chain's end is read inside the write transaction, so two writers cannot fork it.
      // It is the last link ever appended, which retention may already have purged.
      let prev = this.readLink('chain_head') ?? (this.lastLink.get() as Link | undefined) ?? null;
      let prevHash = prev?.hash ?? GENESIS_HASH;
      const headPurged = this.getMeta('chain_head_purged') === '1';
      for (const [i, r] of records.entries()) {
        const hash = chainHash(prevHash, r);
        const info = this.insert.run({ ...r, reasons: r.reasons.join(' '), prevHash, hash });
        prev = { seq: Number(info.lastInsertRowid), hash };
        // Its predecessor was purged: verifyChain accepts the link it cannot see.
        if (i === 0 && headPurged) {
          this.addResumes([prev.seq]);
          this.setMeta('chain_head_purged', '0');
        }
        prevHash = hash;
      }
      if (prev) this.setMeta('chain_head', JSON.stringify(prev));
    });
    this.appendTx = (records) => tx.immediate(records);
    // Prepared once: sync calls these for every batch of a backlog of any size.
    this.countStmt = db.prepare("SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE sync_state = 'pending') AS pending FROM checks");
    this.pendingStmt = db.prepare("SELECT * FROM checks WHERE sync_state = 'pending' ORDER BY seq LIMIT ?");
    this.markStmt = db.prepare("UPDATE checks SET sync_state = 'synced', synced_at_ms = ? WHERE check_id = ? AND sync_state = 'pending'");
  }

  /** Opens (creating and migrating) the log; refuses a file that cannot be made durable. */
  static open(file: string): CheckLog {
    let db: Database.Database;
    try {
      db = new Database(file);
    } catch (err) {
      throw new CheckLogUnusable(`cannot open the check log ${file}: ${(err as Error).message}`);
    }
    try {
      db.pragma('busy_timeout = 5000');
      if ((db.pragma('user_version', { simple: true }) as number) === 0) {
        // Must precede the first table; lets retention give space back (incremental_vacuum).
        db.pragma('auto_vacuum = INCREMENTAL');
      }
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      db.pragma('synchronous = FULL');
      const sync = db.pragma('synchronous', { simple: true });
      if (mode !== 'wal' || sync !== 2) {
        throw new CheckLogUnusable(`the check log ${file} cannot be made durable (journal_mode=${String(mode)}, synchronous=${String(sync)})`);
      }
      migrate(db);
      return new CheckLog(db);
    } catch (err) {
      db.close();
      if (err instanceof CheckLogUnusable) throw err;
      throw new CheckLogUnusable(`cannot use the check log ${file}: ${(err as Error).message}`);
    }
  }

  close(): void {
    this.db.close();
  }

  /** Appends checks in one durable transaction; when it returns they are on disk. */
  append(records: CheckRecord[]): void {
    if (records.length > 0) this.appendTx(records);
  }

  lastAdmittedAtMs(holder: string): number | null {
    return (this.lastAdmitted.get(holder) as { at: number | null }).at;
  }

  newestAtMs(): number | null {
    return (this.newest.get() as { at: number | null }).at;
  }

  getMeta(key: string): string | null {
    return (this.getMetaStmt.get(key) as { value: string } | undefined)?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.setMetaStmt.run(key, value);
  }

  count(): { total: number; pending: number } {
    return this.countStmt.get() as { total: number; pending: number };
  }

  /** How many checks of each verdict since a time (the guard's "today" counts). */
  verdictCountsSince(sinceMs: number): Record<Verdict, number> {
    const counts: Record<Verdict, number> = { admit: 0, review: 0, deny: 0 };
    const rows = this.db.prepare('SELECT verdict, COUNT(*) AS n FROM checks WHERE at_ms >= ? GROUP BY verdict').all(sinceMs) as { verdict: Verdict; n: number }[];
    for (const r of rows) counts[r.verdict] = r.n;
    return counts;
  }

  /** Logged checks in log order, streamed; optionally only those at or after sinceMs. */
  *list(opts: { sinceMs?: number } = {}): IterableIterator<LoggedCheck> {
    const stmt = this.db.prepare('SELECT * FROM checks WHERE at_ms >= ? ORDER BY seq');
    for (const row of stmt.iterate(opts.sinceMs ?? Number.MIN_SAFE_INTEGER)) yield fromRow(row as Row);
  }

  /** The oldest checks not yet stored centrally, in log order (streamed from the index, never all at once). */
  pendingBatch(limit: number): LoggedCheck[] {
    return (this.pendingStmt.all(limit) as Row[]).map(fromRow);
  }

  /** When the oldest unsynced check was logged, ms; null when nothing is pending. */
  oldestPendingAtMs(): number | null {
    return (this.db.prepare("SELECT at_ms FROM checks WHERE sync_state = 'pending' ORDER BY seq LIMIT 1").get() as { at_ms: number } | undefined)?.at_ms ?? null;
  }

  /** Marks checks as stored by the central service; returns how many changed. */
  markSynced(checkIds: readonly string[], atMs: number): number {
    let changed = 0;
    this.db.transaction(() => {
      for (const id of checkIds) changed += this.markStmt.run(atMs, id).changes;
    }).immediate();
    return changed;
  }

  /**
   * Walks the whole chain. Each row must follow the one before it, except
   * where retention purged its predecessor (recorded when it did); the
   * newest row must be the recorded head, unless retention purged that too.
   */
  verifyChain(): ChainReport {
    const resumes = this.resumes();
    let prevHash: string | null = null;
    let checked = 0;
    let last: Link | null = null;
    for (const raw of this.db.prepare('SELECT * FROM checks ORDER BY seq').iterate()) {
      const row = raw as Row;
      const follows = row.prev_hash === (prevHash ?? GENESIS_HASH) || resumes.has(row.seq);
      if (!follows) {
        return { ok: false, checked, brokenAtSeq: row.seq, problem: `check ${row.seq} does not follow the one before it (a check was removed or changed)` };
      }
      if (chainHash(row.prev_hash, recordOf(row)) !== row.hash) {
        return { ok: false, checked, brokenAtSeq: row.seq, problem: `check ${row.seq} was changed after it was logged` };
      }
      prevHash = row.hash;
      last = { seq: row.seq, hash: row.hash };
      checked++;
    }
    const head = this.readLink('chain_head');
    const headPurged = this.getMeta('chain_head_purged') === '1';
    if (head && !(last && last.seq === head.seq && last.hash === head.hash) && !(headPurged && (last === null || last.seq < head.seq))) {
      return { ok: false, checked, brokenAtSeq: head.seq, problem: `the newest checks (up to ${head.seq}) are missing` };
    }
    return { ok: true, checked, brokenAtSeq: null, problem: null };
  }

  /**
   * Deletes synced checks older than the retention period and gives the
   * space back; unsynced checks are never deleted, whatever their age. The
   * rows that follow a deleted one are recorded, so the chain still verifies.
   */
  purge(opts: { nowMs: number; retentionDays: number }): { deleted: number } {
    const cutoff = opts.nowMs - opts.retentionDays * DAY_MS;
    const deleted = this.db.transaction(() => {
      const resumes: number[] = [];
      let previousGone = false;
      let lastGone = false;
      let any = false;
      for (const raw of this.db.prepare("SELECT seq, (sync_state = 'synced' AND at_ms < ?) AS gone FROM checks ORDER BY seq").iterate(cutoff)) {
        const row = raw as { seq: number; gone: number };
        if (row.gone) any = true;
        else if (previousGone) resumes.push(row.seq);
        previousGone = row.gone === 1;
        lastGone = previousGone;
      }
      if (!any) return 0;
      this.addResumes(resumes);
      if (lastGone) this.setMeta('chain_head_purged', '1');
      const n = this.db.prepare("DELETE FROM checks WHERE sync_state = 'synced' AND at_ms < ?").run(cutoff).changes;
      // Keep the record small: only rows that still exist need it.
      const first = (this.db.prepare('SELECT MIN(seq) AS s FROM checks').get() as { s: number | null }).s;
      this.setMeta('chain_resumes', JSON.stringify([...this.resumes()].filter((seq) => first !== null && seq >= first)));
      return n;
    }).immediate();
    if (deleted > 0) {
      this.db.pragma('incremental_vacuum');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    }
    return { deleted };
  }

  private resumes(): Set<number> {
    const text = this.getMeta('chain_resumes');
    return new Set(text === null ? [] : (JSON.parse(text) as number[]));
  }

  private addResumes(seqs: number[]): void {
    if (seqs.length === 0) return;
    this.setMeta('chain_resumes', JSON.stringify([...new Set([...this.resumes(), ...seqs])].sort((a, b) => a - b)));
  }

  private readLink(key: string): Link | null {
    const text = this.getMeta(key);
    return text === null ? null : (JSON.parse(text) as Link);
  }
}
