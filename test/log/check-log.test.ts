// The check log: durability settings checked at open, the hash chain
// against edits and deletions, retention, pseudonyms, anti-passback and the
// time floor through the checkpoint. Its migrations: test/log/migrations.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../main/contract/policy.js';
import { Checkpoint } from '../../main/checkpoint/checkpoint.js';
import { TimeFloor } from '../../main/clock/time-floor.js';
import { DATA_FILES, DataDir } from '../../main/data-dir.js';
import { CheckLog, CheckLogUnusable } from '../../main/log/check-log.js';
import { legacyChainHash as chainHash } from '../../main/log/chain.js';
import { UUID_V7_PATTERN, uuidv7 } from '../../main/log/check-id.js';
import { HolderPseudonym } from '../../main/log/holder-pseudonym.js';
import { T0, DAY, code, makeWorld } from '../fixtures/world.js';
import { tempDir } from '../fixtures/tmp.js';
import { checkRecord as record } from '../fixtures/check-records.js';

const MS = 1000;

let file: string;
beforeEach(() => {
  file = path.join(tempDir(), 'checks.db');
});

describe('durability', () => {
  it('opens in WAL with synchronous=FULL, checked', () => {
    const log = CheckLog.open(file);
    log.close();
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    db.close();
  });
  it('refuses a database that cannot be made durable (in-memory: no WAL)', () => {
    expect(() => CheckLog.open(':memory:')).toThrow(CheckLogUnusable);
  });
  it('refuses a file that is not a database', () => {
    fs.writeFileSync(file, 'this is not sqlite, just text long enough to be a header......................................');
    expect(() => CheckLog.open(file)).toThrow(CheckLogUnusable);
  });
});

describe('hash chain', () => {
  function logWith(n: number): CheckLog {
    const log = CheckLog.open(file);
    log.append(Array.from({ length: n }, (_, i) => record(i)));
    return log;
  }

  it('an untouched log verifies, one transaction or many', () => {
    const log = logWith(10);
    log.append([record(10)]);
    log.append([record(11), record(12)]);
    expect(log.verifyChain()).toEqual({ ok: true, checked: 13, brokenAtSeq: null, problem: null });
    log.close();
  });

  it('an edit in the middle is found', () => {
    logWith(10).close();
    const db = new Database(file);
    // A fever reading quietly lowered, hash left alone.
    db.prepare('UPDATE checks SET temperature_c = 36.6 WHERE seq = 6').run();
    db.close();
    const report = CheckLog.open(file).verifyChain();
    expect(report).toMatchObject({ ok: false, brokenAtSeq: 6 });
  });

  it('an edit that also recomputes the row hash (unkeyed, as schema 4 did) is found at that row', () => {
    const log = logWith(10);
    const { seq: _seq, syncState: _s, syncedAtMs: _a, ...stored } = [...log.list()][4]!;
    log.close();
    const db = new Database(file);
    const row = db.prepare('SELECT prev_hash FROM checks WHERE seq = 5').get() as { prev_hash: string };
    const forged = chainHash(row.prev_hash, { ...stored, verdict: 'deny', reasons: ['BAD_SIGNATURE'] });
    db.prepare("UPDATE checks SET verdict = 'deny', reasons = 'BAD_SIGNATURE', hash = ? WHERE seq = 5").run(forged);
    db.close();
    // Schema 4 found it only at the next row; under the chain key the forged link itself does not verify.
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 5 });
  });

  it('a verdict flipped in the middle is found at that row', () => {
    logWith(10).close();
    const db = new Database(file);
    db.prepare("UPDATE checks SET verdict = 'deny' WHERE seq = 4").run();
    db.close();
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 4, problem: expect.stringContaining('changed') });
  });

  it('a deletion in the middle is found', () => {
    logWith(10).close();
    const db = new Database(file);
    db.prepare('DELETE FROM checks WHERE seq = 3').run();
    db.close();
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 4, problem: expect.stringContaining('removed') });
  });

  it('a deletion of the newest checks is found', () => {
    logWith(10).close();
    const db = new Database(file);
    db.prepare('DELETE FROM checks WHERE seq > 7').run();
    db.close();
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 10 });
  });

  it('a deletion of the oldest checks (not by retention) is found', () => {
    logWith(10).close();
    const db = new Database(file);
    db.prepare('DELETE FROM checks WHERE seq <= 2').run();
    db.close();
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 3 });
  });

  it('two writers on one file extend one chain, never fork it', () => {
    const a = CheckLog.open(file);
    const b = CheckLog.open(file);
    for (let i = 0; i < 20; i++) (i % 2 ? a : b).append([record(i)]);
    expect(a.verifyChain()).toMatchObject({ ok: true, checked: 20 });
    a.close();
    b.close();
  });
});

