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
  /**
   * The module's own reading and the calibration offset applied to it
   * (temperatureC is raw + offset, to the driver's 0.01 °C rounding of the
   * raw value); absent for a temperature typed in or
   * simulated, and for checks logged before they were kept.
   */
  temperatureRawC?: number | null;
  calibrationOffsetC?: number | null;
  bundleSeq: number | null;
  policyVersion: number;
  clockState: ClockState;
}

export type SyncState = 'pending' | 'synced';

/** An audit event: who did what to the kiosk, when. Never holder data. */
export interface AuditEvent {
  eventId: string;
  atMs: number;
  /** e.g. config/changed, policy/set, trust/installed, pin/failed, calibration/done, override. */
  type: string;
  /** Who: a role, a technician's name, or "cli". */
  actor: string;
  /** What: old and new values and the like. */
  detail: Record<string, unknown>;
}

export interface LoggedEvent extends AuditEvent {
  seq: number;
  syncState: SyncState;
}

/** The hash that chains an audit event into the same chain as the checks. */
export function eventHash(prevHash: string, e: AuditEvent): string {
  return createHash('sha256').update(JSON.stringify([prevHash, 'event', e.eventId, e.atMs, e.type, e.actor, JSON.stringify(e.detail)])).digest('hex');
}

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
  chain_pos: number;
  check_id: string;
  at_ms: number;
  verdict: Verdict;
  reasons: string;
  issuer: string | null;
  status: HealthStatus | null;
  kid: string | null;
  holder: string | null;
  temperature_c: number | null;
  temperature_raw_c: number | null;
  calibration_offset_c: number | null;
  bundle_seq: number | null;
  policy_version: number;
  clock_state: ClockState;
  sync_state: SyncState;
  synced_at_ms: number | null;
  prev_hash: string;
  hash: string;
}

interface EventRow {
  seq: number;
  event_id: string;
  at_ms: number;
  type: string;
  actor: string;
  detail: string;
  sync_state: SyncState;
  chain_pos: number;
  prev_hash: string;
  hash: string;
}

