// The check log's numbered migrations, one test each, on a log that holds
// data: a database at schema N-1 with checks, audit events and sync marks
// as that schema wrote them, migrated to N, and what it held checked —
// counts, values, the chain — together with what N adds.
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChainKey, GENESIS_HASH, legacyChainHash as chainHash } from '../../main/log/chain.js';
import { CheckLog, type CheckRecord } from '../../main/log/check-log.js';
import { verifyLegacyChain } from '../../main/log/legacy-chain.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate } from '../../main/log/migrations.js';
import { auditEvent, checkRecord, feverRecord, logAtSchema, type OldEntry } from '../fixtures/check-records.js';
import { T0, DAY } from '../fixtures/world.js';
import { tempDir } from '../fixtures/tmp.js';

const MS = 1000;

let file: string;
beforeEach(() => {
  file = path.join(tempDir(), 'checks.db');
});

/** Every row of a table, in rowid order. */
function rows(db: Database.Database, table: string): Record<string, unknown>[] {
  return db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all() as Record<string, unknown>[];
}

function columns(db: Database.Database, table: string): string[] {
  return db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[];
}

/** Six checks — a fever denial among them — the oldest two synced (the old, unattested way). */
const SIX_CHECKS: OldEntry[] = [1, 2, 3, 4, 5, 6].map((i) => ({ check: i === 4 ? feverRecord(i) : checkRecord(i), synced: i <= 2 }));

