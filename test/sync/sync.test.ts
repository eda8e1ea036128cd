// Sync with the central log service (spec §6) against the reference service
// in bench/central-service.ts, with its faults: every check reaches it
// exactly once by id, signed, without personal data; bundles refresh
// through the same checks as `trust install`; backoff and Retry-After.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CentralService } from '../../bench/central-service.js';
import { prng } from '../../bench/frames.js';
import { TimeFloor } from '../../main/clock/time-floor.js';
import { DataDir } from '../../main/data-dir.js';
import { loadOrCreateDeviceIdentity, type DeviceIdentity } from '../../main/device/device-key.js';
import { newSigningKey, signBundle } from '../../main/issuer/sign.js';
import { CheckLog, type CheckRecord } from '../../main/log/check-log.js';
import { uuidv7 } from '../../main/log/check-id.js';
import { backoffDelayMs, retryAfterMs } from '../../main/sync/backoff.js';
import { EndpointRefused, syncEndpoints } from '../../main/sync/endpoints.js';
import { MAX_BUNDLE_ANSWER_BYTES, MAX_CHECKS_ANSWER_BYTES, SyncClient, type PushResult } from '../../main/sync/sync-client.js';
import { DEFAULT_KIOSK_CONFIG, withSetting, type KioskConfig } from '../../main/contract/kiosk-config.js';
import { probeSyncEndpointIn } from '../../main/technician/selftest.js';
import { SyncLoop, type SyncEvent } from '../../main/sync/sync-loop.js';
import { TrustStore, readRootKeys } from '../../main/trust/trust-store.js';
import { checkRecord } from '../fixtures/check-records.js';
import { SENTINEL, firstLine, sentinel, sentinelAsync } from '../fixtures/cli.js';
import { DAY, makeWorld, type World } from '../fixtures/world.js';
import { tempDir } from '../fixtures/tmp.js';

const NOW = Date.now();

function records(n: number, start = NOW - 3600_000): CheckRecord[] {
  return Array.from({ length: n }, (_, i) =>
    checkRecord(i % 997, { checkId: uuidv7(start + i), atMs: start + i, ...(i % 7 === 0 ? { verdict: 'deny', reasons: ['STATUS_RED'], status: 'red' } : {}) }),
  );
}

interface Kiosk {
  data: string;
  dir: DataDir;
  log: CheckLog;
  device: DeviceIdentity;
  world: World;
  client(server: CentralService, timeoutMs?: number): SyncClient;
}

async function kiosk(n: number): Promise<Kiosk> {
  const world = await makeWorld({ iat: Math.floor(NOW / 1000) - DAY, exp: Math.floor(NOW / 1000) + 30 * DAY });
  const data = tempDir('sentinel-sync-');
  const dir = DataDir.open(data, { create: true });
  await new TrustStore(dir).install(world.bundle, { nowS: NOW / 1000, newRoots: world.roots });
  const log = CheckLog.openIn(dir);
  for (let i = 0; i < n; i += 1000) log.append(records(Math.min(1000, n - i), NOW - 3600_000 + i));
  const device = await loadOrCreateDeviceIdentity(dir);
  return {
    data,
    dir,
    log,
    device,
    world,
    client: (server, timeoutMs = 5000) => new SyncClient({ endpoints: syncEndpoints(server.url), log, device, trust: new TrustStore(dir), floor: new TimeFloor(log), clock: Date.now, timeoutMs }),
  };
}

