// The kiosk's sync suite (test/sync/sync.test.ts) against the real central
// service instead of the reference fixture of bench/central-service.ts: two
// service instances on one store (on PostgreSQL each with its own pool, as
// two processes would be) behind the round-robin balancer of
// bench/balancer.ts, and in front of that a small HTTP proxy that injects
// the fixture's faults (error500, tooMany, reset, hang, lostAnswer, slow,
// malformed, partial) without touching the service. The kiosks are the
// kiosk's own SyncClient, SyncLoop and `sentinel sync`; enrolled through
// POST /v1/enroll. Every scenario ends by counting in the database: each
// check the kiosk logged is stored exactly once, and nothing else is.
// The scenarios left to test/sync/sync.test.ts are those that do not need
// a service: the loop's timers, answers too large, endpoints.
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBalancer, type Balancer } from '../../bench/balancer.js';
import { FAULTS, type Fault } from '../../bench/central-service.js';
import { publishBundle } from '../../central/bundles.js';
import { monthExpired, monthOf } from '../../central/partitions.js';
import { CentralService } from '../../central/service.js';
import type { CentralStore } from '../../central/store.js';
import { AuditTrail } from '../../main/audit/audit.js';
import { TimeFloor } from '../../main/clock/time-floor.js';
import { DataDir } from '../../main/data-dir.js';
import { loadOrCreateDeviceIdentity, type DeviceIdentity } from '../../main/device/device-key.js';
import { newSigningKey, signBundle } from '../../main/issuer/sign.js';
import { uuidv7 } from '../../main/log/check-id.js';
import { CheckLog, type CheckRecord } from '../../main/log/check-log.js';
import { syncEndpoints } from '../../main/sync/endpoints.js';
import { SyncClient, type PushResult } from '../../main/sync/sync-client.js';
import { SyncLoop, type SyncEvent } from '../../main/sync/sync-loop.js';
import { TrustStore } from '../../main/trust/trust-store.js';
import { checkRecord } from '../fixtures/check-records.js';
import { SENTINEL, firstLine, sentinelAsync } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/tmp.js';
import { DAY, makeWorld, type World } from '../fixtures/world.js';
import { BACKENDS } from './backends.js';
import { enroll } from './kiosks.js';

const NOW = Date.now();
const DAY_MS = DAY * 1000;

function records(n: number, start = NOW - 3600_000): CheckRecord[] {
  return Array.from({ length: n }, (_, i) =>
    checkRecord(i % 997, { checkId: uuidv7(start + i), atMs: start + i, ...(i % 7 === 0 ? { verdict: 'deny', reasons: ['STATUS_RED'], status: 'red' } : {}) }),
  );
}

// ---- a proxy that injects the network's faults in front of the real service ----

interface FaultOptions {
  /** Fraction of check pushes that meet a fault (0–1). */
  faultRate?: number;
  faults?: readonly Fault[];
  random?: () => number;
  /** How long a hang lasts before the socket is dropped, ms. */
  hangMs?: number;
  retryAfterSeconds?: number;
  /** Every check push waits this long before it goes on, ms (a slow link). */
  delayMs?: number;
  /** Instead of at random: every nth push meets the next fault of `faults` in turn (so each kind is met). */
  cycle?: number;
}

interface FaultProxy {
  url: string;
  stats: { pushes: number; faults: number; byFault: Partial<Record<Fault, number>> };
  /** Raw push bodies, for the privacy checks. */
  bodies: string[];
  /** The service's answers to the pushes it saw (those a fault did not stop before it). */
  answers: { accepted: string[]; duplicate: string[] }[];
  /** Every connection is dropped at once, as if the network were down. */
  down: boolean;
  /** Replaces the Date header of the service's answers. */
  dateHeader: string | null;
  keepBodies: boolean;
  configure(opts: FaultOptions): void;
  close(): Promise<void>;
}

