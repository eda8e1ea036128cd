// The clock and the time floor (spec §4): a clock behind the floor is
// judged at the floor, which proves "too late" and never "too early"; the
// floor rises only on authenticated, plausible evidence (the bundle's iat,
// the service's Date from a good answer over https or loopback, and checks
// logged at a trusted clock within a day of those two); a floor only the
// kiosk's own checks make proves "too late" only at the authenticated
// evidence; and a technician can see and lower it, and set the clock. Time
// is injected everywhere.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Checkpoint } from '../../main/checkpoint/checkpoint.js';
import { openCheckpoint } from '../../main/checkpoint/open-checkpoint.js';
import { clockCommand } from '../../main/cli/commands/clock.js';
import type { CommandIo } from '../../main/cli/command-io.js';
import { clockReport, resetFloor, type ClockRunner } from '../../main/clock/clock-recovery.js';
import { PLAUSIBLE_LEAD_MS } from '../../main/clock/time-evidence.js';
import { FLOOR_META, TimeFloor } from '../../main/clock/time-floor.js';
import { DEFAULT_POLICY, type Policy } from '../../main/contract/policy.js';
import type { Decision } from '../../main/contract/decision.js';
import type { ReasonCode } from '../../main/contract/reasons.js';
import { DataDir } from '../../main/data-dir.js';
import { decide } from '../../main/decide/decide.js';
import { loadOrCreateDeviceIdentity } from '../../main/device/device-key.js';
import { CheckLog, type CheckRecord } from '../../main/log/check-log.js';
import { uuidv7 } from '../../main/log/check-id.js';
import { HolderPseudonym } from '../../main/log/holder-pseudonym.js';
import { syncEndpoints, type SyncEndpoints } from '../../main/sync/endpoints.js';
import { SyncClient } from '../../main/sync/sync-client.js';
import { probeSyncEndpointIn } from '../../main/technician/selftest.js';
import { TrustStore } from '../../main/trust/trust-store.js';
import { verifyCode } from '../../main/verify/code.js';
import { checkRecord } from '../fixtures/check-records.js';
import { jsonLines, sentinel } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/tmp.js';
import { DAY, T0, code, makeWorld, type World } from '../fixtures/world.js';

const MS = 1000;
const HOUR = 3600;
const AT = new Date(T0 * MS).toISOString();
const Y2100_MS = Date.UTC(2100, 0, 1);
const DATE_2100 = new Date(Y2100_MS).toUTCString();

let w: World;
beforeAll(async () => {
  w = await makeWorld(); // bundle iat T0 − 1 day, exp T0 + 30 days
});

const codes = (d: Decision): ReasonCode[] => d.reasons.map((r) => r.code);

async function judge(text: string, c: { nowS: number; floorS: number | null; authS?: number | null; policy?: Partial<Policy>; lastAdmittedS?: number | null }): Promise<Decision> {
  return decide(await verifyCode(text, w.trust), {
    nowS: c.nowS,
    policy: { ...structuredClone(DEFAULT_POLICY), ...c.policy } as Policy,
    temperatureC: 36.6,
    trust: { iat: w.trust.info.iat, exp: w.trust.info.exp },
    timeFloorS: c.floorS,
    ...(c.authS !== undefined ? { authenticatedFloorS: c.authS } : {}),
    lastAdmittedS: c.lastAdmittedS ?? null,
  });
}