describe('migrations', () => {
  it('1: creates checks and meta on an empty database', () => {
    const db = new Database(file);
    expect(migrate(db, 1)).toBe(1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['checks', 'meta']);
    const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('checks');
    for (const c of [
      'check_id',
      'at_ms',
      'verdict',
      'reasons',
      'issuer',
      'status',
      'kid',
      'holder',
      'temperature_c',
      'bundle_seq',
      'policy_version',
      'clock_state',
      'sync_state',
      'prev_hash',
      'hash',
    ]) {
      expect(columns).toContain(c);
    }
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
  });

  it('2: adds the lookup indexes to a version-1 log and keeps its rows', () => {
    const db = new Database(file);
    migrate(db, 1);
    db.prepare("INSERT INTO checks (check_id, at_ms, verdict, reasons, policy_version, clock_state, prev_hash, hash) VALUES ('a', 1, 'deny', 'NOT_PHC', 0, 'trusted', ?, 'h')").run(GENESIS_HASH);
    expect(migrate(db, 2)).toBe(2);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'checks_%' ORDER BY name").pluck().all();
    expect(indexes).toEqual(['checks_at', 'checks_holder_admitted', 'checks_pending']);
    expect(db.prepare('SELECT COUNT(*) FROM checks').pluck().get()).toBe(1);
    db.close();
  });

  it('2: a version-1 log of chained checks keeps every row as it was; the indexes serve anti-passback and sync; the chain verifies once keyed', () => {
    const db = new Database(file);
    logAtSchema(db, 1, SIX_CHECKS);
    const before = rows(db, 'checks');
    expect(migrate(db, 2)).toBe(2);
    expect(rows(db, 'checks')).toEqual(before);
    const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(plan("SELECT MAX(at_ms) FROM checks WHERE holder = 'pseudonym-3' AND verdict = 'admit'")).toContain('checks_holder_admitted');
    expect(plan("SELECT * FROM checks WHERE sync_state = 'pending' ORDER BY seq LIMIT 10")).toContain('checks_pending');
    db.close();

    const log = CheckLog.open(file, { nowMs: (T0 + DAY) * MS });
    // The six checks and migration 5's log/rekeyed event.
    expect(log.verifyChain()).toEqual({ ok: true, checked: 7, brokenAtSeq: null, problem: null });
    // What schema 1 kept of each check (no raw reading or offset before schema 4, no format before 6), read back field for field.
    const kept = SIX_CHECKS.map((e) => ({ ...(e as { check: CheckRecord }).check, temperatureRawC: null, calibrationOffsetC: null, format: null }));
    expect([...log.list()].map(({ seq: _s, syncState: _st, syncedAtMs: _sa, ...r }) => r)).toEqual(kept);
    log.close();
  });

  it('3: a version-2 log gains events and chain positions (its seq); its rows, sync marks and chain are kept', () => {
    const db = new Database(file);
    const head = logAtSchema(db, 2, SIX_CHECKS);
    const before = rows(db, 'checks');
    expect(migrate(db, 3)).toBe(3);
    const after = rows(db, 'checks');
    expect(after.map(({ chain_pos: _p, ...row }) => row)).toEqual(before);
    expect(after.map((r) => r.chain_pos)).toEqual(after.map((r) => r.seq));
    expect(after.map((r) => r.sync_state)).toEqual(['synced', 'synced', 'pending', 'pending', 'pending', 'pending']);
    expect(columns(db, 'events')).toEqual(['seq', 'event_id', 'at_ms', 'type', 'actor', 'detail', 'sync_state', 'synced_at_ms', 'chain_pos', 'prev_hash', 'hash']);
    expect(rows(db, 'events')).toEqual([]);
    // The old chain, walked the schema-3 way over chain positions, still ends at the recorded head.
    expect(verifyLegacyChain(db)).toEqual({ ok: true, checked: 6, brokenAtSeq: null, problem: null });
    expect(head.seq).toBe(6);
    db.close();

    // An event now goes between checks in the same chain.
    const log = CheckLog.open(file, { nowMs: (T0 + DAY) * MS });
    log.appendEvents([auditEvent(8)]);
    log.append([checkRecord(9)]);
    expect(log.verifyChain()).toEqual({ ok: true, checked: 9, brokenAtSeq: null, problem: null });
    expect(log.count()).toEqual({ total: 7, pending: 7 });
    log.close();
  });

  it('4: a version-3 log of checks and events gains the raw reading and calibration columns, empty; its chain still verifies', () => {
    const db = new Database(file);
    const entries: OldEntry[] = [...SIX_CHECKS.slice(0, 3), { event: auditEvent(4, 'policy/set'), synced: true }, ...SIX_CHECKS.slice(3)];
    logAtSchema(db, 3, entries);
    const checks = rows(db, 'checks');
    const events = rows(db, 'events');
    expect(migrate(db, 4)).toBe(4);
    expect(rows(db, 'checks')).toEqual(checks.map((row) => ({ ...row, temperature_raw_c: null, calibration_offset_c: null })));
    expect(rows(db, 'events')).toEqual(events);
    expect(verifyLegacyChain(db)).toEqual({ ok: true, checked: 7, brokenAtSeq: null, problem: null });
    db.close();
  });

  it('4: a version-3 log gains the raw reading and calibration columns; its chain still verifies, and the new values are chained too', () => {
    // A check logged the version-3 way: no raw reading, no offset, hashed without them.
    const db = new Database(file);
    migrate(db, 3);
    const v3 = checkRecord(1, { temperatureC: 36.6 });
    db.prepare(
      `INSERT INTO checks (check_id, at_ms, verdict, reasons, issuer, status, kid, holder, temperature_c, bundle_seq, policy_version, clock_state, chain_pos, prev_hash, hash)
       VALUES (@checkId, @atMs, @verdict, @reasons, @issuer, @status, @kid, @holder, @temperatureC, @bundleSeq, @policyVersion, @clockState, 1, @prev, @hash)`,
    ).run({ ...v3, reasons: v3.reasons.join(' '), prev: GENESIS_HASH, hash: chainHash(GENESIS_HASH, v3) });
    db.close();
    const reopened = CheckLog.open(file);
    reopened.append([checkRecord(2, { temperatureC: 36.9, temperatureRawC: 36.6, calibrationOffsetC: 0.3 })]);
    // The two checks and migration 5's log/rekeyed event between them.
    expect(reopened.verifyChain()).toMatchObject({ ok: true, checked: 3 });
    expect([...reopened.list()].map((c) => [c.temperatureC, c.temperatureRawC, c.calibrationOffsetC])).toEqual([
      [36.6, null, null],
      [36.9, 36.6, 0.3],
    ]);
    reopened.close();
    const edit = new Database(file);
    expect(edit.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    edit.prepare('UPDATE checks SET calibration_offset_c = 0 WHERE calibration_offset_c = 0.3').run();
    edit.close();
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false });
  });

  it('5: a version-4 log of checks, events and sync marks is re-keyed in place: same rows and positions, keyed links, synced marks sent again', () => {
    const db = new Database(file);
    const entries: OldEntry[] = [...SIX_CHECKS.slice(0, 3), { event: auditEvent(4, 'policy/set'), synced: true }, ...SIX_CHECKS.slice(3)];
    const head = logAtSchema(db, 4, entries);
    const checks = rows(db, 'checks');
    const events = rows(db, 'events');
    // Made just now, as on a kiosk upgraded from schema 4 (a key that existed before would mean the schema was set back).
    const key = new ChainKey(Buffer.alloc(32, 7), true);
    expect(migrate(db, 5, { chainKey: key, nowMs: (T0 + DAY) * MS })).toBe(5);

    // Every value kept but the links and the (unattested) sync marks; sync_mac added, empty.
    const unlinked = (row: Record<string, unknown>): Record<string, unknown> => ({ ...row, prev_hash: '', hash: '', sync_state: 'pending', synced_at_ms: null, sync_mac: null });
    expect(rows(db, 'checks').map(unlinked)).toEqual(checks.map(unlinked));
    expect(
      rows(db, 'events')
        .filter((e) => e.type !== 'log/rekeyed')
        .map(unlinked),
    ).toEqual(events.map(unlinked));
    expect(db.prepare("SELECT COUNT(*) FROM checks WHERE sync_state = 'synced'").pluck().get()).toBe(0);
    // Each link is the chain key's over the one before it, from the genesis on.
    const after = [...rows(db, 'checks'), ...rows(db, 'events')].sort((a, b) => (a.chain_pos as number) - (b.chain_pos as number));
    expect(after.map((r) => r.chain_pos)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(after.map((r) => r.prev_hash)).toEqual([GENESIS_HASH, ...after.slice(0, -1).map((r) => r.hash)]);
    expect(after.map((r) => r.hash)).not.toContain(head.hash);
    const rekeyed = after.at(-1)!;
    expect(rekeyed.type).toBe('log/rekeyed');
    expect(JSON.parse(rekeyed.detail as string)).toEqual({
      fromSchema: 4,
      legacyChain: { ok: true, checked: 7, brokenAtSeq: null, problem: null },
      rekeyed: { checks: 6, events: 1 },
      syncReset: { checks: 2, events: 1 },
      purged: [],
    });
    expect(JSON.parse(db.prepare("SELECT value FROM meta WHERE key = 'chain_head'").pluck().get() as string)).toEqual({ seq: 8, hash: rekeyed.hash, mac: key.headMac(8, rekeyed.hash as string) });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'checks_unsynced_trusted'").pluck().get()).toBe('checks_unsynced_trusted');
    db.close();

    const log = CheckLog.open(file, { chainKey: key });
    expect(log.verifyChain()).toEqual({ ok: true, checked: 8, brokenAtSeq: null, problem: null });
    expect(log.count()).toEqual({ total: 6, pending: 6 });
    expect(log.pendingEvents(10).map((e) => e.type)).toEqual(['policy/set', 'log/rekeyed']);
    log.close();
  });

  it('every migration is numbered in order and running them twice changes nothing', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    const db = new Database(file);
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('refuses a log from a newer Sentinel', () => {
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => CheckLog.open(file)).toThrow(/newer than this Sentinel/);
  });
});

