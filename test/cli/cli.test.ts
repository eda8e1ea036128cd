// The sentinel command's contract (spec §5): exit codes, one-line errors,
// JSON shapes, as a user or a script meets them.
import { calculateJwkThumbprint } from 'jose';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { exportPrivateJwk, newSigningKey, signBundle } from '../../main/issuer/sign.js';
import { sentinel, jsonLines } from '../fixtures/cli.js';
import { T0, DAY, code, makeWorld, type World } from '../fixtures/world.js';
import { tempDir } from '../fixtures/tmp.js';
import { CORPUS } from '../fixtures/corpus.js';

const AT = new Date(T0 * 1000).toISOString();
let w: World;
let files: string;

beforeAll(async () => {
  w = await makeWorld();
  files = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'sentinel-cli-files-'));
  fs.writeFileSync(path.join(files, 'bundle.jws'), w.bundle);
  fs.writeFileSync(path.join(files, 'root.jwk'), JSON.stringify(w.root.publicJwk));
  fs.writeFileSync(path.join(files, 'root-private.jwk'), JSON.stringify(await exportPrivateJwk(w.root)));
  return () => fs.rmSync(files, { recursive: true, force: true });
});

const f = (name: string): string => path.join(files, name);

/** A data directory with the test bundle and root installed. */
function installed(): string {
  const data = tempDir();
  const r = sentinel(['trust', 'install', f('bundle.jws'), '--root', f('root.jwk'), '--data', data, '--at', AT]);
  expect(r.status, r.stderr).toBe(0);
  return data;
}

function expectOneLineError(r: { status: number | null; stderr: string; stdout: string }, status: number, pattern?: RegExp): void {
  expect(r.status).toBe(status);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^sentinel: /);
  if (pattern) expect(r.stderr).toMatch(pattern);
}

