// Numbered schema migrations for the check log. user_version records how
// many have run; each runs in its own transaction. Append only: never edit
// a migration that has shipped.
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up: (db: Database.Database) => void;
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
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The database was written by a newer Sentinel: refuse rather than guess. */
export class SchemaTooNew extends Error {
  constructor(found: number) {
    super(`the check log has schema version ${found}, newer than this Sentinel knows (${SCHEMA_VERSION}); upgrade Sentinel`);
    this.name = 'SchemaTooNew';
  }
}

/** Runs the migrations not yet applied, up to `target`; returns the version reached. */
export function migrate(db: Database.Database, target = SCHEMA_VERSION): number {
  let current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) throw new SchemaTooNew(current);
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    current = m.version;
  }
  return current;
}