async function faultProxy(upstream: string, initial: FaultOptions = {}): Promise<FaultProxy> {
  let opts: FaultOptions = { ...initial };
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    url: '',
    stats: { pushes: 0, faults: 0, byFault: {} },
    bodies: [],
    answers: [],
    down: false,
    dateHeader: null,
    keepBodies: true,
    configure: (o) => void (opts = { ...opts, ...o }),
    close: async () => undefined,
  };
  let turn = 0;
  const pick = (): Fault | null => {
    const faults = opts.faults ?? FAULTS;
    if (opts.cycle) return proxy.stats.pushes % opts.cycle === 0 ? (faults[turn++ % faults.length] ?? null) : null;
    const random = opts.random ?? Math.random;
    if (random() >= (opts.faultRate ?? 0)) return null;
    return faults[Math.floor(random() * faults.length)] ?? null;
  };
  /** The request passed on to the service; resolves with its answer, read whole. */
  const forward = (req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const out = http.request(new URL(req.url ?? '/', upstream), { method: req.method, headers: { ...req.headers, host: new URL(upstream).host } }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }));
        answer.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });
  const reply = (res: http.ServerResponse, a: { status: number; headers: http.IncomingHttpHeaders; body: Buffer }): void => {
    const headers = { ...a.headers, ...(proxy.dateHeader ? { date: proxy.dateHeader } : {}), 'content-length': String(a.body.length) };
    delete headers['transfer-encoding'];
    res.writeHead(a.status, headers).end(a.body);
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      if (proxy.down) return void req.socket.destroy();
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const isPush = req.method === 'POST' && new URL(req.url ?? '/', 'http://x').pathname === '/v1/checks';
      if (!isPush) return reply(res, await forward(req, body));
      proxy.stats.pushes++;
      if (proxy.keepBodies) proxy.bodies.push(body.toString('utf8'));
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      const fault = pick();
      if (fault) {
        proxy.stats.faults++;
        proxy.stats.byFault[fault] = (proxy.stats.byFault[fault] ?? 0) + 1;
      }
      // Faults on the way there: the service never sees the batch.
      if (fault === 'reset') return void req.socket.destroy();
      if (fault === 'hang') return void setTimeout(() => req.socket.destroy(), opts.hangMs ?? 20_000);
      if (fault === 'error500') return void res.writeHead(500).end('internal error');
      if (fault === 'tooMany') return void res.writeHead(429, { 'retry-after': String(opts.retryAfterSeconds ?? 1) }).end();
      if (fault === 'malformed') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted": [');
      // Faults on the way back: the service stored the batch.
      const answer = await forward(req, body);
      if (answer.status === 200) {
        const doc = JSON.parse(answer.body.toString('utf8')) as { accepted: string[]; duplicate: string[] } & Record<string, unknown>;
        proxy.answers.push({ accepted: doc.accepted, duplicate: doc.duplicate });
        if (fault === 'partial') {
          // The answer names only the first half of what was sent: the rest must go again.
          const listed = [...doc.accepted, ...doc.duplicate];
          const half = new Set(listed.slice(0, Math.ceil(listed.length / 2)));
          const cut = { ...doc, accepted: doc.accepted.filter((id) => half.has(id)), duplicate: doc.duplicate.filter((id) => half.has(id)) };
          return reply(res, { ...answer, body: Buffer.from(JSON.stringify(cut)) });
        }
      }
      if (fault === 'lostAnswer') return void req.socket.destroy();
      if (fault === 'slow') await new Promise((r) => setTimeout(r, 300));
      reply(res, answer);
    })().catch(() => req.socket.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  return proxy;
}

// ---- kiosks ----

interface Kiosk {
  data: string;
  dir: DataDir;
  log: CheckLog;
  device: DeviceIdentity;
  world: World;
  client(url: string, timeoutMs?: number): SyncClient;
}