describe('usage errors exit 64 with one clear line', () => {
  it.each([
    [['bogus']],
    [['verify', '--bogus', 'x']],
    [['verify', 'x', '--at', 'yesterday']],
    [['verify', 'x', '--at', '2026-13-45T99:00:00Z']],
    [['verify', 'x', '--temp', 'warm']],
    [['verify', 'x', '--temp', '']],
    [['verify', 'x', '--lang', 'fr']],
    [['verify', 'x', '--batch', 'y']],
    [['verify']],
    [['verify', '--batch', '/nonexistent/codes.txt']],
    [['verify', 'a', 'b']],
    [['log', '--format', 'xml']],
    [['log', '--since', 'last week']],
    [['trust']],
    [['trust', 'install']],
    [['trust', 'remove']],
    [['policy', 'set']],
    [['device']],
  ])('%j', (args) => {
    expectOneLineError(sentinel([...args, '--data', tempDir()]), 64);
  });

  it('no command prints the usage and exits 64; --help exits 0', () => {
    expect(sentinel([]).status).toBe(64);
    const help = sentinel(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('verify');
    for (const cmd of ['verify', 'trust', 'policy', 'log', 'device', 'demo', 'demo-code', 'decode', 'kiosk', 'thermo', 'scanner', 'devices', 'sync']) {
      const r = sentinel([cmd, '--help']);
      expect(r.status, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(/^usage: sentinel/);
    }
  });
});

describe('unusable data directory, bundle or policy exits 78', () => {
  it('verify with a data directory that does not exist', () => {
    expectOneLineError(sentinel(['verify', 'x', '--data', path.join(tempDir(), 'missing')]), 78, /does not exist/);
  });
  it('verify with no bundle installed', () => {
    expectOneLineError(sentinel(['verify', 'x', '--data', tempDir()]), 78, /no trust bundle/);
  });
  it('verify with a damaged bundle or policy', () => {
    const data = installed();
    fs.writeFileSync(path.join(data, 'policy.json'), '{"version":');
    expectOneLineError(sentinel(['verify', 'x', '--data', data, '--at', AT]), 78, /policy/);
    fs.rmSync(path.join(data, 'policy.json'));
    fs.writeFileSync(path.join(data, 'trust-bundle.jws'), 'garbage');
    expectOneLineError(sentinel(['verify', 'x', '--data', data, '--at', AT]), 78, /trust bundle/);
  });
  it('verify where the data directory is a file', () => {
    const file = path.join(tempDir(), 'afile');
    fs.writeFileSync(file, '');
    expectOneLineError(sentinel(['verify', 'x', '--data', file]), 78, /not a directory/);
  });
  it('trust show with nothing installed', () => {
    expectOneLineError(sentinel(['trust', 'show', '--data', tempDir()]), 78);
  });
});

describe('trust', () => {
  it('install prints what it installed; show lists seq, age, issuers and keys', () => {
    const data = tempDir();
    const r = sentinel(['trust', 'install', f('bundle.jws'), '--root', f('root.jwk'), '--data', data, '--at', AT, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ installed: true, seq: 17, rootKid: 'root-test-1', issuers: ['CN-ZJ', 'CN-GD', 'CN-BJ'], expiresAt: new Date((T0 + 30 * DAY) * 1000).toISOString() });
    const show = sentinel(['trust', 'show', '--data', data, '--at', AT, '--json']);
    expect(show.status).toBe(0);
    const s = JSON.parse(show.stdout);
    expect(s).toMatchObject({ seq: 17, iss: 'CN-NHC', ageSeconds: DAY, expired: false, stale: false });
    expect(s.issuers[2]).toMatchObject({
      id: 'CN-BJ',
      revoked: ['bj-2025-3'],
      keys: [
        { kid: 'bj-2026-1', alg: 'ES256', revoked: false },
        { kid: 'bj-2025-3', revoked: true },
      ],
    });
    const human = sentinel(['trust', 'show', '--data', data, '--at', AT]);
    expect(human.stdout).toContain('seq 17');
    expect(human.stdout).toContain('zj-2026-1 ES256');
    expect(human.stdout).toContain('REVOKED');
  });

  it('a refused bundle exits 78 with its reason, the old one stays', async () => {
    const data = installed();
    fs.writeFileSync(f('old.jws'), await signBundle({ ...w.bundlePayload, seq: 5 }, w.root));
    expectOneLineError(sentinel(['trust', 'install', f('old.jws'), '--data', data, '--at', AT]), 78, /refused.*seq 5 is not newer/);
    const foreign = await newSigningKey('ES256', 'evil-root');
    fs.writeFileSync(f('foreign.jws'), await signBundle({ ...w.bundlePayload, seq: 50 }, foreign));
    expectOneLineError(sentinel(['trust', 'install', f('foreign.jws'), '--data', data, '--at', AT]), 78, /not pinned/);
    expectOneLineError(sentinel(['trust', 'install', f('bundle.jws'), '--data', data, '--at', new Date((T0 + 31 * DAY) * 1000).toISOString()]), 78, /expired|not newer/);
    expect(JSON.parse(sentinel(['trust', 'show', '--data', data, '--at', AT, '--json']).stdout).seq).toBe(17);
  });

  it('refuses a missing bundle file, and a root file with a private key', () => {
    expectOneLineError(sentinel(['trust', 'install', f('nope.jws'), '--root', f('root.jwk'), '--data', tempDir()]), 78, /cannot read/);
    expectOneLineError(sentinel(['trust', 'install', f('bundle.jws'), '--root', f('root-private.jwk'), '--data', tempDir(), '--at', AT]), 78, /private key/);
  });
});

describe('policy', () => {
  it('set validates and names the field; show prints the policy in force', () => {
    const data = installed();
    fs.writeFileSync(f('bad-policy.json'), JSON.stringify({ feverThresholdC: 'high' }));
    expectOneLineError(sentinel(['policy', 'set', f('bad-policy.json'), '--data', data]), 78, /feverThresholdC/);
    fs.writeFileSync(f('typo-policy.json'), JSON.stringify({ onfever: 'deny' }));
    expectOneLineError(sentinel(['policy', 'set', f('typo-policy.json'), '--data', data]), 78, /onfever is not a policy field/);
    fs.writeFileSync(f('policy.json'), JSON.stringify({ temperature: 'optional', antiPassbackSeconds: 60 }));
    const set = sentinel(['policy', 'set', f('policy.json'), '--data', data, '--json']);
    expect(set.status).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ installed: true, version: 1 });
    const show = JSON.parse(sentinel(['policy', 'show', '--data', data, '--json']).stdout);
    expect(show).toMatchObject({ version: 1, temperature: 'optional', antiPassbackSeconds: 60, feverThresholdC: 37.3, maxCodeAgeSeconds: 300 });
  });
});