describe('decide: a clock behind the floor proves "too late", never "too early"', () => {
  // A dead RTC battery: the kiosk's clock is three days behind; the floor is its last check, an hour ago.
  const behind = { nowS: T0 - 3 * DAY, floorS: T0 - HOUR };

  it('a code issued a minute ago (true time) is reviewed CLOCK_UNTRUSTED, not denied NOT_YET_VALID; one expired at the floor is still denied', async () => {
    const fresh = await judge(await code(w.zj, { iat: T0 - 60, exp: T0 + HOUR }), behind);
    expect({ verdict: fresh.verdict, reasons: codes(fresh) }).toEqual({ verdict: 'review', reasons: ['CLOCK_UNTRUSTED'] });
    const withNbf = await judge(await code(w.zj, { iat: T0 - 60, nbf: T0 - 60, exp: T0 + HOUR }), behind);
    expect(codes(withNbf)).toEqual(['CLOCK_UNTRUSTED']);
    // Expired before the floor: the floor is a lower bound of the true time, so this is proven.
    const expired = await judge(await code(w.zj, { iat: T0 - 3 * HOUR, exp: T0 - 2 * HOUR }), { ...behind, policy: { maxCodeAgeSeconds: 86_400 } });
    expect({ verdict: expired.verdict, reasons: codes(expired) }).toEqual({ verdict: 'deny', reasons: ['EXPIRED', 'CLOCK_UNTRUSTED'] });
  });

  it('too old at the floor is still proven (CODE_TOO_OLD, TEST_TOO_OLD), beside a fresh code that is not', async () => {
    const policy = { natMaxAgeHours: 24 };
    const old = await judge(await code(w.zj, { iat: T0 - HOUR - 600, exp: T0 + HOUR, nat: T0 - 26 * HOUR }), { ...behind, policy });
    expect({ verdict: old.verdict, reasons: codes(old) }).toEqual({ verdict: 'deny', reasons: ['CODE_TOO_OLD', 'TEST_TOO_OLD', 'CLOCK_UNTRUSTED'] });
    const fresh = await judge(await code(w.zj, { iat: T0 - 30, exp: T0 + HOUR, nat: T0 - 2 * HOUR }), { ...behind, policy });
    expect(codes(fresh)).toEqual(['CLOCK_UNTRUSTED']);
  });

  it('anti-passback: an untrusted clock cannot prove "passed within N seconds"; neither can a pass logged in the future', async () => {
    const green = await code(w.zj, { iat: T0 - 30 });
    const policy = { antiPassbackSeconds: 120 };
    // Untrusted: judged at the floor, the last pass looks 10 s old — but the true time is unbounded above.
    const untrusted = await judge(green, { ...behind, policy, lastAdmittedS: T0 - HOUR - 10 });
    expect({ verdict: untrusted.verdict, reasons: codes(untrusted) }).toEqual({ verdict: 'review', reasons: ['CLOCK_UNTRUSTED'] });
    // Trusted clock, a pass logged an hour "ahead" (a clock that ran fast): no proof of a passback.
    expect(codes(await judge(green, { nowS: T0, floorS: null, policy, lastAdmittedS: T0 + HOUR }))).toEqual(['OK']);
    // Within the skew it still counts, and so does a pass in the past.
    expect(codes(await judge(green, { nowS: T0, floorS: null, policy, lastAdmittedS: T0 + 30 }))).toEqual(['ALREADY_PASSED']);
    expect(codes(await judge(green, { nowS: T0, floorS: null, policy, lastAdmittedS: T0 - 60 }))).toEqual(['ALREADY_PASSED']);
  });

  it('key validity needs no clock: a key used outside its window is refused whatever the clock, and a trusted clock still denies a code from the future', async () => {
    const early = await judge(await code(w.zjFuture, { kid: 'zj-2027-1', iat: T0 - 60 }), behind);
    expect(codes(early)).toEqual(['KEY_NOT_VALID_AT_ISSUE']);
    const future = await judge(await code(w.zj, { iat: T0 + 600, exp: T0 + HOUR }), { nowS: T0, floorS: T0 - HOUR });
    expect(codes(future)).toEqual(['NOT_YET_VALID']);
    // …and the same code with the clock three days behind its floor: only a guard can tell.
    expect(codes(await judge(await code(w.zj, { iat: T0 + 600, exp: T0 + HOUR }), behind))).toEqual(['CLOCK_UNTRUSTED']);
  });

  it("a floor only the kiosk's own checks make proves nothing: a fresh code is reviewed, not denied; one expired at the authenticated evidence still is", async () => {
    const fresh = await code(w.zj, { iat: T0 - 60, exp: T0 + HOUR });
    const expired = await code(w.zj, { iat: T0 - 3 * HOUR, exp: T0 - 2 * HOUR });
    const policy = { maxCodeAgeSeconds: 86_400 };
    // The checks floor is 20 h ahead (logged while the clock ran ahead); the service's Date was an hour ago; the clock is right again.
    const corrected = { nowS: T0, floorS: T0 + 20 * HOUR, authS: T0 - HOUR, policy };
    const f = await judge(fresh, corrected);
    expect({ verdict: f.verdict, reasons: codes(f) }).toEqual({ verdict: 'review', reasons: ['CLOCK_UNTRUSTED'] });
    const e = await judge(expired, corrected);
    expect({ verdict: e.verdict, reasons: codes(e) }).toEqual({ verdict: 'deny', reasons: ['EXPIRED', 'CLOCK_UNTRUSTED'] });
    // A dead RTC battery, three days behind: judged at the authenticated evidence, which still proves "expired".
    const reset = { nowS: T0 - 3 * DAY, floorS: T0 + 20 * HOUR, authS: T0 - HOUR, policy };
    expect(codes(await judge(fresh, reset))).toEqual(['CLOCK_UNTRUSTED']);
    expect(codes(await judge(expired, reset))).toEqual(['EXPIRED', 'CLOCK_UNTRUSTED']);
    // With the same floor authenticated (a service's Date), it is a proven lower bound: judged there.
    expect(codes(await judge(fresh, { ...corrected, authS: T0 + 20 * HOUR }))).toEqual(['EXPIRED', 'CLOCK_UNTRUSTED']);
  });
});

// ---- the floor's evidence ----

interface Kiosk {
  data: string;
  dir: DataDir;
  log: CheckLog;
  floor: TimeFloor;
  checkpoint(): Checkpoint;
  client(endpoints: SyncEndpoints, opts?: { fetch?: typeof fetch; clock?: () => number }): Promise<SyncClient>;
  close(): void;
}

const opened: Kiosk[] = [];
afterEach(() => {
  for (const k of opened.splice(0)) k.close();
});

/**
 * A data directory with the test world's bundle installed (iat T0 − 1 day),
 * its floor in this version's layout (older: as an older version left it).
 */
