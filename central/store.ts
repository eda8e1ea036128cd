// The central store: every read and write the service and the admin
// commands make, as SQL that runs the same on PostgreSQL and PGlite. Nothing
// here is kept between calls that another process would need to know —
// the database holds every guarantee, so any number of service processes
// can share one (exactly once by the checks' unique key, single-use tokens
// by a row lock, revocation by the device row each batch locks).
import { createHash, randomBytes } from 'node:crypto';
import type { TrustBundleInfo } from '../main/contract/trust.js';
import { BundleRefused } from '../main/verify/trust.js';
import type { HeldBack, SyncBatch, WireCheck } from './batch.js';
import { Refused } from './refused.js';
import { HELD_BACK_ALERT, noteHeldBack, noteKioskReport, type Alert } from './alerts.js';
import type { DeviceJwk } from './device-keys.js';
import { DEFAULT_RETENTION_DAYS, ensurePartitions, monthExpired, monthKey, monthOf, type Month } from './partitions.js';
import { isoOf, numberOf, sqlState, textOf, type Row, type Sql, type SqlQueryable } from './sql.js';

const MINUTE_MS = 60_000;
/**
 * A check dated further ahead of the service's clock than this is held back
 * (sent again later): stored, it would sit in a month partition retention
 * does not reach for as long as the kiosk's clock is ahead — its pseudonym
 * kept past the promised period — and each new month would be a partition
 * made (a lock on the whole table) at a kiosk's say-so.
 */
export const MAX_AHEAD_MS = 24 * 60 * MINUTE_MS;

export interface DeviceRecord {
  id: string;
  jwk: DeviceJwk;
  gate: string | null;
  station: string | null;
  enrolledAt: string;
  revokedAt: string | null;
  lastSeenAt: string | null;
}

export interface NewEnrollToken {
  /** The token itself: shown once, never stored (only its SHA-256 is). */
  token: string;
  gate: string | null;
  station: string | null;
  expiresAt: string;
}

/** A check as stored: what the kiosk sent, who sent it in which batch, and when it arrived. */
export interface StoredCheck extends WireCheck {
  device: string;
  batch: string;
  receivedAt: string;
}

/** The answer to a batch (spec §6): both lists mean stored. */
export interface BatchAnswer {
  accepted: string[];
  duplicate: string[];
  /**
   * Of `accepted`, the checks whose month had already passed out of the
   * retention period: taken and not kept, as retention would have dropped
   * them at once (so a kiosk that was away long does not resend them forever).
   */
  pastRetention: string[];
  /** Read but not stored, with why (central/batch.ts HeldBack): in neither list, so the kiosk sends them again. */
  held: HeldBack[];
  /** The alerts this batch raised (its chain head shorter or rewritten, something held back: central/alerts.ts), for the service's log. */
  alerts: Alert[];
}