/** A sync loop's events as they come, and a wait for the first one to match (counting those already seen). */
function syncEvents(): { events: SyncEvent[]; onEvent: (e: SyncEvent) => void; when: (match: (e: SyncEvent, seen: SyncEvent[]) => boolean) => Promise<void> } {
  const events: SyncEvent[] = [];
  const waiters: { match: (e: SyncEvent, seen: SyncEvent[]) => boolean; resolve: () => void }[] = [];
  return {
    events,
    onEvent: (e) => {
      events.push(e);
      for (const w of [...waiters]) {
        if (!w.match(e, events)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    when: (match) => (events.some((e, i) => match(e, events.slice(0, i + 1))) ? Promise.resolve() : new Promise((resolve) => waiters.push({ match, resolve }))),
  };
}

let server: CentralService;
let k: Kiosk | null = null;
beforeEach(async () => {
  server = new CentralService();
  await server.start();
});
afterEach(async () => {
  k?.log.close();
  k = null;
  await server.stop();
});

describe('backoff and endpoints', () => {
  it('full jitter between 1 s and the exponential cap, never above 5 min', () => {
    expect(backoffDelayMs(0, () => 0.999)).toBe(1000);
    expect(backoffDelayMs(1, () => 0.75)).toBe(1500);
    expect(backoffDelayMs(0, () => 0)).toBe(1000);
    expect(backoffDelayMs(3, () => 0.5)).toBe(4000);
    expect(backoffDelayMs(30, () => 0.999)).toBeLessThanOrEqual(300_000);
    expect(backoffDelayMs(30, () => 0.999)).toBeGreaterThan(299_000);
  });
  it('Retry-After as seconds or a date', () => {
    expect(retryAfterMs('7', 0)).toBe(7000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs('soon', 0)).toBeNull();
    expect(retryAfterMs(null, 0)).toBeNull();
  });
  it('endpoints come from one place; off loopback is refused in test mode', () => {
    expect(syncEndpoints('http://127.0.0.1:8080/central').checks.href).toBe('http://127.0.0.1:8080/central/v1/checks');
    expect(() => syncEndpoints('https://central.example.cn/')).toThrow(EndpointRefused);
    expect(() => syncEndpoints('http://10.0.0.5/')).toThrow(EndpointRefused);
    expect(() => syncEndpoints('ftp://127.0.0.1/')).toThrow(/http/);
    expect(() => syncEndpoints('http://user:pw@127.0.0.1/')).toThrow(/credentials/);
    expect(syncEndpoints('https://central.example.cn/', {}).trustBundle.href).toBe('https://central.example.cn/v1/trust-bundle');
  });
});

describe('pushing checks', () => {
  it('10,000 checks through a service failing a third of requests in every way: each stored exactly once, none pending, all signed, no personal data', async () => {
    k = await kiosk(10_000);
    await server.enroll(k.device.deviceId, k.device.jwk);
    // Seeded, so the run meets its share of faults every time; Retry-After 1 s is honoured.
    server.configure({ faultRate: 1 / 3, hangMs: 1500, retryAfterSeconds: 1, random: prng(20261129) });
    const client = k.client(server, 1000);
    const { events, onEvent, when } = syncEvents();
    const loop = new SyncLoop({ client, log: k.log, clock: Date.now, backoff: { baseMs: 5, capMs: 50 }, probeMs: 1000, intervalMs: 60_000, onEvent });
    loop.start();
    // A pass that ends with nothing pending.
    await when((e) => e.type === 'idle' && e.pending === 0);
    await loop.stop();
    expect(k.log.count().pending).toBe(0);
    const ids = [...k.log.list()].map((c) => c.checkId);
    expect(server.stored.size).toBe(10_000);
    expect([...server.stored.keys()].sort()).toEqual([...ids].sort());
    expect(server.stats.badSignatures).toBe(0);
    expect(server.stats.faults).toBeGreaterThanOrEqual(8);
    expect(events.some((e) => e.type === 'failed')).toBe(true);
    for (const body of server.bodies) {
      expect(body).not.toContain('PHC1');
      const payload = Buffer.from(body.split('.')[1]!, 'base64url').toString('utf8');
      expect(payload).not.toContain('PHC1:');
      expect(payload).not.toMatch(/"sub"|"nm"|"rsn"/);
    }
    const one = server.stored.get(ids[0]!)!;
    expect(Object.keys(one).sort()).toEqual(['at', 'bundleSeq', 'checkId', 'clockState', 'format', 'holder', 'issuer', 'kid', 'policyVersion', 'reasons', 'status', 'temperatureC', 'verdict']);
    expect(k.log.verifyChain().ok).toBe(true);
  }, 120_000);

  it('a check the service did not list is sent again; only listed ids are marked', async () => {
    k = await kiosk(10);
    await server.enroll(k.device.deviceId, k.device.jwk);
    server.configure({ faultRate: 1, faults: ['partial'] });
    const client = k.client(server);
    const first = await client.pushBatch();
    expect(first).toMatchObject({ kind: 'stored', sent: 10, stored: 5, pendingLeft: 5 });
    server.configure({ faultRate: 0 });
    expect(await client.pushBatch()).toMatchObject({ kind: 'stored', sent: 5, stored: 5, pendingLeft: 0 });
    expect(await client.pushBatch()).toEqual({ kind: 'empty' });
  });

  it.each([
    ['error500', /HTTP 500/],
    ['tooMany', /HTTP 429/],
    ['reset', /.+/],
    ['malformed', /does not parse/],
    ['lostAnswer', /.+/],
  ] as const)('%s: nothing is marked synced', async (fault, reason) => {
    k = await kiosk(20);
    await server.enroll(k.device.deviceId, k.device.jwk);
    server.configure({ faultRate: 1, faults: [fault], retryAfterSeconds: 3 });
    const r = await k.client(server).pushBatch();
    expect(r.kind).toBe('failed');
    expect((r as Extract<PushResult, { kind: 'failed' }>).reason).toMatch(reason);
    if (fault === 'tooMany') expect((r as Extract<PushResult, { kind: 'failed' }>).retryAfterMs).toBe(3000);
    expect(k.log.count().pending).toBe(20);
  });

  it('a hang past the timeout is a failure, not a wait forever', async () => {
    k = await kiosk(3);
    await server.enroll(k.device.deviceId, k.device.jwk);
    server.configure({ faultRate: 1, faults: ['hang'], hangMs: 5000 });
    const started = Date.now();
    const r = await k.client(server, 300).pushBatch();
    expect(r).toMatchObject({ kind: 'failed', reason: expect.stringContaining('timeout') });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('an unenrolled device is refused by the service and nothing is marked', async () => {
    k = await kiosk(3);
    const r = await k.client(server).pushBatch();
    expect(r).toMatchObject({ kind: 'failed', reason: 'HTTP 401' });
    expect(server.stats.badSignatures).toBe(1);
  });

  it('retention runs after a complete pass: old synced checks go; nothing is purged while the service is away', async () => {
    k = await kiosk(0);
    k.log.append(records(5, NOW - 40 * DAY * 1000));
    await server.enroll(k.device.deviceId, k.device.jwk);
    server.down = true;
    const { events, onEvent, when } = syncEvents();
    const loop = new SyncLoop({ client: k.client(server), log: k.log, clock: Date.now, backoff: { baseMs: 50, capMs: 100 }, probeMs: 60_000, retentionDays: 21, onEvent });
    loop.start();
    await when((_e, seen) => seen.filter((e) => e.type === 'failed').length >= 3);
    expect(k.log.count()).toEqual({ total: 5, pending: 5 });
    server.down = false;
    await when((e) => e.type === 'purged');
    await loop.stop();
    expect(events.find((e) => e.type === 'purged')).toEqual({ type: 'purged', deleted: 5, unsyncedDropped: 0 });
    expect(server.stored.size).toBe(5);
    expect(k.log.verifyChain().ok).toBe(true);
  });
});

describe('trust bundle refresh', () => {
  it('installs a newer bundle; 304 and older change nothing; foreign, expired and malformed are refused with the old kept', async () => {
    k = await kiosk(0);
    const client = k.client(server);
    const store = new TrustStore(k.dir);
    const nowS = Math.floor(NOW / 1000);
    const payload = (seq: number, over: Record<string, unknown> = {}) => ({ ...k!.world.bundlePayload, seq, iat: nowS - 60, exp: nowS + 30 * DAY, ...over });
    server.bundle = { jws: await signBundle(payload(18), k.world.root), seq: 18 };
    expect(await client.fetchBundle()).toEqual({ kind: 'installed', seq: 18 });
    // In the keyed chain: the log remembers seq 18 for anti-rollback at load, whatever happens to trust-highest-seq.
    expect(k.log.listEvents().filter((e) => e.type === 'trust/installed')).toEqual([expect.objectContaining({ actor: 'sync', detail: expect.objectContaining({ seq: 18 }) })]);
    expect(k.log.highestBundleSeq()).toBe(18);
    expect(await client.fetchBundle()).toEqual({ kind: 'unchanged' }); // If-None-Match → 304
    server.bundle = { jws: await signBundle(payload(12), k.world.root), seq: 12 };
    expect(await client.fetchBundle()).toEqual({ kind: 'unchanged' });
    const foreign = await newSigningKey('ES256', 'root-test-1');
    server.bundle = { jws: await signBundle(payload(30), foreign), seq: 30 };
    expect((await client.fetchBundle()).kind).toBe('refused');
    server.bundle = { jws: await signBundle(payload(31, { iat: nowS - 40 * DAY, exp: nowS - DAY }), k.world.root), seq: 31 };
    expect(await client.fetchBundle()).toMatchObject({ kind: 'refused', reason: expect.stringContaining('expired') });
    server.bundle = { jws: 'not a bundle at all', seq: 32 };
    expect((await client.fetchBundle()).kind).toBe('refused');
    expect((await store.load(nowS))?.info.seq).toBe(18);
    await server.stop();
    expect((await client.fetchBundle()).kind).toBe('failed');
    await server.start();
  });

  it("the server's Date raises the time floor and never lowers it", async () => {
    k = await kiosk(0);
    const floor = new TimeFloor(k.log);
    const client = k.client(server);
    // A bundle to answer with: only a good answer's Date is evidence (a 404's is not).
    server.bundle = { jws: k.world.bundle, seq: 17 };
    server.dateHeader = new Date(NOW + 3600_000).toUTCString();
    await client.fetchBundle();
    const raised = floor.currentMs(null)!;
    expect(raised).toBeGreaterThanOrEqual(NOW + 3599_000);
    server.dateHeader = new Date(NOW - 86_400_000).toUTCString();
    await client.fetchBundle();
    expect(floor.currentMs(null)).toBe(raised);
  });
});

describe('the loop: backoff, Retry-After, probe (fake timers)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function scripted(results: PushResult[], probe: () => boolean = () => false) {
    const calls: number[] = [];
    const client = {
      pushBatch: async () => {
        calls.push(Date.now());
        return results.shift() ?? { kind: 'empty' as const };
      },
      fetchBundle: async () => ({ kind: 'unchanged' as const }),
      probe: async () => probe(),
    } as unknown as SyncClient;
    return { client, calls };
  }

  it('backs off exponentially with jitter, honours Retry-After, and a successful probe wakes it early', async () => {
    vi.useFakeTimers({ now: 0 });
    const log = CheckLog.open(path.join(tempDir(), 'c.db'));
    const fail = (retryAfterMs: number | null = null): PushResult => ({ kind: 'failed', sent: 1, reason: 'HTTP 500', retryAfterMs });
    let probeOk = false;
    const { client, calls } = scripted([fail(), fail(), fail(7000), fail(), { kind: 'stored', sent: 1, stored: 1, pendingLeft: 0, heldBack: null }], () => probeOk);
    const loop = new SyncLoop({ client, log, clock: Date.now, random: () => 0.999, probeMs: 5000, intervalMs: 3_600_000 });
    loop.start();
    for (let i = 0; i < 50; i++) await vi.advanceTimersByTimeAsync(100);
    // 0 s, then ~1 s (attempt 0 cap 1 s), then ~2 s more.
    expect(calls.slice(0, 3).map((t) => Math.round(t / 100) * 100)).toEqual([0, 1000, 3000]);
    await vi.advanceTimersByTimeAsync(7000);
    // Retry-After 7 s outweighed the 4 s backoff.
    expect(Math.round(calls[3]! / 100) * 100).toBe(10_000);
    // Next backoff: up to 8 s; the probe (every 5 s) finds the service back after 5 s.
    probeOk = true;
    await vi.advanceTimersByTimeAsync(5100);
    expect(Math.round(calls[4]! / 100) * 100).toBe(15_000);
    expect(loop.state.online).toBe(true);
    await loop.stop();
    log.close();
  });
});

describe('Retry-After against the probe (fake timers)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  it("no request, not even a probe, before the server's Retry-After; never two passes at once", async () => {
    vi.useFakeTimers({ now: 0 });
    const log = CheckLog.open(path.join(tempDir(), 'c.db'));
    const calls: number[] = [];
    const probes: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const results: PushResult[] = [
      { kind: 'failed', sent: 1, reason: 'HTTP 429', retryAfterMs: 60_000 },
      { kind: 'stored', sent: 1, stored: 1, pendingLeft: 0, heldBack: null },
    ];
    const client = {
      pushBatch: async () => {
        calls.push(Date.now());
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        // The service's answer takes 10 ms of the fake clock (so that a second pass could overlap it).
        await new Promise((r) => setTimeout(r, 10));
        inFlight--;
        return results.shift() ?? { kind: 'empty' as const };
      },
      fetchBundle: async () => ({ kind: 'unchanged' as const }),
      probe: async () => {
        probes.push(Date.now());
        // 50 ms of the fake clock.
        await new Promise((r) => setTimeout(r, 50));
        return true;
      },
    } as unknown as SyncClient;
    const loop = new SyncLoop({ client, log, clock: Date.now, random: () => 0.5, probeMs: 5000, intervalMs: 3_600_000 });
    loop.start();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(calls).toEqual([0]);
    expect(probes.every((t) => t >= 60_000)).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls[1]).toBeGreaterThanOrEqual(60_000);
    expect(maxInFlight).toBe(1);
    expect(loop.state).toMatchObject({ online: true });
    await loop.stop();
    log.close();
  });
});