async function kiosk(policy: Partial<Policy> = {}, opts: { older?: boolean } = {}): Promise<Kiosk> {
  const data = tempDir('sentinel-clock-');
  const dir = DataDir.open(data, { create: true });
  await new TrustStore(dir).install(w.bundle, { nowS: T0, newRoots: w.roots });
  const log = CheckLog.openIn(dir);
  if (!opts.older) new TimeFloor(log).migrate({ iat: w.trust.info.iat, exp: w.trust.info.exp });
  const k: Kiosk = {
    data,
    dir,
    log,
    floor: new TimeFloor(log),
    checkpoint: () =>
      new Checkpoint({ trust: w.trust, policy: { version: 1, setAtMs: 0, policy: { ...structuredClone(DEFAULT_POLICY), ...policy } }, log, pseudonym: HolderPseudonym.forDataDir(dir) }),
    client: async (endpoints, opts = {}) =>
      new SyncClient({
        endpoints,
        log,
        device: await loadOrCreateDeviceIdentity(dir),
        trust: new TrustStore(dir),
        floor: new TimeFloor(log),
        clock: opts.clock ?? (() => T0 * MS),
        timeoutMs: 5000,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
      }),
    close: () => log.close(),
  };
  opened.push(k);
  return k;
}

const IAT_MS = (T0 - DAY) * MS;

/** The fixture's admission, logged at atMs (the clock's evidence is the time a check was logged). */
function record(atMs: number): CheckRecord {
  return checkRecord(0, { checkId: uuidv7(atMs), atMs, holder: 'p' });
}

/** The ids of the checks (and events) in a sync request's JWS body. */
function idsIn(jws: string): string[] {
  try {
    const p = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as { checks: { checkId: string }[]; events?: { eventId: string }[] };
    return [...p.checks.map((c) => c.checkId), ...(p.events ?? []).map((e) => e.eventId)];
  } catch {
    return [];
  }
}

interface Reply {
  status: number;
  date?: string;
  body?: string;
}