describe('verify', () => {
  it('exit 0 admit, 1 deny, 2 review, with the JSON shape of spec §5', async () => {
    const data = installed();
    const cases: [string, number, string, string][] = [
      [await code(w.zj), 0, 'admit', 'OK'],
      [await code(w.zj, { st: 'red' }), 1, 'deny', 'STATUS_RED'],
      [await code(w.zj, { st: 'yellow' }), 2, 'review', 'STATUS_YELLOW'],
      ['https://example.com', 1, 'deny', 'NOT_PHC'],
    ];
    for (const [text, status, verdict, reason] of cases) {
      const r = sentinel(['verify', text, '--temp', '36.6', '--data', data, '--at', AT, '--json']);
      expect(r.status, r.stderr).toBe(status);
      const out = jsonLines(r.stdout);
      expect(out).toHaveLength(1);
      const o = out[0]!;
      expect(o).toMatchObject({ verdict, reasons: [{ code: reason, message: expect.any(String) }] });
      for (const key of ['verdict', 'reasons', 'issuer', 'status', 'kid', 'checkId']) expect(o).toHaveProperty(key);
      expect(o.checkId).toMatch(/^[0-9a-f-]{36}$/);
    }
    const ok = jsonLines(sentinel(['verify', await code(w.zj), '--temp', '36.6', '--data', data, '--at', AT, '--json']).stdout)[0]!;
    expect(ok).toMatchObject({ issuer: 'CN-ZJ', status: 'green', kid: 'zj-2026-1', temperature: 36.6, name: '张*', bundleSeq: 17, clock: 'trusted' });
    const notPhc = jsonLines(sentinel(['verify', 'hello', '--data', data, '--at', AT, '--json']).stdout)[0]!;
    expect(notPhc).toMatchObject({ issuer: null, status: null, kid: null });
  });

  it("messages in the operator's language: --lang, else the locale", async () => {
    const data = installed();
    const red = await code(w.zj, { st: 'red' });
    const zh = jsonLines(sentinel(['verify', red, '--temp', '36.6', '--data', data, '--at', AT, '--json', '--lang', 'zh-CN']).stdout)[0]!;
    expect((zh.reasons as { message: string }[])[0]!.message).toBe('健康状态为红码。');
    const byLocale = sentinel(['verify', red, '--temp', '36.6', '--data', data, '--at', AT], { env: { LANG: 'zh_CN.UTF-8' } });
    expect(byLocale.stdout).toContain('请止步');
    const en = sentinel(['verify', red, '--temp', '36.6', '--data', data, '--at', AT]);
    expect(en.stdout).toMatch(/^DENY .*STATUS_RED: Health status is red\./);
    expect(en.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('an installed bundle that has since expired still decides, as review (TRUST_EXPIRED)', async () => {
    const data = installed();
    const later = T0 + 31 * DAY;
    const r = sentinel(['verify', await code(w.zj, { iat: later - 10, exp: later + 3600 }), '--temp', '36.6', '--data', data, '--at', new Date(later * 1000).toISOString(), '--json']);
    expect(r.status).toBe(2);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ verdict: 'review', reasons: [{ code: 'TRUST_EXPIRED' }, { code: 'TRUST_STALE' }] });
  });

  it('a clock set back behind the time floor is CLOCK_UNTRUSTED, and the floor persists across runs', async () => {
    const data = installed();
    // Logged, but a check "as of" --at is no reading of the clock, so no evidence of the time (clock.test.ts).
    expect(sentinel(['verify', await code(w.zj), '--temp', '36.6', '--data', data, '--at', AT]).status).toBe(0);
    // The floor each run reads is the installed bundle's issue time, T0 − 1 day. The kiosk clock
    // now runs two days slow; the code was just issued on the issuer's good clock.
    const back = new Date((T0 - 2 * DAY) * 1000).toISOString();
    const r = sentinel(['verify', await code(w.zj, { iat: T0 - 20 }), '--temp', '36.6', '--data', data, '--at', back, '--json']);
    expect(r.status).toBe(2);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ verdict: 'review', clock: 'untrusted', reasons: [{ code: 'CLOCK_UNTRUSTED' }] });
  });

  it('reads one code from stdin with -, its newline stripped', async () => {
    const data = installed();
    const r = sentinel(['verify', '-', '--temp', '36.6', '--data', data, '--at', AT, '--json'], { input: (await code(w.zj)) + '\r\n' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('without --temp under the default policy: TEMPERATURE_MISSING, review', async () => {
    const data = installed();
    const r = sentinel(['verify', await code(w.zj), '--data', data, '--at', AT, '--json']);
    expect(r.status).toBe(2);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ verdict: 'review', reasons: [{ code: 'TEMPERATURE_MISSING' }] });
  });

  it('--batch: one result per non-empty line, exit 0, each logged; --no-log logs nothing', async () => {
    const data = installed();
    const lines = [await code(w.zj), '', (await code(w.zj, { st: 'red' })) + '\r', 'not a code', await code(w.gd, { iss: 'CN-GD' })];
    fs.writeFileSync(f('batch.txt'), lines.join('\n') + '\n');
    const r = sentinel(['verify', '--batch', f('batch.txt'), '--temp', '36.6', '--data', data, '--at', AT, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = jsonLines(r.stdout);
    expect(out.map((o) => [o.line, o.verdict])).toEqual([
      [1, 'admit'],
      [3, 'deny'],
      [4, 'deny'],
      [5, 'admit'],
    ]);
    const logged = jsonLines(sentinel(['log', '--data', data, '--format', 'jsonl']).stdout);
    expect(logged.map((l) => l.checkId)).toEqual(out.map((o) => o.checkId));

    const unlogged = sentinel(['verify', '--batch', f('batch.txt'), '--no-log', '--temp', '36.6', '--data', data, '--at', AT, '--json']);
    expect(jsonLines(unlogged.stdout).every((o) => o.checkId === null)).toBe(true);
    expect(jsonLines(sentinel(['log', '--data', data, '--json']).stdout)).toHaveLength(4);

    const fromStdin = sentinel(['verify', '--batch', '-', '--no-log', '--temp', '36.6', '--data', data, '--at', AT], { input: lines.join('\n') });
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stdout.trim().split('\n')).toHaveLength(4);
  });
});

describe('log', () => {
  it('jsonl and csv, --since, pseudonyms only; --verify-chain catches tampering (exit 1)', async () => {
    const data = installed();
    const sub = 'SUBJECT-WHO-MUST-NOT-APPEAR';
    sentinel(['verify', await code(w.zj, { sub }), '--temp', '36.6', '--data', data, '--at', AT]);
    sentinel(['verify', await code(w.zj, { sub, iat: T0 + 3570, exp: T0 + 7200 }), '--temp', '38.6', '--data', data, '--at', new Date((T0 + 3600) * 1000).toISOString()]);
    const all = jsonLines(sentinel(['log', '--data', data, '--format', 'jsonl']).stdout);
    expect(all.map((c) => c.verdict)).toEqual(['admit', 'deny']);
    expect(all[1]).toMatchObject({ reasons: ['FEVER'], temperatureC: 38.6, syncState: 'pending', issuer: 'CN-ZJ' });
    expect(all[0]!.holder).toBe(all[1]!.holder);
    const since = jsonLines(sentinel(['log', '--data', data, '--json', '--since', new Date((T0 + 60) * 1000).toISOString()]).stdout);
    expect(since).toHaveLength(1);
    const csv = sentinel(['log', '--data', data, '--format', 'csv']).stdout.trim().split('\n');
    expect(csv[0]).toBe('checkId,at,verdict,reasons,issuer,status,kid,holder,temperatureC,bundleSeq,policyVersion,clockState,syncState,temperatureRawC,calibrationOffsetC,format');
    expect(csv).toHaveLength(3);
    const everything = sentinel(['log', '--data', data, '--format', 'csv']).stdout + sentinel(['log', '--data', data]).stdout;
    expect(everything).not.toContain(sub);

    const ok = sentinel(['log', '--verify-chain', '--data', data, '--json']);
    expect(ok.status).toBe(0);
    // Two checks and the audit event of the trust install.
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, checked: 3 });
    const db = new Database(path.join(data, 'checks.db'));
    db.prepare("UPDATE checks SET verdict = 'admit', reasons = 'OK' WHERE seq = 2").run();
    db.close();
    const broken = sentinel(['log', '--verify-chain', '--data', data]);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/BROKEN at entry 3/);
  });

  it('--purge keeps unsynced checks while the policy keeps them, and drops them past its unsyncedMaxAgeDays, audited', async () => {
    const data = installed();
    sentinel(['verify', await code(w.zj), '--temp', '36.6', '--data', data, '--at', AT]);
    const purgeAt = (days: number) => JSON.parse(sentinel(['log', '--purge', '--data', data, '--at', new Date((T0 + days * DAY) * 1000).toISOString(), '--json']).stdout) as unknown;
    const policyFile = path.join(tempDir(), 'policy.json');
    fs.writeFileSync(policyFile, JSON.stringify({ unsyncedMaxAgeDays: null }));
    expect(sentinel(['policy', 'set', policyFile, '--data', data]).status).toBe(0);
    expect(purgeAt(100)).toEqual({ deleted: 0, unsyncedDropped: 0 });
    expect(jsonLines(sentinel(['log', '--data', data, '--json']).stdout)).toHaveLength(1);
    // The default bound (90 days): kept before it, dropped past it, and the drop is in the chain.
    fs.writeFileSync(policyFile, '{}');
    expect(sentinel(['policy', 'set', policyFile, '--data', data]).status).toBe(0);
    expect(purgeAt(80)).toEqual({ deleted: 0, unsyncedDropped: 0 });
    expect(purgeAt(100)).toEqual({ deleted: 0, unsyncedDropped: 1 });
    expect(jsonLines(sentinel(['log', '--data', data, '--json']).stdout)).toHaveLength(0);
    const purged = jsonLines(sentinel(['log', '--events', '--data', data, '--json']).stdout).filter((e) => e.type === 'retention/purged');
    expect(purged).toEqual([expect.objectContaining({ detail: expect.objectContaining({ unsynced: expect.objectContaining({ checks: 1 }) }) })]);
    expect(sentinel(['log', '--verify-chain', '--data', data]).status).toBe(0);
  });
});

