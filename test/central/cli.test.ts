// sentinel central … and sentinel enroll as an operator and a technician
// use them, on both backends: tokens, enrollment from the kiosk, devices,
// the stored checks as JSON lines and CSV, revocation, bundle publishing;
// usage errors and exit codes; serve as its own process, holding the
// embedded store (the admin commands say so, exit 75) or beside them on
// PostgreSQL; two serve processes started at once on one new PostgreSQL
// database, receiving the same batch.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSyncPayload } from '../../central/batch.js';
import { readDeviceJwk } from '../../central/device-keys.js';
import { defaultCentralDataDir, openStore, storeLocation } from '../../central/open-store.js';
import { LOCK_FILE } from '../../central/store-lock.js';
import { runSentinel } from '../../main/cli/run.js';
import { ConfigStore } from '../../main/config/config-store.js';
import { DataDir } from '../../main/data-dir.js';
import { loadOrCreateDeviceIdentity } from '../../main/device/device-key.js';
import { signBundle, newSigningKey } from '../../main/issuer/sign.js';
import { uuidv7 } from '../../main/log/check-id.js';
import { CheckLog } from '../../main/log/check-log.js';
import { wireCheck as kioskWire } from '../../main/log/wire-check.js';
import { checkRecord } from '../fixtures/check-records.js';
import { SENTINEL, firstLine } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/tmp.js';
import { makeWorld } from '../fixtures/world.js';
import { BACKENDS, POSTGRES } from './backends.js';
import { enrollDoc, newDevice, payloadOf, postChecks, postEnroll, sign, wireChecks } from './kiosks.js';

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/** The command in this process, as the binary runs it. */
async function cli(args: string[]): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const status = await runSentinel(args, { out: (t) => void (stdout += t), err: (t) => void (stderr += t), stdin: process.stdin, clock: Date.now });
  return { status, stdout, stderr };
}

const lines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A kiosk data directory with n checks logged in the last hour. */
function kioskWith(n: number): string {
  const data = tempDir('sentinel-central-kiosk-');
  const log = CheckLog.openIn(DataDir.open(data, { create: true }));
  const now = Date.now();
  log.append(Array.from({ length: n }, (_, i) => checkRecord(i, { checkId: uuidv7(now - 3_600_000 + i), atMs: now - 3_600_000 + i * 1000 })));
  log.close();
  return data;
}

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** `sentinel central serve …` as its own process; resolves with its URL once it says it listens. */
async function serveChild(args: string[]): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [SENTINEL, 'central', 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LANG: 'en_US.UTF-8' } });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then(() => children.delete(child));
  const line = await firstLine(child.stdout!, 45_000).catch((err: Error) => {
    throw new Error(`${err.message}; stderr: ${stderr}`);
  });
  const url = /listening on (\S+)/.exec(line)?.[1];
  if (!url) throw new Error(`unexpected first line: ${line}`);
  return { child, url, exited };
}

