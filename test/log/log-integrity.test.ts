// Integrity of the log, the bundle and the data directory (security issue
// items 11, 12, 14, 15): the chain keyed with the kiosk's chain key, so an
// edit recomputed without it shows; retention recorded inside that chain;
// migration 5 re-keying a log that holds data; the key never exported;
// SQLite's own integrity check beside the chain, and a damaged file reported
// in one line; an older bundle refused at load; unsynced checks bounded by
// the policy; the CSV formula guard; owner-only permissions.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ScreenConfig } from '../../main/contract/kiosk.js';
import { DEFAULT_POLICY, parsePolicy, unsyncedPurgeOutlook } from '../../main/contract/policy.js';
import { DATA_FILES, DataDir, DataDirError } from '../../main/data-dir.js';
import { signBundle } from '../../main/issuer/sign.js';
import { ChainKey, GENESIS_HASH, legacyChainHash, legacyEventHash, type EventLinkFields } from '../../main/log/chain.js';
import { CheckLog, CheckLogUnusable, type CheckRecord } from '../../main/log/check-log.js';
import { uuidv7 } from '../../main/log/check-id.js';
import { legacyRecord, type LegacyRow } from '../../main/log/legacy-chain.js';
import { CSV_HEADER, csvLine, logRow } from '../../main/log/log-rows.js';
import { migrate, SCHEMA_VERSION } from '../../main/log/migrations.js';
import { applyRetention } from '../../main/log/retention.js';
import { PolicyRefused, PolicyStore } from '../../main/policy/policy-store.js';
import { loadDemoKeys, setUpDemoDataDir } from '../../main/demo/demo.js';
import { KioskService } from '../../main/kiosk/kiosk-service.js';
import { exportDataDir } from '../../main/technician/export.js';
import { TrustStore, TrustUnusable } from '../../main/trust/trust-store.js';
import { CentralService } from '../../bench/central-service.js';
import { ConfigStore } from '../../main/config/config-store.js';
import { syncClientIn } from '../../main/sync/open-sync.js';
import { hashPin } from '../../main/technician/pin.js';
import { TechnicianService } from '../../main/technician/technician-service.js';
import { selfTestIn } from '../../main/technician/selftest.js';
import { sentinel } from '../fixtures/cli.js';
import { T0, DAY, code, makeWorld } from '../fixtures/world.js';
import { tempDir } from '../fixtures/tmp.js';
import { auditEvent as event, checkRecord as record, feverRecord as fever, logAtSchema } from '../fixtures/check-records.js';

const MS = 1000;
const DAY_MS = DAY * MS;
const AT = new Date(T0 * MS).toISOString();

/** Every entry of the file in chain order, as an attacker with the file (and without the key) reads it. */
function entries(db: Database.Database): LegacyRow[] {
  const checks = db.prepare("SELECT *, 'check' AS kind FROM checks").all() as LegacyRow[];
  const events = db.prepare("SELECT *, 'event' AS kind FROM events").all() as LegacyRow[];
  return [...checks, ...events].sort((a, b) => a.chain_pos - b.chain_pos);
}

interface Relink {
  check(prev: string, pos: number, r: CheckRecord): string;
  event(prev: string, pos: number, e: EventLinkFields): string;
}

/** The attacker's recomputation: every link and the recorded head, from the first entry on. */
function rechain(file: string, relink: Relink): void {
  const db = new Database(file);
  let prev = GENESIS_HASH;
  let last = 0;
  for (const row of entries(db)) {
    const pos = row.chain_pos;
    const hash =
      row.kind === 'check'
        ? relink.check(prev, pos, legacyRecord(row))
        : relink.event(prev, pos, { eventId: row.event_id as string, atMs: row.at_ms as number, type: row.type as string, actor: row.actor as string, detailText: row.detail as string });
    db.prepare(`UPDATE ${row.kind === 'check' ? 'checks' : 'events'} SET prev_hash = ?, hash = ? WHERE chain_pos = ?`).run(prev, hash, pos);
    prev = hash;
    last = pos;
  }
  db.prepare("UPDATE meta SET value = ? WHERE key = 'chain_head'").run(JSON.stringify({ seq: last, hash: prev }));
  db.close();
}

const sha256 = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** Schema 4's links: plain SHA-256, as the code in the repository says. */
const UNKEYED: Relink = { check: (p, _pos, r) => legacyChainHash(p, r), event: (p, _pos, e) => legacyEventHash(p, e) };
/** Today's layout, hashed with SHA-256 instead of the HMAC. */
const SHA256_OF_NEW_LAYOUT: Relink = {
  check: (p, pos, r) =>
    sha256([
      p,
      pos,
      'check',
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
      r.temperatureRawC ?? null,
      r.calibrationOffsetC ?? null,
    ]),
  event: (p, pos, e) => sha256([p, pos, 'event', e.eventId, e.atMs, e.type, e.actor, e.detailText]),
};
/** Today's HMAC under a key of the attacker's own. */
function hmacUnder(key: ChainKey): Relink {
  return { check: (p, pos, r) => key.checkLink(p, pos, r), event: (p, pos, e) => key.eventLink(p, pos, e) };
}

/** Turns the fever denial into an admission, as someone editing the file would. */
function feverToAdmit(file: string): void {
  const db = new Database(file);
  expect(db.prepare("UPDATE checks SET verdict = 'admit', reasons = 'OK', temperature_c = 36.6, temperature_raw_c = 36.4 WHERE reasons = 'FEVER'").run().changes).toBe(1);
  db.close();
}

let dataDir: string;
let file: string;
beforeEach(() => {
  dataDir = tempDir();
  file = path.join(dataDir, DATA_FILES.database);
});

/** A log of 10 checks (a fever denial at 6) and two audit events, closed. */
function populated(): void {
  const log = CheckLog.open(file);
  log.append([record(1), record(2), record(3)]);
  log.appendEvents([event(4)]);
  log.append([record(5), fever(6), record(7)]);
  log.appendEvents([event(8, 'pin/failed')]);
  log.append([record(9), record(10)]);
  expect(log.verifyChain()).toEqual({ ok: true, checked: 10, brokenAtSeq: null, problem: null });
  log.close();
}

describe('the chain is keyed: an edit recomputed without the key shows', () => {
  it.each([
    ['plain SHA-256 links, as schema 4 had', UNKEYED],
    ['SHA-256 of the keyed layout', SHA256_OF_NEW_LAYOUT],
    ['HMAC under a key of its own', hmacUnder(new ChainKey(randomBytes(32)))],
  ])('a fever denial turned into an admission, the chain recomputed with %s, is found', (_label, relink) => {
    populated();
    feverToAdmit(file);
    rechain(file, relink);
    const report = CheckLog.open(file).verifyChain();
    expect(report.ok).toBe(false);
    // The very first link recomputed without the key no longer verifies.
    expect(report).toMatchObject({ brokenAtSeq: 1, problem: expect.stringContaining('changed') });
  });

  it('the fever row edited alone is found at that row', () => {
    populated();
    feverToAdmit(file);
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 6, problem: expect.stringContaining('changed') });
  });

  it('a replaced or lost chain key is reported as such', () => {
    populated();
    fs.writeFileSync(path.join(dataDir, DATA_FILES.chainKey), randomBytes(32), { mode: 0o600 });
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, problem: expect.stringContaining('chain key') });
  });
});