describe('killed and restarted', () => {
  it('sentinel sync SIGKILLed at random moments 20 times: exactly once by id, nothing lost', async () => {
    k = await kiosk(10_000);
    await server.enroll(k.device.deviceId, k.device.jwk);
    // A slow link, so that the twenty kills fall in the middle of the work.
    server.configure({ faultRate: 1 / 3, hangMs: 1000, retryAfterSeconds: 0, delayMs: 120 });
    server.keepBodies = false;
    k.log.close();
    const pendingAfterKill: number[] = [];
    for (let i = 0; i < 20; i++) {
      // Killed at a random moment after its first event (a batch stored, a failure, or idle): work under
      // way however slow the machine is to start it.
      const child = spawn(process.execPath, [SENTINEL, 'sync', '--json', '--endpoint', server.url, '--data', k.data], { stdio: ['ignore', 'pipe', 'ignore'] });
      const exited = new Promise((r) => child.once('exit', r));
      await firstLine(child.stdout);
      setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 600));
      await exited;
      pendingAfterKill.push(10_000 - server.stored.size);
    }
    expect(pendingAfterKill.filter((p) => p > 0 && p < 10_000).length).toBeGreaterThanOrEqual(5);
    server.configure({ faultRate: 0, delayMs: 0 });
    let last = await sentinelAsync(['sync', '--once', '--endpoint', server.url, '--data', k.data, '--json']);
    for (let i = 0; i < 10 && last.status === 75; i++) last = await sentinelAsync(['sync', '--once', '--endpoint', server.url, '--data', k.data, '--json']);
    expect(last.status, last.stderr).toBe(0);
    k.log = CheckLog.openIn(k.dir);
    expect(k.log.count()).toEqual({ total: 10_000, pending: 0 });
    expect(server.stored.size).toBe(10_000);
    expect(new Set([...k.log.list()].map((c) => c.checkId))).toEqual(new Set(server.stored.keys()));
    expect(server.stats.badSignatures).toBe(0);
    expect(k.log.verifyChain().ok).toBe(true);
  }, 180_000);
});