describe('retention', () => {
  const now = (T0 + 30 * DAY) * MS;

  it('purges every synced check past retention, keeps unsynced ones whatever their age, and the chain still verifies', () => {
    const log = CheckLog.open(file);
    log.append(Array.from({ length: 10 }, (_, i) => record(i)));
    const ids = [...log.list()].map((c) => c.checkId);
    // 0–3 synced, 4 unsynced, 5–9 synced: all but 4 go.
    log.markSynced([...ids.slice(0, 4), ...ids.slice(5)], now);
    expect(log.purge({ nowMs: now, retentionDays: 21 })).toEqual({ deleted: 9 });
    expect([...log.list()].map((c) => c.checkId)).toEqual([ids[4]]);
    // The kept check and the retention/purged marker.
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 2 });
    // New checks chain on after the marker.
    log.append([record(20), record(21)]);
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 4 });
    // Once 4 is synced, it goes too; the newest stay (they are recent).
    log.markSynced([ids[4]!], now);
    expect(log.purge({ nowMs: now, retentionDays: 21 })).toEqual({ deleted: 1 });
    expect(log.count()).toEqual({ total: 2, pending: 2 });
    expect(log.verifyChain().ok).toBe(true);
    log.close();
  });

  it('after a purge, a deletion by hand is still found', () => {
    const log = CheckLog.open(file);
    log.append(Array.from({ length: 10 }, (_, i) => record(i)));
    const ids = [...log.list()].map((c) => c.checkId);
    log.markSynced(ids.slice(0, 3), now);
    expect(log.purge({ nowMs: now, retentionDays: 21 }).deleted).toBe(3);
    log.close();
    const db = new Database(file);
    db.prepare('DELETE FROM checks WHERE seq = 6').run();
    db.close();
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 7 });
  });

  it('all checks purged: the chain verifies empty, and the next check continues it', () => {
    const log = CheckLog.open(file);
    log.append(Array.from({ length: 4 }, (_, i) => record(i)));
    log.markSynced(
      [...log.list()].map((c) => c.checkId),
      now,
    );
    expect(log.purge({ nowMs: now, retentionDays: 21 }).deleted).toBe(4);
    // Only the retention/purged marker is left.
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 1 });
    log.append([record(9)]);
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 2 });
    log.close();
  });

  it('never purges unsynced or recent checks', () => {
    const log = CheckLog.open(file);
    log.append(Array.from({ length: 5 }, (_, i) => record(i)));
    expect(log.purge({ nowMs: now * 10, retentionDays: 1 })).toEqual({ deleted: 0 });
    log.markSynced(
      [...log.list()].map((c) => c.checkId),
      now,
    );
    expect(log.purge({ nowMs: T0 * MS + 20 * DAY * MS, retentionDays: 21 })).toEqual({ deleted: 0 });
    expect(log.count().total).toBe(5);
    log.close();
  });

  it('gives the space back', () => {
    const log = CheckLog.open(file);
    for (let b = 0; b < 20; b++) log.append(Array.from({ length: 250 }, (_, i) => record(b * 250 + i, { holder: 'x'.repeat(40) + i })));
    log.markSynced(
      [...log.list()].map((c) => c.checkId),
      now,
    );
    const db = new Database(file);
    const pagesBefore = db.pragma('page_count', { simple: true }) as number;
    expect(log.purge({ nowMs: now, retentionDays: 21 }).deleted).toBe(5000);
    const pagesAfter = db.pragma('page_count', { simple: true }) as number;
    expect(pagesAfter).toBeLessThan(pagesBefore / 4);
    expect(db.pragma('freelist_count', { simple: true })).toBe(0);
    db.close();
    log.close();
  });

  it('markSynced counts only pending checks it changed', () => {
    const log = CheckLog.open(file);
    log.append([record(1), record(2)]);
    const [a] = [...log.list()];
    expect(log.markSynced([a!.checkId, 'not-an-id'], now)).toBe(1);
    expect(log.markSynced([a!.checkId], now)).toBe(0);
    expect(log.count()).toEqual({ total: 2, pending: 1 });
    log.close();
  });
});

describe('check ids', () => {
  it('are UUIDv7 carrying the check time, unique', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => uuidv7(T0 * MS)));
    expect(ids.size).toBe(10_000);
    for (const id of [...ids].slice(0, 100)) expect(id).toMatch(UUID_V7_PATTERN);
    const id = uuidv7(0x0123456789ab);
    expect(id.slice(0, 13)).toBe('01234567-89ab');
  });
});