/** A tiny central service on loopback whose every answer (status, Date, body) the test chooses. */
async function service(reply: (req: http.IncomingMessage, ids: string[]) => Reply): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      const r = reply(req, idsIn(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(r.status, { date: r.date ?? DATE_2100, 'content-type': 'application/json' });
      res.end(req.method === 'HEAD' ? undefined : r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const stored = (ids: string[]): string => JSON.stringify({ accepted: ids, duplicate: [] });

function manualEndpoints(base: string): SyncEndpoints {
  return { base: new URL(base), checks: new URL('v1/checks', base), trustBundle: new URL('v1/trust-bundle', base) };
}

/** A fetch that never opens a socket: a 200 listing every id sent, with the given Date. */
function fakeFetch(date: string, seen: string[] = []): typeof fetch {
  return (async (url: URL | RequestInfo, init?: RequestInit) => {
    seen.push(String(url));
    const body = typeof init?.body === 'string' ? init.body : '';
    return new Response(stored(idsIn(body)), { status: 200, headers: { date, 'content-type': 'application/json' } });
  }) as typeof fetch;
}

describe("the server's Date: evidence only from an authenticated success", () => {
  it("a Date of 2100 from a 503, a 404 or the technician's probe raises nothing", async () => {
    const k = await kiosk();
    k.log.append([record(T0 * MS - 60_000)]);
    const svc = await service(() => ({ status: 503 }));
    try {
      const client = await k.client(syncEndpoints(svc.url));
      expect(await client.pushBatch()).toMatchObject({ kind: 'failed', reason: 'HTTP 503' });
      const notFound = await service(() => ({ status: 404 }));
      const bundleClient = await k.client(syncEndpoints(notFound.url));
      expect(await bundleClient.fetchBundle()).toMatchObject({ kind: 'failed', reason: 'HTTP 404' });
      await notFound.close();
      // Test connection to an address typed but not saved: answered 200, Date 2100.
      const up = await service(() => ({ status: 200 }));
      expect(await probeSyncEndpointIn(DataDir.open(k.data, { create: false }), up.url, k.log, T0 * MS)).toMatchObject({ reachable: true });
      expect(up.requests).toEqual(['HEAD /v1/trust-bundle']);
      await up.close();
    } finally {
      await svc.close();
    }
    expect(k.floor.evidence('server')).toBeNull();
    expect(k.floor.currentMs(T0 - DAY)).toBe(IAT_MS);
  });

  it('plain http off loopback is no evidence even when it succeeds; https and loopback are', async () => {
    const k = await kiosk();
    const plausible = new Date(T0 * MS + HOUR * MS).toUTCString();
    k.log.append([record(T0 * MS - 60_000)]);
    const seen: string[] = [];
    const plain = await k.client(manualEndpoints('http://central.example/'), { fetch: fakeFetch(plausible, seen) });
    expect(await plain.pushBatch()).toMatchObject({ kind: 'stored', stored: 1 });
    expect(k.floor.evidence('server')).toBeNull();

    k.log.append([record(T0 * MS - 50_000)]);
    const tls = await k.client(manualEndpoints('https://central.example/'), { fetch: fakeFetch(plausible, seen) });
    expect(await tls.pushBatch()).toMatchObject({ kind: 'stored', stored: 1 });
    expect(k.floor.evidence('server')).toEqual({ ms: Date.parse(plausible), recordedAtMs: T0 * MS });
    expect(seen).toEqual(['http://central.example/v1/checks', 'https://central.example/v1/checks']);

    const svc = await service(() => ({ status: 304, date: new Date(T0 * MS + 2 * HOUR * MS).toUTCString() }));
    expect(await (await k.client(syncEndpoints(svc.url))).fetchBundle()).toEqual({ kind: 'unchanged' });
    await svc.close();
    expect(k.floor.evidence('server')?.ms).toBe(T0 * MS + 2 * HOUR * MS);
  });

  it('a 200 whose body does not parse, or a refused bundle, is no evidence', async () => {
    const k = await kiosk();
    k.log.append([record(T0 * MS - 60_000)]);
    const date = new Date(T0 * MS + HOUR * MS).toUTCString();
    const svc = await service((req) => (req.url === '/v1/checks' ? { status: 200, date, body: '{"accepted": [' } : { status: 200, date, body: 'not a bundle' }));
    try {
      const client = await k.client(syncEndpoints(svc.url));
      expect(await client.pushBatch()).toMatchObject({ kind: 'failed', reason: expect.stringContaining('does not parse') });
      expect(await client.fetchBundle()).toMatchObject({ kind: 'refused' });
    } finally {
      await svc.close();
    }
    expect(k.floor.evidence('server')).toBeNull();
  });

  it('a Date of 2100 from a successful sync is refused and audited once an hour, not counted; the checks are still marked stored', async () => {
    const k = await kiosk();
    k.log.append([record(T0 * MS - 60_000), record(T0 * MS - 59_000)]);
    const svc = await service((req, ids) => (req.url === '/v1/checks' ? { status: 200, body: stored(ids) } : { status: 304 }));
    let now = T0 * MS;
    try {
      const client = await k.client(syncEndpoints(svc.url), { clock: () => now });
      expect(await client.pushBatch()).toMatchObject({ kind: 'stored', stored: 2 });
      expect(k.log.count().pending).toBe(0);
      now += 30_000;
      await client.fetchBundle(); // 304, Date 2100 again: refused, not audited again within the hour
      now += HOUR * MS;
      await client.fetchBundle(); // an hour on: audited again
    } finally {
      await svc.close();
    }
    expect(k.floor.evidence('server')).toBeNull();
    expect(k.floor.currentMs(T0 - DAY)).toBe(IAT_MS);
    const refusals = k.log.listEvents().filter((e) => e.type === 'clock/evidence-refused');
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toMatchObject({ actor: 'kiosk', detail: { source: 'server', at: new Date(Y2100_MS).toISOString() } });
    expect(k.floor.refused().server).toMatchObject({ ms: Y2100_MS, count: 3, atMs: T0 * MS + 30_000 + HOUR * MS });
  });

  it("a Date within a day of the kiosk's clock is counted; one just beyond is not", async () => {
    const k = await kiosk();
    const trust = { iat: T0 - DAY, exp: T0 + 30 * DAY };
    expect(k.floor.offerServerTime(T0 * MS + PLAUSIBLE_LEAD_MS + 1000, { nowMs: T0 * MS, trust })).toBe('refused');
    expect(k.floor.offerServerTime(T0 * MS + PLAUSIBLE_LEAD_MS - 1000, { nowMs: T0 * MS, trust })).toBe('recorded');
    // Its own earlier Dates do not vouch for the next: a service cannot walk the floor a day per answer.
    expect(k.floor.offerServerTime(T0 * MS + 2 * PLAUSIBLE_LEAD_MS - 2000, { nowMs: T0 * MS, trust })).toBe('refused');
  });
});

describe('checks as evidence', () => {
  it('a check logged at a far-ahead clock does not raise the floor: refused, audited once, and the next good code is admitted', async () => {
    const k = await kiosk();
    // A kiosk in daily use: the service's Date from this morning's sync (checks count within a day of it).
    expect(k.floor.offerServerTime(T0 * MS, { nowMs: T0 * MS, trust: { iat: T0 - DAY, exp: T0 + 30 * DAY } })).toBe('recorded');
    const checkpoint = k.checkpoint();
    const text = (atS: number) => code(w.zj, { sub: `h-${atS}`, iat: atS - 30, exp: atS + HOUR });
    expect((await checkpoint.check({ text: await text(T0), temperatureC: 36.6, atMs: T0 * MS }, { record: true })).verdict).toBe('admit');
    // The clock jumps to 2100 for a while: 50 checks there, each logged (and denied or not, that is the clock's doing).
    const y2100S = Y2100_MS / MS;
    const ahead = await Promise.all(Array.from({ length: 50 }, (_, i) => text(y2100S + i)));
    await checkpoint.checkMany(
      ahead.map((t, i) => ({ text: t, temperatureC: 36.6, atMs: Y2100_MS + i * MS })),
      { record: true },
    );
    await checkpoint.check({ text: await text(y2100S + 60), temperatureC: 36.6, atMs: Y2100_MS + 60 * MS }, { record: true });
    // Corrected: the next code is decided at the true time.
    const after = await checkpoint.check({ text: await text(T0 + 120), temperatureC: 36.6, atMs: (T0 + 120) * MS }, { record: true });
    expect({ verdict: after.verdict, clock: after.clockState, reasons: codes(after) }).toEqual({ verdict: 'admit', clock: 'trusted', reasons: ['OK'] });
    expect(k.floor.currentMs(T0 - DAY)).toBe((T0 + 120) * MS);
    expect(k.floor.refused().checks).toMatchObject({ ms: Y2100_MS + 60 * MS, count: 51 });
    const audits = k.log.listEvents().filter((e) => e.type === 'clock/evidence-refused');
    expect(audits).toHaveLength(1);
    expect(audits[0]!.detail).toMatchObject({ source: 'checks' });
  });

  it('a check logged while the clock ran 20 days ahead is no evidence (nor refused): corrected, a fresh code is admitted; without a bundle no check counts', async () => {
    const k = await kiosk();
    const checkpoint = k.checkpoint();
    const good = await checkpoint.check({ text: await code(w.zj, { sub: 'a' }), temperatureC: 36.6, atMs: T0 * MS }, { record: true });
    expect(good.verdict).toBe('admit');
    // The clock set 20 days ahead (within the bundle's exp, 30 days): one scan there.
    const ahead = T0 + 20 * DAY;
    const there = await checkpoint.check({ text: await code(w.zj, { sub: 'b', iat: ahead - 30, exp: ahead + HOUR }), temperatureC: 36.6, atMs: ahead * MS }, { record: true });
    expect(there.clockState).toBe('trusted');
    // Only within a day of the authenticated evidence (the bundle's iat, T0 − 1 day) does a check count.
    expect(k.floor.evidence('checks')).toEqual({ ms: T0 * MS, recordedAtMs: T0 * MS });
    // Not refused: a kiosk running offline for weeks on one bundle logs such checks all day.
    expect(k.floor.refused().checks).toBeUndefined();
    // The clock corrected: a code issued a minute ago is admitted (it was EXPIRED, CODE_TOO_OLD, CLOCK_UNTRUSTED).
    const fresh = await checkpoint.check({ text: await code(w.zj, { sub: 'c', iat: T0 + 60, exp: T0 + HOUR + 60 }), temperatureC: 36.6, atMs: (T0 + 90) * MS }, { record: true });
    expect({ verdict: fresh.verdict, clock: fresh.clockState, reasons: codes(fresh) }).toEqual({ verdict: 'admit', clock: 'trusted', reasons: ['OK'] });

    const bare = await kiosk();
    const noTrust = new Checkpoint({ trust: null, policy: { version: 0, setAtMs: 0, policy: structuredClone(DEFAULT_POLICY) }, log: bare.log, pseudonym: HolderPseudonym.forDataDir(bare.dir) });
    await noTrust.check({ text: await code(w.zj), temperatureC: 36.6, atMs: Y2100_MS }, { record: true });
    expect(bare.floor.evidence('checks')).toBeNull();
    expect(bare.floor.refused().checks).toBeUndefined();
  });

  it('sixty 23-hour jumps do not walk the floor past a day beyond the authenticated evidence; corrected, a fresh code is reviewed, one expired at that evidence denied', async () => {
    const k = await kiosk({ maxCodeAgeSeconds: 86_400 });
    const trust = { iat: T0 - DAY, exp: T0 + 30 * DAY };
    expect(k.floor.offerServerTime(T0 * MS, { nowMs: T0 * MS, trust })).toBe('recorded');
    const checkpoint = k.checkpoint();
    let t = T0;
    for (let i = 0; i < 60; i++) {
      t += 23 * HOUR;
      const o = await checkpoint.check({ text: await code(w.zj, { sub: `walk-${i}`, iat: t - 30, exp: t + HOUR }), temperatureC: 36.6, atMs: t * MS }, { record: true });
      expect(o.clockState).toBe('trusted');
    }
    // The first jump is within a day of the service's Date and counts; no later one raises the ceiling for the next.
    expect(k.floor.evidence('checks')?.ms).toBe((T0 + 23 * HOUR) * MS);
    expect(k.floor.currentMs(trust.iat)).toBeLessThanOrEqual(T0 * MS + PLAUSIBLE_LEAD_MS);
    // Past the bundle's validity (T0 + 31 days: jumps 33 to 60) the clock is refused, and audited.
    expect(k.floor.refused().checks).toMatchObject({ ms: t * MS, count: 28 });
    expect(k.log.listEvents().filter((e) => e.type === 'clock/evidence-refused').length).toBeGreaterThan(0);

    // The clock corrected: behind the checks floor (T0 + 23 h), which only the kiosk's own clock made.
    const fresh = await checkpoint.check({ text: await code(w.zj, { sub: 'fresh', iat: T0 + 60, exp: T0 + HOUR + 60 }), temperatureC: 36.6, atMs: (T0 + 90) * MS }, { record: true });
    expect({ verdict: fresh.verdict, clock: fresh.clockState, reasons: codes(fresh) }).toEqual({ verdict: 'review', clock: 'untrusted', reasons: ['CLOCK_UNTRUSTED'] });
    // A code expired before the service's Date is still denied, even with the clock three days behind.
    const expired = await checkpoint.check({ text: await code(w.zj, { sub: 'old', iat: T0 - 3 * HOUR, exp: T0 - 2 * HOUR }), temperatureC: 36.6, atMs: (T0 - 3 * DAY) * MS }, { record: true });
    expect({ verdict: expired.verdict, clock: expired.clockState, reasons: codes(expired) }).toEqual({ verdict: 'deny', clock: 'untrusted', reasons: ['EXPIRED', 'CLOCK_UNTRUSTED'] });
  });

  it('a floor an older version walked ahead is re-judged once: discarded, shown as refused, and fresh codes are admitted', async () => {
    const k = await kiosk({}, { older: true });
    const walked = (T0 + 20 * DAY) * MS;
    k.log.setMeta(FLOOR_META.version, '2');
    k.log.setMeta(FLOOR_META.checks, JSON.stringify({ ms: walked, recordedAtMs: walked }));
    const fresh = await k.checkpoint().check({ text: await code(w.zj), temperatureC: 36.6, atMs: T0 * MS }, { record: true });
    expect({ verdict: fresh.verdict, clock: fresh.clockState }).toEqual({ verdict: 'admit', clock: 'trusted' });
    expect(k.floor.evidence('checks')).toEqual({ ms: T0 * MS, recordedAtMs: T0 * MS });
    expect(k.floor.refused().checks).toMatchObject({ ms: walked, count: 1 });
    expect(k.log.getMeta(FLOOR_META.version)).toBe('3');
    // Once: evidence recorded since is not re-judged (it passed today's rule when recorded).
    k.checkpoint();
    expect(k.floor.evidence('checks')?.ms).toBe(T0 * MS);
  });

  it("an older kiosk's single time_floor_ms is kept for display and no longer counted; its newest trusted check seeds the checks evidence", async () => {
    const k = await kiosk({}, { older: true });
    // Written by an older version from a Date: 2100 answer, and a check logged an hour before.
    k.log.setMeta(FLOOR_META.oldSingleKey, String(Y2100_MS));
    k.log.append([record(T0 * MS - HOUR * MS)]);
    const checkpoint = k.checkpoint();
    const good = await checkpoint.check({ text: await code(w.zj), temperatureC: 36.6, atMs: T0 * MS }, { record: false });
    expect({ verdict: good.verdict, clock: good.clockState }).toEqual({ verdict: 'admit', clock: 'trusted' });
    expect(k.floor.evidence('checks')?.ms).toBe(T0 * MS - HOUR * MS);
    expect(k.floor.legacyMs()).toBe(Y2100_MS);
    // The seed still catches a clock set back behind it.
    const back = await checkpoint.check({ text: await code(w.zj, { iat: T0 - 3 * HOUR - 30 }), temperatureC: 36.6, atMs: (T0 - 3 * HOUR) * MS }, { record: false });
    expect(back.clockState).toBe('untrusted');
    // A newest check from a clock run far ahead does not seed.
    const ran = await kiosk({}, { older: true });
    ran.log.append([record(Y2100_MS)]);
    ran.checkpoint();
    expect(ran.floor.evidence('checks')).toBeNull();
  });
});

describe('recovery (main/clock/clock-recovery.ts)', () => {
  it('reset to bundle, checks, server or now discards the evidence above it, audited with before and after', async () => {
    const k = await kiosk();
    const trust = { iat: T0 - DAY, exp: T0 + 30 * DAY, seq: 17 };
    k.floor.migrate(trust);
    // A clock that ran five days ahead logged checks; the service's Date is good.
    k.log.setMeta(FLOOR_META.checks, JSON.stringify({ ms: (T0 + 5 * DAY) * MS, recordedAtMs: (T0 + 5 * DAY) * MS }));
    expect(k.floor.offerServerTime(T0 * MS - 60_000, { nowMs: T0 * MS, trust })).toBe('recorded');
    const before = clockReport(k.log, trust, 60, T0 * MS);
    expect(before).toMatchObject({ trusted: false, floorSource: 'checks', floorMs: (T0 + 5 * DAY) * MS, behindMs: 5 * DAY * MS });
    const r = resetFloor(k.log, trust, 60, T0 * MS, 'server', 'tech-07');
    expect(r.after).toMatchObject({ trusted: true, floorMs: T0 * MS - 60_000, floorSource: 'checks' });
    expect(r.after.evidence.checks?.ms).toBe(T0 * MS - 60_000);
    expect(resetFloor(k.log, trust, 60, T0 * MS, 'bundle', 'tech-07').after).toMatchObject({ floorMs: IAT_MS, floorSource: 'bundle' });
    const events = k.log.listEvents().filter((e) => e.type === 'clock/floor-reset');
    expect(events.map((e) => e.detail.to)).toEqual(['server', 'bundle']);
    expect(events[0]).toMatchObject({ actor: 'tech-07', detail: { before: { floorSource: 'checks', trusted: false }, after: { trusted: true } } });
  });
});

describe('sentinel clock', () => {
  let files: string;
  beforeAll(() => {
    files = tempDir('sentinel-clock-files-');
    fs.writeFileSync(path.join(files, 'bundle.jws'), w.bundle);
    fs.writeFileSync(path.join(files, 'root.jwk'), JSON.stringify(w.root.publicJwk));
  });

  function installed(): string {
    const data = tempDir();
    // The files folder is made once; tempDir cleans up after each test, so write again if gone.
    if (!fs.existsSync(files)) {
      fs.mkdirSync(files, { recursive: true });
      fs.writeFileSync(path.join(files, 'bundle.jws'), w.bundle);
      fs.writeFileSync(path.join(files, 'root.jwk'), JSON.stringify(w.root.publicJwk));
    }
    const r = sentinel(['trust', 'install', path.join(files, 'bundle.jws'), '--root', path.join(files, 'root.jwk'), '--data', data, '--at', AT]);
    expect(r.status, r.stderr).toBe(0);
    return data;
  }

  it('show tells the floor and its source; reset-floor --to bundle brings back a kiosk whose floor is ahead; each reset audited', async () => {
    const data = installed();
    // A service whose Date runs 20 h fast: authenticated, and within a day of the kiosk's clock, so it
    // counts (a clock run ahead no longer can: clock.test.ts, checks as evidence).
    const aheadMs = (T0 + 20 * HOUR) * MS;
    const ahead = new Date(aheadMs).toISOString();
    const log = CheckLog.openIn(DataDir.open(data, { create: false }));
    expect(new TimeFloor(log).offerServerTime(aheadMs, { nowMs: T0 * MS, trust: { iat: T0 - DAY, exp: T0 + 30 * DAY } })).toBe('recorded');
    log.close();
    // An authenticated floor is a proven lower bound: every code is now judged 20 h ahead (expired there).
    const denied = sentinel(['verify', await code(w.zj), '--temp', '36.6', '--data', data, '--at', AT, '--json', '--no-log']);
    expect(jsonLines(denied.stdout)[0]).toMatchObject({ verdict: 'deny', clock: 'untrusted' });

    const show = sentinel(['clock', 'show', '--json', '--data', data, '--at', AT]);
    expect(show.status, show.stderr).toBe(0);
    expect(jsonLines(show.stdout)[0]).toMatchObject({
      clock: AT,
      trusted: false,
      floor: ahead,
      floorSource: 'server',
      behindSeconds: 20 * HOUR,
      evidence: { bundle: { at: new Date(IAT_MS).toISOString(), seq: 17 }, checks: null, server: { at: ahead, recordedAt: AT } },
      refused: { checks: null, server: null },
      legacy: null,
    });
    const text = sentinel(['clock', 'show', '--data', data, '--at', AT]).stdout;
    expect(text).toMatch(/UNTRUSTED: 20 h behind the floor/);
    expect(text).toMatch(/server +2026-11-30T04:00:00.000Z/);

    const missing = sentinel(['clock', 'reset-floor', '--to', 'checks', '--data', data, '--at', AT]);
    expect(missing.status).toBe(78);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^sentinel: there is no checks evidence/);

    const reset = sentinel(['clock', 'reset-floor', '--to', 'bundle', '--json', '--data', data, '--at', AT], { env: { SENTINEL_ACTOR: 'tech-07' } });
    expect(reset.status, reset.stderr).toBe(0);
    expect(jsonLines(reset.stdout)[0]).toMatchObject({
      to: 'bundle',
      before: { floor: ahead, trusted: false },
      after: { floor: new Date(IAT_MS).toISOString(), floorSource: 'bundle', trusted: true },
    });
    const admitted = sentinel(['verify', await code(w.zj), '--temp', '36.6', '--data', data, '--at', AT, '--json']);
    expect(jsonLines(admitted.stdout)[0]).toMatchObject({ verdict: 'admit', clock: 'trusted' });

    expect(sentinel(['clock', 'reset-floor', '--to', 'now', '--data', data, '--at', AT]).stdout).toMatch(/→ .* clock trusted/);
    const events = jsonLines(sentinel(['log', '--events', '--json', '--data', data]).stdout).filter((e) => e.type === 'clock/floor-reset');
    expect(events.map((e) => (e.detail as { to: string }).to)).toEqual(['bundle', 'now']);
    expect(events[0]).toMatchObject({ actor: 'tech-07', detail: { before: { floorSource: 'server' }, after: { floorSource: 'bundle' } } });
    expect(jsonLines(sentinel(['log', '--verify-chain', '--json', '--data', data]).stdout)[0]).toMatchObject({ ok: true });
  });

  it('a check "as of" a time (verify --at) is logged but is no evidence of the time, one code or a batch', async () => {
    const data = installed();
    // As of T0: within a day of the bundle's iat, so as a reading of the clock it would have counted.
    expect(sentinel(['verify', await code(w.zj, { sub: 'at-1' }), '--temp', '36.6', '--data', data, '--at', AT]).status).toBe(0);
    const batch = path.join(data, 'codes.txt');
    fs.writeFileSync(batch, (await code(w.zj, { sub: 'at-2', iat: T0 + 20 })) + '\n');
    expect(sentinel(['verify', '--batch', batch, '--temp', '36.6', '--data', data, '--at', new Date((T0 + 60) * MS).toISOString()]).status).toBe(0);
    // As of three weeks ahead (a technician trying a code): no floor there either.
    const later = T0 + 21 * DAY;
    expect(sentinel(['verify', await code(w.zj, { sub: 'at-3', iat: later - 30, exp: later + HOUR }), '--temp', '36.6', '--data', data, '--at', new Date(later * MS).toISOString()]).status).toBe(2);
    expect(jsonLines(sentinel(['log', '--json', '--data', data]).stdout)).toHaveLength(3);
    const back = new Date((T0 - 2 * HOUR) * MS).toISOString();
    expect(jsonLines(sentinel(['clock', 'show', '--json', '--data', data, '--at', back]).stdout)[0]).toMatchObject({
      trusted: true,
      floorSource: 'bundle',
      evidence: { checks: null },
      refused: { checks: null },
    });
    // A code issued a minute ago, at the true time: admitted (it was denied EXPIRED, CODE_TOO_OLD at the floor three weeks ahead).
    const fresh = sentinel(['verify', await code(w.zj, { sub: 'at-4', iat: T0 + 60, exp: T0 + HOUR }), '--temp', '36.6', '--data', data, '--at', new Date((T0 + 90) * MS).toISOString(), '--json']);
    expect(jsonLines(fresh.stdout)[0]).toMatchObject({ verdict: 'admit', clock: 'trusted' });
  });

  it("show lists refused evidence and an older version's floor, which is not counted", async () => {
    const data = installed();
    const log = CheckLog.openIn(DataDir.open(data, { create: false }));
    log.setMeta(FLOOR_META.oldSingleKey, String(Y2100_MS));
    log.close();
    // The kiosk's clock at 2100 (not verify --at: a time chosen is never evidence).
    const opened = await openCheckpoint(data, { nowMs: Y2100_MS });
    const far = await opened.checkpoint.check({ text: await code(w.zj, { iat: Y2100_MS / MS - 30, exp: Y2100_MS / MS + HOUR }), temperatureC: 36.6, atMs: Y2100_MS }, { record: true });
    opened.close();
    // Denied (KEY_NOT_VALID_AT_ISSUE: the key's window ends long before), and logged at a trusted clock all the same.
    expect(far.verdict).toBe('deny');
    const shown = jsonLines(sentinel(['clock', 'show', '--json', '--data', data, '--at', AT]).stdout)[0]!;
    expect(shown).toMatchObject({
      trusted: true,
      floorSource: 'bundle',
      refused: { checks: { at: new Date(Y2100_MS).toISOString(), count: 1 } },
      legacy: { at: new Date(Y2100_MS).toISOString(), counted: false },
    });
    expect(sentinel(['clock', 'show', '--data', data, '--at', AT]).stdout).toMatch(/refused .*\n {2}checks +2100-01-01T00:00:00.000Z/);
  });

  it('usage errors exit 64 with one line', () => {
    const data = tempDir();
    for (const args of [
      ['clock'],
      ['clock', 'bogus'],
      ['clock', 'reset-floor'],
      ['clock', 'reset-floor', '--to', 'yesterday'],
      ['clock', 'set'],
      ['clock', 'set', '2026-11-29T08:00:00'],
      ['clock', 'show', '--to', 'now'],
    ]) {
      const r = sentinel([...args, '--data', data]);
      expect(r.status, args.join(' ')).toBe(64);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(sentinel(['clock', '--help']).stdout).toMatch(/^usage: sentinel clock/);
  });
});

describe('sentinel clock set (a fake timedatectl)', () => {
  function io(nowMs: number): CommandIo & { stdout: string; stderr: string } {
    const o = {
      stdout: '',
      stderr: '',
      out: (t: string) => void (o.stdout += t),
      err: (t: string) => void (o.stderr += t),
      stdin: new PassThrough(),
      clock: () => nowMs,
    };
    return o;
  }

  it('sets the clock through timedatectl set-time, audited, and with --reset-floor lowers the floor to the new time', async () => {
    const k = await kiosk();
    k.log.setMeta(FLOOR_META.checks, JSON.stringify({ ms: (T0 + 5 * DAY) * MS, recordedAtMs: (T0 + 5 * DAY) * MS }));
    k.floor.migrate({ iat: T0 - DAY, exp: T0 + 30 * DAY });
    const calls: string[][] = [];
    const runner: ClockRunner = async (file, args) => {
      calls.push([file, ...args]);
      return { code: 0, stdout: '', stderr: '' };
    };
    const out = io((T0 - 3 * DAY) * MS);
    const status = await clockCommand(['set', '2026-11-29T16:00:00+08:00', '--reset-floor', '--json', '--data', k.data], out, { runner });
    expect(status, out.stderr).toBe(0);
    expect(calls).toEqual([['timedatectl', 'set-time', '2026-11-29 08:00:00 UTC']]);
    expect(JSON.parse(out.stdout)).toMatchObject({ set: true, from: new Date((T0 - 3 * DAY) * MS).toISOString(), to: AT, reset: { to: 'now', after: { floor: AT, trusted: true } } });
    expect(k.floor.evidence('checks')?.ms).toBe(T0 * MS);
    const types = k.log.listEvents().map((e) => e.type);
    expect(types).toEqual(['clock/set', 'clock/floor-reset']);
  });

  it('not permitted: one clear line, exit 78, audited; nothing else changes', async () => {
    const k = await kiosk();
    const runner: ClockRunner = async () => ({ code: 1, stdout: '', stderr: 'Failed to set time: Access denied\n' });
    // A ConfigError: runSentinel prints its one line and exits 78 (as the next test sees through the binary).
    const failure = clockCommand(['set', AT, '--reset-floor', '--data', k.data], io(T0 * MS), { runner });
    await expect(failure).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringMatching(/^not permitted to set the clock \(Failed to set time: Access denied\)[^\n]*$/) });
    expect(k.log.listEvents().map((e) => [e.type, e.detail.to])).toEqual([['clock/set-failed', AT]]);
    expect(k.floor.evidence('checks')).toBeNull();
  });

  it('through the sentinel command: a missing timedatectl, or no permission, is exit 78 on one line', () => {
    const data = tempDir();
    fs.mkdirSync(data, { recursive: true });
    // PATH without timedatectl: the real runner reports it is not there, never a stack trace.
    const r = sentinel(['clock', 'set', AT, '--data', data], { env: { PATH: '/nonexistent' } });
    expect(r.status).toBe(78);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^sentinel: cannot set the clock: timedatectl is not installed here/);
  });
});