describe('retention is recorded inside the keyed chain', () => {
  const now = (T0 + 30 * DAY) * MS;

  it('rows deleted by hand with schema-4 purge markers written in meta are found', () => {
    populated();
    const db = new Database(file);
    db.prepare('DELETE FROM checks WHERE chain_pos IN (2, 3)').run();
    // What schema 4's retention would have written: the rows that resume after the gap.
    db.prepare("INSERT INTO meta (key, value) VALUES ('chain_resumes', '[4]') ON CONFLICT (key) DO UPDATE SET value = excluded.value").run();
    db.close();
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 4, problem: expect.stringContaining('removed') });
  });

  it('the newest rows deleted by hand with chain_head_purged written in meta are found', () => {
    populated();
    const db = new Database(file);
    db.prepare('DELETE FROM checks WHERE chain_pos > 8').run();
    db.prepare("INSERT INTO meta (key, value) VALUES ('chain_head_purged', '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value").run();
    db.close();
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 10, problem: expect.stringContaining('missing') });
  });

  it('a retention marker forged without the key is found', () => {
    populated();
    const db = new Database(file);
    db.prepare('DELETE FROM checks WHERE chain_pos IN (2, 3)').run();
    const head = JSON.parse(db.prepare("SELECT value FROM meta WHERE key = 'chain_head'").pluck().get() as string) as { seq: number; hash: string };
    const detail = JSON.stringify({ retentionDays: 21, synced: { checks: 2, events: 0 }, unsynced: null, purged: [[2, 3]] });
    const forged = sha256([head.hash, head.seq + 1, 'event', 'forged', now, 'retention/purged', 'sentinel', detail]);
    db.prepare("INSERT INTO events (event_id, at_ms, type, actor, detail, chain_pos, prev_hash, hash) VALUES ('forged', ?, 'retention/purged', 'sentinel', ?, ?, ?, ?)").run(
      now,
      detail,
      head.seq + 1,
      head.hash,
      forged,
    );
    db.prepare("UPDATE meta SET value = ? WHERE key = 'chain_head'").run(JSON.stringify({ seq: head.seq + 1, hash: forged }));
    db.close();
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 11, problem: expect.stringContaining('changed') });
  });

  it('a marker whose detail is not even JSON is a broken chain, not a failure to verify', () => {
    populated();
    const db = new Database(file);
    const head = JSON.parse(db.prepare("SELECT value FROM meta WHERE key = 'chain_head'").pluck().get() as string) as { seq: number; hash: string };
    db.prepare("INSERT INTO events (event_id, at_ms, type, actor, detail, chain_pos, prev_hash, hash) VALUES ('forged', ?, 'retention/purged', 'sentinel', '{not json', ?, ?, 'x')").run(
      now,
      head.seq + 1,
      head.hash,
    );
    db.prepare("UPDATE meta SET value = ? WHERE key = 'chain_head'").run(JSON.stringify({ seq: head.seq + 1, hash: 'x' }));
    db.close();
    const log = CheckLog.open(file);
    expect(log.verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 11 });
    log.close();
  });

  it('a real purge verifies; its marker says what went; deleting rows or the marker by hand afterwards is found', () => {
    const log = CheckLog.open(file);
    log.append(Array.from({ length: 10 }, (_, i) => record(i)));
    const ids = [...log.list()].map((c) => c.checkId);
    log.markSynced([...ids.slice(0, 4), ...ids.slice(5)], now);
    expect(log.purge({ nowMs: now, retentionDays: 21 })).toEqual({ deleted: 9 });
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 2 });
    const [marker] = log.listEvents();
    expect(marker).toMatchObject({
      type: 'retention/purged',
      actor: 'sentinel',
      detail: {
        retentionDays: 21,
        synced: { checks: 9, events: 0 },
        unsynced: null,
        purged: [
          [1, 4],
          [6, 10],
        ],
      },
    });
    log.append([record(20)]);
    log.close();

    const copy = path.join(tempDir(), DATA_FILES.database);
    fs.copyFileSync(file, copy);
    fs.copyFileSync(path.join(dataDir, DATA_FILES.chainKey), path.join(path.dirname(copy), DATA_FILES.chainKey));
    const db = new Database(file);
    db.prepare("DELETE FROM events WHERE type = 'retention/purged'").run();
    db.close();
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 5 });
    const db2 = new Database(copy);
    db2.prepare('DELETE FROM checks WHERE chain_pos = 5').run();
    db2.close();
    expect(CheckLog.open(copy).verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 11, problem: expect.stringContaining('removed') });
  });

  it('a later purge that deletes an earlier marker carries its record on', () => {
    const log = CheckLog.open(file);
    log.append(Array.from({ length: 6 }, (_, i) => record(i)));
    log.markSynced(
      [...log.list()].slice(0, 3).map((c) => c.checkId),
      now,
    );
    expect(log.purge({ nowMs: now, retentionDays: 21 }).deleted).toBe(3);
    log.append([record(100)]);
    // The first marker and the rest are synced and old by now.
    const later = now + 60 * DAY_MS;
    log.markSynced([...[...log.list()].map((c) => c.checkId), ...log.listEvents().map((e) => e.eventId)], later);
    log.append([record(0, { checkId: uuidv7(later), atMs: later })]);
    expect(log.purge({ nowMs: later, retentionDays: 21 }).deleted).toBe(4);
    const events = log.listEvents();
    expect(events.map((e) => e.type)).toEqual(['retention/purged']);
    expect(events[0]!.detail).toMatchObject({ synced: { checks: 4, events: 1 }, purged: [[1, 8]] });
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 2 });
    log.close();
  });
});

/** A data directory with a bundle installed and 20 logged checks; with a code that admits there. */
async function kioskData(): Promise<{ data: string; code: string }> {
  const w = await makeWorld();
  const data = tempDir();
  const dir = DataDir.open(data, { create: true });
  await new TrustStore(dir).install(w.bundle, { nowS: T0, newRoots: w.roots });
  const log = CheckLog.open(dir.path(DATA_FILES.database));
  for (let i = 0; i < 20; i++) log.append([record(i)]);
  log.close();
  return { data, code: await code(w.zj) };
}

/** Runs SQL on a closed log as someone holding the file would. */
function edit(db: string, ...sql: string[]): void {
  const h = new Database(db);
  for (const q of sql) h.prepare(q).run();
  h.close();
}

describe('the newest entries: the head is sealed under the chain key', () => {
  it('deleting the newest checks and events and the recorded head is found', () => {
    populated();
    edit(file, 'DELETE FROM events', 'DELETE FROM checks WHERE chain_pos >= 3', "DELETE FROM meta WHERE key = 'chain_head'");
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, checked: 2, problem: expect.stringContaining('chain head) is missing') });
  });

  it('deleting the newest rows and rewriting the head to the new end (as schema 5 wrote it, unsealed) is found', () => {
    populated();
    const db = new Database(file);
    db.prepare('DELETE FROM checks WHERE chain_pos > 7').run();
    db.prepare('DELETE FROM events WHERE chain_pos > 7').run();
    const end = db.prepare('SELECT chain_pos AS seq, hash FROM checks WHERE chain_pos = 7').get() as { seq: number; hash: string };
    db.prepare("UPDATE meta SET value = ? WHERE key = 'chain_head'").run(JSON.stringify(end));
    db.close();
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, checked: 7, problem: expect.stringContaining('chain head) is damaged') });
    // Sealed with a MAC of the attacker's own, it is no better.
    edit(
      file,
      `UPDATE meta SET value = '${JSON.stringify({
        ...end,
        mac: createHash('sha256')
          .update(JSON.stringify(['head', end.seq, end.hash]))
          .digest('hex'),
      })}' WHERE key = 'chain_head'`,
    );
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, problem: expect.stringContaining('seal does not verify') });
  });

  it('a garbled head is a broken chain (a report, not a throw); appending refuses in one line (CheckLogUnusable; sentinel verify exits 78)', async () => {
    const { data, code: text } = await kioskData();
    const db = path.join(data, DATA_FILES.database);
    edit(db, "UPDATE meta SET value = 'x' WHERE key = 'chain_head'");
    const log = CheckLog.open(db);
    expect(log.verifyChain()).toMatchObject({ ok: false, problem: expect.stringContaining('chain head) is damaged') });
    expect(() => log.append([record(99)])).toThrow(CheckLogUnusable);
    expect(() => log.appendEvents([event(99)])).toThrow(/damaged record of its newest entry/);
    expect(log.count().total).toBe(20);
    log.close();
    const chain = sentinel(['log', '--verify-chain', '--data', data]);
    expect(chain.status).toBe(1);
    expect(chain.stdout).toMatch(/^check log BROKEN: the record of the newest entry \(chain head\) is damaged/);
    const r = sentinel(['verify', text, '--temp', '36.6', '--data', data, '--at', AT]);
    expect(r.status, r.stderr).toBe(78);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^sentinel: the check log .* has a damaged record of its newest entry/);
    expect(r.stderr).not.toMatch(/internal error|SyntaxError|\n\s+at /);
    // The head missing while entries exist: the same refusal.
    edit(db, "DELETE FROM meta WHERE key = 'chain_head'");
    expect(sentinel(['verify', text, '--temp', '36.6', '--data', data, '--at', AT]).stderr).toMatch(/has lost the record of its newest entry/);
  });

  it('a log that never held an entry has no head and verifies; its first entry starts the sealed head', () => {
    const log = CheckLog.open(file);
    expect(log.getMeta('chain_head')).toBeNull();
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 0 });
    log.append([record(1)]);
    expect(JSON.parse(log.getMeta('chain_head')!)).toEqual({ seq: 1, hash: expect.any(String), mac: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 1 });
    log.close();
  });
});