export interface PublishedBundle {
  seq: number;
  jws: string;
  rootKid: string;
  issuedAt: string;
  expiresAt: string;
  publishedAt: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function deviceOf(row: Row): DeviceRecord {
  return {
    id: String(row.id),
    jwk: (typeof row.jwk === 'string' ? JSON.parse(row.jwk) : row.jwk) as DeviceJwk,
    gate: textOf(row.gate),
    station: textOf(row.station),
    enrolledAt: isoOf(row.enrolled_at) ?? '',
    revokedAt: isoOf(row.revoked_at),
    lastSeenAt: isoOf(row.last_seen_at),
  };
}

function checkOf(row: Row): StoredCheck {
  return {
    checkId: String(row.check_id),
    device: String(row.device_id),
    batch: String(row.batch_id),
    at: isoOf(row.at) ?? '',
    verdict: String(row.verdict) as WireCheck['verdict'],
    reasons: Array.isArray(row.reasons) ? row.reasons.map(String) : [],
    format: textOf(row.format),
    issuer: textOf(row.issuer),
    status: textOf(row.status),
    kid: textOf(row.kid),
    temperatureC: numberOf(row.temperature_c),
    bundleSeq: numberOf(row.bundle_seq),
    policyVersion: numberOf(row.policy_version),
    clockState: textOf(row.clock_state),
    holder: textOf(row.holder),
    receivedAt: isoOf(row.received_at) ?? '',
  };
}

// Each answers only the ids it did NOT insert (already stored: the duplicates), usually none: a
// RETURNING of every inserted id was 500 rows for the driver to read on every batch.
const INSERT_CHECKS = `
  WITH src AS MATERIALIZED (
    SELECT * FROM unnest($4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                         $12::float8[], $13::int8[], $14::int4[], $15::text[], $16::text[])
      AS r(check_id, at, verdict, reasons, format, issuer, status, kid, temperature_c, bundle_seq, policy_version, clock_state, holder)
  ), ins AS (
    INSERT INTO checks (check_id, at, device_id, batch_id, verdict, reasons, format, issuer, status, kid,
                        temperature_c, bundle_seq, policy_version, clock_state, holder, received_at)
    SELECT r.check_id, r.at, $1, $2::uuid, r.verdict, string_to_array(r.reasons, ','), r.format, r.issuer, r.status, r.kid,
           r.temperature_c, r.bundle_seq, r.policy_version, r.clock_state, r.holder, $3::timestamptz
    FROM src r
    ON CONFLICT DO NOTHING
    RETURNING check_id
  )
  SELECT check_id AS id FROM src EXCEPT SELECT check_id FROM ins`;

/**
 * The checks as INSERT_CHECKS takes them: one array per column ($4…$16),
 * which PostgreSQL reads faster than a jsonb of the whole batch (31,000
 * against 47,000 rows/s in the benchmark). A check's reasons go as one
 * comma-joined text: batch.ts lets no comma into a reason code.
 */
export function checkColumns(checks: readonly WireCheck[]): unknown[] {
  const col = <T>(f: (c: WireCheck) => T): T[] => checks.map(f);
  return [
    col((c) => c.checkId),
    col((c) => c.at),
    col((c) => c.verdict),
    col((c) => c.reasons.join(',')),
    col((c) => c.format),
    col((c) => c.issuer),
    col((c) => c.status),
    col((c) => c.kid),
    col((c) => c.temperatureC),
    col((c) => c.bundleSeq),
    col((c) => c.policyVersion),
    col((c) => c.clockState),
    col((c) => c.holder),
  ];
}

const INSERT_EVENTS = `
  WITH src AS MATERIALIZED (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS r("eventId" text, "at" timestamptz, "type" text, "actor" text, "detail" jsonb)
  ), ins AS (
    INSERT INTO events (event_id, device_id, batch_id, at, type, actor, detail, received_at)
    SELECT r."eventId", $2, $3::uuid, r."at", r."type", r."actor", r."detail", $4::timestamptz
    FROM src r
    ON CONFLICT DO NOTHING
    RETURNING event_id
  )
  SELECT "eventId" AS id FROM src EXCEPT SELECT event_id FROM ins`;

export class CentralStore {
  /** Months whose partition this process has seen made (another process's retention only drops expired ones). */
  private readonly partitions = new Set<string>();

  constructor(
    readonly sql: Sql,
    readonly opts: { retentionDays?: number } = {},
  ) {}

  get retentionDays(): number {
    return this.opts.retentionDays ?? DEFAULT_RETENTION_DAYS;
  }

  close(): Promise<void> {
    return this.sql.close();
  }

  // ---- enrollment ----

  async createEnrollToken(opts: { gate: string | null; station: string | null; ttlMinutes: number; nowMs: number }): Promise<NewEnrollToken> {
    // Never one starting with '-': typed after `sentinel enroll URL` it would be read as an option.
    let token = randomBytes(32).toString('base64url');
    while (token.startsWith('-')) token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(opts.nowMs + opts.ttlMinutes * MINUTE_MS).toISOString();
    await this.sql.query('INSERT INTO enroll_tokens (token_hash, gate, station, created_at, expires_at) VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz)', [
      hashToken(token),
      opts.gate,
      opts.station,
      new Date(opts.nowMs).toISOString(),
      expiresAt,
    ]);
    return { token, gate: opts.gate, station: opts.station, expiresAt };
  }