describe('decode', () => {
  it('decodes a code saved by demo-code --png, reports images without one, and unreadable files', () => {
    const dir = tempDir();
    const png = path.join(dir, 'code.png');
    const made = sentinel(['demo-code', '--status', 'yellow', '--png', png, '--json']);
    expect(made.status, made.stderr).toBe(0);
    const { text } = JSON.parse(made.stdout) as { text: string };
    const blank = path.join(dir, 'blank.png');
    fs.writeFileSync(blank, Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'));
    const r = sentinel(['decode', png, blank, path.join(dir, 'missing.png'), '--json']);
    expect(r.status).toBe(1);
    const out = jsonLines(r.stdout);
    expect(out[0]).toMatchObject({ file: png, text, ms: expect.any(Number) });
    expect(out[1]).toMatchObject({ file: blank, text: null });
    expect(out[2]).toMatchObject({ text: null, error: 'unreadable' });
    expect(r.stderr).toMatch(/cannot read .*missing\.png/);
    expect(sentinel(['decode', png]).status).toBe(0);
    expectOneLineError(sentinel(['decode']), 64);
  });
});

describe.skipIf(inject('ffmpegMissing') !== '')('decode JPEG', () => {
  it("reads a code from JPEG files: a health code saved as JPEG, and a photo of ZXing's corpus re-encoded as JPEG", () => {
    const dir = tempDir();
    const png = path.join(dir, 'code.png');
    const made = sentinel(['demo-code', '--png', png, '--json']);
    const { text } = JSON.parse(made.stdout) as { text: string };
    const jpeg = (from: string, name: string): string => {
      const out = path.join(dir, name);
      execFileSync('/usr/bin/ffmpeg', ['-loglevel', 'error', '-y', '-i', from, '-q:v', '8', out]);
      expect(fs.readFileSync(out).subarray(0, 3).toString('hex')).toBe('ffd8ff');
      return out;
    };
    const files = [jpeg(png, 'code.jpg')];
    const expected = [text];
    const photos = path.join(CORPUS, 'zxing-qr', 'qrcode-2');
    if (fs.existsSync(photos)) {
      files.push(jpeg(path.join(photos, '1.png'), 'photo.jpeg'));
      expected.push(fs.readFileSync(path.join(photos, '1.txt'), 'utf8'));
    } else console.warn('the ZXing corpus is absent: the JPEG photo case is skipped');
    const r = sentinel(['decode', ...files, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(jsonLines(r.stdout).map((o) => o.text)).toEqual(expected);
  });
});

describe('devices, thermo, scanner', () => {
  it('devices lists serial ports and HID devices, in JSON too', () => {
    const r = sentinel(['devices', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { serial: { path: string }[]; hid: unknown[]; cameras: unknown[]; notes: string[] };
    expect(Array.isArray(out.serial) && Array.isArray(out.hid) && Array.isArray(out.cameras) && Array.isArray(out.notes)).toBe(true);
    expect(sentinel(['devices']).stdout).toMatch(/serial ports:[\s\S]*HID devices:[\s\S]*cameras:/);
  });
  it.each([
    [['thermo']],
    [['thermo', '--port', '/dev/ttyUSB0']],
    [['thermo', '--port', '/dev/ttyUSB0', '--protocol', 'mlx']],
    [['thermo', '--port', '/dev/ttyUSB0', '--protocol', 'idc50', '--baud', 'fast']],
    [['scanner']],
    [['scanner', '--serial', '/dev/ttyACM0', '--hid', '0c2e:0b61']],
    [['scanner', '--hid', 'honeywell']],
    [['scanner', '--serial', '/dev/ttyACM0', '--terminator', 'TAB']],
    [['kiosk', '--host', '0.0.0.0']],
    [['kiosk', '--thermometer', '/dev/ttyUSB0', '--thermo-protocol', 'nope']],
    [['kiosk', '--thermometer', '/dev/ttyUSB0', '--thermo-protocol', 'idc50', '--simulate']],
    [['kiosk', '--scanner-hid', 'x']],
  ])('%j is a usage error (64)', (args) => {
    expectOneLineError(sentinel([...args, '--data', tempDir()]), 64);
  });
});

describe('kiosk', () => {
  it('serves the screen on loopback until SIGTERM, then exits 0', async () => {
    const { spawn } = await import('node:child_process');
    const { SENTINEL, firstLine } = await import('../fixtures/cli.js');
    const data = path.join(tempDir(), 'demo');
    expect(sentinel(['demo', '--data', data]).status).toBe(0);
    // Without --browser: no Electron binary here, so it says so in one line and serves the browser shell.
    const child = spawn(process.execPath, [SENTINEL, 'kiosk', '--simulate', '--no-open', '--json', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const { url } = JSON.parse(await firstLine(child.stdout, 10_000)) as { url: string };
    // The socket's token rides in the fragment, which the page keeps and the server never sees.
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#k=[\w-]{43}$/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('data-testid="verdict"');
    child.kill('SIGTERM');
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    expect(err.trim().split('\n')).toEqual(['sentinel: the Electron binary is not installed here; starting the browser shell']);
  });
});

describe('config set gate.*', () => {
  it('saves a good gate setting; a bad one, or one the gate section refuses, exits 64 with one line naming the key', () => {
    const data = tempDir();
    const path_ = sentinel(['config', 'set', 'gate.path', '/dev/ttyUSB0', '--data', data, '--json']);
    expect(path_.status, path_.stderr).toBe(0);
    expect(JSON.parse(path_.stdout)).toMatchObject({ key: 'gate.path', after: '/dev/ttyUSB0', revision: 1 });
    const driver = sentinel(['config', 'set', 'gate.driver', 'lcus', '--data', data]);
    expect(driver.status, driver.stderr).toBe(0);
    expect(driver.stdout).toBe('gate.driver: "none" → "lcus" (revision 2)\n');
    expectOneLineError(sentinel(['config', 'set', 'gate.channel', '9', '--data', data]), 64, /^sentinel: gate\.channel must be a relay number from 1 to 8, not 9$/m);
    expectOneLineError(sentinel(['config', 'set', 'gate.path', 'null', '--data', data]), 64, /gate\.path must name the serial port of the LCUS relay board/);
    const shown = JSON.parse(sentinel(['config', 'show', '--data', data, '--json']).stdout);
    expect(shown).toMatchObject({ revision: 2, config: { gate: { driver: 'lcus', path: '/dev/ttyUSB0', channel: 1 } } });
  });
});

describe('device show', () => {
  it('makes the device key once: id is the RFC 7638 thumbprint, private key 0600, public JWK printed', async () => {
    const data = tempDir();
    const first = sentinel(['device', 'show', '--data', data, '--json']);
    expect(first.status, first.stderr).toBe(0);
    const { deviceId, jwk } = JSON.parse(first.stdout);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: deviceId, alg: 'ES256' });
    expect(jwk).not.toHaveProperty('d');
    expect(await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y })).toBe(deviceId);
    expect(fs.statSync(path.join(data, 'device-key.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(sentinel(['device', 'show', '--data', data, '--json']).stdout).deviceId).toBe(deviceId);
    expect(sentinel(['device', 'show', '--data', data]).stdout).toContain(deviceId);
  });
});

// In steps on one demo folder: each step spawns the CLI a few times, and
// one test of eleven spawns outran its time on a loaded machine.
describe('demo', () => {
  // The block's own folder (tempDir's go after each test).
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-demo-test-'));
  const data = path.join(folder, 'demo');
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('sets up a demo data directory and decides each kind of code as expected', () => {
    const r = sentinel(['demo', '--data', data, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = jsonLines(r.stdout);
    const by = Object.fromEntries(out.map((o) => [o.demo, [o.verdict, (o.reasons as { code: string }[]).map((x) => x.code).join(',')]]));
    expect(by).toEqual({
      'green code, normal temperature': ['admit', 'OK'],
      'yellow code': ['review', 'STATUS_YELLOW'],
      'red code': ['deny', 'STATUS_RED'],
      'expired code': ['deny', 'EXPIRED,CODE_TOO_OLD'],
      'forged code (red edited to green)': ['deny', 'BAD_SIGNATURE'],
      'green code, fever': ['deny', 'FEVER'],
      'code from a province this kiosk does not know': ['review', 'UNKNOWN_ISSUER'],
      'EU vaccination certificate (DCC)': ['admit', 'OK'],
      'EU test certificate, positive (DCC)': ['deny', 'TEST_POSITIVE'],
      'SMART Health Card, immunization': ['admit', 'OK'],
      'SMART Health Card revoked by its issuer': ['deny', 'REVOKED'],
      'a payment QR code': ['deny', 'NOT_PHC'],
    });
  });

  it('runs again: a fresh bundle (newer seq) installs and the chain grows intact', () => {
    expect(sentinel(['demo', '--data', data]).status).toBe(0);
    expect(JSON.parse(sentinel(['log', '--verify-chain', '--data', data, '--json']).stdout)).toMatchObject({ ok: true, checked: 25 }); // 12 checks twice, and the demo PIN's audit event
  });

  it('a freshly made demo code is decided by `sentinel verify` against the demo folder, and by nobody else', () => {
    for (const [status, exit] of [
      ['green', 0],
      ['yellow', 2],
      ['red', 1],
    ] as const) {
      const made = sentinel(['demo-code', '--status', status, '--issuer', 'CN-GD']);
      expect(made.status).toBe(0);
      expect(made.stdout).toMatch(/^PHC1:[\w-]+\.[\w-]+\.[\w-]+\n$/);
      expect(sentinel(['verify', made.stdout.trim(), '--temp', '36.6', '--data', data]).status, status).toBe(exit);
    }
    // On a kiosk with the real Zhejiang key, a demo Zhejiang code is an unknown key.
    const other = installed();
    const elsewhere = sentinel(['verify', sentinel(['demo-code']).stdout.trim(), '--temp', '36.6', '--data', other, '--json']);
    expect(jsonLines(elsewhere.stdout)[0]).toMatchObject({ verdict: 'deny', reasons: [{ code: 'UNKNOWN_KEY' }] });
    expectOneLineError(sentinel(['demo-code', '--status', 'blue']), 64);
  });
});