describe('the synced state is attested by the chain key', () => {
  const later = (T0 + 22 * DAY) * MS;

  it('a denial marked synced by hand is found, is not sent as synced, and retention does not delete it as synced', () => {
    populated();
    edit(file, `UPDATE checks SET sync_state = 'synced', synced_at_ms = ${T0 * MS + 5000} WHERE verdict = 'deny'`);
    const log = CheckLog.open(file);
    expect(log.verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 6, problem: 'check 6 is marked synced, but not by this kiosk (its sync state was edited)' });
    expect(log.retain({ nowMs: later, retentionDays: 21, unsyncedMaxAgeDays: null })).toMatchObject({ deleted: 0 });
    expect([...log.list()].map((c) => c.verdict)).toContain('deny');
    log.close();
  });

  it('rows the kiosk marked synced verify and are deleted by retention; a MAC moved to another row is found', () => {
    populated();
    const log = CheckLog.open(file);
    const ids = [...log.list()].map((c) => c.checkId);
    expect(log.markSynced(ids.slice(0, 2), T0 * MS)).toBe(2);
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 10 });
    log.close();
    // Row 1's MAC copied onto row 3, marked synced with it.
    edit(file, "UPDATE checks SET sync_state = 'synced', sync_mac = (SELECT sync_mac FROM checks WHERE chain_pos = 1) WHERE chain_pos = 3");
    const reopened = CheckLog.open(file);
    expect(reopened.verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 3, problem: expect.stringContaining('marked synced, but not by this kiosk') });
    expect(reopened.retain({ nowMs: later, retentionDays: 21, unsyncedMaxAgeDays: null })).toMatchObject({ deleted: 2 });
    expect([...reopened.list()].map((c) => c.checkId)).toEqual(ids.slice(2));
    reopened.close();
  });

  it('an audit event marked synced by hand is found, and kept by retention', () => {
    populated();
    edit(file, "UPDATE events SET sync_state = 'synced' WHERE type = 'pin/failed'");
    const log = CheckLog.open(file);
    expect(log.verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 8, problem: expect.stringContaining('event 8 is marked synced') });
    expect(log.retain({ nowMs: later, retentionDays: 21, unsyncedMaxAgeDays: null })).toMatchObject({ events: 0 });
    expect(log.listEvents().map((e) => e.type)).toContain('pin/failed');
    log.close();
  });

  it("a row claiming synced without the MAC counts as unsynced: only the policy's bound on unsynced checks deletes it, recorded as unsynced", () => {
    const old = (T0 - 200 * DAY) * MS;
    const pending = (T0 - 100 * DAY) * MS;
    const log = CheckLog.open(file);
    log.append([record(1, { atMs: old, checkId: uuidv7(old) }), record(2, { atMs: pending, checkId: uuidv7(pending) })]);
    log.close();
    edit(file, "UPDATE checks SET sync_state = 'synced' WHERE chain_pos = 1");
    const reopened = CheckLog.open(file);
    expect(reopened.retain({ nowMs: T0 * MS, retentionDays: 21, unsyncedMaxAgeDays: null })).toMatchObject({ deleted: 0, unsyncedDropped: 0 });
    // Under the bound, with its warning, like any unsynced check.
    expect(reopened.retain({ nowMs: T0 * MS, retentionDays: 21, unsyncedMaxAgeDays: 90 })).toMatchObject({ deleted: 0, unsyncedDropped: 0 });
    expect(reopened.retain({ nowMs: (T0 + 14 * DAY) * MS, retentionDays: 21, unsyncedMaxAgeDays: 90 })).toMatchObject({ deleted: 0, unsyncedDropped: 2 });
    expect(reopened.listEvents().at(-1)!.detail).toMatchObject({ synced: { checks: 0 }, unsynced: { checks: 2 } });
    reopened.close();
  });
});

describe('migration 5 re-keys a log that holds data', () => {
  /** A schema-4 log as Sentinel wrote it: checks and events with plain SHA-256 links, then a schema-4 purge of two synced checks. */
  function schema4Log(): void {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    logAtSchema(
      db,
      4,
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((pos) =>
        pos === 4 || pos === 8 ? { event: event(pos, pos === 4 ? 'config/changed' : 'policy/set') } : { check: pos === 6 ? fever(pos) : record(pos), synced: pos <= 3 },
      ),
    );
    // Schema 4's retention: checks 1 and 2 deleted, entry 3 recorded as resuming the chain.
    db.prepare('DELETE FROM checks WHERE chain_pos <= 2').run();
    db.prepare("INSERT INTO meta (key, value) VALUES ('chain_resumes', '[3]')").run();
    db.close();
  }

  it('the old chain is checked and recorded, the keyed chain verifies, and the old recomputation trick no longer passes', () => {
    schema4Log();
    const log = CheckLog.open(file, { nowMs: (T0 + DAY) * MS });
    expect(new Database(file, { readonly: true }).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(log.getMeta('chain_resumes')).toBeNull();
    const rekeyed = log.listEvents().find((e) => e.type === 'log/rekeyed')!;
    expect(rekeyed.detail).toEqual({
      fromSchema: 4,
      legacyChain: { ok: true, checked: 7, brokenAtSeq: null, problem: null },
      rekeyed: { checks: 5, events: 2 },
      // Check 3 was synced the old, unattested way: it goes back to pending, to be sent again.
      syncReset: { checks: 1, events: 0 },
      purged: [[1, 2]],
    });
    expect(log.count()).toEqual({ total: 5, pending: 5 });
    // The columns and the index schema 5 adds.
    const schema = new Database(file, { readonly: true });
    expect(schema.prepare("SELECT COUNT(*) FROM pragma_table_info('checks') WHERE name = 'sync_mac'").pluck().get()).toBe(1);
    expect(schema.prepare("SELECT COUNT(*) FROM pragma_table_info('events') WHERE name = 'sync_mac'").pluck().get()).toBe(1);
    expect(schema.prepare("SELECT name FROM sqlite_master WHERE name = 'checks_unsynced_trusted'").pluck().get()).toBe('checks_unsynced_trusted');
    schema.close();
    expect(log.oldestUnsyncedAtMs()).toBe(record(3).atMs);
    // Checks 3, 5, 6, 7, 9, events 4 and 8, and the migration's own event.
    expect(log.verifyChain()).toEqual({ ok: true, checked: 8, brokenAtSeq: null, problem: null });
    expect([...log.list()].map((c) => c.verdict)).toEqual(['admit', 'admit', 'deny', 'admit', 'admit']);
    log.append([record(11)]);
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 9 });
    log.close();

    feverToAdmit(file);
    rechain(file, UNKEYED);
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, problem: expect.stringContaining('changed') });
  });

  it('a log already broken before it was keyed keeps saying so', () => {
    schema4Log();
    feverToAdmit(file);
    const log = CheckLog.open(file);
    expect(log.listEvents().find((e) => e.type === 'log/rekeyed')!.detail).toMatchObject({ legacyChain: { ok: false, brokenAtSeq: 6 } });
    expect(log.verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 6, problem: expect.stringContaining('already broken before its chain was keyed') });
    log.close();
  });

  it('an empty log gains no event', () => {
    const db = new Database(file);
    migrate(db, 4);
    db.close();
    const log = CheckLog.open(file);
    expect(log.listEvents()).toEqual([]);
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 0 });
    log.close();
  });

  it("a log broken before it was keyed keeps saying so after retention deletes the migration's event (the marker carries it on)", () => {
    schema4Log();
    feverToAdmit(file);
    const log = CheckLog.open(file, { nowMs: T0 * MS });
    log.markSynced([...[...log.list()].map((c) => c.checkId), ...log.listEvents().map((e) => e.eventId)], T0 * MS);
    log.retain({ nowMs: (T0 + 40 * DAY) * MS, retentionDays: 21, unsyncedMaxAgeDays: null });
    expect(log.listEvents().map((e) => e.type)).toEqual(['retention/purged']);
    expect(log.listEvents()[0]!.detail).toMatchObject({ legacyChain: { ok: false, brokenAtSeq: 6 }, schemaSetBack: false });
    expect(log.verifyChain()).toMatchObject({ ok: false, problem: expect.stringContaining('already broken before its chain was keyed') });
    log.close();
  });
});