  /**
   * Records a device with a one-time token, all or nothing: an unknown token
   * is 401, a used or expired one 410, a revoked device 403, and then
   * nothing is written (the token stays unused). Two uses of one token at
   * once: the row lock lets one through.
   */
  async enroll(opts: { token: string; id: string; jwk: DeviceJwk; nowMs: number }): Promise<DeviceRecord> {
    const now = new Date(opts.nowMs).toISOString();
    return this.sql.transaction(async (tx) => {
      const [token] = await tx.query('SELECT gate, station, expires_at, used_at FROM enroll_tokens WHERE token_hash = $1 FOR UPDATE', [hashToken(opts.token)]);
      if (!token) throw new Refused(401, 'unknown-token', 'the enrollment token is not one this service made (sentinel central enroll-token makes one)');
      if (token.used_at !== null) throw new Refused(410, 'token-used', `the enrollment token was already used at ${isoOf(token.used_at)}; make a new one`);
      const expiresAt = isoOf(token.expires_at)!;
      if (Date.parse(expiresAt) <= opts.nowMs) throw new Refused(410, 'token-expired', `the enrollment token expired at ${expiresAt}; make a new one`);
      const [existing] = await tx.query('SELECT revoked_at FROM devices WHERE id = $1 FOR UPDATE', [opts.id]);
      if (existing && existing.revoked_at !== null) {
        throw new Refused(403, 'device-revoked', `device ${opts.id} was revoked at ${isoOf(existing.revoked_at)}; a revoked key is never enrolled again (the kiosk needs a new key)`);
      }
      const [row] = await tx.query(
        `INSERT INTO devices (id, jwk, gate, station, enrolled_at) VALUES ($1, $2::jsonb, $3, $4, $5::timestamptz)
         ON CONFLICT (id) DO UPDATE SET gate = EXCLUDED.gate, station = EXCLUDED.station, enrolled_at = EXCLUDED.enrolled_at
         RETURNING *`,
        [opts.id, JSON.stringify(opts.jwk), textOf(token.gate), textOf(token.station), now],
      );
      await tx.query('UPDATE enroll_tokens SET used_at = $2::timestamptz, device_id = $3 WHERE token_hash = $1', [hashToken(opts.token), now, opts.id]);
      return deviceOf(row!);
    });
  }

  async devices(): Promise<DeviceRecord[]> {
    return (await this.sql.query('SELECT * FROM devices ORDER BY enrolled_at, id')).map(deviceOf);
  }

  async device(id: string): Promise<DeviceRecord | null> {
    const [row] = await this.sql.query('SELECT * FROM devices WHERE id = $1', [id]);
    return row ? deviceOf(row) : null;
  }

  /** Revokes a device: from now on nothing it signs is stored. */
  async revoke(id: string, nowMs: number): Promise<{ result: 'revoked' | 'already-revoked' | 'unknown'; device: DeviceRecord | null }> {
    const [row] = await this.sql.query('UPDATE devices SET revoked_at = coalesce(revoked_at, $2::timestamptz) WHERE id = $1 RETURNING *, (revoked_at = $2::timestamptz) AS now_revoked', [
      id,
      new Date(nowMs).toISOString(),
    ]);
    if (!row) return { result: 'unknown', device: null };
    return { result: row.now_revoked === true ? 'revoked' : 'already-revoked', device: deviceOf(row) };
  }

  // ---- checks ----

