// The local check log: one row per check, on disk before the caller hears
// of it (WAL, synchronous=FULL, checked at open), chained by links keyed
// with the kiosk's chain key so that an edit or deletion shows, and purged
// only by retention, which records what it deleted inside the chain.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { ClockState } from '../contract/decision.js';
import type { HealthStatus } from '../contract/code.js';
import { unsyncedPurgeOutlook, UNSYNCED_WARN_DAYS } from '../contract/policy.js';
import { isReasonCode, type ReasonCode, type Verdict } from '../contract/reasons.js';
import { DataDir } from '../data-dir.js';
import { ChainKey, GENESIS_HASH, sameMac } from './chain.js';
import { uuidv7 } from './check-id.js';
import { migrate, SCHEMA_SET_BACK } from './migrations.js';
import { mergeRanges, PURGE_MARKER_TYPES, PurgedPositions, purgedRangesOf, rangesOf, type PositionRange } from './purged-ranges.js';

export { GENESIS_HASH } from './chain.js';

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

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** meta key: when the warning before unsynced checks are dropped first became due (CheckLog.unsyncedWarnedSinceMs). */
const UNSYNCED_WARNED = 'unsynced_warned';

/**
 * Rows the kiosk itself marked synced: sync_state says so *and* its
 * sync_mac verifies (sentinel_sync_mac is ChainKey.syncMac, registered on
 * each connection). Only these count as stored centrally; a row whose
 * sync_state was edited to 'synced' counts as unsynced everywhere retention
 * decides.
 */
const ATTESTED_SYNCED = {
  checks: "(sync_state = 'synced' AND sync_mac IS sentinel_sync_mac('check', chain_pos, check_id))",
  events: "(sync_state = 'synced' AND sync_mac IS sentinel_sync_mac('event', chain_pos, event_id))",
} as const;

function down(ms: number, unit: number): number {
  return Math.floor(ms / unit) * unit;
}

