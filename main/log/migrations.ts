// Numbered schema migrations for the check log. user_version records how
// many have run; each runs in its own transaction. Append only: never edit
// a migration that has shipped.
import type Database from 'better-sqlite3';
import { GENESIS_HASH, type ChainKey } from './chain.js';
import { uuidv7 } from './check-id.js';
import { legacyEntries, legacyHead, legacyRecord, verifyLegacyChain } from './legacy-chain.js';
import { PURGE_MARKER_TYPES, type PositionRange } from './purged-ranges.js';

/** What a migration may need beyond the database. */
export interface MigrationContext {
  /**
   * The data directory's chain key (migration 5 re-keys the chain with it).
   * Its `madeNow` says whether the key existed before this open: a log
   * holding entries that still needs re-keying while the key already
   * existed had its schema set back.
   */
  chainKey?: ChainKey;
  /** When the migration runs, ms (the time of the event it records). */
  nowMs?: number;
}

export interface Migration {
  version: number;
  name: string;
  up: (db: Database.Database, ctx: MigrationContext) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'checks and meta',
    up: (db) => {
      db.exec(`
        CREATE TABLE checks (
          seq            INTEGER PRIMARY KEY,
          check_id       TEXT    NOT NULL UNIQUE,
          at_ms          INTEGER NOT NULL,
          verdict        TEXT    NOT NULL CHECK (verdict IN ('admit', 'review', 'deny')),
          reasons        TEXT    NOT NULL,
          issuer         TEXT,
          status         TEXT    CHECK (status IN ('green', 'yellow', 'red')),
          kid            TEXT,
          holder         TEXT,
          temperature_c  REAL,
          bundle_seq     INTEGER,
          policy_version INTEGER NOT NULL,
          clock_state    TEXT    NOT NULL CHECK (clock_state IN ('trusted', 'untrusted')),
          sync_state     TEXT    NOT NULL DEFAULT 'pending' CHECK (sync_state IN ('pending', 'synced')),
          synced_at_ms   INTEGER,
          prev_hash      TEXT    NOT NULL,
          hash           TEXT    NOT NULL
        );
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    name: 'lookup indexes for anti-passback, sync and retention',
    up: (db) => {
      db.exec(`
        CREATE INDEX checks_holder_admitted ON checks (holder, at_ms) WHERE verdict = 'admit';
        CREATE INDEX checks_pending ON checks (seq) WHERE sync_state = 'pending';
        CREATE INDEX checks_at ON checks (at_ms);
      `);
    },
  },
  {
    version: 3,
    name: 'audit events in the same chain as the checks',
    up: (db) => {
      // Checks and events share one chain, ordered by chain_pos; old checks keep their seq as position.
      db.exec(`
        ALTER TABLE checks ADD COLUMN chain_pos INTEGER;
        UPDATE checks SET chain_pos = seq;
        CREATE UNIQUE INDEX checks_chain_pos ON checks (chain_pos);
        CREATE TABLE events (
          seq          INTEGER PRIMARY KEY,
          event_id     TEXT    NOT NULL UNIQUE,
          at_ms        INTEGER NOT NULL,
          type         TEXT    NOT NULL,
          actor        TEXT    NOT NULL,
          detail       TEXT    NOT NULL,
          sync_state   TEXT    NOT NULL DEFAULT 'pending' CHECK (sync_state IN ('pending', 'synced')),
          synced_at_ms INTEGER,
          chain_pos    INTEGER NOT NULL UNIQUE,
          prev_hash    TEXT    NOT NULL,
          hash         TEXT    NOT NULL
        );
        CREATE INDEX events_pending ON events (seq) WHERE sync_state = 'pending';
      `);
    },
  },
  {
    version: 4,
    name: "the thermometer's raw reading and calibration offset beside each temperature",
    up: (db) => {
      db.exec(`
        ALTER TABLE checks ADD COLUMN temperature_raw_c REAL;
        ALTER TABLE checks ADD COLUMN calibration_offset_c REAL;
      `);
    },
  },
  {
    version: 5,
    name: "the chain keyed with the kiosk's chain key; retention recorded inside the chain; the synced state attested by the key; unsynced checks looked up by time",
    up: rekeyChain,
  },
  {
    version: 6,
    name: "the format of each check (phc1, dcc, shc); the gate's NOT_PASSED events by check",
    up: (db) => {
      // A log whose user_version was set back (see keyedBefore) may hold the column already.
      const columns = db.prepare("SELECT name FROM pragma_table_info('checks')").pluck().all() as string[];
      if (!columns.includes('format')) db.exec('ALTER TABLE checks ADD COLUMN format TEXT');
      // Anti-passback asks, per admit, whether its traveller did not pass the gate (check-rows.ts).
      db.exec("CREATE INDEX IF NOT EXISTS events_not_passed ON events (json_extract(detail, '$.checkId')) WHERE type = 'gate/not-passed'");
    },
  },
];

/** What migration 5 records when the log it finds was keyed before (see keyedBefore). */
export const SCHEMA_SET_BACK = "the log's schema was set back after its chain was keyed";

/**
 * What shows that this log's chain was keyed before, although its
 * user_version (which anyone editing the file can set) says it never was:
 * empty when nothing does.
 *
 * `user_version` is not covered by any key. Without this, someone holding
 * the file could edit a row, recompute the *old* plain SHA-256 chain, set
 * user_version back to 4, and the next open would re-key the forgery and
 * record the old chain as intact. The signs are each removable by someone
 * who thinks of it — except that deleting `chain-key` as well leaves a log
 * indistinguishable from one never keyed, which only the central service
 * (holding the synced entries) can tell: the same limit as restoring a
 * whole older copy of the database.
 */
function keyedBefore(db: Database.Database, ctx: MigrationContext, holdsData: boolean): string[] {
  const found: string[] = [];
  const meta = (key: string): string | null => (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
  // A new, empty database in a data directory whose key exists (an old log moved aside) is not a set-back log.
  if (holdsData && ctx.chainKey && !ctx.chainKey.madeNow) found.push('the chain key existed before this log was re-keyed');
  if (meta('chain_key_id') !== null) found.push('meta.chain_key_id is present');
  const head = meta('chain_head');
  if (head !== null && /"mac"\s*:/.test(head)) found.push('the chain head is sealed');
  const markers = db
    .prepare(`SELECT COUNT(*) FROM events WHERE type IN (${[...PURGE_MARKER_TYPES].map(() => '?').join(', ')})`)
    .pluck()
    .get(...PURGE_MARKER_TYPES) as number;
  if (markers > 0) found.push(`${markers} keyed marker event(s) (retention/purged, log/rekeyed) are present`);
  if (hasColumn(db, 'checks', 'sync_mac') || hasColumn(db, 'events', 'sync_mac')) found.push('the sync_mac columns are present');
  if (meta('unsynced_warned') !== null) found.push('meta.unsynced_warned is present');
  return found;
}

function hasColumn(db: Database.Database, table: string, column: string): boolean {
  return (db.prepare('SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?').pluck().get(table, column) as number) > 0;
}

/**
 * Since schema 5 a row is synced only with the kiosk's MAC over it
 * (sync_mac, ChainKey.syncMac, written by CheckLog.markSynced). An older
 * log's sync states were never attested — anyone could have set one — so
 * they are not taken over: its synced rows go back to pending and are sent
 * again. The central service de-duplicates by id, so that costs a resend
 * of what retention had not yet deleted (21 days at most), never a loss;
 * taking them over could launder a denial marked synced by hand.
 */
function attestSyncState(db: Database.Database): { checks: number; events: number } {
  // Present already only in a log whose schema was set back (keyedBefore counts them).
  for (const table of ['checks', 'events']) if (!hasColumn(db, table, 'sync_mac')) db.exec(`ALTER TABLE ${table} ADD COLUMN sync_mac TEXT`);
  const reset = (table: string): number => db.prepare(`UPDATE ${table} SET sync_state = 'pending', synced_at_ms = NULL, sync_mac = NULL WHERE sync_state = 'synced'`).run().changes;
  return { checks: reset('checks'), events: reset('events') };
}

/**
 * Migration 5. The old links are plain SHA-256, which anyone able to edit
 * the file can recompute, so they cannot simply be kept: every entry is
 * re-linked under the chain key, in place (same chain positions).
 *
 * Re-keying would also launder any edit made before it, so the old chain is
 * checked first, the schema-4 way, and the result is written into the new
 * chain as a `log/rekeyed` event (keyed and synced like any audit event): a
 * log that was already broken says so for as long as that event is kept
 * (and a retention marker that deletes it carries it on), and the central
 * service learns it. The alternative — refusing to re-key a broken log —
 * would leave a kiosk unable to log checks over something that is only
 * evidence, which is worse at a checkpoint.
 *
 * A log that was keyed before (its schema set back: keyedBefore) is never
 * re-keyed as intact, whatever its old chain says: the event records
 * SCHEMA_SET_BACK as the old chain's result, so verify-chain reports the
 * log broken, and positions missing below it are listed as `gaps`, not as
 * `purged` — a deletion passed off as an old retention is not accepted
 * either. Again recorded rather than refused, for the same reason.
 *
 * Retention's old record of deleted positions (meta.chain_resumes, meta.
 * chain_head_purged) is unkeyed and is replaced: the event lists every
 * position missing below it, like a retention marker does (purged-ranges).
 */
function rekeyChain(db: Database.Database, ctx: MigrationContext): void {
  const hasEntries = db.prepare('SELECT EXISTS (SELECT 1 FROM checks) OR EXISTS (SELECT 1 FROM events) AS any').pluck().get() === 1;
  const headFound = legacyHead(db);
  const setBack = keyedBefore(db, ctx, hasEntries || headFound !== null);
  const syncReset = attestSyncState(db);
  // What retention's bound on unsynced checks goes by (and the status bar's outlook reads): their time, among those logged at a trusted clock.
  db.exec("CREATE INDEX IF NOT EXISTS checks_unsynced_trusted ON checks (at_ms) WHERE sync_state = 'pending' AND clock_state = 'trusted'");
  const dropLegacyMeta = (): void => void db.prepare("DELETE FROM meta WHERE key IN ('chain_resumes', 'chain_head_purged', 'chain_head')").run();
  // A log that never held an entry has nothing to re-key and nothing to record.
  if (!hasEntries && headFound === null && setBack.length === 0) return dropLegacyMeta();
  const key = ctx.chainKey;
  if (!key) throw new Error('migration 5 needs the chain key');
  const legacy = setBack.length > 0 ? { ok: false, checked: 0, brokenAtSeq: null, problem: `${SCHEMA_SET_BACK} (${setBack.join('; ')})` } : verifyLegacyChain(db);
  const head = headFound === 'damaged' ? null : headFound;
  dropLegacyMeta();

  const setCheck = db.prepare('UPDATE checks SET prev_hash = ?, hash = ? WHERE chain_pos = ?');
  const setEvent = db.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE chain_pos = ?');
  const purged: PositionRange[] = [];
  let prevHash = GENESIS_HASH;
  let next = 1;
  const counts = { checks: 0, events: 0 };
  for (const row of legacyEntries(db)) {
    const pos = row.chain_pos;
    if (pos > next) purged.push([next, pos - 1]);
    next = pos + 1;
    let hash: string;
    if (row.kind === 'check') {
      hash = key.checkLink(prevHash, pos, legacyRecord(row));
      setCheck.run(prevHash, hash, pos);
      counts.checks++;
    } else {
      hash = key.eventLink(prevHash, pos, { eventId: row.event_id as string, atMs: row.at_ms as number, type: row.type as string, actor: row.actor as string, detailText: row.detail as string });
      setEvent.run(prevHash, hash, pos);
      counts.events++;
    }
    prevHash = hash;
  }
  // Entries retention had deleted after the newest one left (the old head, purged).
  const end = Math.max(next - 1, head?.seq ?? 0);
  if (end >= next) purged.push([next, end]);

  const nowMs = ctx.nowMs ?? Date.now();
  const pos = end + 1;
  const detail = { fromSchema: 4, legacyChain: legacy, rekeyed: counts, syncReset, ...(setBack.length > 0 ? { schemaSetBack: true, gaps: purged } : { purged }) };
  const event = { eventId: uuidv7(nowMs), atMs: nowMs, type: 'log/rekeyed', actor: 'sentinel', detailText: JSON.stringify(detail) };
  const hash = key.eventLink(prevHash, pos, event);
  db.prepare('INSERT INTO events (event_id, at_ms, type, actor, detail, chain_pos, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    event.eventId,
    event.atMs,
    event.type,
    event.actor,
    event.detailText,
    pos,
    prevHash,
    hash,
  );
  db.prepare("INSERT INTO meta (key, value) VALUES ('chain_head', ?)").run(JSON.stringify({ seq: pos, hash, mac: key.headMac(pos, hash) }));
}

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The database was written by a newer Sentinel: refuse rather than guess. */
export class SchemaTooNew extends Error {
  constructor(found: number) {
    super(`the check log has schema version ${found}, newer than this Sentinel knows (${SCHEMA_VERSION}); upgrade Sentinel`);
    this.name = 'SchemaTooNew';
  }
}

/** Runs the migrations not yet applied, up to `target`; returns the version reached. */
export function migrate(db: Database.Database, target = SCHEMA_VERSION, ctx: MigrationContext = {}): number {
  const version = (): number => db.pragma('user_version', { simple: true }) as number;
  let current = version();
  if (current > SCHEMA_VERSION) throw new SchemaTooNew(current);
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      // Read again under the write lock: another process opening the same log may have run it meanwhile.
      if (version() >= m.version) return;
      m.up(db, ctx);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    current = m.version;
  }
  return current;
}