  /**
   * Stores a verified batch exactly once by id: checks keyed by (checkId,
   * at), events by eventId. The device's row is locked first and must be
   * unrevoked at that moment (a revocation committed after the signature
   * was checked still stops the batch); two batches of one device, say the
   * same retry reaching two processes, are stored one after the other, and
   * the second finds the first's checks duplicate.
   */
  async storeBatch(batch: SyncBatch, nowMs: number): Promise<BatchAnswer> {
    const pastRetention: string[] = [];
    const kept: WireCheck[] = [];
    const held: HeldBack[] = [...batch.held];
    const months = new Map<string, Month>();
    for (const c of batch.checks) {
      const atMs = Date.parse(c.at);
      const m = monthOf(atMs);
      if (atMs > nowMs + MAX_AHEAD_MS) held.push({ id: c.checkId, kind: 'check', reason: `its time ${c.at} is more than a day ahead of the service's clock` });
      else if (monthExpired(m, nowMs, this.retentionDays)) pastRetention.push(c.checkId);
      else {
        kept.push(c);
        months.set(monthKey(m), m);
      }
    }
    // The chain head and status the batch reports, and what it held back, noted under the same lock (central/alerts.ts).
    const alerts: Alert[] = [];
    /** The ids not inserted: stored before (duplicates). */
    const insert = async (): Promise<Set<string>> => {
      const missing = [...months.entries()].filter(([key]) => !this.partitions.has(key));
      if (missing.length > 0) {
        await ensurePartitions(
          this.sql,
          missing.map(([, m]) => m),
        );
        for (const [key] of missing) this.partitions.add(key);
      }
      return this.sql.transaction(async (tx) => {
        alerts.length = 0;
        const { heldBefore } = await this.lockUnrevoked(tx, batch.device, nowMs);
        const received = new Date(nowMs).toISOString();
        const before = new Set<string>();
        if (kept.length > 0) {
          for (const r of await tx.query(INSERT_CHECKS, [batch.device, batch.batch, received, ...checkColumns(kept)])) before.add(String(r.id));
        }
        if (batch.events.length > 0) {
          for (const r of await tx.query(INSERT_EVENTS, [JSON.stringify(batch.events), batch.device, batch.batch, received])) before.add(String(r.id));
        }
        const reported = await noteKioskReport(tx, batch, nowMs);
        if (reported) alerts.push(reported);
        const heldAlert = await noteHeldBack(tx, { device: batch.device, batch: batch.batch, held, openBefore: heldBefore }, nowMs);
        if (heldAlert) alerts.push(heldAlert);
        return before;
      });
    };
    let storedBefore: Set<string>;
    try {
      storedBefore = await insert();
    } catch (err) {
      // 23514: no partition for a row — another process's retention (with a shorter period) dropped a month this one thought was there.
      if (sqlState(err) !== '23514') throw err;
      this.partitions.clear();
      storedBefore = await insert();
    }
    const accepted: string[] = [];
    const duplicate: string[] = [];
    const seen = new Set<string>();
    for (const id of [...kept.map((c) => c.checkId), ...batch.events.map((e) => e.eventId)]) {
      if (seen.has(id)) continue;
      seen.add(id);
      (storedBefore.has(id) ? duplicate : accepted).push(id);
    }
    return { accepted: [...accepted, ...pastRetention.filter((id) => !seen.has(id))], duplicate, pastRetention, held, alerts };
  }

  /**
   * Locks the device's row for this transaction and notes it seen; Refused
   * 401/403 if it is unknown or revoked. Also whether it has an open
   * held-back alert, read here so a clean batch costs no query for it.
   */
  private async lockUnrevoked(tx: SqlQueryable, id: string, nowMs: number): Promise<{ heldBefore: boolean }> {
    const [row] = await tx.query(
      `UPDATE devices SET last_seen_at = greatest(last_seen_at, $2::timestamptz) WHERE id = $1
       RETURNING revoked_at, EXISTS (SELECT 1 FROM alerts WHERE device_id = $1 AND kind = '${HELD_BACK_ALERT}' AND cleared_at IS NULL) AS held_before`,
      [id, new Date(nowMs).toISOString()],
    );
    if (!row) throw new Refused(401, 'unknown-device', `device ${id} is not enrolled here`);
    if (row.revoked_at !== null) throw new Refused(403, 'device-revoked', `device ${id} was revoked at ${isoOf(row.revoked_at)}`);
    return { heldBefore: row.held_before === true };
  }

