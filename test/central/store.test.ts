// The central store on both backends: one schema by numbered migrations
// (also when two processes migrate at once), partitions made on demand and
// dropped whole by retention, exactly-once storage by id, single-use tokens,
// bundles that only move forward — the same SQL on PGlite and PostgreSQL.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { publishBundle } from '../../central/bundles.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from '../../central/migrations.js';
import { openSql } from '../../central/open-store.js';
import { dropExpiredPartitions, ensurePartitions, monthExpired, partitionMonths, partitionName, type Month } from '../../central/partitions.js';
import { readSyncPayload } from '../../central/batch.js';
import { Refused } from '../../central/refused.js';
import { CentralService } from '../../central/service.js';
import { StoreUnusable } from '../../central/sql.js';
import { LOCK_FILE, StoreBusy, lockStore } from '../../central/store-lock.js';
import { CentralStore, hashToken } from '../../central/store.js';
import { readDeviceJwk } from '../../central/device-keys.js';
import { BundleRefused } from '../../main/verify/trust.js';
import { newSigningKey, signBundle } from '../../main/issuer/sign.js';
import { tempDir } from '../fixtures/tmp.js';
import { makeWorld } from '../fixtures/world.js';
import { BACKENDS, POSTGRES } from './backends.js';
import { newDevice, payloadOf, wireCheck, wireChecks, wireEvent } from './kiosks.js';
import type { DeviceIdentity } from '../../main/device/device-key.js';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0); // 2026-12-02T12:00Z

async function enrolled(store: CentralStore, nowMs = NOW): Promise<DeviceIdentity> {
  const device = await newDevice();
  const { token } = await store.createEnrollToken({ gate: 'G1', station: 'S1', ttlMinutes: 10, nowMs });
  const { id, jwk } = await readDeviceJwk(device.jwk);
  await store.enroll({ token, id, jwk, nowMs });
  return device;
}

/** A batch as the service hands it to the store once read (the signature is the service's business). */
function batch(device: DeviceIdentity, checks: readonly unknown[], events: readonly unknown[] = []) {
  return readSyncPayload(new TextEncoder().encode(JSON.stringify(payloadOf(device, checks, events))), device.deviceId);
}

async function storedIds(store: CentralStore, deviceId?: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const c of store.checks(deviceId === undefined ? {} : { deviceId })) ids.push(c.checkId);
  return ids;
}

