// The local check log: one row per check, on disk before the caller hears
// of it (WAL, synchronous=FULL, checked at open), chained by links keyed
// with the kiosk's chain key so that an edit or deletion shows, and purged
// only by retention, which records what it deleted inside the chain.
//
// CheckLog is the one object the rest of the kiosk holds; each concern
// lives in a module of its own and this file only wires them on one
// connection: the rows (check-rows, audit-events), the chain (chain-writer,
// chain-walk), the outbox (sync marks) and retention.
import * as path from 'node:path';
import type Database from 'better-sqlite3';
import type { Verdict } from '../contract/reasons.js';
import { DataDir, DATA_FILES } from '../data-dir.js';
import { EventRows, type AuditEvent, type LoggedEvent } from './audit-events.js';
import { highestBundleSeqOf } from './bundle-floor.js';
import { ChainKey, type ChainReport } from './chain.js';
import { verifyChain } from './chain-walk.js';
import { ChainWriter } from './chain-writer.js';
import type { CheckRecord, LoggedCheck } from './check-record.js';
import { CheckRows } from './check-rows.js';
import { openDurable } from './log-file.js';
import { LogMeta } from './log-meta.js';
import { migrate } from './migrations.js';
import { Outbox } from './outbox.js';
import { Retention, type RetentionResult, type RetentionRule } from './retention.js';
import { unusableIfDamaged } from './unusable.js';

// The log's vocabulary, for callers that know only the facade.
export { GENESIS_HASH, type ChainReport } from './chain.js';
export type { CheckRecord, LoggedCheck, SyncState } from './check-record.js';
export type { AuditEvent, LoggedEvent } from './audit-events.js';
export type { RetentionResult, RetentionRule } from './retention.js';
export { CheckLogUnusable } from './unusable.js';

export class CheckLog {
  private readonly meta: LogMeta;
  private readonly checks: CheckRows;
  private readonly events: EventRows;
  private readonly chain: ChainWriter;
  private readonly outbox: Outbox;
  private readonly retention: Retention;
  private readonly appendTx: (records: readonly CheckRecord[]) => void;
  private readonly appendEventsTx: (events: readonly AuditEvent[]) => void;

  private constructor(
    private readonly db: Database.Database,
    private readonly key: ChainKey,
    private readonly file: string,
  ) {
    this.meta = new LogMeta(db);
    this.checks = new CheckRows(db);
    this.events = new EventRows(db);
    // Registers the sync MAC on the connection: retention's statements use it.
    this.outbox = new Outbox(db, key);
    this.chain = new ChainWriter(db, key, this.meta, this.checks, this.events, file);
    this.retention = new Retention(db, key, this.meta, this.outbox, this.chain);
    const checksTx = db.transaction((records: readonly CheckRecord[]) => this.chain.linkChecks(records));
    const eventsTx = db.transaction((events: readonly AuditEvent[]) => this.chain.linkEvents(events));
    this.appendTx = (records) => checksTx.immediate(records);
    this.appendEventsTx = (events) => eventsTx.immediate(events);
  }

  /**
   * Opens (creating and migrating) the log; refuses a file that cannot be
   * made durable or is damaged (CheckLogUnusable). The chain key is the
   * data directory's `chain-key` beside the file, made on first use, unless
   * one is given.
   */
  static open(file: string, opts: { chainKey?: ChainKey; nowMs?: number } = {}): CheckLog {
    const given = opts.chainKey;
    return CheckLog.openWith(file, () => given ?? ChainKey.forDataDir(DataDir.open(path.dirname(file), { create: false })), opts.nowMs);
  }

  /**
   * Opens the log of a data directory the caller has already opened (and
   * whose permissions it has already checked), keyed with its chain key:
   * the directory is not opened a second time.
   */
  static openIn(dir: DataDir, opts: { nowMs?: number } = {}): CheckLog {
    return CheckLog.openWith(dir.path(DATA_FILES.database), () => ChainKey.forDataDir(dir), opts.nowMs);
  }

  /** The key is asked for only once the file has opened durably: a log that cannot be used makes no key. */
  private static openWith(file: string, chainKey: () => ChainKey, nowMs: number | undefined): CheckLog {
    return openDurable(file, (db) => {
      const key = chainKey();
      migrate(db, undefined, { chainKey: key, nowMs: nowMs ?? Date.now() });
      const log = new CheckLog(db, key, file);
      if (log.getMeta('chain_key_id') === null) log.setMeta('chain_key_id', key.id());
      return log;
    });
  }