  /** Stored checks in time order, read a page at a time (the table may hold millions). */
  async *checks(opts: { sinceMs?: number; deviceId?: string; pageSize?: number } = {}): AsyncGenerator<StoredCheck> {
    const pageSize = opts.pageSize ?? 1000;
    let after: { at: string; id: string } | null = null;
    for (;;) {
      const params: unknown[] = [opts.sinceMs === undefined ? null : new Date(opts.sinceMs).toISOString(), opts.deviceId ?? null, after?.at ?? null, after?.id ?? null, pageSize];
      const rows = await this.sql.query(
        `SELECT * FROM checks
         WHERE ($1::timestamptz IS NULL OR at >= $1::timestamptz)
           AND ($2::text IS NULL OR device_id = $2::text)
           AND ($3::timestamptz IS NULL OR (at, check_id) > ($3::timestamptz, $4::text))
         ORDER BY at, check_id LIMIT $5`,
        params,
      );
      for (const row of rows) yield checkOf(row);
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1]!;
      after = { at: isoOf(last.at)!, id: String(last.check_id) };
    }
  }

  async countChecks(): Promise<number> {
    const [row] = await this.sql.query('SELECT count(*) AS n FROM checks');
    return numberOf(row?.n) ?? 0;
  }

  async events(deviceId?: string): Promise<{ eventId: string; device: string; at: string; type: string; actor: string; detail: Record<string, unknown> }[]> {
    const rows = await this.sql.query('SELECT * FROM events WHERE ($1::text IS NULL OR device_id = $1::text) ORDER BY at, event_id', [deviceId ?? null]);
    return rows.map((r) => ({
      eventId: String(r.event_id),
      device: String(r.device_id),
      at: isoOf(r.at) ?? '',
      type: String(r.type),
      actor: String(r.actor),
      detail: (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as Record<string, unknown>,
    }));
  }

  // ---- trust bundles ----

  async newestBundle(): Promise<PublishedBundle | null> {
    const [row] = await this.sql.query('SELECT * FROM bundles ORDER BY seq DESC LIMIT 1');
    return row
      ? {
          seq: numberOf(row.seq)!,
          jws: String(row.jws),
          rootKid: String(row.root_kid),
          issuedAt: isoOf(row.issued_at) ?? '',
          expiresAt: isoOf(row.expires_at) ?? '',
          publishedAt: isoOf(row.published_at) ?? '',
        }
      : null;
  }

  /**
   * Publishes a bundle already verified against the pinned root; refuses a
   * seq not higher than the newest published (also against a publish
   * racing this one: the table lock puts them one after the other).
   */
  async publishBundle(info: TrustBundleInfo, jws: string, nowMs: number): Promise<PublishedBundle> {
    return this.sql.transaction(async (tx) => {
      await tx.query('LOCK TABLE bundles IN SHARE ROW EXCLUSIVE MODE');
      const [newest] = await tx.query('SELECT max(seq) AS seq FROM bundles');
      const newestSeq = numberOf(newest?.seq);
      if (newestSeq !== null && info.seq <= newestSeq) throw new BundleRefused('rollback', `the bundle's seq ${info.seq} is not higher than the newest published, ${newestSeq}`);
      const [row] = await tx.query('INSERT INTO bundles (seq, jws, root_kid, issued_at, expires_at, published_at) VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz, $6::timestamptz) RETURNING *', [
        info.seq,
        jws,
        info.rootKid,
        new Date(info.iat * 1000).toISOString(),
        new Date(info.exp * 1000).toISOString(),
        new Date(nowMs).toISOString(),
      ]);
      return { seq: info.seq, jws, rootKid: info.rootKid, issuedAt: isoOf(row!.issued_at)!, expiresAt: isoOf(row!.expires_at)!, publishedAt: isoOf(row!.published_at)! };
    });
  }

  // ---- the service's own settings ----

  async setSetting(key: string, value: unknown, nowMs: number): Promise<void> {
    await this.sql.query(
      'INSERT INTO service_settings (key, value, updated_at) VALUES ($1, $2::jsonb, $3::timestamptz) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at',
      [key, JSON.stringify(value), new Date(nowMs).toISOString()],
    );
  }

  async setting(key: string): Promise<unknown> {
    const [row] = await this.sql.query('SELECT value FROM service_settings WHERE key = $1', [key]);
    // Both drivers hand jsonb back parsed.
    return row === undefined ? undefined : row.value;
  }
}
