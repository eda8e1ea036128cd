// The kiosk's side of receipts (issue 16): `sentinel enroll` pins the
// service's key in the data directory; from then on a check (or event) is
// marked synced only on a receipt that verifies with that key and names it,
// for this device and this batch — a forged receipt, one for another batch
// or device, one missing ids, or none at all mark nothing, back off and say
// why. A kiosk enrolled before (nothing pinned) syncs as it always did, also
// against the reference service in bench/, and says 'unpinned'. Each push
// carries the log's chain head and, from a running kiosk, its status, alone
// now and then when nothing is pending. Last, a running kiosk against the
// real central service: its status bar says 'verified', the service keeps
// its status and chain head.
import { KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CentralService as ReferenceService } from '../../bench/central-service.js';
import { kioskReport } from '../../central/alerts.js';
import { signReceipt } from '../../central/receipts.js';
import { CentralService } from '../../central/service.js';
import type { ServiceKey } from '../../central/service-key.js';
import { settingsFor } from '../../main/app/kiosk-settings.js';
import { openKiosk } from '../../main/app/open-kiosk.js';
import { runSentinel } from '../../main/cli/run.js';
import type { KioskStatus } from '../../main/contract/kiosk.js';
import { parseKioskSyncStatus } from '../../main/contract/sync-status.js';
import { DataDir } from '../../main/data-dir.js';
import { loadDemoKeys, setUpDemoDataDir } from '../../main/demo/demo.js';
import { loadOrCreateDeviceIdentity, type DeviceIdentity } from '../../main/device/device-key.js';
import { uuidv7 } from '../../main/log/check-id.js';
import { CheckLog } from '../../main/log/check-log.js';
import { syncClientIn } from '../../main/sync/open-sync.js';
import { SERVICE_KEY_FILE } from '../../main/sync/service-pin.js';
import type { SyncClient } from '../../main/sync/sync-client.js';
import { SyncLoop, type SyncEvent } from '../../main/sync/sync-loop.js';
import { TrustStore } from '../../main/trust/trust-store.js';
import { PGLITE } from '../central/backends.js';
import { checkRecord } from '../fixtures/check-records.js';
import { ROOT } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/tmp.js';
import { until } from '../fixtures/until.js';
import { DAY, makeWorld, type World } from '../fixtures/world.js';

const NOW = Date.now();
const APP_VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

async function newServiceKey(): Promise<ServiceKey> {
  const { privateKey: webKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const { x, y } = await exportJWK(publicKey);
  const privateKey = KeyObject.from(webKey);
  const kid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: x!, y: y! }, 'sha256');
  return { kid, privateKey, createdAt: new Date().toISOString(), publicJwk: { kty: 'EC', crv: 'P-256', x: x!, y: y!, kid, alg: 'ES256', use: 'sig' } };
}

type Mode = 'good' | 'none' | 'garbage' | 'other-key' | 'same-kid-other-key' | 'other-batch' | 'other-device' | 'missing-ids' | 'extra-ids';

/**
 * A central service in miniature that answers with the receipt a test asks
 * for (how the real one signs is proven in test/central/receipts.test.ts).
 * It takes every batch as sent: the device's signature is not its concern here.
 */