describe('sentinel sync', () => {
  it('--once exits 0 when nothing is pending, 75 when something is; --json prints events and a summary', async () => {
    k = await kiosk(1200);
    await server.enroll(k.device.deviceId, k.device.jwk);
    server.configure({ faultRate: 1, faults: ['error500'] });
    const failing = await sentinelAsync(['sync', '--once', '--endpoint', server.url, '--data', k.data, '--json']);
    expect(failing.status).toBe(75);
    const lines = failing.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; pending?: number });
    expect(lines.filter((l) => l.event === 'failed').length).toBe(3);
    expect(lines.at(-1)).toMatchObject({ event: 'summary', pending: 1200 });
    server.configure({ faultRate: 0 });
    const ok = await sentinelAsync(['sync', '--once', '--endpoint', server.url, '--data', k.data, '--json']);
    expect(ok.status).toBe(0);
    const events = ok.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; stored?: number });
    expect(events.filter((e) => e.event === 'batch').map((e) => e.stored)).toEqual([500, 500, 200]);
    expect((await sentinelAsync(['sync', '--once', '--endpoint', server.url, '--data', k.data])).stdout).toContain('nothing pending');
  }, 60_000);

  it('refuses an endpoint off loopback in test mode, and a missing one', () => {
    const data = tempDir();
    fs.mkdirSync(data, { recursive: true });
    expect(sentinel(['sync', '--once', '--endpoint', 'https://central.example/', '--data', data]).status).toBe(64);
    expect(sentinel(['sync', '--once', '--data', data]).status).toBe(64);
  });
});