  close(): void {
    this.db.close();
  }

  /** Appends checks in one durable transaction; when it returns they are on disk. */
  append(records: CheckRecord[]): void {
    if (records.length > 0) this.appendTx(records);
  }

  /** Writes audit events into the chain, durably, in one transaction. */
  appendEvents(events: AuditEvent[]): void {
    if (events.length > 0) this.appendEventsTx(events);
  }

  /** One logged check by its id, or null. */
  findCheck(checkId: string): LoggedCheck | null {
    return this.checks.find(checkId);
  }

  /** Logged checks in log order, streamed; optionally only those at or after sinceMs. */
  *list(opts: { sinceMs?: number } = {}): IterableIterator<LoggedCheck> {
    // Written out rather than wrapped like the other methods: a generator's errors come at each step.
    try {
      yield* this.checks.list(opts.sinceMs ?? Number.MIN_SAFE_INTEGER);
    } catch (err) {
      throw unusableIfDamaged(this.file, err);
    }
  }

  lastAdmittedAtMs(holder: string): number | null {
    return this.checks.lastAdmittedAtMs(holder);
  }

  newestAtMs(): number | null {
    return this.checks.newestAtMs();
  }

  /** How many checks of each verdict since a time (the guard's "today" counts). */
  verdictCountsSince(sinceMs: number): Record<Verdict, number> {
    return this.checks.verdictCountsSince(sinceMs);
  }

  /** Audit events in log order, optionally since a time. */
  listEvents(opts: { sinceMs?: number } = {}): LoggedEvent[] {
    return this.events.list(opts.sinceMs ?? Number.MIN_SAFE_INTEGER);
  }

  /** The override event already recorded for a check, or null. */
  overrideOf(checkId: string): LoggedEvent | null {
    return this.events.overrideOf(checkId);
  }

  getMeta(key: string): string | null {
    return this.meta.get(key);
  }

  setMeta(key: string, value: string): void {
    this.meta.set(key, value);
  }

  count(): { total: number; pending: number } {
    return this.outbox.count();
  }

  /** The oldest checks not yet stored centrally, in log order (streamed from the index, never all at once). */
  pendingBatch(limit: number): LoggedCheck[] {
    return this.outbox.pendingBatch(limit);
  }

  /** The oldest audit events not yet stored centrally. */
  pendingEvents(limit: number): LoggedEvent[] {
    return this.outbox.pendingEvents(limit);
  }

  /**
   * Marks checks (and audit events) as stored by the central service, each
   * with its sync MAC under the chain key (the only way a row becomes
   * synced for verify-chain and retention); returns how many changed.
   */
  markSynced(checkIds: readonly string[], atMs: number): number {
    return this.outbox.markSynced(checkIds, atMs);
  }

  /** When the first unsynced check was logged (by seq), ms; null when nothing is pending. The sync backlog's age; retention goes by oldestUnsyncedAtMs. */
  oldestPendingAtMs(): number | null {
    return this.outbox.oldestPendingAtMs();
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
    return this.outbox.oldestUnsyncedAtMs();
  }

  /**
   * When retention first recorded the warning before unsynced checks are
   * dropped as due, under a bound of `boundDays` (the policy's
   * unsyncedMaxAgeDays); null when none is recorded for that bound (or the
   * record's seal does not verify). unsyncedPurgeOutlook's warnedSinceMs.
   */
  unsyncedWarnedSinceMs(boundDays: number | null): number | null {
    return this.retention.unsyncedWarnedSinceMs(boundDays);
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

  /** One retention pass (applyRetention is the way in); see Retention.retain. */
  retain(rule: RetentionRule): RetentionResult {
    return this.retention.retain(rule);
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

  /** SQLite's own quick integrity check: 'ok', or what is wrong. */
  integrity(): string {
    return (this.db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check).join('; ');
  }

  /** See verifyChain in chain-walk.ts: SQLite's integrity_check, then every link, up to the sealed head. */
  verifyChain(): ChainReport {
    return verifyChain({ db: this.db, key: this.key, keyId: () => this.meta.get('chain_key_id'), head: () => this.chain.readHead() });
  }

  static {
    // Every method that reads or writes the file: a damaged database is the
    // log being unusable (exit 78, one line), not the program failing with a
    // stack trace. verifyChain reports damage itself; list is a generator.
    const own = new Set(['constructor', 'list', 'verifyChain']);
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
            throw unusableIfDamaged(this.file, err);
          }
        },
      });
    }
  }
}