describe('the links on disk', () => {
  // Pinned: kiosks hold chains linked this way. The check's fields go into its link in the order its columns are declared.
  it('a check and an event link exactly as every earlier version of schema 5 linked them', () => {
    const key = new ChainKey(Buffer.alloc(32, 7));
    // The holders these links were first computed with.
    expect(key.checkLink(GENESIS_HASH, 1, checkRecord(1, { checkId: '0190a5e0-0000-7000-8000-000000000001', holder: 'pseudonym-1' }))).toBe(
      'dd7e7a9e3bd54a8bf3888d0b4270092f7f6ab5a4a5bdcb1bf21cf9216857a23e',
    );
    const fever = { ...feverRecord(2), checkId: '0190a5e0-0000-7000-8000-000000000002', holder: 'pseudonym-2' };
    expect(key.checkLink(GENESIS_HASH, 2, fever)).toBe('9ccbc580de41ac27c6503a37c84e74c200f29afc7429433dbed10f36fd705bbe');
    expect(chainHash(GENESIS_HASH, fever)).toBe('8a37cc0a057621991da715602c891747761408bb9e70683ae20c0a7cd8c70abd');
    expect(key.eventLink(GENESIS_HASH, 3, { eventId: '0190a5e0-0000-7000-8000-000000000003', atMs: 5, type: 'override', actor: 'guard', detailText: '{"a":1}' })).toBe(
      'a654acf8216a32c17670d271af78f62c22a6e34e03bd92b506a23f6f2ce0f95d',
    );
  });
});