function fromEventRow(row: EventRow): LoggedEvent {
  return { seq: row.seq, eventId: row.event_id, atMs: row.at_ms, type: row.type, actor: row.actor, detail: JSON.parse(row.detail) as Record<string, unknown>, syncState: row.sync_state };
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
  // Kept since schema 4: covered when present, so rows from before hash as they always did.
  const raw = r.temperatureRawC ?? null;
  const offset = r.calibrationOffsetC ?? null;
  if (raw !== null || offset !== null) fields.push(raw, offset);
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
    temperatureRawC: row.temperature_raw_c,
    calibrationOffsetC: row.calibration_offset_c,
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

/** One row's parameters, every one named (one object shape for every row: inserts stay fast). */
function insertParams(r: CheckRecord, pos: number, prevHash: string, hash: string): Record<string, unknown> {
  return {
    checkId: r.checkId,
    atMs: r.atMs,
    verdict: r.verdict,
    reasons: r.reasons.join(' '),
    issuer: r.issuer,
    status: r.status,
    kid: r.kid,
    holder: r.holder,
    temperatureC: r.temperatureC,
    temperatureRawC: r.temperatureRawC ?? null,
    calibrationOffsetC: r.calibrationOffsetC ?? null,
    bundleSeq: r.bundleSeq,
    policyVersion: r.policyVersion,
    clockState: r.clockState,
    pos,
    prevHash,
    hash,
  };
}

export class CheckLog {
  private readonly insert: Database.Statement;
  private readonly insertEvent: Database.Statement;
  private readonly appendEventsTx: (events: AuditEvent[]) => void;
  private readonly lastLink: Database.Statement;
  private readonly lastAdmitted: Database.Statement;
  private readonly newest: Database.Statement;
  private readonly getMetaStmt: Database.Statement;
  private readonly setMetaStmt: Database.Statement;
  private readonly appendTx: (records: CheckRecord[]) => void;
  private readonly countStmt: Database.Statement;
  private readonly pendingStmt: Database.Statement;
  private readonly markStmt: Database.Statement;
  private readonly markEventStmt: Database.Statement;

  private constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(`
      INSERT INTO checks (check_id, at_ms, verdict, reasons, issuer, status, kid, holder, temperature_c,
                          temperature_raw_c, calibration_offset_c,
                          bundle_seq, policy_version, clock_state, chain_pos, prev_hash, hash)
      VALUES (@checkId, @atMs, @verdict, @reasons, @issuer, @status, @kid, @holder, @temperatureC,
              @temperatureRawC, @calibrationOffsetC,
              @bundleSeq, @policyVersion, @clockState, @pos, @prevHash, @hash)`);
    this.insertEvent = db.prepare(`
      INSERT INTO events (event_id, at_ms, type, actor, detail, chain_pos, prev_hash, hash)
      VALUES (@eventId, @atMs, @type, @actor, @detail, @pos, @prevHash, @hash)`);
    this.lastLink = db.prepare(
      'SELECT pos AS seq, hash FROM (SELECT chain_pos AS pos, hash FROM checks UNION ALL SELECT chain_pos, hash FROM events) ORDER BY pos DESC LIMIT 1',
    );
    this.lastAdmitted = db.prepare("SELECT MAX(at_ms) AS at FROM checks WHERE holder = ? AND verdict = 'admit'");
    this.newest = db.prepare('SELECT MAX(at_ms) AS at FROM checks');
    this.getMetaStmt = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.setMetaStmt = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    // Checks and audit events are links of one chain, in chain_pos order. Its end is read
    // inside the write transaction (two writers cannot fork it); it is the last link ever
    // appended, which retention may already have purged.
    const link = (rows: { hash(prevHash: string): string; insert(pos: number, prevHash: string, hash: string): void }[]): void => {
      let prev = this.readLink('chain_head') ?? (this.lastLink.get() as Link | undefined) ?? null;
      const headPurged = this.getMeta('chain_head_purged') === '1';
      for (const [i, row] of rows.entries()) {
        const prevHash = prev?.hash ?? GENESIS_HASH;
        const pos = (prev?.seq ?? 0) + 1;
        const hash = row.hash(prevHash);
        row.insert(pos, prevHash, hash);
        // Its predecessor was purged: verifyChain accepts the link it cannot see.
        if (i === 0 && headPurged) {
          this.addResumes([pos]);
          this.setMeta('chain_head_purged', '0');
        }
        prev = { seq: pos, hash };
      }
      if (prev) this.setMeta('chain_head', JSON.stringify(prev));
    };
    const tx = db.transaction((records: CheckRecord[]) =>
      link(records.map((r) => ({ hash: (p) => chainHash(p, r), insert: (pos, prevHash, hash) => this.insert.run(insertParams(r, pos, prevHash, hash)) }))),
    );
    const eventsTx = db.transaction((events: AuditEvent[]) =>
      link(events.map((e) => ({ hash: (p) => eventHash(p, e), insert: (pos, prevHash, hash) => this.insertEvent.run({ ...e, detail: JSON.stringify(e.detail), pos, prevHash, hash }) }))),
    );
    this.appendEventsTx = (events) => eventsTx.immediate(events);
    this.appendTx = (records) => tx.immediate(records);
    // Prepared once: sync calls these for every batch of a backlog of any size.
    this.countStmt = db.prepare("SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE sync_state = 'pending') AS pending FROM checks");
    this.pendingStmt = db.prepare("SELECT * FROM checks WHERE sync_state = 'pending' ORDER BY seq LIMIT ?");
    this.markStmt = db.prepare("UPDATE checks SET sync_state = 'synced', synced_at_ms = ? WHERE check_id = ? AND sync_state = 'pending'");
    this.markEventStmt = db.prepare("UPDATE events SET sync_state = 'synced', synced_at_ms = ? WHERE event_id = ? AND sync_state = 'pending'");
  }

  /** One logged check by its id, or null. */
  findCheck(checkId: string): LoggedCheck | null {
    const row = this.db.prepare('SELECT * FROM checks WHERE check_id = ?').get(checkId) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** The override event already recorded for a check, or null. */
  overrideOf(checkId: string): LoggedEvent | null {
    const row = this.db.prepare("SELECT * FROM events WHERE type = 'override' AND json_extract(detail, '$.checkId') = ? LIMIT 1").get(checkId) as EventRow | undefined;
    return row ? fromEventRow(row) : null;
  }

  /** SQLite's own quick integrity check: 'ok', or what is wrong. */
  integrity(): string {
    return (this.db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check).join('; ');
  }

  /** Writes audit events into the chain, durably, in one transaction. */
  appendEvents(events: AuditEvent[]): void {
    if (events.length > 0) this.appendEventsTx(events);
  }

  /** The oldest audit events not yet stored centrally. */
  pendingEvents(limit: number): LoggedEvent[] {
    return (this.db.prepare("SELECT * FROM events WHERE sync_state = 'pending' ORDER BY seq LIMIT ?").all(limit) as EventRow[]).map(fromEventRow);
  }

  /** Audit events in log order, optionally since a time. */
  listEvents(opts: { sinceMs?: number } = {}): LoggedEvent[] {
    return (this.db.prepare('SELECT * FROM events WHERE at_ms >= ? ORDER BY seq').all(opts.sinceMs ?? Number.MIN_SAFE_INTEGER) as EventRow[]).map(fromEventRow);
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

  /** Marks checks (and audit events) as stored by the central service; returns how many changed. */
  markSynced(checkIds: readonly string[], atMs: number): number {
    let changed = 0;
    this.db.transaction(() => {
      for (const id of checkIds) changed += this.markStmt.run(atMs, id).changes || this.markEventStmt.run(atMs, id).changes;
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
    const events = this.db.prepare('SELECT * FROM events ORDER BY chain_pos').all() as EventRow[];
    let e = 0;
    let prevHash: string | null = null;
    let checked = 0;
    let last: Link | null = null;
    let broken: ChainReport | null = null;
    const visit = (pos: number, prev: string, hash: string, computed: string, what: string): boolean => {
      if (!(prev === (prevHash ?? GENESIS_HASH) || resumes.has(pos))) {
        broken = { ok: false, checked, brokenAtSeq: pos, problem: `${what} ${pos} does not follow the one before it (an entry was removed or changed)` };
        return false;
      }
      if (computed !== hash) {
        broken = { ok: false, checked, brokenAtSeq: pos, problem: `${what} ${pos} was changed after it was logged` };
        return false;
      }
      prevHash = hash;
      last = { seq: pos, hash };
      checked++;
      return true;
    };
    const visitEventsBefore = (pos: number): boolean => {
      while (e < events.length && events[e]!.chain_pos < pos) {
        const ev = events[e++]!;
        const record = { eventId: ev.event_id, atMs: ev.at_ms, type: ev.type, actor: ev.actor, detail: JSON.parse(ev.detail) as Record<string, unknown> };
        // The hash covers the stored detail text exactly.
        const computed = createHash('sha256').update(JSON.stringify([ev.prev_hash, 'event', record.eventId, record.atMs, record.type, record.actor, ev.detail])).digest('hex');
        if (!visit(ev.chain_pos, ev.prev_hash, ev.hash, computed, 'event')) return false;
      }
      return true;
    };
    for (const raw of this.db.prepare('SELECT * FROM checks ORDER BY chain_pos').iterate()) {
      const row = raw as Row;
      if (!visitEventsBefore(row.chain_pos)) break;
      if (!visit(row.chain_pos, row.prev_hash, row.hash, chainHash(row.prev_hash, recordOf(row)), 'check')) break;
    }
    if (!broken) visitEventsBefore(Number.MAX_SAFE_INTEGER);
    if (broken) return broken;
    const head = this.readLink('chain_head');
    const headPurged = this.getMeta('chain_head_purged') === '1';
    const end = last as Link | null;
    if (head && !(end && end.seq === head.seq && end.hash === head.hash) && !(headPurged && (end === null || end.seq < head.seq))) {
      return { ok: false, checked, brokenAtSeq: head.seq, problem: `the newest entries (up to ${head.seq}) are missing` };
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
      const entries = this.db
        .prepare(
          "SELECT pos, gone FROM (SELECT chain_pos AS pos, (sync_state = 'synced' AND at_ms < @c) AS gone FROM checks UNION ALL SELECT chain_pos, (sync_state = 'synced' AND at_ms < @c) FROM events) ORDER BY pos",
        )
        .all({ c: cutoff }) as { pos: number; gone: number }[];
      const resumes: number[] = [];
      let previousGone = false;
      let any = false;
      for (const row of entries) {
        if (row.gone) any = true;
        else if (previousGone) resumes.push(row.pos);
        previousGone = row.gone === 1;
      }
      if (!any) return 0;
      this.addResumes(resumes);
      if (previousGone) this.setMeta('chain_head_purged', '1');
      const n = this.db.prepare("DELETE FROM checks WHERE sync_state = 'synced' AND at_ms < ?").run(cutoff).changes;
      this.db.prepare("DELETE FROM events WHERE sync_state = 'synced' AND at_ms < ?").run(cutoff);
      // Keep the record small: only entries that still exist need it.
      const first = (this.db.prepare('SELECT MIN(pos) AS s FROM (SELECT chain_pos AS pos FROM checks UNION ALL SELECT chain_pos FROM events)').get() as { s: number | null }).s;
      this.setMeta('chain_resumes', JSON.stringify([...this.resumes()].filter((pos) => first !== null && pos >= first)));
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