describe('device identity for enrollment', () => {
  it('the root pinned for the test world is not the device key', async () => {
    k = await kiosk(0);
    const roots = await readRootKeys(JSON.stringify(k.world.root.publicJwk), 'root');
    expect(roots[0]!.kid).not.toBe(k.device.deviceId);
  });
});

// ---- answers too large, transports not authenticated, ids not sent ----

/** A loopback server that answers every request with `answer` (it owns the response). */
async function raw(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(req, res));
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Streams `total` bytes (Infinity: without end) as a 200, as fast as the
 * client reads; records the process's peak RSS while it does (client and
 * server share this process, so that is the client's memory too).
 */
function streaming(total: number, stats: { sent: number; peakRss: number }, headers: Record<string, string> = {}) {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  return (_req: http.IncomingMessage, res: http.ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    let closed = false;
    res.on('close', () => (closed = true));
    const pump = (): void => {
      while (!closed && stats.sent < total) {
        stats.sent += chunk.length;
        if (stats.sent % (4 * 1024 * 1024) === 0) stats.peakRss = Math.max(stats.peakRss, process.memoryUsage.rss());
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!closed) res.end();
    };
    pump();
  };
}

describe('answers are read within a cap, while streaming', () => {
  it('an endless 200 to a push: failed at about 1 MiB, nothing marked, memory flat, no wait for the timeout', async () => {
    k = await kiosk(20);
    const stats = { sent: 0, peakRss: 0 };
    const svc = await raw(streaming(Infinity, stats));
    try {
      const before = process.memoryUsage.rss();
      const started = Date.now();
      const r = await new SyncClient({
        endpoints: syncEndpoints(svc.url),
        log: k.log,
        device: k.device,
        trust: new TrustStore(k.dir),
        floor: new TimeFloor(k.log),
        clock: Date.now,
        timeoutMs: 3000,
      }).pushBatch();
      expect(r).toMatchObject({ kind: 'failed', reason: `the answer is larger than ${MAX_CHECKS_ANSWER_BYTES} bytes` });
      expect(Date.now() - started).toBeLessThan(2500);
      expect(k.log.count().pending).toBe(20);
      // The server could write ahead of what was read only by socket buffers: a few MiB, not the stream.
      expect(stats.sent).toBeLessThan(64 * 1024 * 1024);
      expect(Math.max(stats.peakRss, process.memoryUsage.rss()) - before).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await svc.close();
    }
  });

  it('a declared Content-Length beyond the cap is refused unread', async () => {
    k = await kiosk(3);
    let wrote = 0;
    const svc = await raw((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(700 * 1024 * 1024) });
      res.write('{"accepted":[');
      wrote++;
      // …and then nothing: only a client that trusts the header to refuse it finishes quickly.
    });
    try {
      const started = Date.now();
      const r = await new SyncClient({
        endpoints: syncEndpoints(svc.url),
        log: k.log,
        device: k.device,
        trust: new TrustStore(k.dir),
        floor: new TimeFloor(k.log),
        clock: Date.now,
        timeoutMs: 3000,
      }).pushBatch();
      expect(r).toMatchObject({ kind: 'failed', reason: expect.stringContaining('larger than') });
      expect(Date.now() - started).toBeLessThan(2500);
      expect(wrote).toBe(1);
      expect(k.log.count().pending).toBe(3);
    } finally {
      await svc.close();
    }
  });

  it('sentinel sync --once against a 300 MB bundle answer: refused at the bundle cap, the process stays small, the bundle in force is kept', async () => {
    k = await kiosk(0);
    k.log.close();
    const stats = { sent: 0, peakRss: 0 };
    const svc = await raw(streaming(300 * 1024 * 1024, stats));
    try {
      const r = await sentinelAsync(['sync', '--once', '--json', '--endpoint', svc.url, '--data', k.data]);
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; result?: { kind: string; reason?: string }; maxRssMB?: number });
      expect(lines.find((l) => l.event === 'bundle')?.result).toEqual({ kind: 'failed', reason: `the answer is larger than ${MAX_BUNDLE_ANSWER_BYTES} bytes` });
      // A sync of nothing takes about 60–90 MB here; reading the answer whole took several hundred.
      expect(lines.at(-1)!.maxRssMB).toBeLessThan(150);
      expect(stats.sent).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await svc.close();
      k.log = CheckLog.openIn(k.dir);
    }
    expect((await new TrustStore(k.dir).load(NOW / 1000))?.info.seq).toBe(17);
  }, 60_000);
});