describe.each(BACKENDS)('sentinel central on $name', (backend) => {
  it('enroll-token, sentinel enroll on the kiosk, sync, devices, checks as JSON lines and CSV, revoke, and bundle publish', async () => {
    const location = await backend.location();
    const STORE = location.kind === 'postgres' ? ['--db', location.url] : ['--data', location.dir];
    const made = await cli(['central', 'enroll-token', ...STORE, '--gate', 'G7', '--station', 'Hongqiao West', '--ttl-minutes', '15', '--json']);
    expect(made.status, made.stderr).toBe(0);
    const token = lines(made.stdout)[0]!;
    expect(token).toMatchObject({ token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), url: 'http://127.0.0.1:8460/', gate: 'G7', station: 'Hongqiao West' });
    expect(Date.parse(String(token.expiresAt)) - Date.now()).toBeGreaterThan(14 * 60_000);

    // The service, as its own process on the store.
    const { child, url, exited } = await serveChild(STORE);
    try {
      if (location.kind === 'pglite') {
        expect(JSON.parse(fs.readFileSync(path.join(location.dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: child.pid, role: 'serve' });
        // The embedded store is one process: an admin command is told who holds it, and touches nothing.
        const busy = await cli(['central', 'devices', ...STORE]);
        expect(busy.status).toBe(75);
        expect(busy.stderr).toMatch(new RegExp(`^sentinel: the central service \\(pid ${child.pid}, running since .*\\) holds the embedded store in ${location.dir}: PGlite is one process`));
        expect(busy.stderr.trim().split('\n')).toHaveLength(1);
      } else {
        // On PostgreSQL the admin commands run beside the service.
        expect((await cli(['central', 'devices', ...STORE])).stdout).toBe('no device is enrolled\n');
      }
      const kiosk = kioskWith(600);
      const enrolled = await cli(['enroll', url, String(token.token), '--data', kiosk]);
      expect(enrolled.status, enrolled.stderr).toBe(0);
      const device = await loadOrCreateDeviceIdentity(DataDir.open(kiosk, { create: false }));
      expect(enrolled.stdout).toMatch(
        new RegExp(
          `^enrolled as device ${device.deviceId} \\(gate G7, station Hongqiao West\\); sync\\.endpoint is now ${url.replace(/[.:/]/g, '\\$&')}\nreceipts: the service's key \\S{43} is pinned \\(central-key\\.json\\)`,
        ),
      );
      expect(new ConfigStore(DataDir.open(kiosk, { create: false })).load().config.sync.endpoint).toBe(url);
      const synced = await cli(['sync', '--once', '--data', kiosk, '--endpoint', url, '--json']);
      expect(synced.status, synced.stderr).toBe(0);
      expect(lines(synced.stdout).at(-1)).toMatchObject({ event: 'summary', pending: 0 });
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    if (location.kind === 'pglite') expect(fs.existsSync(path.join(location.dir, LOCK_FILE))).toBe(false);
    // A token made now names the address the service listened on.
    // --png: the same code as a QR, which the kiosk's own decoder reads back (the technician screen scans it).
    const png = path.join(tempDir(), 'enroll.png');
    const withPng = await cli(['central', 'enroll-token', ...STORE, '--png', png, '--json']);
    expect(withPng.status, withPng.stderr).toBe(0);
    const qr = JSON.parse(withPng.stdout) as { token: string; url: string; code: string; png: string };
    expect(qr).toMatchObject({ url, png, code: `SENTINEL-ENROLL:1:${qr.token}:${url}` });
    const read = await cli(['decode', png, '--json']);
    expect(read.status, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout)).toMatchObject({ text: qr.code });
    const human = await cli(['central', 'enroll-token', ...STORE, '--station', 'Hongqiao West']);
    const escaped = url.replace(/[.:/]/g, (c) => `\\${c}`);
    expect(human.stdout).toMatch(
      new RegExp(
        `^enrollment token: \\S{43}\nservice URL: ${escaped}\nfor gate -, station Hongqiao West; single use, valid until \\S+\non the kiosk: sentinel enroll ${escaped} \\S{43}\nor on its technician screen \\(Settings, Enroll\\), scan the QR of this code: SENTINEL-ENROLL:1:\\S{43}:${escaped}\n$`,
      ),
    );

    const devices = await cli(['central', 'devices', ...STORE, '--json']);
    expect(devices.status).toBe(0);
    const [dev] = lines(devices.stdout);
    expect(dev).toMatchObject({ gate: 'G7', station: 'Hongqiao West', revokedAt: null, lastSeenAt: expect.any(String) });
    const deviceId = String(dev!.deviceId);

    // What is stored, exactly: one JSON object a check, the kiosk's wire fields plus device, batch and arrival.
    const checks = await cli(['central', 'checks', ...STORE]);
    expect(checks.status).toBe(0);
    const stored = lines(checks.stdout);
    expect(stored).toHaveLength(600);
    expect(Object.keys(stored[0]!).sort()).toEqual([...Object.keys(kioskWire({ ...checkRecord(0), seq: 1, syncState: 'pending', chainPos: 1 } as never)), 'device', 'batch', 'receivedAt'].sort());
    expect(stored.every((c) => c.device === deviceId)).toBe(true);
    expect(new Set(stored.map((c) => c.checkId)).size).toBe(600);
    expect(stored.map((c) => String(c.at))).toEqual(stored.map((c) => String(c.at)).sort());
    expect(JSON.stringify(stored)).not.toMatch(/PHC1:|"sub"|"nm"/);
    const csv = await cli(['central', 'checks', ...STORE, '--format', 'csv', '--since', String(stored[590]!.at)]);
    const rows = csv.stdout.trim().split('\n');
    expect(rows[0]).toBe('checkId,at,device,batch,verdict,reasons,format,issuer,status,kid,holder,temperatureC,bundleSeq,policyVersion,clockState,receivedAt');
    expect(rows).toHaveLength(11);
    expect(rows[1]!.startsWith(`${String(stored[590]!.checkId)},${String(stored[590]!.at)},${deviceId},`)).toBe(true);
    expect((await cli(['central', 'checks', ...STORE, '--device', 'someone-else', '--json'])).stdout).toBe('');

    // Revocation.
    const revoked = await cli(['central', 'revoke', deviceId, ...STORE]);
    expect(revoked.status, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked device ${deviceId} \\(gate G7\\)`));
    expect((await cli(['central', 'revoke', deviceId, ...STORE])).stdout).toMatch(/was already revoked at/);
    const unknown = await cli(['central', 'revoke', 'no-such-device', ...STORE]);
    expect([unknown.status, unknown.stderr]).toEqual([64, 'sentinel: no device enrolled here has the id "no-such-device" (sentinel central devices lists them)\n']);
    // One device id in 64 begins with "-" (a base64url thumbprint): still an id, not an option.
    const dashed = `-${'S'.repeat(42)}`;
    const unknownDashed = await cli(['central', 'revoke', dashed, ...STORE]);
    expect([unknownDashed.status, unknownDashed.stderr]).toEqual([64, `sentinel: no device enrolled here has the id "${dashed}" (sentinel central devices lists them)\n`]);
    const dashedChecks = await cli(['central', 'checks', ...STORE, '--device', dashed, '--json']);
    expect([dashedChecks.status, dashedChecks.stdout, dashedChecks.stderr]).toEqual([0, '', '']);
    expect(lines((await cli(['central', 'devices', ...STORE, '--json'])).stdout)[0]!.revokedAt).toEqual(expect.any(String));

    // Bundles: published once, then a rollback and a foreign root refused (exit 78, one line).
    const nowS = Math.floor(Date.now() / 1000);
    const world = await makeWorld({ seq: 5, iat: nowS - 60, exp: nowS + 86_400 });
    const files = tempDir('sentinel-central-files-');
    const file = (name: string, text: string): string => {
      fs.writeFileSync(path.join(files, name), text);
      return path.join(files, name);
    };
    const root = file('root.jwk', JSON.stringify(world.root.publicJwk));
    const published = await cli(['central', 'bundle', 'publish', file('b5.jws', world.bundle), '--root', root, ...STORE]);
    expect([published.status, published.stdout]).toEqual([0, expect.stringMatching(/^published trust bundle seq 5 \(root root-test-1\), expires /)]);
    const again = await cli(['central', 'bundle', 'publish', path.join(files, 'b5.jws'), '--root', root, ...STORE]);
    expect([again.status, again.stderr]).toEqual([78, "sentinel: trust bundle refused: the bundle's seq 5 is not newer than the installed seq 5\n"]);
    const stranger = await signBundle({ ...world.bundlePayload, seq: 6 }, await newSigningKey('ES256', 'root-elsewhere'));
    const foreign = await cli(['central', 'bundle', 'publish', file('b6.jws', stranger), '--root', root, ...STORE, '--json']);
    expect([foreign.status, foreign.stderr]).toEqual([78, 'sentinel: trust bundle refused: the bundle is signed by root "root-elsewhere", which is not pinned here\n']);
    const next = await cli(['central', 'bundle', 'publish', file('b6b.jws', await signBundle({ ...world.bundlePayload, seq: 6 }, world.root)), '--root', root, ...STORE, '--json']);
    expect(lines(next.stdout)[0]).toMatchObject({ published: true, seq: 6, rootKid: 'root-test-1' });
  });
});

describe.each(BACKENDS)('sentinel central alerts on $name', (backend) => {
  it('lists the open alerts (all with --all, of one device with --device), and clear ID marks one dealt with', async () => {
    const location = await backend.location();
    const STORE = location.kind === 'postgres' ? ['--db', location.url] : ['--data', location.dir];
    const store = await openStore(location, { role: 'test' });
    let deviceId: string;
    try {
      const device = await newDevice();
      const { token } = await store.createEnrollToken({ gate: 'G2', station: null, ttlMinutes: 5, nowMs: Date.now() });
      const { id, jwk } = await readDeviceJwk(device.jwk);
      await store.enroll({ token, id, jwk, nowMs: Date.now() });
      deviceId = id;
      const [good, bad] = wireChecks(2, Date.now() - 60_000);
      const answer = await store.storeBatch(readSyncPayload(new TextEncoder().encode(JSON.stringify(payloadOf(device, [good, { ...bad, verdict: 'maybe' }]))), id), Date.now());
      expect(answer.alerts.map((a) => a.kind)).toEqual(['checks-held-back']);
    } finally {
      await store.close();
    }
    const listed = await cli(['central', 'alerts', ...STORE, '--json']);
    expect(listed.status, listed.stderr).toBe(0);
    const [alert] = lines(listed.stdout);
    expect(alert).toMatchObject({ deviceId, kind: 'checks-held-back', clearedAt: null, detail: { count: 1, first: [{ kind: 'check', reason: expect.stringMatching(/verdict/) }] } });
    expect((await cli(['central', 'alerts', ...STORE])).stdout).toMatch(new RegExp(`^${String(alert!.id)}\t\\S+\t${deviceId}\tchecks-held-back\t`));
    expect((await cli(['central', 'alerts', ...STORE, '--device', 'someone-else'])).stdout).toBe('no open alert\n');
    const cleared = await cli(['central', 'alerts', 'clear', String(alert!.id), ...STORE]);
    expect([cleared.status, cleared.stdout]).toEqual([0, `alert ${String(alert!.id)} cleared\n`]);
    const twice = await cli(['central', 'alerts', 'clear', String(alert!.id), ...STORE]);
    expect([twice.status, twice.stderr]).toEqual([64, `sentinel: no open alert has the ID ${String(alert!.id)} (sentinel central alerts lists them)\n`]);
    expect((await cli(['central', 'alerts', ...STORE])).stdout).toBe('no open alert\n');
    expect(lines((await cli(['central', 'alerts', ...STORE, '--all', '--json'])).stdout)[0]).toMatchObject({ id: alert!.id, clearedAt: expect.any(String) });
  });
});

describe('sentinel central: usage and exit codes', () => {
  it.each([
    [['central'], /central needs serve, enroll-token/],
    [['central', 'bogus'], /unknown central command "bogus"/],
    [['central', 'devices', '--db', 'postgres://x/y', '--data', '/tmp/x'], /give --db URL or --data DIR, not both/],
    [['central', 'devices', '--port', '9'], /--port is not an option of central devices/],
    [['central', 'bundle', 'publish', 'b.jws', '--data', '/tmp/x'], /needs --root JWK-FILE/],
    [['central', 'bundle', 'show'], /unknown central bundle command "show"/],
    [['central', 'checks', '--format', 'xml'], /--format must be jsonl or csv/],
    [['central', 'checks', '--since', 'last week'], /--since must be an ISO-8601 time/],
    [['central', 'enroll-token', '--ttl-minutes', '0'], /--ttl-minutes must be a whole number from 1/],
    [['central', 'enroll-token', '--gate', ''], /--gate must be a name of 1 to 64 characters/],
    [['central', 'serve', '--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['central', 'serve', '--retention-days', '0'], /--retention-days must be a whole number from 1/],
    [['central', 'revoke'], /needs the DEVICE_ID/],
    [['central', 'alerts', 'clear'], /alerts clear needs the alert's ID/],
    [['central', 'alerts', 'clear', 'seven'], /alerts clear needs the alert's ID, a number/],
    [['central', 'alerts', 'mute'], /unknown central alerts command "mute"/],
    [['central', 'alerts', 'clear', '7', '--all'], /alerts clear takes one alert ID/],
    [['enroll', 'http://127.0.0.1:1/'], /enroll needs the service URL and the TOKEN/],
    [['central', 'enroll-token', '--url', 'central.example.cn'], /--url must be the service's http\(s\) URL/],
    [['enroll', 'http://10.0.0.5/', 'token'], /loopback/],
  ])('%j exits 64 with one line', async (args, pattern) => {
    const r = await cli(args);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('the store is --db, else --data, else $SENTINEL_CENTRAL_DB, else the embedded store in the user data folder', () => {
    const env = { HOME: '/home/op', SENTINEL_CENTRAL_DB: 'postgres://central@db.internal/sentinel' };
    expect(storeLocation({ db: 'postgres://a@h/d' }, env)).toEqual({ kind: 'postgres', url: 'postgres://a@h/d' });
    expect(storeLocation({ data: 'store' }, env)).toEqual({ kind: 'pglite', dir: path.resolve('store') });
    expect(storeLocation({}, env)).toEqual({ kind: 'postgres', url: env.SENTINEL_CENTRAL_DB });
    expect(storeLocation({}, { SENTINEL_CENTRAL_DATA: '/srv/central' })).toEqual({ kind: 'pglite', dir: '/srv/central' });
    expect(defaultCentralDataDir({ XDG_DATA_HOME: '/x' }, 'linux')).toBe('/x/sentinel-central');
  });

  it('a store that cannot be reached or used exits 78 naming it; help lists the commands', async () => {
    const unreachable = await cli(['central', 'devices', '--db', 'postgres://postgres@127.0.0.1:1/none']);
    expect(unreachable.status).toBe(78);
    expect(unreachable.stderr).toMatch(/^sentinel: cannot reach the PostgreSQL store at postgres:\/\/postgres@127\.0\.0\.1:1\/none: /);
    expect((await cli(['central', 'devices', '--db', 'mysql://root:secret@db/x'])).stderr).toBe('sentinel: --db must be a postgres:// URL, not mysql://root:***@db/x\n');
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, 'x');
    expect((await cli(['central', 'devices', '--data', file])).status).toBe(78);
    const help = await cli(['--help']);
    expect(help.stdout).toMatch(/\n {2}enroll URL TOKEN +enroll this kiosk with a central service/);
    expect(help.stdout).toMatch(/\n {2}central serve \| enroll-token \| devices \| revoke \| checks \| bundle publish +the central service/);
    expect((await cli(['central', '--help'])).stdout).toMatch(/^usage: sentinel central serve/);
    expect((await cli(['enroll', '--help'])).stdout).toMatch(/^usage: sentinel enroll URL TOKEN/);
  });

  it('sentinel enroll to an address off loopback exits 64 before making the data directory', async () => {
    const kiosk = path.join(tempDir(), 'not-yet');
    const r = await cli(['enroll', 'http://10.0.0.5/', 'token', '--data', kiosk]);
    expect([r.status, fs.existsSync(kiosk)]).toEqual([64, false]);
  });

  it('sentinel enroll with nobody listening exits 69 and changes nothing', async () => {
    const kiosk = tempDir();
    const port = await closedPort();
    const r = await cli(['enroll', `http://127.0.0.1:${port}/`, 'token', '--data', kiosk]);
    expect(r.status).toBe(69);
    expect(r.stderr).toBe(`sentinel: cannot reach the central service at http://127.0.0.1:${port}/ (ECONNREFUSED)\n`);
    expect(new ConfigStore(DataDir.open(kiosk, { create: false })).load().config.sync.endpoint).toBeNull();
  });
});

describe('sentinel central serve on PostgreSQL', () => {
  it('two processes started at once on one new database both come up, and a batch sent to both at once is stored once', async () => {
    const { url: db } = (await POSTGRES.location()) as { url: string };
    const [one, two] = await Promise.all([serveChild(['--db', db]), serveChild(['--db', db])]);
    try {
      const token = lines((await cli(['central', 'enroll-token', '--db', db, '--json'])).stdout)[0]!.token as string;
      const { newDevice } = await import('./kiosks.js');
      const device = await newDevice();
      expect((await postEnroll(one.url, await enrollDoc(device, token))).status).toBe(200);
      const checks = wireChecks(500, Date.now() - 3_600_000);
      const jws = await sign(device, payloadOf(device, checks));
      const answers = await Promise.all([postChecks(one.url, jws), postChecks(two.url, jws)]);
      const accepted = answers.flatMap((r) => (r.json as { accepted: string[] }).accepted);
      expect(accepted.sort()).toEqual(checks.map((c) => c.checkId).sort());
      expect(lines((await cli(['central', 'checks', '--db', db, '--device', device.deviceId])).stdout)).toHaveLength(500);
      // Admin commands work beside the running services.
      expect(lines((await cli(['central', 'devices', '--db', db, '--json'])).stdout)).toHaveLength(1);
    } finally {
      one.child.kill('SIGTERM');
      two.child.kill('SIGTERM');
      expect(await one.exited).toBe(0);
      expect(await two.exited).toBe(0);
    }
  });
});