async function kiosk(world: World, n: number, opts: { event?: boolean } = {}): Promise<Kiosk> {
  const data = tempDir('sentinel-sync-central-');
  const dir = DataDir.open(data, { create: true });
  await new TrustStore(dir).install(world.bundle, { nowS: NOW / 1000, newRoots: world.roots });
  const log = CheckLog.openIn(dir);
  for (let i = 0; i < n; i += 1000) log.append(records(Math.min(1000, n - i), NOW - 3600_000 + i));
  if (opts.event) new AuditTrail(log).record('config/changed', 'tech-07', { key: 'screen.sound', before: true, after: false }, NOW - 1800_000);
  const device = await loadOrCreateDeviceIdentity(dir);
  return {
    data,
    dir,
    log,
    device,
    world,
    client: (url, timeoutMs = 5000) => new SyncClient({ endpoints: syncEndpoints(url), log, device, trust: new TrustStore(dir), floor: new TimeFloor(log), clock: Date.now, timeoutMs }),
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

describe.each(BACKENDS)("the kiosk's sync against the central service on $name, two instances behind the balancer", (backend) => {
  let store: CentralStore;
  let services: CentralService[];
  let balancer: Balancer;
  let proxy: FaultProxy;
  /** One trust world for the file's kiosks: the bundles the service publishes are signed by its root. */
  let world: World;

  beforeAll(async () => {
    world = await makeWorld({ iat: Math.floor(NOW / 1000) - DAY, exp: Math.floor(NOW / 1000) + 30 * DAY });
    store = await backend.freshStore();
    const other = await backend.secondProcess(store);
    services = [new CentralService({ store, log: () => undefined }), new CentralService({ store: other, log: () => undefined })];
    for (const s of services) await s.listen();
    balancer = await startBalancer(services.map((s) => s.url));
    proxy = await faultProxy(balancer.url);
    return async () => {
      await proxy.close();
      await balancer.close();
      for (const s of services) await s.close();
    };
  });

  /** Fresh faults for a test: none unless it asks. */
  function faults(opts: FaultOptions): FaultProxy {
    proxy.configure({ faultRate: 0, faults: FAULTS, random: Math.random, hangMs: 20_000, retryAfterSeconds: 1, delayMs: 0, cycle: 0, ...opts });
    proxy.down = false;
    proxy.dateHeader = null;
    proxy.keepBodies = true;
    proxy.bodies.length = 0;
    proxy.answers.length = 0;
    proxy.stats = { pushes: 0, faults: 0, byFault: {} };
    return proxy;
  }

  async function enrolled(k: Kiosk): Promise<void> {
    const r = await enroll(balancer.url, store, k.device);
    expect(r.status, r.text).toBe(200);
  }

  /** What the database holds of a device's checks: id → how many rows. */
  async function storedFor(deviceId: string): Promise<Map<string, number>> {
    const rows = await store.sql.query<{ id: string; n: unknown }>('SELECT check_id AS id, count(*) AS n FROM checks WHERE device_id = $1 GROUP BY check_id', [deviceId]);
    return new Map(rows.map((r) => [r.id, Number(r.n)]));
  }

  /** Exactly once: every check the kiosk logged is in the database once, and nothing else of its device is. */
  async function expectExactlyOnce(k: Kiosk, expected?: string[]): Promise<void> {
    const stored = await storedFor(k.device.deviceId);
    const ids = expected ?? [...k.log.list()].map((c) => c.checkId);
    expect(stored.size).toBe(ids.length);
    expect([...stored.keys()].sort()).toEqual([...ids].sort());
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
  }

  const open: Kiosk[] = [];
  afterAll(() => {
    for (const k of open.splice(0)) {
      try {
        k.log.close();
      } catch {
        /* closed by its test */
      }
    }
  });
  async function newKiosk(n: number, opts: { event?: boolean; enroll?: boolean } = {}): Promise<Kiosk> {
    const k = await kiosk(world, n, opts);
    open.push(k);
    if (opts.enroll !== false) await enrolled(k);
    return k;
  }

  it('three kiosks at once, 2,000 checks and an audit event each, every second push meeting a fault, each kind in turn: each stored exactly once, none pending, no personal data', async () => {
    const p = faults({ cycle: 2, hangMs: 1500, retryAfterSeconds: 1 });
    const kiosks = await Promise.all([0, 1, 2].map(() => newKiosk(2000, { event: true })));
    const runs = kiosks.map(async (k) => {
      const { onEvent, when } = syncEvents();
      const loop = new SyncLoop({ client: k.client(p.url, 1000), log: k.log, clock: Date.now, backoff: { baseMs: 5, capMs: 50 }, probeMs: 1000, intervalMs: 60_000, onEvent });
      loop.start();
      await when((e) => e.type === 'idle' && e.pending === 0);
      await loop.stop();
    });
    await Promise.all(runs);
    // Every fault of the fixture's list was met.
    expect(Object.keys(p.stats.byFault).sort()).toEqual([...FAULTS].sort());
    for (const k of kiosks) {
      expect(k.log.count().pending).toBe(0);
      expect(k.log.pendingEvents(10)).toHaveLength(0);
      await expectExactlyOnce(k);
      expect((await store.events(k.device.deviceId)).map((e) => [e.type, e.actor])).toEqual([['config/changed', 'tech-07']]);
      expect(k.log.verifyChain().ok).toBe(true);
    }
    for (const body of p.bodies) {
      const payload = Buffer.from(body.split('.')[1]!, 'base64url').toString('utf8');
      expect(payload).not.toContain('PHC1:');
      expect(payload).not.toMatch(/"sub"|"nm"|"rsn"/);
    }
    // Stored is what the kiosk sent (its wire fields), nothing more.
    for await (const c of store.checks({ deviceId: kiosks[0]!.device.deviceId, pageSize: 1 })) {
      expect(Object.keys(c).sort()).toEqual([
        'at',
        'batch',
        'bundleSeq',
        'checkId',
        'clockState',
        'device',
        'format',
        'holder',
        'issuer',
        'kid',
        'policyVersion',
        'reasons',
        'receivedAt',
        'status',
        'temperatureC',
        'verdict',
      ]);
      break;
    }
    // Both service instances took connections.
    expect(balancer.connections.every((n) => n > 0)).toBe(true);
  }, 60_000);

  it("a check whose code carried a NUL in its kid and an issuer past the service's limit is sent cut and clean, and stored: one traveller cannot stop a kiosk's sync", async () => {
    const k = await newKiosk(0);
    const at = (i: number) => ({ checkId: uuidv7(NOW - 60_000 + i), atMs: NOW - 60_000 + i });
    k.log.append([checkRecord(1, { ...at(1), kid: 'a\u0000b', issuer: `CN-${'Z'.repeat(600)}` }), checkRecord(2, at(2))]);
    const client = k.client(balancer.url);
    expect(await client.pushBatch()).toMatchObject({ kind: 'stored', sent: 2, stored: 2, pendingLeft: 0, heldBack: null });
    const stored = [];
    for await (const c of store.checks({ deviceId: k.device.deviceId })) stored.push(c);
    expect(stored.map((c) => [c.kid, c.issuer?.length])).toEqual([
      ['a\uFFFDb', 512],
      ['zj-2026-1', 'CN-ZJ'.length],
    ]);
  });

  it('a check the answer did not list is sent again and answered duplicate; only listed ids are marked', async () => {
    const p = faults({ faultRate: 1, faults: ['partial'] });
    const k = await newKiosk(10);
    const client = k.client(p.url);
    expect(await client.pushBatch()).toMatchObject({ kind: 'stored', sent: 10, stored: 5, pendingLeft: 5 });
    p.configure({ faultRate: 0 });
    expect(await client.pushBatch()).toMatchObject({ kind: 'stored', sent: 5, stored: 5, pendingLeft: 0 });
    expect(await client.pushBatch()).toEqual({ kind: 'empty' });
    // The service had stored all ten the first time: the five sent again were duplicates.
    expect(p.answers.map((a) => [a.accepted.length, a.duplicate.length])).toEqual([
      [10, 0],
      [0, 5],
    ]);
    await expectExactlyOnce(k);
  });

  it.each([
    ['error500', /HTTP 500/, false],
    ['tooMany', /HTTP 429/, false],
    ['reset', /.+/, false],
    ['malformed', /does not parse/, false],
    ['lostAnswer', /.+/, true],
  ] as const)('%s: nothing is marked synced; sent again, every check is stored once', async (fault, reason, reachedService) => {
    const p = faults({ faultRate: 1, faults: [fault], retryAfterSeconds: 3 });
    const k = await newKiosk(20);
    const client = k.client(p.url);
    const r = await client.pushBatch();
    expect(r.kind).toBe('failed');
    expect((r as Extract<PushResult, { kind: 'failed' }>).reason).toMatch(reason);
    if (fault === 'tooMany') expect((r as Extract<PushResult, { kind: 'failed' }>).retryAfterMs).toBe(3000);
    expect(k.log.count().pending).toBe(20);
    expect((await storedFor(k.device.deviceId)).size).toBe(reachedService ? 20 : 0);
    p.configure({ faultRate: 0 });
    expect(await client.pushBatch()).toMatchObject({ kind: 'stored', stored: 20, pendingLeft: 0 });
    // A batch the service had stored comes back answered duplicate.
    expect(p.answers.at(-1)).toMatchObject(reachedService ? { accepted: [], duplicate: expect.arrayContaining([expect.any(String)]) } : { duplicate: [] });
    await expectExactlyOnce(k);
  });

  it('a hang past the timeout is a failure, not a wait forever; nothing reached the store', async () => {
    const p = faults({ faultRate: 1, faults: ['hang'], hangMs: 5000 });
    const k = await newKiosk(3);
    const started = Date.now();
    const r = await k.client(p.url, 300).pushBatch();
    expect(r).toMatchObject({ kind: 'failed', reason: expect.stringContaining('timeout') });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(k.log.count().pending).toBe(3);
    expect((await storedFor(k.device.deviceId)).size).toBe(0);
  });

  it('an unenrolled device is refused (401), a revoked one too (403): nothing is marked, nothing stored after the revocation', async () => {
    const p = faults({});
    const stranger = await newKiosk(3, { enroll: false });
    expect(await stranger.client(p.url).pushBatch()).toMatchObject({ kind: 'failed', reason: 'HTTP 401' });
    expect(stranger.log.count().pending).toBe(3);
    expect((await storedFor(stranger.device.deviceId)).size).toBe(0);

    const k = await newKiosk(600);
    const client = k.client(p.url);
    expect(await client.pushBatch()).toMatchObject({ kind: 'stored', stored: 500, pendingLeft: 100 });
    await store.revoke(k.device.deviceId, Date.now());
    expect(await client.pushBatch()).toMatchObject({ kind: 'failed', reason: 'HTTP 403' });
    expect(k.log.count().pending).toBe(100);
    await expectExactlyOnce(
      k,
      [...k.log.list()].filter((c) => c.syncState === 'synced').map((c) => c.checkId),
    );
  });

  it('retention runs after a complete pass: old synced checks go; nothing is purged while the service is away', async () => {
    const p = faults({});
    const k = await newKiosk(0);
    const oldAt = NOW - 40 * DAY_MS;
    k.log.append(records(5, oldAt));
    const ids = [...k.log.list()].map((c) => c.checkId);
    p.down = true;
    const { events, onEvent, when } = syncEvents();
    const loop = new SyncLoop({ client: k.client(p.url), log: k.log, clock: Date.now, backoff: { baseMs: 50, capMs: 100 }, probeMs: 60_000, retentionDays: 21, onEvent });
    loop.start();
    await when((_e, seen) => seen.filter((e) => e.type === 'failed').length >= 3);
    expect(k.log.count()).toEqual({ total: 5, pending: 5 });
    p.down = false;
    await when((e) => e.type === 'purged');
    await loop.stop();
    expect(events.find((e) => e.type === 'purged')).toEqual({ type: 'purged', deleted: 5, unsyncedDropped: 0 });
    // The service took them; a month already past its own 21 days it answers accepted and does not keep.
    await expectExactlyOnce(k, monthExpired(monthOf(oldAt), Date.now(), store.retentionDays) ? [] : ids);
    expect(k.log.verifyChain().ok).toBe(true);
  });

  it('bundles through the service: a newer one installed, then 304; a rollback or a foreign root is refused by the service and the kiosk keeps its own', async () => {
    const p = faults({});
    const k = await newKiosk(0);
    const client = k.client(p.url);
    const nowS = Math.floor(NOW / 1000);
    const newest = (await store.newestBundle())?.seq ?? 17;
    const seq = Math.max(17, newest) + 1;
    const payload = (s: number): Record<string, unknown> => ({ ...k.world.bundlePayload, seq: s, iat: nowS - 60, exp: nowS + 30 * DAY });
    await publishBundle(store, await signBundle(payload(seq), k.world.root), k.world.roots, Date.now());
    expect(await client.fetchBundle()).toEqual({ kind: 'installed', seq });
    expect(k.log.highestBundleSeq()).toBe(seq);
    expect(await client.fetchBundle()).toEqual({ kind: 'unchanged' });
    await expect(publishBundle(store, await signBundle(payload(seq - 1), k.world.root), k.world.roots, Date.now())).rejects.toMatchObject({ problem: 'rollback' });
    const foreign = await newSigningKey('ES256', 'root-test-1');
    await expect(publishBundle(store, await signBundle(payload(seq + 5), foreign), k.world.roots, Date.now())).rejects.toMatchObject({ problem: 'bad-signature' });
    expect(await client.fetchBundle()).toEqual({ kind: 'unchanged' });
    expect((await new TrustStore(k.dir).load(NOW / 1000))?.info.seq).toBe(seq);
  });

  it("the service's Date raises the time floor and never lowers it", async () => {
    const p = faults({});
    const k = await newKiosk(0);
    const floor = new TimeFloor(k.log);
    const client = k.client(p.url);
    p.dateHeader = new Date(NOW + 3600_000).toUTCString();
    // A bundle the kiosk's root signed (the previous test's, or this one): only such an answer's Date counts.
    if (!(await store.newestBundle())) await publishBundle(store, k.world.bundle, k.world.roots, Date.now());
    expect((await client.fetchBundle()).kind).not.toBe('failed');
    const raised = floor.currentMs(null)!;
    expect(raised).toBeGreaterThanOrEqual(NOW + 3599_000);
    p.dateHeader = new Date(NOW - DAY_MS).toUTCString();
    await client.fetchBundle();
    expect(floor.currentMs(null)).toBe(raised);
  });

  it('sentinel sync SIGKILLed at random moments 3 times over a slow link with faults, then --once: exactly once by id, nothing lost', async () => {
    const p = faults({ faultRate: 1 / 3, faults: ['error500', 'reset', 'lostAnswer', 'partial', 'slow'], hangMs: 1000, retryAfterSeconds: 0, delayMs: 120 });
    p.keepBodies = false;
    const k = await newKiosk(3000);
    k.log.close();
    const pendingAfterKill: number[] = [];
    for (let i = 0; i < 3; i++) {
      const child = spawn(process.execPath, [SENTINEL, 'sync', '--json', '--endpoint', p.url, '--data', k.data], { stdio: ['ignore', 'pipe', 'ignore'] });
      const exited = new Promise((r) => child.once('exit', r));
      await firstLine(child.stdout);
      setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 600));
      await exited;
      pendingAfterKill.push(3000 - (await storedFor(k.device.deviceId)).size);
    }
    p.configure({ faultRate: 0, delayMs: 0 });
    let last = await sentinelAsync(['sync', '--once', '--endpoint', p.url, '--data', k.data, '--json']);
    for (let i = 0; i < 5 && last.status === 75; i++) last = await sentinelAsync(['sync', '--once', '--endpoint', p.url, '--data', k.data, '--json']);
    expect(last.status, last.stderr).toBe(0);
    k.log = CheckLog.openIn(k.dir);
    expect(k.log.count()).toEqual({ total: 3000, pending: 0 });
    await expectExactlyOnce(k);
    expect(k.log.verifyChain().ok).toBe(true);
    // The kills fell in the middle of the work at least once.
    expect(pendingAfterKill.some((n) => n > 0 && n < 3000)).toBe(true);
  }, 60_000);
});