describe.each(BACKENDS)('the central store on $name', (backend) => {
  it('is at the newest schema after opening; opening again applies nothing; a store from a newer Sentinel is refused', async () => {
    const store = await backend.freshStore();
    expect(await schemaVersion(store.sql)).toBe(SCHEMA_VERSION);
    expect(await migrate(store.sql)).toEqual([]);
    const tables = await store.sql.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'checks\\_%' ORDER BY 1");
    expect(tables.map((t) => t.name)).toEqual([
      'alerts',
      'bundles',
      'checks',
      'devices',
      'enroll_tokens',
      'events',
      'operator_sessions',
      'operators',
      'schema_migrations',
      'service_keys',
      'service_settings',
    ]);
    await store.sql.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', now())");
    await expect(migrate(store.sql)).rejects.toThrow(StoreUnusable);
    await expect(migrate(store.sql)).rejects.toThrow(`schema version 99, newer than this Sentinel knows (${SCHEMA_VERSION})`);
  });

  it('makes the partitions of the months a batch touches, once, also when asked twice at once', async () => {
    const store = await backend.freshStore();
    const months: Month[] = [
      { year: 2026, month: 11 },
      { year: 2026, month: 12 },
      { year: 2027, month: 1 },
    ];
    await Promise.all([ensurePartitions(store.sql, months), ensurePartitions(store.sql, [...months].reverse())]);
    expect((await partitionMonths(store.sql)).map(partitionName)).toEqual(['checks_2026_11', 'checks_2026_12', 'checks_2027_01']);
    // A check at the last millisecond of a month is in that month's partition, the next in the next.
    const device = await enrolled(store);
    const edge = [wireCheck(Date.UTC(2026, 11, 31, 23, 59, 59, 999)), wireCheck(Date.UTC(2027, 0, 1))];
    // Stored on New Year's Day: a check more than a day ahead of the service's clock is held back.
    await store.storeBatch(batch(device, edge), Date.UTC(2027, 0, 1, 12));
    const rows = await store.sql.query<{ part: string; id: string }>('SELECT tableoid::regclass::text AS part, check_id AS id FROM checks ORDER BY at');
    expect(rows.map((r) => r.part)).toEqual(['checks_2026_12', 'checks_2027_01']);
  });

  it('takes a month partitioned by someone else (under another name) as there, rather than failing the batch', async () => {
    const store = await backend.freshStore();
    await store.sql.query("CREATE TABLE checks_july PARTITION OF checks FOR VALUES FROM ('2027-07-01T00:00:00Z') TO ('2027-08-01T00:00:00Z')");
    await ensurePartitions(store.sql, [{ year: 2027, month: 7 }]);
    const device = await enrolled(store);
    const july = wireCheck(Date.UTC(2027, 6, 14));
    expect((await store.storeBatch(batch(device, [july]), Date.UTC(2027, 6, 14, 12))).accepted).toEqual([july.checkId]);
    expect(await store.sql.query('SELECT tableoid::regclass::text AS part FROM checks')).toEqual([{ part: 'checks_july' }]);
  });

  it('stores every check and event exactly once by id: a repeat is duplicate, an overlap partly so, an id twice in one batch once', async () => {
    const store = await backend.freshStore();
    const device = await enrolled(store);
    const first = wireChecks(10, NOW - 3_600_000);
    const events = [wireEvent(NOW - 60_000), wireEvent(NOW - 30_000, 'pin/failed')];
    const a = await store.storeBatch(batch(device, first, events), NOW);
    expect(a.accepted).toEqual([...first.map((c) => c.checkId), ...events.map((e) => e.eventId)]);
    expect(a.duplicate).toEqual([]);
    const again = await store.storeBatch(batch(device, first, events), NOW);
    expect(again.accepted).toEqual([]);
    expect(again.duplicate).toEqual(a.accepted);
    const more = wireChecks(4, NOW - 1_800_000);
    const overlap = await store.storeBatch(batch(device, [...first.slice(6), ...more, more[0]]), NOW);
    expect(overlap.duplicate).toEqual(first.slice(6).map((c) => c.checkId));
    expect(overlap.accepted).toEqual(more.map((c) => c.checkId));
    expect((await storedIds(store)).sort()).toEqual([...first, ...more].map((c) => c.checkId).sort());
    expect(await store.countChecks()).toBe(14);
    const stored = (await store.events(device.deviceId)).map((e) => e.type);
    expect(stored).toEqual(['config/changed', 'pin/failed']);
    // What is stored is exactly what was sent, plus who sent it in which batch.
    const [one] = await (async () => {
      const out = [];
      for await (const c of store.checks({ deviceId: device.deviceId, pageSize: 1 })) out.push(c);
      return out;
    })();
    expect(one).toEqual({ ...first[0], device: device.deviceId, batch: expect.stringMatching(/^[0-9a-f-]{36}$/), receivedAt: new Date(NOW).toISOString() });
  });

  it("stores a traveller's NUL or lone surrogate (in a code's kid or issuer, an event's text) as U+FFFD, where PostgreSQL would fail the whole batch", async () => {
    const store = await backend.freshStore();
    const device = await enrolled(store);
    const [c] = wireChecks(1, NOW - 60_000);
    const odd = { ...c!, kid: 'a\u0000b', issuer: 'CN-\uD800ZJ\uDC00', status: 'gr\u0000een' };
    const e = { ...wireEvent(NOW - 30_000), actor: 'tech\u0000', detail: { 'k\u0000': ['v\uDBFF', { deeper: '\u0000' }], fine: '\uD83D\uDE00' } };
    const answer = await store.storeBatch(batch(device, [odd], [e]), NOW);
    expect(answer.accepted).toEqual([c!.checkId, e.eventId]);
    const [stored] = await (async () => {
      const out = [];
      for await (const x of store.checks({ deviceId: device.deviceId })) out.push(x);
      return out;
    })();
    expect(stored).toMatchObject({ kid: 'a\uFFFDb', issuer: 'CN-\uFFFDZJ\uFFFD', status: 'gr\uFFFDeen' });
    const [event] = await store.events(device.deviceId);
    expect(event).toMatchObject({ actor: 'tech\uFFFD', detail: { 'k\uFFFD': ['v\uFFFD', { deeper: '\uFFFD' }], fine: '\uD83D\uDE00' } });
  });

  it('holds back a check dated more than a day ahead of its clock (no partition made for it), and takes one an hour ahead', async () => {
    const store = await backend.freshStore();
    const device = await enrolled(store);
    const soon = wireCheck(NOW + 3_600_000);
    const far = wireCheck(Date.UTC(2099, 5, 1));
    const answer = await store.storeBatch(batch(device, [soon, far]), NOW);
    expect(answer.accepted).toEqual([soon.checkId]);
    expect(answer.held).toEqual([{ id: far.checkId, kind: 'check', reason: expect.stringMatching(/more than a day ahead/) }]);
    const parts = await store.sql.query<{ name: string }>("SELECT relname AS name FROM pg_class WHERE relname LIKE 'checks\\_2099%'");
    expect(parts).toEqual([]);
    expect(answer.alerts.map((a) => a.kind)).toEqual(['checks-held-back']);
  });

  it('stores nothing from a device revoked, or never enrolled, when the batch is written', async () => {
    const store = await backend.freshStore();
    const device = await enrolled(store);
    expect((await store.revoke(device.deviceId, NOW)).result).toBe('revoked');
    expect((await store.revoke(device.deviceId, NOW + 1000)).result).toBe('already-revoked');
    expect((await store.revoke('no-such-device', NOW)).result).toBe('unknown');
    const err = await store.storeBatch(batch(device, wireChecks(3, NOW - 60_000), [wireEvent(NOW)]), NOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Refused);
    expect((err as Refused).status).toBe(403);
    const stranger = await newDevice();
    expect(((await store.storeBatch(batch(stranger, wireChecks(1, NOW)), NOW).catch((e: unknown) => e)) as Refused).status).toBe(401);
    expect(await store.countChecks()).toBe(0);
    expect(await store.events()).toEqual([]);
  });

  it('retention drops whole months past the period with their checks, keeps the rest, and a late check of a dropped month is not stored again', async () => {
    const loose = await backend.freshStore({ retentionDays: 3650 });
    const device = await enrolled(loose, Date.UTC(2026, 7, 1));
    const at = (month: number, day: number): number => Date.UTC(2026, month - 1, day, 9);
    const byMonth = { 9: [wireCheck(at(9, 30))], 10: [wireCheck(at(10, 1)), wireCheck(at(10, 31))], 11: [wireCheck(at(11, 5)), wireCheck(at(11, 20))], 12: [wireCheck(at(12, 1))] };
    await loose.storeBatch(batch(device, Object.values(byMonth).flat()), at(12, 1));
    expect((await partitionMonths(loose.sql)).map(partitionName)).toEqual(['checks_2026_09', 'checks_2026_10', 'checks_2026_11', 'checks_2026_12']);
    // On 2 December with 21 days: the cut is 11 November, so September and October (ended 1 November) go; November stays whole.
    expect(monthExpired({ year: 2026, month: 10 }, NOW, 21)).toBe(true);
    expect(monthExpired({ year: 2026, month: 11 }, NOW, 21)).toBe(false);
    expect(await dropExpiredPartitions(loose.sql, { nowMs: NOW, retentionDays: 21 })).toEqual(['checks_2026_09', 'checks_2026_10']);
    expect((await partitionMonths(loose.sql)).map(partitionName)).toEqual(['checks_2026_11', 'checks_2026_12']);
    expect((await storedIds(loose)).sort()).toEqual([...byMonth[11], ...byMonth[12]].map((c) => c.checkId).sort());
    expect(await dropExpiredPartitions(loose.sql, { nowMs: NOW, retentionDays: 21 })).toEqual([]);
    // A kiosk away for weeks sends an October check now: answered stored (retention took it), kept nowhere.
    const strict = new CentralStore(loose.sql, { retentionDays: 21 });
    const late = wireCheck(at(10, 15));
    const fresh = wireCheck(NOW - 1000);
    const answer = await strict.storeBatch(batch(device, [late, fresh]), NOW);
    expect(answer).toEqual({ accepted: [fresh.checkId, late.checkId], duplicate: [], pastRetention: [late.checkId], held: [], alerts: [] });
    expect((await partitionMonths(loose.sql)).map(partitionName)).toEqual(['checks_2026_11', 'checks_2026_12']);
    expect(await loose.countChecks()).toBe(4);
    // And at a later date the rest goes too.
    expect(await dropExpiredPartitions(loose.sql, { nowMs: Date.UTC(2027, 1, 1), retentionDays: 21 })).toEqual(['checks_2026_11', 'checks_2026_12']);
    expect(await loose.countChecks()).toBe(0);
  });

  it('the service runs retention when it starts and then every interval', async () => {
    let now = Date.UTC(2026, 9, 20);
    const loose = await backend.freshStore({ retentionDays: 3650 });
    const device = await enrolled(loose, now);
    await loose.storeBatch(batch(device, [wireCheck(Date.UTC(2026, 7, 10)), wireCheck(Date.UTC(2026, 8, 10)), wireCheck(Date.UTC(2026, 9, 10))]), now);
    const store = new CentralStore(loose.sql, { retentionDays: 21 });
    const later: string[][] = [];
    const service = new CentralService({ store, clock: () => now, retentionIntervalMs: 40, log: () => undefined });
    try {
      // 20 October less 21 days is 29 September: August has gone by, September not yet wholly.
      expect(await service.startRetention((names) => later.push(names))).toEqual(['checks_2026_08']);
      now = Date.UTC(2026, 10, 25);
      await vi.waitFor(() => expect(later).toEqual([['checks_2026_09', 'checks_2026_10']]), { timeout: 5000, interval: 20 });
      expect(await store.countChecks()).toBe(0);
    } finally {
      await service.close();
    }
  });

  it('reads stored checks in time order a page at a time, by time and by device', async () => {
    const store = await backend.freshStore();
    const one = await enrolled(store);
    const two = await enrolled(store);
    const a = wireChecks(7, NOW - 7 * 60_000);
    const b = wireChecks(3, NOW - 5 * 60_000 + 500);
    await store.storeBatch(batch(one, a), NOW);
    await store.storeBatch(batch(two, b), NOW);
    const all: string[] = [];
    for await (const c of store.checks({ pageSize: 2 })) all.push(c.at);
    expect(all).toHaveLength(10);
    expect([...all].sort()).toEqual(all);
    expect(await storedIds(store, two.deviceId)).toEqual(b.map((c) => c.checkId));
    const since: string[] = [];
    for await (const c of store.checks({ sinceMs: Date.parse(a[5]!.at), pageSize: 3 })) since.push(c.checkId);
    expect(since.sort()).toEqual([a[5]!, a[6]!, ...b].map((c) => c.checkId).sort());
  });

  it('enrollment tokens: kept only as a hash, single use even under two uses at once, refused when expired, and a revoked key never re-enrolled', async () => {
    const store = await backend.freshStore();
    const other = await backend.secondProcess(store);
    {
      const { token, expiresAt } = await store.createEnrollToken({ gate: 'G2', station: 'S2', ttlMinutes: 30, nowMs: NOW });
      expect(expiresAt).toBe(new Date(NOW + 30 * 60_000).toISOString());
      const rows = await store.sql.query('SELECT * FROM enroll_tokens');
      expect(JSON.stringify(rows)).not.toContain(token);
      expect(rows[0]!.token_hash).toBe(hashToken(token));
      const [d1, d2] = [await readDeviceJwk((await newDevice()).jwk), await readDeviceJwk((await newDevice()).jwk)];
      const results = await Promise.allSettled([store.enroll({ token, ...d1, nowMs: NOW }), other.enroll({ token, ...d2, nowMs: NOW })]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ status: 410, code: 'token-used' });
      expect((await store.devices()).map((d) => [d.gate, d.station])).toEqual([['G2', 'S2']]);

      const late = await store.createEnrollToken({ gate: null, station: null, ttlMinutes: 1, nowMs: NOW });
      await expect(store.enroll({ token: late.token, ...d2, nowMs: NOW + 60_000 })).rejects.toMatchObject({ status: 410, code: 'token-expired' });
      await expect(store.enroll({ token: 'not-a-token', ...d2, nowMs: NOW })).rejects.toMatchObject({ status: 401, code: 'unknown-token' });
      expect(await store.devices()).toHaveLength(1);

      const enrolledId = (await store.devices())[0]!.id;
      await store.revoke(enrolledId, NOW);
      const again = await store.createEnrollToken({ gate: 'G9', station: null, ttlMinutes: 10, nowMs: NOW });
      const same = enrolledId === d1.id ? d1 : d2;
      await expect(store.enroll({ token: again.token, ...same, nowMs: NOW })).rejects.toMatchObject({ status: 403, code: 'device-revoked' });
      // Refused as a whole: the token is still unused.
      expect((await store.sql.query('SELECT used_at FROM enroll_tokens WHERE token_hash = $1', [hashToken(again.token)]))[0]!.used_at).toBeNull();
    }
  });

  it('publishes a bundle only when it verifies with the pinned root and its seq is higher than the newest', async () => {
    const store = await backend.freshStore();
    const nowS = Math.floor(Date.now() / 1000);
    const world = await makeWorld({ seq: 17, iat: nowS - 3600, exp: nowS + 30 * 86_400 });
    const roots = world.roots;
    expect(await store.newestBundle()).toBeNull();
    const published = await publishBundle(store, world.bundle, roots, Date.now());
    expect(published).toMatchObject({ seq: 17, rootKid: 'root-test-1' });
    expect((await store.newestBundle())?.jws).toBe(world.bundle);
    const resign = (seq: number, over: Record<string, unknown> = {}): Promise<string> => signBundle({ ...world.bundlePayload, seq, ...over }, world.root);
    await expect(publishBundle(store, await resign(17), roots, Date.now())).rejects.toMatchObject({ problem: 'rollback' });
    await expect(publishBundle(store, await resign(16), roots, Date.now())).rejects.toMatchObject({ problem: 'rollback' });
    const foreignRoot = await newSigningKey('ES256', 'root-elsewhere');
    const foreign = await signBundle({ ...world.bundlePayload, seq: 30 }, foreignRoot);
    await expect(publishBundle(store, foreign, roots, Date.now())).rejects.toMatchObject({ problem: 'foreign-root' });
    // Signed by a key that calls itself the pinned root: its signature does not verify.
    const impostor = await signBundle({ ...world.bundlePayload, seq: 30 }, await newSigningKey('ES256', 'root-test-1'));
    await expect(publishBundle(store, impostor, roots, Date.now())).rejects.toMatchObject({ problem: 'bad-signature' });
    await expect(publishBundle(store, await resign(31, { exp: nowS - 60, iat: nowS - 7200 }), roots, Date.now())).rejects.toMatchObject({ problem: 'expired' });
    const tampered = (await resign(32)).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    await expect(publishBundle(store, tampered, roots, Date.now())).rejects.toBeInstanceOf(BundleRefused);
    await publishBundle(store, await resign(18), roots, Date.now());
    // Two publishes racing with the same seq: one wins, the other is a rollback.
    const racing = await Promise.allSettled([publishBundle(store, await resign(19), roots, Date.now()), publishBundle(store, await resign(19, { iss: 'CN-NHC' }), roots, Date.now())]);
    expect(racing.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await store.newestBundle())?.seq).toBe(19);
  });
});