/** SQLite found the file damaged (SQLITE_CORRUPT…, SQLITE_NOTADB): the log is unusable, not the program broken. */
function isDamaged(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

function damaged(file: string, err: unknown): CheckLogUnusable {
  return new CheckLogUnusable(`the check log ${file} is damaged (SQLite: ${oneLine((err as Error).message)}); restore it from a backup or move it aside`);
}

/** A stored JSON text, or null when it is not JSON (so not written by Sentinel). */
function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** One line, of a bounded length, for a report. */
function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * What migration 5 found before re-keying, when it was not an intact chain:
 * recorded in its log/rekeyed event, and carried on by the retention
 * marker that deletes that event (so it is not lost with it).
 */
interface BrokenBeforeKeyed {
  legacyChain: ChainReport;
  /** The log had been keyed before and its schema was set back (migrations.ts, keyedBefore). */
  schemaSetBack: boolean;
}

function brokenBeforeKeyedOf(detail: unknown): BrokenBeforeKeyed | null {
  const d = detail as { legacyChain?: unknown; schemaSetBack?: unknown } | null;
  const legacy = d?.legacyChain as ChainReport | undefined;
  if (typeof legacy !== 'object' || legacy === null || legacy.ok !== false) return null;
  return { legacyChain: legacy, schemaSetBack: d!.schemaSetBack === true };
}

/** See CheckLog.highestBundleSeq; reads logs of any schema (an older one may lack events, or keep no markers yet). */
function highestBundleSeqOf(db: Database.Database): number | null {
  const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('checks', 'events')").pluck().all() as string[]);
  // A database not yet made into a log (its first open failed midway) shows nothing.
  if (!tables.has('checks')) return null;
  const seqs = [db.prepare('SELECT bundle_seq FROM checks WHERE bundle_seq IS NOT NULL ORDER BY seq DESC LIMIT 1').pluck().get()];
  if (tables.has('events')) {
    // Only integers from details that are JSON: anything else was not written by Sentinel (and breaks the chain).
    seqs.push(
      db
        .prepare(
          `SELECT MAX(s) FROM (SELECT CASE WHEN json_valid(detail) THEN json_extract(detail, CASE type WHEN 'trust/installed' THEN '$.seq' ELSE '$.highestBundleSeq' END) END AS s
             FROM events WHERE type IN ('trust/installed', 'retention/purged')) WHERE typeof(s) = 'integer'`,
        )
        .pluck()
        .get(),
    );
  }
  const found = seqs.filter((s): s is number => typeof s === 'number' && Number.isSafeInteger(s));
  return found.length === 0 ? null : Math.max(...found);
}

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
  /** ChainKey.syncMac, when the kiosk marked it synced. */
  sync_mac: string | null;
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
  sync_mac: string | null;
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

/**
 * The recorded head of the chain (meta.chain_head: the newest position,
 * its link, and a MAC over both under the chain key): absent (a log that
 * never held an entry), intact, or damaged — unreadable, or sealed by
 * something other than this kiosk's key.
 */
type Head = { state: 'none' } | { state: 'ok'; link: Link } | { state: 'damaged'; problem: string };

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
  private readonly oldestUnsyncedStmt: Database.Statement;
  private readonly pendingStmt: Database.Statement;
  private readonly markStmt: Database.Statement;
  private readonly markEventStmt: Database.Statement;

  private constructor(
    private readonly db: Database.Database,
    private readonly key: ChainKey,
    private readonly file: string,
  ) {
    db.function('sentinel_sync_mac', { deterministic: true }, (kind: unknown, pos: unknown, id: unknown) => key.syncMac(kind as 'check' | 'event', pos as number, id as string));
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
    const tx = db.transaction((records: CheckRecord[]) => {
      let link = this.chainEnd();
      for (const r of records) {
        const pos = link.seq + 1;
        const hash = this.key.checkLink(link.hash, pos, r);
        this.insert.run(insertParams(r, pos, link.hash, hash));
        link = { seq: pos, hash };
      }
      this.writeHead(link);
    });
    const eventsTx = db.transaction((events: AuditEvent[]) => this.linkEvents(events));
    this.appendEventsTx = (events) => eventsTx.immediate(events);
    this.appendTx = (records) => tx.immediate(records);
    // Prepared once: sync calls these for every batch of a backlog of any size.
    this.countStmt = db.prepare("SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE sync_state = 'pending') AS pending FROM checks");
    // From the partial index checks_unsynced_trusted: one step, however long the backlog (the status bar asks after every check).
    this.oldestUnsyncedStmt = db.prepare("SELECT MIN(at_ms) FROM checks WHERE sync_state = 'pending' AND clock_state = 'trusted'").pluck();
    this.pendingStmt = db.prepare("SELECT * FROM checks WHERE sync_state = 'pending' ORDER BY seq LIMIT ?");
    this.markStmt = db.prepare(
      "UPDATE checks SET sync_state = 'synced', synced_at_ms = ?, sync_mac = sentinel_sync_mac('check', chain_pos, check_id) WHERE check_id = ? AND sync_state = 'pending'",
    );
    this.markEventStmt = db.prepare(
      "UPDATE events SET sync_state = 'synced', synced_at_ms = ?, sync_mac = sentinel_sync_mac('event', chain_pos, event_id) WHERE event_id = ? AND sync_state = 'pending'",
    );
  }

  /**
   * The chain's end, read inside the write transaction (two writers cannot
   * fork it): the last link ever appended, as the sealed head records it.
   * Retention never deletes it without appending its own marker after it.
   *
   * A head that is missing while entries exist, or damaged, means the
   * newest entries may have been deleted: nothing more is appended (one
   * line, CLI exit 78) rather than a new chain end written over the
   * evidence. `log --verify-chain` reports it.
   */
  private chainEnd(): Link {
    const head = this.readHead();
    if (head.state === 'ok') return head.link;
    if (head.state === 'none' && this.lastLink.get() === undefined) return { seq: 0, hash: GENESIS_HASH };
    const keyId = this.getMeta('chain_key_id');
    const what =
      head.state === 'none'
        ? 'has lost the record of its newest entry'
        : keyId !== null && keyId !== this.key.id()
          ? 'was chained under another chain key (chain-key in the data directory was replaced or lost)'
          : `has a damaged record of its newest entry (${head.problem})`;
    throw new CheckLogUnusable(
      `the check log ${this.file} ${what}: its newest entries may have been deleted, so nothing more is added to it; run sentinel log --verify-chain, keep the file as evidence and move it aside to start a new log`,
    );
  }

  /**
   * The sealed head: the newest position and its link, with their MAC under
   * the chain key. Deleting the newest entries now needs the head rewritten
   * to the new end, which needs the key.
   *
   * What it cannot see: someone holding the chain key (the kiosk's own user
   * or root: out of scope), and a whole older copy of the database put back
   * (its head was sealed genuinely, just earlier) — or the log deleted
   * altogether. Only the central service, which holds the synced entries,
   * can tell those.
   */
  private writeHead(link: Link): void {
    this.setMeta('chain_head', JSON.stringify({ seq: link.seq, hash: link.hash, mac: this.key.headMac(link.seq, link.hash) }));
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
    const outlook = unsyncedPurgeOutlook(bound === null ? null : this.oldestUnsyncedAtMs(), { unsyncedMaxAgeDays: bound }, rule.nowMs);
    if (bound === null || !outlook.warn) {
      this.db.prepare('DELETE FROM meta WHERE key = ?').run(UNSYNCED_WARNED);
      return null;
    }
    let since = this.unsyncedWarnedSinceMs(bound);
    if (since === null || since > rule.nowMs) {
      since = rule.nowMs;
      this.setMeta(UNSYNCED_WARNED, JSON.stringify({ boundDays: bound, sinceMs: since, mac: this.key.warnedMac(bound, since) }));
    }
    if (rule.nowMs < since + UNSYNCED_WARN_DAYS * DAY_MS) return null;
    return down(rule.nowMs - bound * DAY_MS, DAY_MS);
  }

  /** meta.chain_head read and its seal checked; never throws for what it finds there. */
  private readHead(): Head {
    const text = this.getMeta('chain_head');
    if (text === null) return { state: 'none' };
    const head = parseOrNull(text) as { seq?: unknown; hash?: unknown; mac?: unknown } | null;
    if (head === null || typeof head !== 'object' || !Number.isSafeInteger(head.seq) || typeof head.hash !== 'string') {
      return { state: 'damaged', problem: 'it is not a record Sentinel wrote' };
    }
    const link = { seq: head.seq as number, hash: head.hash };
    if (!sameMac(head.mac, this.key.headMac(link.seq, link.hash))) return { state: 'damaged', problem: 'its seal does not verify under the chain key' };
    return { state: 'ok', link };
  }

  /** Appends audit events to the chain; runs inside a write transaction. */
  private linkEvents(events: AuditEvent[]): void {
    let link = this.chainEnd();
    for (const e of events) {
      const pos = link.seq + 1;
      const detail = JSON.stringify(e.detail);
      const hash = this.key.eventLink(link.hash, pos, { eventId: e.eventId, atMs: e.atMs, type: e.type, actor: e.actor, detailText: detail });
      this.insertEvent.run({ eventId: e.eventId, atMs: e.atMs, type: e.type, actor: e.actor, detail, pos, prevHash: link.hash, hash });
      link = { seq: pos, hash };
    }
    this.writeHead(link);
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

  /**
   * Opens (creating and migrating) the log; refuses a file that cannot be
   * made durable or is damaged (CheckLogUnusable). The chain key is the
   * data directory's `chain-key` beside the file, made on first use, unless
   * one is given.
   */
  static open(file: string, opts: { chainKey?: ChainKey; nowMs?: number } = {}): CheckLog {
    let db: Database.Database;
    try {
      ownerOnly(file);
      db = new Database(file);
    } catch (err) {
      throw new CheckLogUnusable(`cannot open the check log ${file}: ${oneLine((err as Error).message)}`);
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
      // The -wal and -shm files now exist: SQLite made them with the database's mode, checked again here.
      ownerOnly(file);
      const key = opts.chainKey ?? ChainKey.forDataDir(DataDir.open(path.dirname(file), { create: false }));
      migrate(db, undefined, { chainKey: key, nowMs: opts.nowMs ?? Date.now() });
      const log = new CheckLog(db, key, file);
      if (log.getMeta('chain_key_id') === null) log.setMeta('chain_key_id', key.id());
      return log;
    } catch (err) {
      db.close();
      if (err instanceof CheckLogUnusable) throw err;
      throw new CheckLogUnusable(`cannot use the check log ${file}: ${oneLine((err as Error).message)}`);
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
    // Written out rather than wrapped like the other methods: a generator's errors come at each step.
    try {
      const stmt = this.db.prepare('SELECT * FROM checks WHERE at_ms >= ? ORDER BY seq');
      for (const row of stmt.iterate(opts.sinceMs ?? Number.MIN_SAFE_INTEGER)) yield fromRow(row as Row);
    } catch (err) {
      throw this.unusableIfDamaged(err);
    }
  }

  /** The oldest checks not yet stored centrally, in log order (streamed from the index, never all at once). */
  pendingBatch(limit: number): LoggedCheck[] {
    return (this.pendingStmt.all(limit) as Row[]).map(fromRow);
  }

  /**
   * The highest trust bundle seq this log shows was in force here: the
   * newest logged check's bundle seq, the seq of every `trust/installed`
   * event, and what each retention marker recorded of the entries it
   * deleted; null when it shows none. TrustStore.load takes it as a floor
   * (`minSeq`), so that deleting `trust-highest-seq` no longer lets an
   * older bundle copied over the installed one load.
   *
   * The newest check rather than the maximum over all checks: a full scan
   * of a large log (tens of ms) on every load, for the same answer as long
   * as load enforces this floor — a check is logged only under a bundle
   * that loaded, and no bundle older than one already in force loads.
   */
  highestBundleSeq(): number | null {
    return highestBundleSeqOf(this.db);
  }

  /**
   * The earliest time among unsynced checks logged at a trusted clock, ms;
   * null when there are none. What the policy's bound on unsynced checks
   * goes by, in the order retention drops them (by time, not by seq: a
   * clock set back leaves them out of order), so the status bar's outlook
   * (unsyncedPurgeOutlook) warns of exactly what will go. A check logged
   * while the clock was untrusted (a dead RTC at the year 2000) is not
   * among them: its time says nothing, and it is never dropped by it.
   */
  oldestUnsyncedAtMs(): number | null {
    return (this.oldestUnsyncedStmt.get() as number | null) ?? null;
  }

  /**
   * When retention first recorded the warning before unsynced checks are
   * dropped as due, under a bound of `boundDays` (the policy's
   * unsyncedMaxAgeDays); null when none is recorded for that bound (or the
   * record's seal does not verify). unsyncedPurgeOutlook's warnedSinceMs.
   */
  unsyncedWarnedSinceMs(boundDays: number | null): number | null {
    if (boundDays === null) return null;
    const record = parseOrNull(this.getMeta(UNSYNCED_WARNED) ?? 'null') as { boundDays?: unknown; sinceMs?: unknown; mac?: unknown } | null;
    if (record === null || typeof record !== 'object' || record.boundDays !== boundDays || !Number.isSafeInteger(record.sinceMs)) return null;
    return sameMac(record.mac, this.key.warnedMac(boundDays, record.sinceMs as number)) ? (record.sinceMs as number) : null;
  }

  /** When the first unsynced check was logged (by seq), ms; null when nothing is pending. The sync backlog's age; retention goes by oldestUnsyncedAtMs. */
  oldestPendingAtMs(): number | null {
    return (this.db.prepare("SELECT at_ms FROM checks WHERE sync_state = 'pending' ORDER BY seq LIMIT 1").get() as { at_ms: number } | undefined)?.at_ms ?? null;
  }

  /**
   * Marks checks (and audit events) as stored by the central service, each
   * with its sync MAC under the chain key (the only way a row becomes
   * synced for verify-chain and retention); returns how many changed.
   */
  markSynced(checkIds: readonly string[], atMs: number): number {
    let changed = 0;
    this.db.transaction(() => {
      for (const id of checkIds) changed += this.markStmt.run(atMs, id).changes || this.markEventStmt.run(atMs, id).changes;
    }).immediate();
    return changed;
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
   * It reads the whole file, as the walk does anyway; integrity() (the
   * self-test's quick look) keeps to quick_check.
   */
  verifyChain(): ChainReport {
    try {
      const integrity = (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
      if (integrity !== 'ok') return { ok: false, checked: 0, brokenAtSeq: null, problem: `the database file is damaged (SQLite integrity_check: ${oneLine(integrity)})` };
      return this.walkChain();
    } catch (err) {
      // Damage so bad that integrity_check or the walk cannot even read a page: still a report, not a failure to run.
      if (err instanceof CheckLogUnusable) return { ok: false, checked: 0, brokenAtSeq: null, problem: err.message };
      if (!isDamaged(err)) throw err;
      return { ok: false, checked: 0, brokenAtSeq: null, problem: `the database file is damaged (SQLite: ${oneLine((err as Error).message)})` };
    }
  }

  private walkChain(): ChainReport {
    const keyId = this.getMeta('chain_key_id');
    if (keyId !== null && keyId !== this.key.id()) {
      return { ok: false, checked: 0, brokenAtSeq: null, problem: 'the chain key (chain-key in the data directory) is not the one this log was chained with: it was replaced or lost' };
    }
    const events = this.db.prepare('SELECT * FROM events ORDER BY chain_pos').all() as EventRow[];
    // What retention (or migration 5) deleted, as its keyed markers say; each marker's own link is checked below.
    const ranges: PositionRange[] = [];
    let brokenBeforeKeyed: BrokenBeforeKeyed | null = null;
    for (const ev of events) {
      if (!PURGE_MARKER_TYPES.has(ev.type)) continue;
      // A detail that is not JSON was not written by Sentinel: its link will not verify either.
      const detail = parseOrNull(ev.detail);
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
      else if (sync.state === 'synced' && !sameMac(sync.mac, this.key.syncMac(what, pos, sync.id))) {
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
        const computed = this.key.eventLink(ev.prev_hash, ev.chain_pos, { eventId: ev.event_id, atMs: ev.at_ms, type: ev.type, actor: ev.actor, detailText: ev.detail });
        if (!visit(ev.chain_pos, ev.prev_hash, ev.hash, computed, 'event', { state: ev.sync_state, mac: ev.sync_mac, id: ev.event_id })) return false;
      }
      return true;
    };
    for (const raw of this.db.prepare('SELECT * FROM checks ORDER BY chain_pos').iterate()) {
      const row = raw as Row;
      if (!visitEventsBefore(row.chain_pos)) break;
      const sync = { state: row.sync_state, mac: row.sync_mac, id: row.check_id };
      if (!visit(row.chain_pos, row.prev_hash, row.hash, this.key.checkLink(row.prev_hash, row.chain_pos, recordOf(row)), 'check', sync)) break;
    }
    if (!broken) visitEventsBefore(Number.MAX_SAFE_INTEGER);
    if (broken) return broken;
    const head = this.readHead();
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

  /**
   * Deletes synced checks (and audit events) older than the retention period
   * and gives the space back; unsynced checks are never deleted here (see
   * applyRetention in retention.ts for the policy's bound on those). What
   * was deleted is recorded in the chain.
   */
  purge(opts: { nowMs: number; retentionDays: number }): { deleted: number } {
    return { deleted: this.retain({ ...opts, unsyncedMaxAgeDays: null }).deleted };
  }

  /**
   * One retention pass (applyRetention is the way in): deletes what the rule
   * allows and, in the same transaction, appends a `retention/purged` event
   * to the chain saying what went — how many synced checks and events,
   * how many unsynced checks and their time range, and which chain
   * positions (with those of any earlier marker deleted now), so the chain
   * still verifies and a deletion by hand still shows.
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
    const result: RetentionResult = this.db.transaction((): RetentionResult => {
      const unsynced = this.unsyncedCutoff(rule);
      // Synced means marked so by this kiosk (ATTESTED_SYNCED); a row merely claiming it counts as unsynced.
      const checks = this.db.prepare(`SELECT chain_pos AS pos FROM checks WHERE at_ms < ? AND ${ATTESTED_SYNCED.checks}`).pluck().all(synced) as number[];
      const dropped =
        unsynced === null
          ? []
          : (this.db.prepare(`SELECT chain_pos AS pos, at_ms AS at FROM checks WHERE at_ms < ? AND clock_state = 'trusted' AND NOT ${ATTESTED_SYNCED.checks}`).all(unsynced) as {
              pos: number;
              at: number;
            }[]);
      const events = this.db.prepare(`SELECT chain_pos AS pos, type, detail FROM events WHERE at_ms < ? AND ${ATTESTED_SYNCED.events}`).all(synced) as { pos: number; type: string; detail: string }[];
      const none: RetentionResult = { deleted: 0, events: 0, unsyncedDropped: 0, unsyncedRange: null };
      if (checks.length + dropped.length + events.length === 0) return none;

      const positions = [...checks, ...dropped.map((d) => d.pos), ...events.map((ev) => ev.pos)].sort((a, b) => a - b);
      // An earlier marker deleted now hands its record on to this one: the positions it recorded, and a chain found broken before it was keyed.
      const markers = events.filter((ev) => PURGE_MARKER_TYPES.has(ev.type)).map((ev) => parseOrNull(ev.detail));
      const inherited = markers.flatMap((detail) => purgedRangesOf(detail) ?? []);
      const brokenBefore = markers.map(brokenBeforeKeyedOf).find((b) => b !== null) ?? null;
      const purged = mergeRanges([...rangesOf(positions), ...inherited]);
      // Read before deleting: a kiosk whose every entry is purged still knows which bundle was in force (TrustStore.load's floor).
      const highestBundleSeq = highestBundleSeqOf(this.db);
      this.db.prepare(`DELETE FROM checks WHERE at_ms < ? AND ${ATTESTED_SYNCED.checks}`).run(synced);
      if (unsynced !== null) {
        this.db.prepare(`DELETE FROM checks WHERE at_ms < ? AND clock_state = 'trusted' AND NOT ${ATTESTED_SYNCED.checks}`).run(unsynced);
        // What is left may not be due yet: its own warning then starts afresh when it is.
        if (!unsyncedPurgeOutlook(this.oldestUnsyncedAtMs(), rule, rule.nowMs).warn) this.db.prepare('DELETE FROM meta WHERE key = ?').run(UNSYNCED_WARNED);
      }
      this.db.prepare(`DELETE FROM events WHERE at_ms < ? AND ${ATTESTED_SYNCED.events}`).run(synced);

      // A loop, not Math.min(...): a first pass on an old kiosk may drop more checks than a call takes arguments.
      let range: { fromMs: number; toMs: number } | null = null;
      for (const d of dropped) range = range === null ? { fromMs: d.at, toMs: d.at } : { fromMs: Math.min(range.fromMs, d.at), toMs: Math.max(range.toMs, d.at) };
      const iso = (ms: number): string => new Date(ms).toISOString();
      this.linkEvents([
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
    }).immediate();
    if (result.deleted + result.events + result.unsyncedDropped > 0) {
      this.db.pragma('incremental_vacuum');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    }
    return result;
  }

  /** SQLite's "the file is damaged" becomes CheckLogUnusable (one line, CLI exit 78); anything else is left as it is. */
  private unusableIfDamaged(err: unknown): unknown {
    return isDamaged(err) ? damaged(this.file, err) : err;
  }

  static {
    // Every method that reads or writes the file: a damaged database is the
    // log being unusable (exit 78, one line), not the program failing with a
    // stack trace. verifyChain reports damage itself; list is a generator.
    const own = new Set(['constructor', 'list', 'verifyChain', 'walkChain']);
    for (const name of Object.getOwnPropertyNames(CheckLog.prototype)) {
      const d = Object.getOwnPropertyDescriptor(CheckLog.prototype, name);
      if (own.has(name) || typeof d?.value !== 'function') continue;
      const method = d.value as (this: CheckLog, ...args: unknown[]) => unknown;
      Object.defineProperty(CheckLog.prototype, name, {
        ...d,
        value(this: CheckLog, ...args: unknown[]): unknown {
          try {
            return method.apply(this, args);
          } catch (err) {
            throw this.unusableIfDamaged(err);
          }
        },
      });
    }
  }
}

/**
 * The database and its -wal and -shm files readable by the kiosk's user
 * only: made 0600 before SQLite first creates the database (which its
 * journals then copy), and tightened if found looser.
 */
function ownerOnly(file: string): void {
  if (file === '' || file === ':memory:' || file.startsWith('file:')) return;
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  fs.closeSync(fd);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    let mode: number;
    try {
      mode = fs.statSync(f).mode;
    } catch {
      continue;
    }
    if ((mode & 0o077) !== 0) fs.chmodSync(f, mode & 0o700);
  }
}