describe('https, except to loopback, at every entry', () => {
  const offLoopback = 'http://10.0.0.5:8080/';

  it('syncEndpoints: http is refused off loopback (before any socket), accepted to 127.0.0.0/8, ::1 and localhost', () => {
    // The https rule comes before test mode's loopback-only rule: the message says which refused it.
    expect(() => syncEndpoints(offLoopback, {})).toThrow(/must use https/);
    expect(() => syncEndpoints('http://central.example.cn/', {})).toThrow(/must use https/);
    expect(() => syncEndpoints(offLoopback)).toThrow(/must use https/);
    for (const ok of ['http://127.0.0.1:8080/', 'http://127.3.2.1/', 'http://localhost:8080/', 'http://[::1]:8080/']) expect(syncEndpoints(ok, {}).checks.protocol).toBe('http:');
    expect(syncEndpoints('https://central.example.cn/', {}).checks.protocol).toBe('https:');
  });

  it('sentinel sync --endpoint, $SENTINEL_SYNC_ENDPOINT and sentinel kiosk --sync-endpoint: exit 64 with one line', () => {
    const data = tempDir();
    for (const r of [
      sentinel(['sync', '--once', '--endpoint', offLoopback, '--data', data]),
      sentinel(['sync', '--once', '--data', data], { env: { SENTINEL_SYNC_ENDPOINT: offLoopback } }),
      sentinel(['kiosk', '--browser', '--no-open', '--sync-endpoint', offLoopback, '--data', data]),
    ]) {
      expect(r.status, r.stderr).toBe(64);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/must use https/);
    }
  });

  it('the sync.endpoint setting (config set, and its validator the technician screen uses) refuses it; loopback http and https pass', () => {
    const data = tempDir();
    const r = sentinel(['config', 'set', 'sync.endpoint', offLoopback, '--data', data]);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/sync.endpoint must use https/);
    expect(() => withSetting(structuredClone(DEFAULT_KIOSK_CONFIG) as KioskConfig, 'sync.endpoint', 'http://central.example.cn/')).toThrow(/must use https/);
    for (const ok of ['https://central.example.cn/', 'http://127.0.0.1:9/', 'http://localhost:9/', 'http://[::1]:9/']) {
      expect(withSetting(structuredClone(DEFAULT_KIOSK_CONFIG) as KioskConfig, 'sync.endpoint', ok).sync.endpoint).toBe(ok);
    }
    expect(sentinel(['config', 'set', 'sync.endpoint', 'http://127.0.0.1:9/', '--data', data]).status).toBe(0);
  });

  it("the technician's Test connection refuses it without a request", async () => {
    k = await kiosk(0);
    expect(await probeSyncEndpointIn(DataDir.open(k.data, { create: false }), offLoopback, k.log, NOW)).toEqual({ reachable: false, detail: expect.stringMatching(/^not usable: .*must use https/) });
  });
});