class ReceiptingService {
  mode: Mode = 'good';
  /** Whether enrollment hands out the service key. */
  sendKey = true;
  /** A key for the enrollment answer other than the one signing (a bad one). */
  enrollKey: unknown = null;
  readonly payloads: Record<string, unknown>[] = [];
  readonly stored = new Set<string>();
  url = '';
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly key: ServiceKey,
    readonly forger: ServiceKey,
  ) {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const json = (status: number, doc: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
    if (req.url === '/v1/enroll') {
      const doc = JSON.parse(body) as { deviceId: string };
      return json(200, { deviceId: doc.deviceId, gate: 'G2', station: 'Hongqiao', ...(this.sendKey ? { serviceKey: this.enrollKey ?? this.key.publicJwk } : {}) });
    }
    if (req.url !== '/v1/checks') return void res.writeHead(404).end();
    const payload = JSON.parse(Buffer.from(body.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown> & {
      device: string;
      batch: string;
      checks: { checkId: string }[];
      events?: { eventId: string }[];
    };
    this.payloads.push(payload);
    const ids = [...payload.checks.map((c) => c.checkId), ...(payload.events ?? []).map((e) => e.eventId)];
    const accepted = ids.filter((id) => !this.stored.has(id));
    const duplicate = ids.filter((id) => this.stored.has(id));
    for (const id of ids) this.stored.add(id);
    const signed = { device: payload.device, batch: payload.batch, accepted, duplicate, chain: (payload.chain as never) ?? null, at: new Date().toISOString() };
    const m = this.mode;
    let receipt: string | undefined;
    if (m === 'garbage') receipt = 'not.a.receipt';
    else if (m !== 'none') {
      const key = m === 'other-key' ? this.forger : m === 'same-kid-other-key' ? { ...this.forger, kid: this.key.kid } : this.key;
      receipt = signReceipt(key, {
        ...signed,
        ...(m === 'other-batch' ? { batch: crypto.randomUUID() } : {}),
        ...(m === 'other-device' ? { device: 'another-kiosk' } : {}),
        ...(m === 'missing-ids' ? { accepted: accepted.slice(1) } : {}),
        ...(m === 'extra-ids' ? { accepted: [...accepted, 'not-sent-1'] } : {}),
      });
    }
    json(200, { accepted, duplicate, ...(receipt === undefined ? {} : { receipt }) });
  }
}

interface Kiosk {
  data: string;
  dir: DataDir;
  log: CheckLog;
  device: DeviceIdentity;
  world: World;
}

async function kiosk(n: number): Promise<Kiosk> {
  const world = await makeWorld({ iat: Math.floor(NOW / 1000) - DAY, exp: Math.floor(NOW / 1000) + 30 * DAY });
  const data = tempDir('sentinel-receipts-');
  const dir = DataDir.open(data, { create: true });
  await new TrustStore(dir).install(world.bundle, { nowS: NOW / 1000, newRoots: world.roots });
  const log = CheckLog.openIn(dir);
  log.append(Array.from({ length: n }, (_, i) => checkRecord(i, { checkId: uuidv7(NOW - 3_600_000 + i), atMs: NOW - 3_600_000 + i * 1000 })));
  return { data, dir, log, device: await loadOrCreateDeviceIdentity(dir), world };
}

async function cli(args: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runSentinel(args, { out: (t) => void out.push(t), err: (t) => void err.push(t), stdin: process.stdin, clock: Date.now });
  return { status, out: out.join(''), err: err.join('') };
}

/** Ids still pending in the log (checks and events). */
function pendingIds(log: CheckLog): string[] {
  return [...log.pendingBatch(10_000).map((c) => c.checkId), ...log.pendingEvents(10_000).map((e) => e.eventId)].sort();
}

const chainHead = (log: CheckLog): { seq: number; hash: string } => JSON.parse(log.getMeta('chain_head')!) as { seq: number; hash: string };

let service: ReceiptingService;
let k: Kiosk | null = null;
beforeEach(async () => {
  service = await new ReceiptingService(await newServiceKey(), await newServiceKey()).start();
});
afterEach(async () => {
  k?.log.close();
  k = null;
  await service.stop();
});

describe('a kiosk that pinned the service key at enrollment', () => {
  async function enrolled(n: number): Promise<{ k: Kiosk; client: SyncClient }> {
    k = await kiosk(n);
    const r = await cli(['enroll', service.url, 'one-time-token', '--data', k.data, '--json']);
    expect(r.status, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ enrolled: true, serviceKey: service.key.kid });
    return { k, client: await syncClientIn(k.dir, service.url, k.log, Date.now) };
  }

  it('keeps the key beside the device key, and marks checks and events synced on a receipt that verifies and names them', async () => {
    const { k, client } = await enrolled(30);
    const file = k.dir.path(SERVICE_KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ version: 1, kid: service.key.kid, jwk: service.key.publicJwk, endpoint: service.url });
    // The enrollment says which key it pinned, in the audit trail too.
    expect(k.log.listEvents().at(-1)?.detail).toMatchObject({ key: 'sync.endpoint', serviceKey: service.key.kid });
    expect(client.receipts).toBe('verified');
    const pending = pendingIds(k.log);
    expect(pending).toHaveLength(31); // 30 checks and the enrollment's config event
    const head = chainHead(k.log);
    expect(await client.pushBatch()).toMatchObject({ kind: 'stored', sent: 31, stored: 31, pendingLeft: 0 });
    expect(pendingIds(k.log)).toEqual([]);
    // The push carried the log's chain head (no status: no running kiosk here).
    expect(service.payloads[0]!.chain).toEqual({ length: head.seq, head: head.hash, atMs: expect.any(Number) });
    expect(service.payloads[0]!.status).toBeUndefined();
    expect(k.log.verifyChain().ok).toBe(true);
  });

  it.each([
    ['no receipt at all', 'none', /the answer carries no receipt/],
    ['a receipt that is no JWS', 'garbage', /not a compact JWS|header/],
    ['a receipt signed by another key', 'other-key', /signed by key \S+, not by the service key pinned at enrollment/],
    ["a receipt under the pinned key's kid but signed by another", 'same-kid-other-key', /signature does not verify with the pinned service key/],
    ['a receipt for another batch', 'other-batch', /for another batch/],
    ['a receipt for another device', 'other-device', /for another device/],
    ['a receipt missing some of the ids', 'missing-ids', /exactly the ids/],
    ['a receipt naming ids the answer does not', 'extra-ids', /exactly the ids/],
  ] as const)('%s: nothing is marked synced, the reason is given, and the batch goes again', async (_what, mode, reason) => {
    const { k, client } = await enrolled(12);
    const before = pendingIds(k.log);
    service.mode = mode;
    const r = await client.pushBatch();
    expect(r).toMatchObject({ kind: 'failed', sent: 12, reason: expect.stringMatching(reason) });
    expect(r.kind === 'failed' && r.reason).toMatch(/^receipt refused: .*; nothing is marked synced, the batch goes again$/);
    expect(pendingIds(k.log)).toEqual(before);
    // The service did store them; sent again under a good receipt, they are answered duplicate and marked.
    service.mode = 'good';
    expect(await client.pushBatch()).toMatchObject({ kind: 'stored', stored: 13, pendingLeft: 0 });
    expect(service.payloads.at(-1)!.checks).toHaveLength(12);
    expect(k.log.verifyChain().ok).toBe(true);
  });

  it('the loop backs off on a refused receipt and its state says why, then recovers', async () => {
    const { k, client } = await enrolled(5);
    service.mode = 'other-key';
    const events: SyncEvent[] = [];
    let seen: (e: SyncEvent) => void = () => undefined;
    const loop = new SyncLoop({ client, log: k.log, clock: Date.now, backoff: { baseMs: 5, capMs: 20 }, probeMs: 1000, intervalMs: 60_000, onEvent: (e) => (events.push(e), seen(e)) });
    const failed = new Promise<void>((resolve) => (seen = (e) => e.type === 'failed' && resolve()));
    loop.start();
    await failed;
    expect(loop.state).toMatchObject({ online: false, receipts: 'verified', lastError: expect.stringMatching(/^receipt refused: the receipt is signed by key/) });
    expect(events.find((e) => e.type === 'failed')).toMatchObject({ retryInMs: expect.any(Number), pending: 5 });
    expect(pendingIds(k.log)).toHaveLength(6);
    const idle = new Promise<void>((resolve) => (seen = (e) => e.type === 'idle' && e.pending === 0 && resolve()));
    service.mode = 'good';
    await idle;
    await loop.stop();
    expect(loop.state).toMatchObject({ online: true, lastError: null, receipts: 'verified' });
    expect(pendingIds(k.log)).toEqual([]);
  });

  it('a pin file that is damaged marks nothing, and says to enroll again', async () => {
    const { k, client } = await enrolled(3);
    fs.writeFileSync(k.dir.path(SERVICE_KEY_FILE), '{"version":1,"kid":"x","jwk":{"kty":"EC"}}');
    expect(client.receipts).toBe('verified');
    expect(await client.pushBatch()).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/pinned service key \(central-key\.json\) is damaged .*enroll the kiosk again/) });
    expect(pendingIds(k.log)).toHaveLength(4);
  });

  it('enrolled again with a service that sends no key: the pin is removed, the technician told, and the kiosk syncs unpinned', async () => {
    const { k } = await enrolled(3);
    service.sendKey = false;
    service.mode = 'none';
    const r = await cli(['enroll', service.url, 'another-token', '--data', k.data]);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/\nwarning: the service sends no key, so its answers carry no receipts: checks are marked synced on its word alone/);
    expect(fs.existsSync(k.dir.path(SERVICE_KEY_FILE))).toBe(false);
    const client = await syncClientIn(k.dir, service.url, k.log, Date.now);
    expect(client.receipts).toBe('unpinned');
    expect(await client.pushBatch()).toMatchObject({ kind: 'stored', pendingLeft: 0 });
  });

  it('an enrollment answer whose key cannot be pinned changes nothing (exit 69)', async () => {
    const { k } = await enrolled(1);
    const pinned = fs.readFileSync(k.dir.path(SERVICE_KEY_FILE), 'utf8');
    const other = await newServiceKey();
    for (const bad of [{ ...other.publicJwk, d: 'private-part' }, { ...other.publicJwk, kid: service.key.kid }, { ...other.publicJwk, crv: 'P-384' }, 'a key']) {
      service.enrollKey = bad;
      const r = await cli(['enroll', service.url, 'token', '--data', k.data]);
      expect(r.status).toBe(69);
      expect(r.err).toMatch(/carries a service key that cannot be pinned/);
      expect(fs.readFileSync(k.dir.path(SERVICE_KEY_FILE), 'utf8')).toBe(pinned);
    }
  });
});