describe('on PostgreSQL: two processes at once', () => {
  it('two services migrating one new database at the same moment: one applies each migration, the other finds it done', async () => {
    const location = await POSTGRES.location();
    const [a, b] = await Promise.all([openSql(location, 'a'), openSql(location, 'b')]);
    try {
      const applied = await Promise.all([migrate(a), migrate(b)]);
      expect(applied.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await schemaVersion(a)).toBe(SCHEMA_VERSION);
      // Partitions made by both at once, in opposite orders: no error, each once.
      const months: Month[] = Array.from({ length: 6 }, (_, i) => ({ year: 2027, month: i + 1 }));
      await Promise.all([ensurePartitions(a, months), ensurePartitions(b, [...months].reverse()), ensurePartitions(a, months.slice(2))]);
      expect((await partitionMonths(a)).map(partitionName)).toEqual(months.map(partitionName));
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("the embedded store's lock file", () => {
  it('is taken over from a process that is gone or a file half written, refused while its holder lives, and released only by its holder', async () => {
    const dir = tempDir('sentinel-central-lock-');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const file = path.join(dir, LOCK_FILE);
    fs.writeFileSync(file, JSON.stringify({ pid: Number(gone.stdout), role: 'serve', host: os.hostname(), since: '2026-01-01T00:00:00Z' }));
    const mine = lockStore(dir, 'devices');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, role: 'devices' });
    expect(() => lockStore(dir, 'checks')).toThrow(StoreBusy);
    expect(() => lockStore(dir, 'checks')).toThrow(new RegExp(`another sentinel central devices \\(pid ${process.pid}\\) holds the embedded store in ${dir}`));
    mine.release();
    expect(fs.existsSync(file)).toBe(false);
    fs.writeFileSync(file, '{"pid":');
    const after = lockStore(dir, 'serve');
    // A lock someone else holds now is not removed by a release of an older one.
    fs.writeFileSync(file, JSON.stringify({ pid: 1, role: 'serve', host: os.hostname(), since: 'x' }));
    after.release();
    expect(fs.existsSync(file)).toBe(true);
    expect(() => lockStore(dir, 'checks')).toThrow(/the central service \(pid 1, running since x\)/);
  });
});
