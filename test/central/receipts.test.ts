// Receipts and what a kiosk reports of itself (issue 16), on both backends:
// the service's own key, one per store, handed out at enrollment and
// printed by `sentinel central key`; a signed receipt on every stored batch
// that the kiosk's own check (main/sync/receipt.ts) accepts, naming exactly
// what was answered; the kiosk's chain head kept per device, with one alert
// for a truncated or a rewritten history and none for a growing one or a
// late delivery; the status object kept with its clock offset, an invalid one
// ignored while the batch is stored; an old kiosk served as before.
import { compactVerify, importJWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { clockOffsetMs, judgeChain, kioskReport, listAlerts, readChainHead, LATE_WINDOW_MS, MAX_CLOCK_OFFSET_MS } from '../../central/alerts.js';
import { CentralService } from '../../central/service.js';
import { currentServiceKey } from '../../central/service-key.js';
import type { CentralStore } from '../../central/store.js';
import { runSentinel } from '../../main/cli/run.js';
import type { KioskSyncStatus } from '../../main/contract/sync-status.js';
import type { DeviceIdentity } from '../../main/device/device-key.js';
import { checkReceipt } from '../../main/sync/receipt.js';
import { readServiceKey } from '../../main/sync/service-pin.js';
import { BACKENDS } from './backends.js';
import { enroll, newDevice, payloadOf, postChecks, sign, wireChecks, wireEvent, type Answer } from './kiosks.js';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const HEAD = (n: number): string => n.toString(16).padStart(64, '0');

function status(over: Partial<KioskSyncStatus> = {}): KioskSyncStatus {
  return {
    appVersion: '0.1.0',
    sentAtMs: NOW,
    bundleSeq: 17,
    bundleExpiresAtMs: NOW + 30 * 86_400_000,
    policyVersion: 2,
    backlog: 3,
    oldestPendingAtMs: NOW - 60_000,
    devices: { thermometer: 'ok', scanner: 'none', gate: 'ready' },
    gate: { notPassedToday: 1, tailgatesToday: 0 },
    ...over,
  };
}

function cli(args: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  return runSentinel(args, { out: (t) => void out.push(t), err: (t) => void err.push(t), stdin: process.stdin, clock: Date.now }).then((code) => ({
    status: code,
    out: out.join(''),
    err: err.join(''),
  }));
}

describe('chain heads and clock offsets (pure)', () => {
  it('reads a chain member strictly and judges it against the last one', () => {
    expect(readChainHead({ length: 12, head: HEAD(12), atMs: NOW })).toEqual({ length: 12, head: HEAD(12), atMs: NOW });
    expect(readChainHead({ length: 12, head: HEAD(12) })).toEqual({ length: 12, head: HEAD(12), atMs: null });
    for (const bad of [null, 'x', { length: -1, head: 'a' }, { length: 1.5, head: 'a' }, { length: 1, head: '' }, { length: 1, head: 'a b' }, { length: 1, head: 'a', atMs: 'now' }]) {
      expect(readChainHead(bad)).toBeNull();
    }
    const at = (length: number, head: string, atMs: number | null = NOW): { length: number; head: string; atMs: number | null } => ({ length, head, atMs });
    expect(judgeChain(null, at(5, HEAD(5)))).toBe('first');
    expect(judgeChain(at(5, HEAD(5)), at(9, HEAD(9)))).toBe('grown');
    expect(judgeChain(at(5, HEAD(5)), at(5, HEAD(5)))).toBe('same');
    expect(judgeChain(at(5, HEAD(5)), at(5, HEAD(6)))).toBe('rewritten');
    expect(judgeChain(at(9, HEAD(9)), at(5, HEAD(5), NOW + 1000))).toBe('truncated');
    expect(judgeChain(at(9, HEAD(9)), at(5, HEAD(5), NOW - 1000))).toBe('late');
    expect(judgeChain(at(9, HEAD(9)), at(5, HEAD(5), NOW - LATE_WINDOW_MS - 1))).toBe('truncated');
    expect(judgeChain(at(9, HEAD(9), null), at(5, HEAD(5), NOW - 1000))).toBe('truncated');
    expect(clockOffsetMs(NOW + 1500, NOW)).toBe(1500);
    expect(clockOffsetMs(Date.UTC(2000, 0, 1), NOW)).toBe(-MAX_CLOCK_OFFSET_MS);
  });
});

describe.each(BACKENDS)('receipts and kiosk reports on $name', (backend) => {
  let store: CentralStore;
  let a: CentralService;
  let b: CentralService;
  let now = NOW;
  const logged: string[] = [];

  beforeAll(async () => {
    store = await backend.freshStore();
    const other = await backend.secondProcess(store);
    a = new CentralService({ store, clock: () => now, log: (line) => void logged.push(line) });
    b = new CentralService({ store: other, clock: () => now, log: (line) => void logged.push(line) });
    await a.listen();
    await b.listen();
    return async () => {
      await a.close();
      await b.close();
    };
  });

  async function enrolledDevice(): Promise<{ device: DeviceIdentity; serviceKey: unknown }> {
    const device = await newDevice();
    const r = await enroll(a.url, store, device, { nowMs: now });
    expect(r.status).toBe(200);
    return { device, serviceKey: r.json?.serviceKey };
  }

  /** A batch with the given report members, posted to a service process. */
  async function push(
    service: CentralService,
    device: DeviceIdentity,
    report: { chain?: unknown; status?: unknown },
    checks = wireChecks(2, now - 3_600_000),
  ): Promise<Answer & { batch: string; ids: string[] }> {
    const batch = crypto.randomUUID();
    const answer = await postChecks(service.url, await sign(device, { ...payloadOf(device, checks, [], batch), ...report }));
    expect(answer.status, answer.text).toBe(200);
    return { ...answer, batch, ids: checks.map((c) => c.checkId) };
  }

  it('one key per store: made once though both processes ask at the same moment, handed out at enrollment, printed by sentinel central key', async () => {
    const [ka, kb] = await Promise.all([a.serviceKey(), b.serviceKey()]);
    expect(ka.kid).toBe(kb.kid);
    expect((await store.sql.query('SELECT count(*) AS n FROM service_keys')).map((r) => Number(r.n))).toEqual([1]);
    expect((await currentServiceKey(store.sql))?.kid).toBe(ka.kid);
    const { serviceKey } = await enrolledDevice();
    // What the kiosk pins: public members only, its kid its RFC 7638 thumbprint.
    expect(serviceKey).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: ka.kid, alg: 'ES256', use: 'sig' });
    expect(readServiceKey(serviceKey).kid).toBe(ka.kid);
    expect(JSON.stringify(serviceKey)).not.toMatch(/"d"/);

    // The admin command on a store of its own: made on first need, the same key the second time.
    const location = await backend.location();
    const STORE = location.kind === 'postgres' ? ['--db', location.url] : ['--data', location.dir];
    const first = await cli(['central', 'key', '--json', ...STORE]);
    expect(first.status, first.err).toBe(0);
    const printed = JSON.parse(first.out) as { kid: string; jwk: Record<string, unknown>; createdAt: string };
    expect(printed.jwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: printed.kid, alg: 'ES256' });
    expect(printed.jwk.d).toBeUndefined();
    const human = await cli(['central', 'key', ...STORE]);
    expect(human.out).toMatch(new RegExp(`^service key ${printed.kid.replace(/-/g, '\\-')} \\(ES256, made ${printed.createdAt.replace(/[.]/g, '\\.')}\\)`));
    expect(JSON.parse(human.out.split('\n')[1]!)).toEqual(printed.jwk);
    expect(printed.kid).not.toBe(ka.kid);
  }, 120_000);

  it("an enrollment token never starts with '-' (after `sentinel enroll URL` it would be read as an option)", async () => {
    const tokens = await Promise.all(Array.from({ length: 200 }, () => store.createEnrollToken({ gate: null, station: null, ttlMinutes: 1, nowMs: now })));
    expect(tokens.filter((t) => t.token.startsWith('-'))).toEqual([]);
    expect(tokens.every((t) => /^[A-Za-z0-9_-]{43}$/.test(t.token))).toBe(true);
  });

  it('every stored batch is answered with the lists of spec §6 and a receipt over them, which the kiosk accepts from either process', async () => {
    const { device, serviceKey } = await enrolledDevice();
    const pinned = readServiceKey(serviceKey);
    const key = (await importJWK({ kty: 'EC', crv: 'P-256', x: pinned.x, y: pinned.y }, 'ES256')) as CryptoKey;
    const checks = wireChecks(5, now - 7_200_000);
    const events = [wireEvent(now - 3_600_000)];
    const chain = { length: 6, head: HEAD(6), atMs: now };
    for (const [service, expected] of [
      [a, { accepted: [...checks.map((c) => c.checkId), events[0]!.eventId], duplicate: [] as string[] }],
      [b, { accepted: [] as string[], duplicate: [...checks.map((c) => c.checkId), events[0]!.eventId] }],
    ] as const) {
      const batch = crypto.randomUUID();
      const r = await postChecks(service.url, await sign(device, { ...payloadOf(device, checks, events, batch), chain }));
      expect(r.status).toBe(200);
      expect(Object.keys(r.json!)).toEqual(['accepted', 'duplicate', 'receipt']);
      expect({ accepted: r.json!.accepted, duplicate: r.json!.duplicate }).toEqual(expected);
      const receipt = String(r.json!.receipt);
      const { payload, protectedHeader } = await compactVerify(receipt, key);
      expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'phc-receipt+jwt', kid: pinned.kid });
      expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ device: device.deviceId, batch, ...expected, chain, at: new Date(now).toISOString() });
      expect(await checkReceipt(receipt, { kid: pinned.kid, key }, { device: device.deviceId, batch, ...expected })).toEqual({ ok: true, at: new Date(now).toISOString() });
      // Held against another batch, another device, or lists it does not name, the same receipt vouches for nothing.
      expect(await checkReceipt(receipt, { kid: pinned.kid, key }, { device: device.deviceId, batch: crypto.randomUUID(), ...expected })).toMatchObject({ ok: false });
      expect(await checkReceipt(receipt, { kid: pinned.kid, key }, { device: 'another', batch, ...expected })).toMatchObject({ ok: false });
      const more = { accepted: [...expected.accepted, 'x-1'], duplicate: expected.duplicate };
      expect(await checkReceipt(receipt, { kid: pinned.kid, key }, { device: device.deviceId, batch, ...more })).toMatchObject({ ok: false, reason: expect.stringMatching(/exactly the ids/) });
    }
  });

  it('a growing chain raises nothing; a truncated one and a rewritten one raise one alert each, and their checks are stored all the same', async () => {
    const device = await enrolledDevice();
    const other = await enrolledDevice();
    const alertsOf = (id: string): Promise<{ kind: string; detail: Record<string, unknown> }[]> => listAlerts(store.sql, { deviceId: id });
    // Growing, including the same head again (a retry) and one from a batch given up on that arrives late.
    await push(a, device.device, { chain: { length: 10, head: HEAD(10), atMs: now } });
    now += 30_000;
    await push(b, device.device, { chain: { length: 25, head: HEAD(25), atMs: now } });
    await push(a, device.device, { chain: { length: 25, head: HEAD(25), atMs: now } });
    await push(b, device.device, { chain: { length: 18, head: HEAD(18), atMs: now - 20_000 } });
    now += 30_000;
    await push(a, device.device, { chain: { length: 40, head: HEAD(40), atMs: now } });
    expect(await alertsOf(device.device.deviceId)).toEqual([]);
    expect((await kioskReport(store.sql, device.device.deviceId))?.chain).toEqual({ length: 40, head: HEAD(40), atMs: now });

    // Truncated: an older copy of the log put back, the clock going on.
    now += 60_000;
    const truncated = await push(b, device.device, { chain: { length: 31, head: HEAD(31), atMs: now } });
    // Grows again from there: nothing more.
    now += 30_000;
    await push(a, device.device, { chain: { length: 33, head: HEAD(33), atMs: now } });
    // Rewritten: the same length under another head.
    now += 30_000;
    const rewritten = await push(b, device.device, { chain: { length: 33, head: HEAD(0xbad), atMs: now } });
    const raised = await alertsOf(device.device.deviceId);
    expect(raised.map((x) => x.kind)).toEqual(['chain-rewritten', 'chain-truncated']);
    expect(raised[1]!.detail).toEqual({ batch: truncated.batch, before: { length: 40, head: HEAD(40), atMs: now - 120_000 }, after: { length: 31, head: HEAD(31), atMs: now - 60_000 } });
    expect(raised[0]!.detail).toMatchObject({ batch: rewritten.batch, before: { length: 33, head: HEAD(33) }, after: { length: 33, head: HEAD(0xbad) } });
    expect((await listAlerts(store.sql, { deviceId: device.device.deviceId })).every((x) => x.clearedAt === null)).toBe(true);
    // Both batches were stored: the checks are real.
    for (const r of [truncated, rewritten]) expect(r.json?.accepted).toEqual(r.ids);
    const stored = await store.sql.query('SELECT check_id FROM checks WHERE device_id = $1', [device.device.deviceId]);
    expect(stored.length).toBe(8 * 2);
    // Said in the service's log, with the device; and another kiosk is not concerned.
    expect(logged.filter((l) => l.startsWith('alert chain-'))).toEqual([
      expect.stringMatching(new RegExp(`^alert chain-truncated for device ${device.device.deviceId}`)),
      expect.stringMatching(new RegExp(`^alert chain-rewritten for device ${device.device.deviceId}`)),
    ]);
    await push(a, other.device, { chain: { length: 3, head: HEAD(3), atMs: now } });
    expect(await alertsOf(other.device.deviceId)).toEqual([]);
  });

  it('the status is kept whole with when it came and the clock offset; an invalid one is ignored and the batch stored; an old kiosk is served as before', async () => {
    const { device } = await enrolledDevice();
    now += 60_000;
    // A kiosk 90 s behind, with a member the shape does not have (dropped).
    const sent = status({ sentAtMs: now - 90_000 });
    await push(a, device, { status: { ...sent, holderName: 'Zhang San' } });
    const report = await kioskReport(store.sql, device.deviceId);
    expect(report).toMatchObject({ status: sent, statusAt: new Date(now).toISOString(), clockOffsetMs: -90_000 });
    const [row] = await store.sql.query('SELECT status, last_seen_at FROM devices WHERE id = $1', [device.deviceId]);
    expect(JSON.stringify(row!.status)).not.toMatch(/Zhang|holderName/);
    expect(new Date(row!.last_seen_at as string).getTime()).toBe(now);

    // Invalid: stored anyway, the status as it was.
    now += 60_000;
    for (const bad of [{ ...sent, appVersion: 7 }, { ...sent, devices: { thermometer: 'on fire', scanner: 'ok', gate: 'none' } }, 'status', [sent]]) {
      const r = await push(b, device, { status: bad });
      expect(r.json?.accepted).toEqual(r.ids);
    }
    expect(await kioskReport(store.sql, device.deviceId)).toMatchObject({ status: sent, clockOffsetMs: -90_000 });
    const [seen] = await store.sql.query('SELECT last_seen_at FROM devices WHERE id = $1', [device.deviceId]);
    expect(new Date(seen!.last_seen_at as string).getTime()).toBe(now);

    // A newer one replaces it; one from a request given up on and stored late does not.
    const newer = status({ sentAtMs: now + 2000, backlog: 0, devices: { thermometer: 'offline', scanner: 'ok', gate: 'out-of-order' } });
    await push(a, device, { status: newer });
    await push(b, device, { status: status({ sentAtMs: now - 10_000 }) });
    expect(await kioskReport(store.sql, device.deviceId)).toMatchObject({ status: newer, clockOffsetMs: 2000 });
    // A kiosk whose clock stands at the year 2000 is recorded at the column's bound; its status keeps the truth.
    const lost = status({ sentAtMs: Date.UTC(2000, 0, 1) });
    await push(a, device, { status: lost });
    expect(await kioskReport(store.sql, device.deviceId)).toMatchObject({ status: lost, clockOffsetMs: -MAX_CLOCK_OFFSET_MS });

    // A kiosk from before (no chain, no status): stored and answered as ever, a receipt beside; nothing noted.
    const old = await enrolledDevice();
    const r = await push(b, old.device, {});
    expect(r.json).toEqual({ accepted: r.ids, duplicate: [], receipt: expect.any(String) });
    expect(await kioskReport(store.sql, old.device.deviceId)).toEqual({ chain: null, status: null, statusAt: null, clockOffsetMs: null });
    expect(await listAlerts(store.sql, { deviceId: old.device.deviceId })).toEqual([]);
    // A chain that is not one is ignored likewise: stored, nothing noted, its receipt says none.
    const odd = await push(a, old.device, { chain: { length: 'many', head: HEAD(1) } });
    expect(odd.json?.accepted).toEqual(odd.ids);
    expect((await kioskReport(store.sql, old.device.deviceId))?.chain).toBeNull();
    expect(JSON.parse(Buffer.from(String(odd.json?.receipt).split('.')[1]!, 'base64url').toString())).toMatchObject({ chain: null });
  });
});