describe('migration 5 does not launder a log whose schema was set back', () => {
  /** The review's attack: the fever row edited, the old plain SHA-256 chain recomputed, user_version set back to 4. */
  function downgradeAndForge(db: string, opts: { deleteKeyId?: boolean; deleteRows?: string } = {}): void {
    edit(db, ...(opts.deleteRows ? [`DELETE FROM checks WHERE ${opts.deleteRows}`] : []), ...(opts.deleteKeyId ? ["DELETE FROM meta WHERE key = 'chain_key_id'"] : []));
    feverToAdmit(db);
    rechain(db, UNKEYED);
    const h = new Database(db);
    h.pragma('user_version = 4');
    h.close();
  }

  it('the forgery is re-keyed but recorded as a set-back schema, and verify-chain reports it broken', () => {
    populated();
    downgradeAndForge(file);
    const log = CheckLog.open(file);
    const rekeyed = log.listEvents().find((e) => e.type === 'log/rekeyed')!;
    expect(rekeyed.detail).toMatchObject({ schemaSetBack: true, legacyChain: { ok: false, problem: expect.stringContaining("the log's schema was set back after its chain was keyed") } });
    expect(log.verifyChain()).toMatchObject({ ok: false, problem: expect.stringContaining('re-keyed a log that had been keyed before') });
    // And stays so: later entries do not wash it out.
    log.append([record(20)]);
    expect(log.verifyChain().ok).toBe(false);
    log.close();
  });

  it('found by the chain key existing even with meta.chain_key_id deleted; by meta.chain_key_id with the log moved to a folder without its key', () => {
    populated();
    downgradeAndForge(file, { deleteKeyId: true });
    expect(
      CheckLog.open(file)
        .listEvents()
        .find((e) => e.type === 'log/rekeyed')!.detail,
    ).toMatchObject({
      legacyChain: { ok: false, problem: expect.stringContaining('the chain key existed before this log was re-keyed') },
    });

    dataDir = tempDir();
    file = path.join(dataDir, DATA_FILES.database);
    populated();
    downgradeAndForge(file);
    const elsewhere = path.join(tempDir(), DATA_FILES.database);
    fs.copyFileSync(file, elsewhere);
    const detail = CheckLog.open(elsewhere)
      .listEvents()
      .find((e) => e.type === 'log/rekeyed')!.detail as { legacyChain: { problem: string } };
    expect(detail.legacyChain.problem).toContain('meta.chain_key_id is present');
    expect(detail.legacyChain.problem).not.toContain('the chain key existed');
  });

  it('rows deleted before setting the schema back are not accepted as an old retention (gaps, not purged)', () => {
    populated();
    downgradeAndForge(file, { deleteRows: 'chain_pos = 7' });
    const log = CheckLog.open(file);
    const rekeyed = log.listEvents().find((e) => e.type === 'log/rekeyed')!;
    expect(rekeyed.detail).toMatchObject({ schemaSetBack: true, gaps: [[7, 7]] });
    expect(rekeyed.detail).not.toHaveProperty('purged');
    expect(log.verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 8, problem: expect.stringContaining('removed') });
    log.close();
  });

  it('an old log moved aside: the new, empty log in a folder whose key exists is not taken for one set back', () => {
    populated();
    fs.renameSync(file, `${file}.old`);
    for (const f of [`${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    const log = CheckLog.open(file);
    expect(log.listEvents()).toEqual([]);
    log.append([record(1)]);
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 1 });
    log.close();
  });
});

describe('the chain key', () => {
  it('is 32 random bytes, 0600, in the data directory, made on first use', () => {
    CheckLog.open(file).close();
    const keyFile = path.join(dataDir, DATA_FILES.chainKey);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = fs.readFileSync(keyFile);
    expect(key).toHaveLength(32);
    CheckLog.open(file).close();
    expect(fs.readFileSync(keyFile).equals(key)).toBe(true);
  });

  it('is never exported: no copy, no trace of it in the technician export', async () => {
    const log = CheckLog.open(file);
    log.append([record(1), fever(2)]);
    log.appendEvents([event(3)]);
    log.close();
    const key = fs.readFileSync(path.join(dataDir, DATA_FILES.chainKey));
    const out = tempDir();
    const { folder } = await exportDataDir(dataDir, out, T0 * MS);
    const exported = fs.readdirSync(folder);
    expect(exported.sort()).toEqual(['checks.csv', 'checks.jsonl', 'diagnostics.json', 'events.jsonl']);
    const everything = Buffer.concat(exported.map((f) => fs.readFileSync(path.join(folder, f))));
    for (const form of [key, Buffer.from(key.toString('hex')), Buffer.from(key.toString('base64')), Buffer.from(key.toString('base64url')), Buffer.from(DATA_FILES.chainKey)]) {
      expect(everything.includes(form)).toBe(false);
    }
  });
});

describe('SQLite integrity beside the chain', () => {
  /** A copy of the data directory with one b-tree page of the database overwritten. */
  function damagedCopy(data: string, tree: string): string {
    const copy = tempDir();
    fs.cpSync(data, copy, { recursive: true });
    const db = new Database(path.join(copy, DATA_FILES.database), { readonly: true });
    const page = db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').pluck().get(tree) as number;
    const size = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const fd = fs.openSync(path.join(copy, DATA_FILES.database), 'r+');
    fs.writeSync(fd, Buffer.alloc(size, 0xa5), 0, size, (page - 1) * size);
    fs.closeSync(fd);
    return copy;
  }

  it('a damaged page the chain walk never reads: verify-chain agrees with SQLite (broken, exit 1, one line)', async () => {
    const { data } = await kioskData();
    const bad = damagedCopy(data, 'checks_at');
    const log = CheckLog.open(path.join(bad, DATA_FILES.database));
    expect(log.integrity()).not.toBe('ok');
    expect(log.verifyChain()).toMatchObject({ ok: false, brokenAtSeq: null, problem: expect.stringContaining('damaged') });
    log.close();
    const r = sentinel(['log', '--verify-chain', '--data', bad]);
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^check log BROKEN: the database file is damaged \(SQLite/);
    expect(sentinel(['log', '--verify-chain', '--data', data]).status).toBe(0);
  });

  it('a damaged checks table: verify, log, sync and verify-chain each say so in one line (78, verify-chain 1), no stack trace', async () => {
    const { data, code: text } = await kioskData();
    const bad = damagedCopy(data, 'checks');
    const oneLine78 = (args: string[]): void => {
      const r = sentinel([...args, '--data', bad]);
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(78);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^sentinel: the check log .* is damaged/);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    };
    oneLine78(['verify', text, '--temp', '36.6', '--at', AT]);
    oneLine78(['log']);
    oneLine78(['log', '--format', 'csv']);
    oneLine78(['sync', '--endpoint', 'http://127.0.0.1:9', '--once']);
    const chain = sentinel(['log', '--verify-chain', '--data', bad]);
    expect(chain.status).toBe(1);
    expect(chain.stdout).toMatch(/^check log BROKEN: the database file is damaged/);
    expect(() => [...CheckLog.open(path.join(bad, DATA_FILES.database)).list()]).toThrow(CheckLogUnusable);
  });

  it('an index that lost an admitted check (quick_check passes it) is a damaged file, before anti-passback admits the holder again', () => {
    const admitted = "CREATE INDEX checks_holder_admitted ON checks (holder, at_ms) WHERE verdict = 'admit'";
    const setIndex = (sql: string): void => {
      const db = new Database(file);
      db.unsafeMode(true);
      db.pragma('writable_schema = ON');
      db.prepare("UPDATE sqlite_schema SET sql = ? WHERE name = 'checks_holder_admitted'").run(sql);
      db.pragma('writable_schema = OFF');
      db.close();
    };
    CheckLog.open(file).close();
    // The index made to skip every row while one admission is logged, then put back: it lacks that row.
    setIndex(admitted.replace("'admit'", "'nothing'"));
    const log = CheckLog.open(file);
    log.append([record(1, { holder: 'pseudonym-p' })]);
    log.close();
    setIndex(admitted);
    const reopened = CheckLog.open(file);
    expect(reopened.integrity()).toBe('ok');
    expect(reopened.lastAdmittedAtMs('pseudonym-p')).toBeNull();
    expect(reopened.verifyChain()).toMatchObject({ ok: false, brokenAtSeq: null, problem: expect.stringMatching(/damaged \(SQLite integrity_check: .*missing from index checks_holder_admitted/) });
    reopened.close();
  });

  it('a file that is not a database at all: verify-chain cannot open it (78)', () => {
    const data = tempDir();
    fs.writeFileSync(path.join(data, DATA_FILES.database), 'x'.repeat(4096));
    const r = sentinel(['log', '--verify-chain', '--data', data]);
    expect(r.status).toBe(78);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('an older bundle copied over the installed one is refused at load', () => {
  it('the revoked key does not come back; the CLI says why (78)', async () => {
    const w = await makeWorld({ seq: 17 });
    const data = tempDir();
    const dir = DataDir.open(data, { create: true });
    const store = new TrustStore(dir);
    await store.install(w.bundle, { nowS: T0, newRoots: w.roots });
    const seq17 = fs.readFileSync(dir.path(DATA_FILES.bundle), 'utf8');
    // Seq 18 revokes CN-ZJ's key.
    const issuers = structuredClone(w.bundlePayload.issuers) as { revoked: string[] }[];
    issuers[0]!.revoked = ['zj-2026-1'];
    await store.install(await signBundle({ ...w.bundlePayload, seq: 18, issuers }, w.root), { nowS: T0 });
    const text = await code(w.zj);
    expect(sentinel(['verify', text, '--temp', '36.6', '--data', data, '--at', AT, '--no-log']).status).toBe(1);

    fs.writeFileSync(dir.path(DATA_FILES.bundle), seq17);
    const err = await store.load(T0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrustUnusable);
    expect((err as Error).message).toMatch(/seq 17\) is older than seq 18/);
    for (const args of [
      ['verify', text, '--temp', '36.6', '--no-log'],
      ['trust', 'show'],
    ]) {
      const r = sentinel([...args, '--data', data, '--at', AT]);
      expect(r.status).toBe(78);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/older than seq 18/);
    }
  });

  it('a bundle installed before the highest seq was recorded sets it at load', async () => {
    const w = await makeWorld({ seq: 17 });
    const dir = DataDir.open(tempDir(), { create: true });
    const store = new TrustStore(dir);
    await store.install(w.bundle, { nowS: T0, newRoots: w.roots });
    const seq17 = fs.readFileSync(dir.path(DATA_FILES.bundle), 'utf8');
    await store.install(await signBundle({ ...w.bundlePayload, seq: 18 }, w.root), { nowS: T0 });
    fs.rmSync(dir.path('trust-highest-seq'));
    expect((await store.load(T0))?.info.seq).toBe(18);
    fs.writeFileSync(dir.path(DATA_FILES.bundle), seq17);
    await expect(store.load(T0)).rejects.toBeInstanceOf(TrustUnusable);
  });
});

describe('the highest bundle seq is also kept where deleting one file does not erase it', () => {
  /** Seq 17 installed, then 18 with `sentinel trust install` (a trust/installed event in the chain); returns seq 17's file. */
  async function installed17Then18(): Promise<{ data: string; dir: DataDir; store: TrustStore; seq17: string; text: string; w: Awaited<ReturnType<typeof makeWorld>> }> {
    const w = await makeWorld({ seq: 17 });
    const data = tempDir();
    const dir = DataDir.open(data, { create: true });
    const store = new TrustStore(dir);
    await store.install(w.bundle, { nowS: T0, newRoots: w.roots });
    const seq17 = fs.readFileSync(dir.path(DATA_FILES.bundle), 'utf8');
    const file18 = path.join(tempDir(), 'seq18.jws');
    fs.writeFileSync(file18, await signBundle({ ...w.bundlePayload, seq: 18 }, w.root));
    expect(sentinel(['trust', 'install', file18, '--data', data, '--at', AT]).status).toBe(0);
    return { data, dir, store, seq17, text: await code(w.zj), w };
  }

  it("trust-highest-seq deleted and the older bundle copied back: the log's trust/installed event refuses it (load, and sentinel verify: 78)", async () => {
    const { data, dir, store, seq17, text } = await installed17Then18();
    fs.writeFileSync(dir.path(DATA_FILES.bundle), seq17);
    fs.rmSync(dir.path('trust-highest-seq'));
    for (const args of [
      ['verify', text, '--temp', '36.6', '--no-log'],
      ['verify', text, '--temp', '36.6'],
      ['clock', 'show'],
    ]) {
      const r = sentinel([...args, '--data', data, '--at', AT]);
      expect(r.status, r.stderr).toBe(78);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/older than seq 18/);
    }
    // The refused load wrote no lower record.
    expect(fs.existsSync(dir.path('trust-highest-seq'))).toBe(false);
    const log = CheckLog.open(dir.path(DATA_FILES.database));
    const minSeq = log.highestBundleSeq();
    log.close();
    expect(minSeq).toBe(18);
    await expect(store.load(T0, { minSeq })).rejects.toThrow(/seq 17\) is older than seq 18/);
  });

  /** installed17Then18, then seq 17's file copied back and trust-highest-seq deleted. */
  async function rolledBack(): Promise<Awaited<ReturnType<typeof installed17Then18>> & { file18: string }> {
    const kiosk = await installed17Then18();
    const file18 = fs.readFileSync(kiosk.dir.path(DATA_FILES.bundle), 'utf8');
    fs.writeFileSync(kiosk.dir.path(DATA_FILES.bundle), kiosk.seq17);
    fs.rmSync(kiosk.dir.path('trust-highest-seq'));
    return { ...kiosk, file18 };
  }
  const NOW_MS = T0 * MS;
  /** The older bundle was not taken as installed: no record of its seq was written. */
  const noRecordWritten = (dir: DataDir): void => expect(fs.existsSync(dir.path('trust-highest-seq'))).toBe(false);

  it('so does the self-test', async () => {
    const { dir } = await rolledBack();
    const trustLine = (await selfTestIn(dir, NOW_MS, { thermometerSeconds: 0 })).find((i) => i.check === 'trust');
    expect(trustLine).toMatchObject({ state: 'fail', detail: expect.stringMatching(/seq 17\) is older than seq 18/) });
    noRecordWritten(dir);
  });

  it("so does the technician's panel: its state shows no bundle in force, its self-test fails the trust line", async () => {
    const { data, dir } = await rolledBack();
    const config = new ConfigStore(dir);
    const c = config.load().config;
    config.save({ ...c, technician: { ...c.technician, pinHash: hashPin('482913') } }, NOW_MS);
    const tech = new TechnicianService({ dataDir: data, clock: () => NOW_MS });
    try {
      expect(await tech.session.unlock('482913')).toMatchObject({ result: 'ok' });
      expect((await tech.handle('technician/state', {})).trust).toBeNull();
      noRecordWritten(dir);
      expect((await tech.handle('technician/selftest', {})).find((l) => l.check === 'trust')).toMatchObject({ state: 'fail' });
    } finally {
      tech.close();
    }
    noRecordWritten(dir);
  });

  it('so does the diagnostics export', async () => {
    const { data, dir } = await rolledBack();
    // Its trust summary, and the self-test it carries.
    const out = tempDir();
    await exportDataDir(data, out, NOW_MS);
    const [folder] = fs.readdirSync(out);
    const diagnostics = JSON.parse(fs.readFileSync(path.join(out, folder!, 'diagnostics.json'), 'utf8')) as { trust: unknown; selftest: { check: string; state: string }[] };
    expect(diagnostics.trust).toBeNull();
    expect(diagnostics.selftest.find((i) => i.check === 'trust')).toMatchObject({ state: 'fail' });
    noRecordWritten(dir);
  });

  it('so does install: the older bundle again is a rollback, with the installed file gone too; seq 18 repairs it', async () => {
    const { dir, seq17, file18 } = await rolledBack();
    const log = CheckLog.openIn(dir);
    try {
      const store = new TrustStore(dir, log);
      await expect(store.install(seq17, { nowS: T0 })).rejects.toMatchObject({ problem: 'rollback' });
      fs.rmSync(dir.path(DATA_FILES.bundle));
      await expect(store.install(seq17, { nowS: T0 })).rejects.toMatchObject({ problem: 'rollback', message: expect.stringMatching(/seq 17 is older than seq 18/) });
      noRecordWritten(dir);
      expect((await store.install(file18, { nowS: T0 })).info.seq).toBe(18);
      expect((await store.load(T0))?.info.seq).toBe(18);
    } finally {
      log.close();
    }
  });

  it('so does sync: no record of seq 17 when the answer fails, no seq 17 from the service; seq 18 from it repairs the kiosk', async () => {
    const { dir, seq17, file18 } = await rolledBack();
    const log = CheckLog.openIn(dir);
    const server = new CentralService();
    await server.start();
    try {
      const client = await syncClientIn(dir, server.url, log, () => NOW_MS);
      server.down = true;
      expect(await client.fetchBundle()).toMatchObject({ kind: 'failed' });
      noRecordWritten(dir);
      server.down = false;
      server.bundle = { jws: seq17, seq: 17 };
      expect(await client.fetchBundle()).toEqual({ kind: 'unchanged' });
      expect(fs.readFileSync(dir.path(DATA_FILES.bundle), 'utf8')).toBe(seq17);
      noRecordWritten(dir);
      server.bundle = { jws: file18.trim(), seq: 18 };
      expect(await client.fetchBundle()).toEqual({ kind: 'installed', seq: 18 });
      expect((await new TrustStore(dir, log).load(T0))?.info.seq).toBe(18);
      expect(fs.readFileSync(dir.path('trust-highest-seq'), 'utf8')).toBe('18\n');
    } finally {
      await server.stop();
      log.close();
    }
  });

  it("the newest logged check's bundle seq counts, and so does a retention marker after every entry is purged", async () => {
    const { dir, store, seq17 } = await installed17Then18();
    const file18 = fs.readFileSync(dir.path(DATA_FILES.bundle), 'utf8');
    const db = dir.path(DATA_FILES.database);
    edit(db, 'DELETE FROM events', "DELETE FROM meta WHERE key = 'chain_head'");
    const log = CheckLog.open(db);
    expect(log.highestBundleSeq()).toBeNull();
    log.append([record(1, { bundleSeq: 18 })]);
    expect(log.highestBundleSeq()).toBe(18);
    const later = (T0 + 40 * DAY) * MS;
    log.markSynced(
      [...log.list()].map((c) => c.checkId),
      T0 * MS,
    );
    expect(log.retain({ nowMs: later, retentionDays: 21, unsyncedMaxAgeDays: null }).deleted).toBe(1);
    expect(log.count().total).toBe(0);
    expect(log.listEvents()[0]!.detail).toMatchObject({ highestBundleSeq: 18 });
    expect(log.highestBundleSeq()).toBe(18);
    log.close();
    fs.writeFileSync(dir.path(DATA_FILES.bundle), seq17);
    fs.rmSync(dir.path('trust-highest-seq'));
    const reopened = CheckLog.open(db);
    const minSeq = reopened.highestBundleSeq();
    reopened.close();
    await expect(store.load(T0, { minSeq })).rejects.toBeInstanceOf(TrustUnusable);
    // Seq 18 itself still loads under that floor.
    fs.writeFileSync(dir.path(DATA_FILES.bundle), file18);
    expect((await store.load(T0, { minSeq: 18 }))?.info.seq).toBe(18);
  });

  it('a garbled trust-highest-seq is not "no record": load refuses it (78, one line) and leaves it; installing a bundle rewrites it', async () => {
    const { data, dir, store, text, w } = await installed17Then18();
    for (const garbled of ['x', '18x', '', '-1', '1e3']) {
      fs.writeFileSync(dir.path('trust-highest-seq'), garbled);
      await expect(store.load(T0)).rejects.toThrow(/trust-highest-seq \(the highest trust bundle seq installed here\) is damaged/);
      expect(fs.readFileSync(dir.path('trust-highest-seq'), 'utf8')).toBe(garbled);
    }
    const r = sentinel(['verify', text, '--temp', '36.6', '--no-log', '--data', data, '--at', AT]);
    expect(r.status).toBe(78);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    await store.install(await signBundle({ ...w.bundlePayload, seq: 19 }, w.root), { nowS: T0 });
    expect(fs.readFileSync(dir.path('trust-highest-seq'), 'utf8')).toBe('19\n');
    expect((await store.load(T0))?.info.seq).toBe(19);
  });

  it('the kiosk enforces it when it loads the bundle', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const keys = await loadDemoKeys();
    const t = T0 * MS;
    await setUpDemoDataDir(dataDir, keys, t);
    const dir = DataDir.open(dataDir, { create: false });
    const older = fs.readFileSync(dir.path(DATA_FILES.bundle), 'utf8');
    await setUpDemoDataDir(dataDir, keys, t + 3_600_000);
    const newer = (await new TrustStore(dir).load(T0 + 3600))!.info.seq;
    const log = CheckLog.open(dir.path(DATA_FILES.database));
    log.append([record(1, { bundleSeq: newer })]);
    log.close();
    fs.writeFileSync(dir.path(DATA_FILES.bundle), older);
    fs.rmSync(dir.path('trust-highest-seq'));
    const screen: ScreenConfig = { operatorLang: 'en', holderLangs: ['en'], resultSeconds: 5, sound: false, cameraId: null, simulated: false, gate: '', station: '', timeZone: 'UTC', pinSet: true };
    await expect(KioskService.open({ dataDir, clock: () => t + 3_600_000, thermometer: null, screen, retentionEveryMs: 0 })).rejects.toThrow(new RegExp(`older than seq ${newer}`));
  });
});

describe('unsynced checks are bounded by the policy', () => {
  const now = T0 * MS;
  const at = (daysAgo: number, i: number): CheckRecord => record(i, { checkId: uuidv7(now - daysAgo * DAY_MS + i), atMs: now - daysAgo * DAY_MS + i });

  it('unsyncedMaxAgeDays: 90 by default, null keeps forever, whole days from 7 to 3650, unknown fields still refused', () => {
    expect(DEFAULT_POLICY.unsyncedMaxAgeDays).toBe(90);
    expect(parsePolicy({ unsyncedMaxAgeDays: null })).toMatchObject({ ok: true, policy: { unsyncedMaxAgeDays: null } });
    expect(parsePolicy({ unsyncedMaxAgeDays: 30 })).toMatchObject({ ok: true, policy: { unsyncedMaxAgeDays: 30 } });
    for (const bad of [6, 3651, 30.5, '30', -1, true]) {
      expect(parsePolicy({ unsyncedMaxAgeDays: bad })).toMatchObject({ ok: false, field: 'unsyncedMaxAgeDays' });
    }
    expect(parsePolicy({ unsyncedMaxAge: 30 })).toMatchObject({ ok: false, field: 'unsyncedMaxAge' });
    const store = new PolicyStore(DataDir.open(tempDir(), { create: true }));
    expect(store.set('{"unsyncedMaxAgeDays":null}', now).policy.unsyncedMaxAgeDays).toBeNull();
    expect(store.load().policy.unsyncedMaxAgeDays).toBeNull();
    expect(() => store.set('{"unsyncedMaxAgeDays":1}', now)).toThrow(PolicyRefused);
  });

  it('applyRetention drops unsynced checks past the bound with an audit event in the chain saying how many and from when to when', () => {
    const log = CheckLog.open(file);
    log.append([at(120, 1), at(95, 2), at(91, 3), at(60, 4), at(100, 5), at(10, 6)]);
    const ids = [...log.list()].map((c) => c.checkId);
    // 5 is synced (and past retention); the rest are pending.
    log.markSynced([ids[4]!], now - 99 * DAY_MS);
    expect(log.purge({ nowMs: now, retentionDays: 21 })).toEqual({ deleted: 1 });
    expect(log.count()).toEqual({ total: 5, pending: 5 });

    // The first pass that finds the warning due records it and drops nothing: the drop waits until it has stood two weeks.
    expect(applyRetention(log, DEFAULT_POLICY, { nowMs: now, retentionDays: 21 })).toEqual({ deleted: 0, events: 0, unsyncedDropped: 0, unsyncedRange: null });
    expect(log.unsyncedWarnedSinceMs(90)).toBe(now);
    expect(applyRetention(log, DEFAULT_POLICY, { nowMs: now + 14 * DAY_MS - 1, retentionDays: 21 }).unsyncedDropped).toBe(0);
    const result = applyRetention(log, DEFAULT_POLICY, { nowMs: now + 14 * DAY_MS, retentionDays: 21 });
    expect(result).toEqual({ deleted: 0, events: 0, unsyncedDropped: 3, unsyncedRange: { fromMs: now - 120 * DAY_MS + 1, toMs: now - 91 * DAY_MS + 3 } });
    expect([...log.list()].map((c) => c.checkId)).toEqual([ids[3], ids[5]]);
    const marker = log.listEvents().at(-1)!;
    expect(marker).toMatchObject({
      type: 'retention/purged',
      syncState: 'pending',
      detail: {
        unsyncedMaxAgeDays: 90,
        synced: { checks: 0, events: 0 },
        unsynced: { checks: 3, from: new Date(now - 120 * DAY_MS + 1).toISOString(), to: new Date(now - 91 * DAY_MS + 3).toISOString() },
        purged: [[1, 3]],
      },
    });
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 4 });
    // Nothing more to drop: no further event.
    expect(applyRetention(log, DEFAULT_POLICY, { nowMs: now + 14 * DAY_MS, retentionDays: 21 }).unsyncedDropped).toBe(0);
    expect(log.listEvents()).toHaveLength(2);
    log.close();
  });

  it('unsynced checks are dropped once a day at most (UTC days), so a never-syncing kiosk purging often writes one marker a day', () => {
    const log = CheckLog.open(file);
    // T0 is 08:00 UTC: these are 90 days and 2 h, and 90 days and 1 h old.
    log.append([at(90, 1), at(90, 2)].map((r, i) => ({ ...r, atMs: r.atMs - (2 - i) * 3_600_000 })));
    // The warning became due two weeks before (and a pass recorded it then).
    expect(applyRetention(log, DEFAULT_POLICY, { nowMs: now - 14 * DAY_MS, retentionDays: 21 }).unsyncedDropped).toBe(0);
    for (let minutes = 0; minutes < 16 * 60; minutes += 30) {
      expect(applyRetention(log, DEFAULT_POLICY, { nowMs: now + minutes * 60_000, retentionDays: 21 }).unsyncedDropped).toBe(0);
    }
    expect(applyRetention(log, DEFAULT_POLICY, { nowMs: now + 16 * 3_600_000, retentionDays: 21 }).unsyncedDropped).toBe(2);
    expect(log.listEvents().map((e) => e.type)).toEqual(['retention/purged']);
    expect(log.verifyChain()).toMatchObject({ ok: true });
    log.close();
  });

  it('null keeps unsynced checks whatever their age', () => {
    const log = CheckLog.open(file);
    log.append([at(2000, 1), at(400, 2)]);
    expect(applyRetention(log, { unsyncedMaxAgeDays: null }, { nowMs: now, retentionDays: 21 })).toEqual({ deleted: 0, events: 0, unsyncedDropped: 0, unsyncedRange: null });
    expect(log.count().pending).toBe(2);
    log.close();
  });

  it('the outlook warns 14 days before the oldest unsynced check would go', () => {
    const oldest = now - 70 * DAY_MS;
    const purgeAtMs = oldest + 90 * DAY_MS;
    expect(unsyncedPurgeOutlook(oldest, DEFAULT_POLICY, now)).toEqual({ purgeAtMs, warnFromMs: purgeAtMs - 14 * DAY_MS, warn: false, effectivePurgeAtMs: purgeAtMs });
    expect(unsyncedPurgeOutlook(oldest, DEFAULT_POLICY, now + 6 * DAY_MS - 1).warn).toBe(false);
    expect(unsyncedPurgeOutlook(oldest, DEFAULT_POLICY, now + 6 * DAY_MS).warn).toBe(true);
    expect(unsyncedPurgeOutlook(oldest, DEFAULT_POLICY, now + 30 * DAY_MS).warn).toBe(true);
    // A bound shorter than the warning: every pending check is at risk.
    expect(unsyncedPurgeOutlook(now, { unsyncedMaxAgeDays: 7 }, now).warn).toBe(true);
    expect(unsyncedPurgeOutlook(null, DEFAULT_POLICY, now)).toEqual({ purgeAtMs: null, warnFromMs: null, warn: false, effectivePurgeAtMs: null });
    expect(unsyncedPurgeOutlook(oldest, { unsyncedMaxAgeDays: null }, now)).toEqual({ purgeAtMs: null, warnFromMs: null, warn: false, effectivePurgeAtMs: null });
  });

  it('the effective purge time: never sooner than two weeks after the warning was first recorded (or from now, when none is yet)', () => {
    const oldest = now - 100 * DAY_MS;
    // Past the bound already (an upgrade onto an old backlog): nothing recorded yet, so two weeks from now.
    expect(unsyncedPurgeOutlook(oldest, DEFAULT_POLICY, now)).toEqual({ purgeAtMs: now - 10 * DAY_MS, warnFromMs: now - 24 * DAY_MS, warn: true, effectivePurgeAtMs: now + 14 * DAY_MS });
    expect(unsyncedPurgeOutlook(oldest, DEFAULT_POLICY, now, now - 5 * DAY_MS).effectivePurgeAtMs).toBe(now + 9 * DAY_MS);
    // Recorded on time: the bound itself.
    expect(unsyncedPurgeOutlook(now - 80 * DAY_MS, DEFAULT_POLICY, now, now - 4 * DAY_MS).effectivePurgeAtMs).toBe(now + 10 * DAY_MS);
    // A record from a clock that was ahead counts from now.
    expect(unsyncedPurgeOutlook(oldest, DEFAULT_POLICY, now, now + 365 * DAY_MS).effectivePurgeAtMs).toBe(now + 14 * DAY_MS);
    // A bound shorter than the warning.
    expect(unsyncedPurgeOutlook(now, { unsyncedMaxAgeDays: 7 }, now).effectivePurgeAtMs).toBe(now + 14 * DAY_MS);
  });
});

describe('the unsynced bound never drops a check unannounced', () => {
  const now = T0 * MS;
  const trusted = (atMs: number, i: number): CheckRecord => record(i, { checkId: uuidv7(atMs + i), atMs });
  const pass = (log: CheckLog, nowMs: number, unsyncedMaxAgeDays: number | null = 90): number => applyRetention(log, { unsyncedMaxAgeDays }, { nowMs, retentionDays: 21 }).unsyncedDropped;

  it('a clock jump to 2100 drops nothing at once; back to the true time, the warning is gone', () => {
    const log = CheckLog.open(file);
    log.append([trusted(now, 1), trusted(now + 60_000, 2), trusted(now + 120_000, 3)]);
    const y2100 = Date.UTC(2100, 0, 1);
    expect(pass(log, y2100)).toBe(0);
    expect(unsyncedPurgeOutlook(log.oldestUnsyncedAtMs(), DEFAULT_POLICY, y2100, log.unsyncedWarnedSinceMs(90))).toMatchObject({ warn: true, effectivePurgeAtMs: y2100 + 14 * DAY_MS });
    expect(pass(log, y2100 + 13 * DAY_MS)).toBe(0);
    expect(log.count().pending).toBe(3);
    // The clock is put right: nothing is due, the record goes.
    expect(pass(log, now + 3_600_000)).toBe(0);
    expect(log.unsyncedWarnedSinceMs(90)).toBeNull();
    // Jumping again starts a fresh two weeks; a jump that holds for them is, at last, believed.
    expect(pass(log, y2100 + 13 * DAY_MS)).toBe(0);
    expect(pass(log, y2100 + 27 * DAY_MS - 1)).toBe(0);
    expect(pass(log, y2100 + 27 * DAY_MS)).toBe(3);
    log.close();
  });

  it('checks logged at an untrusted clock (a dead RTC at 2000) are never dropped by their time, nor do they bring the warning forward', () => {
    const log = CheckLog.open(file);
    const y2000 = Date.UTC(2000, 0, 1);
    log.append([record(1, { checkId: uuidv7(y2000), atMs: y2000, clockState: 'untrusted' }), record(2, { checkId: uuidv7(y2000 + 1), atMs: y2000 + 60_000, clockState: 'untrusted' })]);
    log.append([trusted(now, 3)]);
    // The clock is put right two hours later: the hourly pass drops nothing.
    const later = now + 2 * 3_600_000;
    for (const t of [later, later + 30 * DAY_MS, later + 60 * DAY_MS]) expect(pass(log, t)).toBe(0);
    expect(log.count().pending).toBe(3);
    expect(log.oldestPendingAtMs()).toBe(y2000);
    expect(log.oldestUnsyncedAtMs()).toBe(now);
    expect(unsyncedPurgeOutlook(log.oldestUnsyncedAtMs(), DEFAULT_POLICY, later)).toMatchObject({ warn: false, purgeAtMs: now + 90 * DAY_MS });
    // Far later, only the trusted check goes (after its warning); the untrusted ones wait to be synced.
    expect(pass(log, now + 80 * DAY_MS)).toBe(0);
    expect(pass(log, now + 94 * DAY_MS)).toBe(1);
    expect([...log.list()].map((c) => c.clockState)).toEqual(['untrusted', 'untrusted']);
    expect(log.oldestUnsyncedAtMs()).toBeNull();
    log.close();
  });

  it('a kiosk upgraded with a backlog older than the bound, and a technician lowering the bound, each get two weeks of warning', () => {
    const log = CheckLog.open(file);
    log.append([trusted(now - 200 * DAY_MS, 1), trusted(now - 40 * DAY_MS, 2)]);
    // Upgraded today: the 200-day-old check is long past 90 days.
    expect(pass(log, now)).toBe(0);
    expect(pass(log, now + 13 * DAY_MS)).toBe(0);
    expect(pass(log, now + 14 * DAY_MS)).toBe(1);
    // The 40-day-old check is not due under 90 days; the record went with the warning.
    expect(log.unsyncedWarnedSinceMs(90)).toBeNull();
    // Lowered to 30 days: now due at once, but dropped only two weeks on.
    const lowered = now + 15 * DAY_MS;
    expect(pass(log, lowered, 30)).toBe(0);
    expect(log.unsyncedWarnedSinceMs(30)).toBe(lowered);
    expect(log.unsyncedWarnedSinceMs(90)).toBeNull();
    expect(pass(log, lowered + 13 * DAY_MS, 30)).toBe(0);
    expect(pass(log, lowered + 14 * DAY_MS, 30)).toBe(1);
    log.close();
  });

  it('the record of the warning is sealed: backdated or written for another bound by hand, it does not count', () => {
    const log = CheckLog.open(file);
    log.append([trusted(now - 200 * DAY_MS, 1)]);
    log.close();
    edit(file, `INSERT INTO meta (key, value) VALUES ('unsynced_warned', '${JSON.stringify({ boundDays: 90, sinceMs: now - 100 * DAY_MS, mac: 'f'.repeat(64) })}')`);
    const reopened = CheckLog.open(file);
    expect(pass(reopened, now)).toBe(0);
    expect(reopened.unsyncedWarnedSinceMs(90)).toBe(now);
    expect(reopened.unsyncedWarnedSinceMs(30)).toBeNull();
    reopened.close();
    // A genuine record moved to another bound no longer verifies.
    const h = new Database(file);
    const text = h.prepare("SELECT value FROM meta WHERE key = 'unsynced_warned'").pluck().get() as string;
    h.prepare("UPDATE meta SET value = ? WHERE key = 'unsynced_warned'").run(text.replace('"boundDays":90', '"boundDays":30'));
    h.close();
    const again = CheckLog.open(file);
    expect(again.unsyncedWarnedSinceMs(30)).toBeNull();
    expect(pass(again, now + DAY_MS, 30)).toBe(0);
    again.close();
  });

  it('the outlook reads the earliest time among unsynced trusted checks (what retention drops by), not the first by seq', () => {
    const log = CheckLog.open(file);
    // Logged in this order; the clock was set back a day between them (both trusted).
    log.append([trusted(now, 1), trusted(now - DAY_MS, 2)]);
    expect(log.oldestPendingAtMs()).toBe(now);
    expect(log.oldestUnsyncedAtMs()).toBe(now - DAY_MS);
    const outlook = unsyncedPurgeOutlook(log.oldestUnsyncedAtMs(), DEFAULT_POLICY, now);
    expect(outlook.purgeAtMs).toBe(now + 89 * DAY_MS);
    log.close();
  });
});

describe('the CLI around retention and policies', () => {
  it('log --help says the policy bound applies to unsynced checks (no longer "never deleted")', () => {
    const r = sentinel(['log', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/never deleted/);
    expect(r.stdout).toMatch(/unsyncedMaxAgeDays/);
  });

  it('log --purge says when unsynced checks past the bound will go (the warning first stands two weeks)', () => {
    const data = tempDir();
    const log = CheckLog.open(path.join(data, DATA_FILES.database));
    log.append([record(1, { atMs: (T0 - 100 * DAY) * MS, checkId: uuidv7((T0 - 100 * DAY) * MS) })]);
    log.close();
    const r = sentinel(['log', '--purge', '--data', data, '--at', AT]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`purged 0 synced checks older than 21 days\nunsynced checks older than 90 days will be dropped from ${new Date((T0 + 14 * DAY) * MS).toISOString()}\n`);
  });

  it('policy set refuses a FIFO (it used to hang), a folder and a file over 64 KiB, in one line (78)', () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const big = path.join(dir, 'big.json');
    fs.writeFileSync(big, JSON.stringify({ acceptIssuers: ['*'], pad: 'x'.repeat(70 * 1024) }));
    for (const [file, why] of [
      [fifo, /not a regular file/],
      [dir, /folder|not a regular file/],
      [big, /more than the 65536/],
    ] as const) {
      const started = Date.now();
      const r = sentinel(['policy', 'set', file, '--data', tempDir()]);
      expect(r.status, r.stderr).toBe(78);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(why);
      expect(Date.now() - started).toBeLessThan(20_000);
    }
    const ok = path.join(dir, 'policy.json');
    fs.writeFileSync(ok, '{"feverThresholdC":37.5}');
    expect(sentinel(['policy', 'set', ok, '--data', tempDir()]).status).toBe(0);
  });
});

describe('CSV formula guard', () => {
  const row = (issuer: string) => logRow({ ...record(1, { issuer, kid: issuer }), seq: 1, syncState: 'pending', syncedAtMs: null });
  const cells = (line: string): string[] => line.split(',');

  it.each([
    ['=1+1', "'=1+1"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', '"\'\r=1+1"'],
    ['\n=1+1', '"\'\n=1+1"'],
    ['\tCN-ZJ', "'\tCN-ZJ"],
    ['  =HYPERLINK("x")', '"\'  =HYPERLINK(""x"")"'],
    [' +1', "' +1"],
    [' -1', "' -1"],
    ['\u3000@SUM(A1)', "'\u3000@SUM(A1)"],
    ['＝1+1', "'＝1+1"],
    ['CN-ZJ', 'CN-ZJ'],
    ['a=b', 'a=b'],
  ])('%j is written %j', (issuer, cell) => {
    const line = csvLine(row(issuer));
    const issuerAt = CSV_HEADER.split(',').indexOf('issuer');
    // The cell is found by its position; a quoted cell may hold a comma-free CR or LF only.
    expect(line.includes(cell)).toBe(true);
    if (!/[\r\n"]/.test(cell)) expect(cells(line)[issuerAt]).toBe(cell);
  });

  it('our own exact columns are never touched (a negative offset stays a number)', () => {
    const line = csvLine(logRow({ ...record(1, { temperatureC: 36.2, temperatureRawC: 36.5, calibrationOffsetC: -0.3 }), seq: 1, syncState: 'pending', syncedAtMs: null }));
    expect(line.endsWith(',36.5,-0.3,')).toBe(true);
  });
});

describe('owner-only permissions', () => {
  it('an existing 0755 data directory becomes 0700 and its 0644 files 0600 when opened', () => {
    CheckLog.open(file).close();
    fs.writeFileSync(path.join(dataDir, DATA_FILES.policy), '{}', { mode: 0o644 });
    fs.chmodSync(path.join(dataDir, DATA_FILES.policy), 0o644);
    fs.chmodSync(file, 0o644);
    fs.chmodSync(dataDir, 0o755);
    DataDir.open(dataDir, { create: false });
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const f of fs.readdirSync(dataDir)) expect(fs.statSync(path.join(dataDir, f)).mode & 0o777, f).toBe(0o600);
  });

  it('the database, -wal and -shm are 0600 when opened: made so, or tightened', () => {
    const old = process.umask(0o022);
    try {
      const log = CheckLog.open(file);
      log.append([record(1)]);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(fs.statSync(f).mode & 0o777, f).toBe(0o600);
      log.close();
      const second = path.join(tempDir(), DATA_FILES.database);
      fs.copyFileSync(file, second);
      // With its chain key: a log is extended only under the key that sealed its head.
      fs.copyFileSync(path.join(dataDir, DATA_FILES.chainKey), path.join(path.dirname(second), DATA_FILES.chainKey));
      fs.chmodSync(second, 0o644);
      const reopened = CheckLog.open(second);
      reopened.append([record(2)]);
      for (const f of [second, `${second}-wal`, `${second}-shm`]) expect(fs.statSync(f).mode & 0o777, f).toBe(0o600);
      reopened.close();
    } finally {
      process.umask(old);
    }
  });

  it('the bundle, roots and policy are written 0600', async () => {
    const w = await makeWorld();
    const dir = DataDir.open(tempDir(), { create: true });
    await new TrustStore(dir).install(w.bundle, { nowS: T0, newRoots: w.roots });
    new PolicyStore(dir).set('{}', T0 * MS);
    for (const f of [DATA_FILES.bundle, DATA_FILES.roots, DATA_FILES.policy, 'trust-highest-seq']) expect(fs.statSync(dir.path(f)).mode & 0o777, f).toBe(0o600);
  });

  it('a shared folder (sticky bit, like /tmp) is refused as a data directory', () => {
    const shared = tempDir();
    fs.chmodSync(shared, 0o1777);
    expect(() => DataDir.open(shared, { create: false })).toThrow(DataDirError);
  });
});