describe('through the checkpoint', () => {
  async function setUp(policyOver: Partial<typeof DEFAULT_POLICY> = {}) {
    const w = await makeWorld();
    const dir = DataDir.open(tempDir(), { create: true });
    const log = CheckLog.open(dir.path(DATA_FILES.database));
    const checkpoint = new Checkpoint({
      trust: w.trust,
      policy: { version: 3, setAtMs: 0, policy: { ...structuredClone(DEFAULT_POLICY), ...policyOver } },
      log,
      pseudonym: HolderPseudonym.forDataDir(dir),
    });
    return { w, dir, log, checkpoint };
  }

  it('stores a keyed pseudonym, never the raw sub, the name or the QR text', async () => {
    const { w, dir, log, checkpoint } = await setUp();
    const text = await code(w.zj, { sub: 'RAW-SUBJECT-9f8e7d', nm: 'ZHANG*', rsn: 'ISSUER-REASON' });
    const out = await checkpoint.check({ text, temperatureC: 36.6, atMs: T0 * MS }, { record: true });
    expect(out.verdict).toBe('admit');
    const [row] = [...log.list()];
    expect(row).toMatchObject({
      checkId: out.checkId,
      verdict: 'admit',
      reasons: ['OK'],
      issuer: 'CN-ZJ',
      status: 'green',
      kid: 'zj-2026-1',
      temperatureC: 36.6,
      bundleSeq: 17,
      policyVersion: 3,
      clockState: 'trusted',
      syncState: 'pending',
    });
    expect(row!.holder).toMatch(/^[A-Za-z0-9_-]{43}$/);
    log.close();
    const bytes = Buffer.concat(
      fs
        .readdirSync(dir.root)
        .filter((f) => f.startsWith('checks.db'))
        .map((f) => fs.readFileSync(path.join(dir.root, f))),
    );
    for (const secret of ['RAW-SUBJECT-9f8e7d', 'ZHANG*', 'ISSUER-REASON', 'PHC1:', text.slice(5, 60)]) {
      expect(bytes.includes(Buffer.from(secret)), secret).toBe(false);
    }
    expect(fs.statSync(dir.path(DATA_FILES.holderSecret)).mode & 0o777).toBe(0o600);
  });

  it('pseudonyms: same holder same value, another kiosk another value', async () => {
    const a = new HolderPseudonym(Buffer.alloc(32, 1));
    const b = new HolderPseudonym(Buffer.alloc(32, 2));
    expect(a.of('CN-ZJ', 'x')).toBe(a.of('CN-ZJ', 'x'));
    expect(a.of('CN-ZJ', 'x')).not.toBe(b.of('CN-ZJ', 'x'));
    expect(a.of('CN-ZJ', 'x')).not.toBe(a.of('CN-GD', 'x'));
  });

  it('anti-passback: the same holder again within the window is ALREADY_PASSED, in one batch or across', async () => {
    const { w, log, checkpoint } = await setUp({ antiPassbackSeconds: 120 });
    const text = await code(w.zj);
    const other = await code(w.zj, { sub: 'someone-else' });
    const [first, second, third] = await checkpoint.checkMany(
      [
        { text, temperatureC: 36.5, atMs: T0 * MS },
        { text, temperatureC: 36.5, atMs: T0 * MS + 10_000 },
        { text: other, temperatureC: 36.5, atMs: T0 * MS + 10_000 },
      ],
      { record: true },
    );
    expect([first!.verdict, second!.verdict, third!.verdict]).toEqual(['admit', 'deny', 'admit']);
    expect(second!.reasons.map((r) => r.code)).toEqual(['ALREADY_PASSED']);
    const later = await checkpoint.check({ text, temperatureC: 36.5, atMs: T0 * MS + 60_000 }, { record: true });
    expect(later.reasons.map((r) => r.code)).toEqual(['ALREADY_PASSED']);
    const muchLater = await checkpoint.check({ text, temperatureC: 36.5, atMs: T0 * MS + 130_000 }, { record: false });
    expect(muchLater.reasons.map((r) => r.code)).toEqual(['OK']);
    log.close();
  });

  it('a logged check raises the time floor: a clock set back is CLOCK_UNTRUSTED', async () => {
    const { w, log, checkpoint } = await setUp({ maxCodeAgeSeconds: 86_400 });
    await checkpoint.check({ text: await code(w.zj), temperatureC: 36.5, atMs: T0 * MS }, { record: true });
    const back = await checkpoint.check({ text: await code(w.zj, { iat: T0 - 7200 }), temperatureC: 36.5, atMs: (T0 - 3600) * MS }, { record: true });
    expect(back.verdict).toBe('review');
    expect(back.clockState).toBe('untrusted');
    expect(back.reasons.map((r) => r.code)).toEqual(['CLOCK_UNTRUSTED']);
    expect([...log.list()].at(-1)?.clockState).toBe('untrusted');
    log.close();
  });

  it('--no-log checks leave no row and do not raise the floor', async () => {
    const { w, log, checkpoint } = await setUp();
    const out = await checkpoint.check({ text: await code(w.zj), temperatureC: 36.5, atMs: T0 * MS }, { record: false });
    expect(out.checkId).toBeNull();
    expect(log.count().total).toBe(0);
    expect(new TimeFloor(log).currentMs(null)).toBeNull();
    log.close();
  });

  it('the time floor only rises', () => {
    const log = CheckLog.open(file);
    const floor = new TimeFloor(log);
    // Raised by evidence, here the server's time from a good answer (main/sync); an earlier time lowers nothing.
    expect(floor.offerServerTime(5000, { nowMs: 5000, trust: null })).toBe('recorded');
    expect(floor.offerServerTime(3000, { nowMs: 5000, trust: null })).toBe('not-newer');
    expect(floor.currentMs(null)).toBe(5000);
    expect(floor.currentMs(10)).toBe(10_000);
    // A check is evidence when the checkpoint logs it at a trusted clock (above), not any row
    // in the log: the newest row may come from a clock that ran far ahead.
    log.append([record(0)]);
    expect(floor.currentMs(null)).toBe(5000);
    log.close();
  });
});
