// The central store's one schema, as numbered migrations applied in order on
// either backend. Several service processes may start at once against one
// database: each takes the same transaction-scoped advisory lock first, so
// exactly one applies a migration and the others find it applied. A store
// migrated by a newer Sentinel is refused rather than written by an older one.
//
// Room left for later steps: signed receipts (a service key in
// service_settings, a receipt per batch), the fleet view (operators,
// sessions; a device's status object beside last_seen_at), policy versions
// per station — each a new migration adding its tables or columns.
import { StoreUnusable, numberOf, type Sql, type SqlQueryable } from './sql.js';

export interface Migration {
  version: number;
  name: string;
  /** One statement each (PGlite's extended protocol takes one at a time). */
  statements: readonly string[];
}

/** Held for the length of a migration transaction ("SENT" in ASCII). */
const MIGRATION_LOCK = 0x53454e54;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'devices, enrollment tokens, checks by month, events, bundles',
    statements: [
      // A kiosk: its id is the RFC 7638 thumbprint of its public key, which is all it ever sends.
      `CREATE TABLE devices (
        id text PRIMARY KEY,
        jwk jsonb NOT NULL,
        gate text,
        station text,
        enrolled_at timestamptz NOT NULL,
        revoked_at timestamptz,
        last_seen_at timestamptz
      )`,
      // One-time enrollment tokens: only the SHA-256 of a token is kept, so a copy of the store enrolls nobody.
      `CREATE TABLE enroll_tokens (
        token_hash text PRIMARY KEY,
        gate text,
        station text,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        device_id text REFERENCES devices (id)
      )`,
      // The checks, exactly the pseudonymous fields a kiosk sends (spec §6) plus who sent them in
      // which batch. Partitioned by month of the check's time: retention drops whole months. The
      // unique key must hold the partition column; a kiosk's retry carries the same time.
      `CREATE TABLE checks (
        check_id text NOT NULL,
        at timestamptz NOT NULL,
        device_id text NOT NULL,
        batch_id uuid NOT NULL,
        verdict text NOT NULL,
        reasons text[] NOT NULL,
        format text,
        issuer text,
        status text,
        kid text,
        temperature_c double precision,
        bundle_seq bigint,
        policy_version integer,
        clock_state text,
        holder text,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (check_id, at)
      ) PARTITION BY RANGE (at)`,
      'CREATE INDEX checks_at ON checks (at, check_id)',
      'CREATE INDEX checks_device_at ON checks (device_id, at)',
      // The kiosks' audit events (configuration, PINs, bundles, the gate): never holder data.
      `CREATE TABLE events (
        event_id text PRIMARY KEY,
        device_id text NOT NULL,
        batch_id uuid NOT NULL,
        at timestamptz NOT NULL,
        type text NOT NULL,
        actor text NOT NULL,
        detail jsonb NOT NULL,
        received_at timestamptz NOT NULL
      )`,
      'CREATE INDEX events_device_at ON events (device_id, at)',
      // Trust bundles as published, verified against the pinned root; the newest is served.
      `CREATE TABLE bundles (
        seq bigint PRIMARY KEY,
        jws text NOT NULL,
        root_kid text NOT NULL,
        issued_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        published_at timestamptz NOT NULL
      )`,
      // Small facts of the service itself (the URL it was last started at; later its receipt key).
      `CREATE TABLE service_settings (
        key text PRIMARY KEY,
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: 'receipts: the service key; chain heads, status and alerts of the kiosks',
    statements: [
      // The service's own ES256 key that signs every receipt (central/service-key.ts): one in use per
      // store, so every process over it signs with the same key. retired_at is room for rotation.
      `CREATE TABLE service_keys (
        kid text PRIMARY KEY,
        private_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        retired_at timestamptz
      )`,
      'CREATE UNIQUE INDEX service_keys_one_in_use ON service_keys ((retired_at IS NULL)) WHERE retired_at IS NULL',
      // What each kiosk last reported of itself (central/alerts.ts): its log chain's head (length, the opaque
      // link, the kiosk's time of it), and its status object with when it came and the kiosk's clock against ours.
      `ALTER TABLE devices
        ADD COLUMN chain_length bigint,
        ADD COLUMN chain_head text,
        ADD COLUMN chain_at_ms bigint,
        ADD COLUMN status jsonb,
        ADD COLUMN status_at timestamptz,
        ADD COLUMN clock_offset_ms integer`,
      // For the operator: a kiosk's history truncated or rewritten (kind), with what showed it (detail).
      `CREATE TABLE alerts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        device_id text NOT NULL REFERENCES devices (id),
        kind text NOT NULL,
        detail jsonb NOT NULL,
        raised_at timestamptz NOT NULL,
        cleared_at timestamptz
      )`,
      'CREATE INDEX alerts_open ON alerts (device_id, raised_at) WHERE cleared_at IS NULL',
      'CREATE INDEX alerts_raised ON alerts (raised_at)',
    ],
  },
  {
    version: 3,
    name: 'fleet view: operators, their sessions, events by type and time',
    statements: [
      // Who may open the fleet view (sentinel central user add): a scrypt hash with its own salt, and the lockout's count.
      `CREATE TABLE operators (
        name text PRIMARY KEY,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        password_set_at timestamptz NOT NULL,
        failed_attempts integer NOT NULL DEFAULT 0,
        locked_until timestamptz
      )`,
      // A login: the id is the SHA-256 of the cookie's random token (a copy of the store logs nobody in); it ends
      // idle, at expires_at, at logout, or with its operator.
      `CREATE TABLE operator_sessions (
        id text PRIMARY KEY,
        operator text NOT NULL REFERENCES operators (name) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        csrf_token text NOT NULL
      )`,
      'CREATE INDEX operator_sessions_operator ON operator_sessions (operator)',
      'CREATE INDEX operator_sessions_expires ON operator_sessions (expires_at)',
      // The fleet view counts the gates' not-passed and tailgating events of the last day.
      'CREATE INDEX events_type_at ON events (type, at)',
    ],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

async function appliedVersion(tx: SqlQueryable): Promise<number> {
  const [row] = await tx.query('SELECT coalesce(max(version), 0) AS v FROM schema_migrations');
  return numberOf(row?.v) ?? 0;
}

/** Brings the store to SCHEMA_VERSION; returns the versions applied by this call. */
export async function migrate(sql: Sql, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  return sql.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)');
    const from = await appliedVersion(tx);
    if (from > latest) throw new StoreUnusable(`the store ${sql.where} is at schema version ${from}, newer than this Sentinel knows (${latest}): upgrade Sentinel`);
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= from) continue;
      for (const statement of m.statements) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}

export async function schemaVersion(sql: SqlQueryable): Promise<number> {
  const [row] = await sql.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  return row?.present === true ? appliedVersion(sql) : 0;
}