describe('what the service says is believed only as far as it can be', () => {
  it('ids in accepted/duplicate that were not in the batch are not marked', async () => {
    k = await kiosk(10);
    const everyPending = [...k.log.list()].map((c) => c.checkId);
    const svc = await raw((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: everyPending.slice(0, 7), duplicate: [...everyPending.slice(7), 'not-a-check'] })),
    );
    try {
      const client = new SyncClient({ endpoints: syncEndpoints(svc.url), log: k.log, device: k.device, trust: new TrustStore(k.dir), floor: new TimeFloor(k.log), clock: Date.now, batchSize: 4 });
      expect(await client.pushBatch()).toMatchObject({ kind: 'stored', sent: 4, stored: 4, pendingLeft: 6 });
      expect([...k.log.list()].filter((c) => c.syncState === 'synced').map((c) => c.checkId)).toEqual(everyPending.slice(0, 4));
    } finally {
      await svc.close();
    }
  });

  it('the Date of a push answered 200 with a body that parses counts; of one that does not, or of an error, it does not', async () => {
    k = await kiosk(2);
    const floor = new TimeFloor(k.log);
    const date = new Date(NOW + 3600_000).toUTCString();
    let mode: 'broken' | 'error' | 'good' = 'broken';
    const svc = await raw((req, res) => {
      if (mode === 'error') return void res.writeHead(500, { date }).end();
      res.writeHead(200, { date, 'content-type': 'application/json' }).end(mode === 'broken' ? '{"accepted": [' : JSON.stringify({ accepted: [], duplicate: [] }));
    });
    try {
      const client = new SyncClient({ endpoints: syncEndpoints(svc.url), log: k.log, device: k.device, trust: new TrustStore(k.dir), floor, clock: () => NOW });
      expect((await client.pushBatch()).kind).toBe('failed');
      mode = 'error';
      expect((await client.pushBatch()).kind).toBe('failed');
      expect(floor.evidence('server')).toBeNull();
      mode = 'good';
      expect(await client.pushBatch()).toMatchObject({ kind: 'stored', stored: 0 });
      expect(floor.evidence('server')).toEqual({ ms: Date.parse(date), recordedAtMs: NOW });
    } finally {
      await svc.close();
    }
  });
});