describe('a kiosk enrolled before receipts (nothing pinned)', () => {
  it('keeps syncing against a service without receipts (the reference service in bench/) and says it is unpinned', async () => {
    const reference = new ReferenceService();
    await reference.start();
    try {
      k = await kiosk(700);
      await reference.enroll(k.device.deviceId, k.device.jwk);
      const client = await syncClientIn(k.dir, reference.url, k.log, Date.now);
      expect(client.receipts).toBe('unpinned');
      const events: SyncEvent[] = [];
      let idle: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (idle = resolve));
      const loop = new SyncLoop({ client, log: k.log, clock: Date.now, intervalMs: 60_000, onEvent: (e) => (events.push(e), e.type === 'idle' && e.pending === 0 && idle()) });
      loop.start();
      await done;
      await loop.stop();
      expect(loop.state).toMatchObject({ online: true, receipts: 'unpinned', lastError: null });
      expect(reference.stored.size).toBe(700);
      expect(pendingIds(k.log)).toEqual([]);
      // The extra members (chain) ride along and are ignored there.
      expect(reference.stats.badSignatures).toBe(0);
    } finally {
      await reference.stop();
    }
  });
});

describe("the running kiosk's report", () => {
  it('carries the status and the chain head with each push, and the status alone now and then when nothing is pending', async () => {
    k = await kiosk(4);
    let now = NOW;
    let kioskStatus: unknown = {
      thermometer: { state: 'ok' },
      scanner: { state: 'none' },
      gate: { gate: 'out-of-order', notPassedToday: 2, tailgatesToday: 1 },
    };
    const { SyncClient } = await import('../../main/sync/sync-client.js');
    const { syncEndpoints } = await import('../../main/sync/endpoints.js');
    const { TimeFloor } = await import('../../main/clock/time-floor.js');
    const client = new SyncClient({
      endpoints: syncEndpoints(service.url),
      log: k.log,
      device: k.device,
      trust: new TrustStore(k.dir, k.log),
      floor: new TimeFloor(k.log),
      clock: () => now,
      kiosk: {
        status: () => {
          if (kioskStatus instanceof Error) throw kioskStatus;
          return kioskStatus as KioskStatus;
        },
        policyVersion: () => 3,
      },
      heartbeatMs: 60_000,
    });
    const oldest = k.log.oldestPendingAtMs();
    expect(await client.pushBatch()).toMatchObject({ kind: 'stored', stored: 4 });
    const [first] = service.payloads;
    expect(parseKioskSyncStatus(first!.status)).toEqual({
      appVersion: APP_VERSION,
      sentAtMs: now,
      bundleSeq: 17,
      bundleExpiresAtMs: (Math.floor(NOW / 1000) + 30 * DAY) * 1000,
      policyVersion: 3,
      backlog: 4,
      oldestPendingAtMs: oldest,
      devices: { thermometer: 'ok', scanner: 'none', gate: 'out-of-order' },
      gate: { notPassedToday: 2, tailgatesToday: 1 },
    });
    const head = chainHead(k.log);
    expect(first!.chain).toEqual({ length: head.seq, head: head.hash, atMs: now });
    expect(JSON.stringify(first)).not.toMatch(/"sub"|"nm"|PHC1:/);
    // Nothing pending: no request until the heartbeat is due; then the status alone.
    expect(await client.pushBatch()).toEqual({ kind: 'empty' });
    expect(service.payloads).toHaveLength(1);
    now += 60_000;
    kioskStatus = { thermometer: { state: 'offline' }, scanner: { state: 'ok' }, gate: null };
    expect(await client.pushBatch()).toEqual({ kind: 'empty' });
    expect(service.payloads).toHaveLength(2);
    expect(service.payloads[1]).toMatchObject({ checks: [], status: { sentAtMs: now, backlog: 0, devices: { thermometer: 'offline', scanner: 'ok', gate: 'none' } } });
    expect((service.payloads[1]!.status as Record<string, unknown>).gate).toBeUndefined();
    expect(await client.pushBatch()).toEqual({ kind: 'empty' });
    expect(service.payloads).toHaveLength(2);
    // A kiosk that cannot say its status still pushes its checks, without one.
    kioskStatus = new Error('closing');
    k.log.append([checkRecord(99, { checkId: uuidv7(now), atMs: now })]);
    expect(await client.pushBatch()).toMatchObject({ kind: 'stored', stored: 1 });
    expect(service.payloads[2]!.status).toBeUndefined();
    expect(service.payloads[2]!.chain).toMatchObject({ length: chainHead(k.log).seq });
  });

  it('a running kiosk enrolled with the central service: its status bar says verified, the service keeps its status and chain head; without a pin it says unpinned', async () => {
    const store = await PGLITE.freshStore();
    const central = new CentralService({ store, log: () => undefined });
    const reference = new ReferenceService();
    await central.listen();
    await reference.start();
    const keys = await loadDemoKeys();
    const pinnedDir = path.join(tempDir(), 'pinned');
    const plainDir = path.join(tempDir(), 'plain');
    const cores: { stop(): Promise<void> }[] = [];
    try {
      await setUpDemoDataDir(pinnedDir, keys, Date.now());
      await setUpDemoDataDir(plainDir, keys, Date.now());
      const { token } = await store.createEnrollToken({ gate: 'G9', station: 'Hongqiao', ttlMinutes: 10, nowMs: Date.now() });
      const enrolled = await cli(['enroll', central.url, token, '--data', pinnedDir]);
      expect(enrolled.status, enrolled.err).toBe(0);
      const device = await loadOrCreateDeviceIdentity(DataDir.open(pinnedDir, { create: false }));
      // The other kiosk syncs with the reference service (no receipts), as one enrolled before.
      const plain = await loadOrCreateDeviceIdentity(DataDir.open(plainDir, { create: false }));
      await reference.enroll(plain.deviceId, plain.jwk);
      expect(await cli(['config', 'set', 'sync.endpoint', reference.url, '--data', plainDir])).toMatchObject({ status: 0 });

      const pinnedKiosk = await openKiosk(settingsFor(pinnedDir, { simulate: true }, 'en', Date.now), { thermometer: () => null, scanners: () => [] });
      cores.push(pinnedKiosk);
      const plainKiosk = await openKiosk(settingsFor(plainDir, { simulate: true }, 'en', Date.now), { thermometer: () => null, scanners: () => [] });
      cores.push(plainKiosk);
      await until(async () => (await kioskReport(store.sql, device.deviceId))?.status !== null, 30_000, 'the kiosk status on its device row');
      // The other kiosk's events (its sync.endpoint set) reach the reference service unpinned.
      await until(() => reference.storedEvents.size > 0, 30_000, 'the unpinned kiosk synced');
      expect(pinnedKiosk.service.status().sync).toMatchObject({ configured: true, receipts: 'verified' });
      expect(plainKiosk.service.status().sync).toMatchObject({ configured: true, receipts: 'unpinned' });
      const report = await kioskReport(store.sql, device.deviceId);
      expect(report?.status).toMatchObject({ appVersion: APP_VERSION, devices: { thermometer: 'none', scanner: 'none', gate: 'none' }, policyVersion: expect.any(Number) });
      expect(Math.abs(report!.clockOffsetMs!)).toBeLessThan(5000);
      expect(report?.chain?.length).toBeGreaterThan(0);
    } finally {
      for (const core of cores) await core.stop();
      await central.close();
      await reference.stop();
    }
  }, 120_000);
});
