// The kiosk cannot be taken over from the traveller's side: no PIN is set
// from a tap, a technician session belongs to the connection that unlocked
// it, a locked-out PIN pad costs nothing, scans beyond a human pace are
// dropped, and a trust import reads only a bounded regular file.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../main/config/config-store.js';
import { DataDir } from '../../main/data-dir.js';
import { DEMO_TECHNICIAN_PIN, loadDemoKeys, setUpDemoDataDir } from '../../main/demo/demo.js';
import { KioskService } from '../../main/kiosk/kiosk-service.js';
import { ScanPace } from '../../main/kiosk/scan-pace.js';
import { CheckLog } from '../../main/log/check-log.js';
import { hashPin, verifyPin } from '../../main/technician/pin.js';
import { PIN_ATTEMPT_GAP_MS, TechnicianService } from '../../main/technician/technician-service.js';
import { readSmallRegularFile } from '../../main/trust/bundle-file.js';
import { sentinel } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/tmp.js';
import { TEST_SCREEN } from '../fixtures/screen.js';

const T = Date.parse('2026-11-29T08:00:00Z');
const PIN = '482913';
const SUPERVISOR = '735102';
const SCREEN = TEST_SCREEN;

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const o of opened.splice(0)) o.close();
});

/** A kiosk on a demo data directory with the given PINs; the clock is the test's. */
async function kiosk(pins: { technician?: string | null; supervisor?: string | null } = { technician: PIN, supervisor: SUPERVISOR }) {
  const dataDir = path.join(tempDir(), 'data');
  await setUpDemoDataDir(dataDir, await loadDemoKeys(), T);
  const store = new ConfigStore(DataDir.open(dataDir, { create: false }));
  const c = store.load().config;
  const hash = (p: string | null | undefined): string | null => (p ? hashPin(p) : null);
  store.save({ ...c, technician: { ...c.technician, pinHash: hash(pins.technician), supervisorPinHash: hash(pins.supervisor) } }, T);
  const clock = { now: T };
  let service: KioskService | null = null;
  const technician = new TechnicianService({
    dataDir,
    clock: () => clock.now,
    exportTo: async () => ({ folder: '/nowhere', checks: 0 }),
    scans: { scanners: () => 0, capture: (ms) => service!.captureNextScan(ms), tryCode: (text, source) => service!.tryCode(text, source) },
  });
  service = await KioskService.open({ dataDir, clock: () => clock.now, thermometer: null, technician, screen: { ...SCREEN } });
  opened.push(service);
  return { service, technician, dataDir, clock };
}

function events(dataDir: string): { type: string; actor: string }[] {
  const log = CheckLog.open(path.join(dataDir, 'checks.db'));
  try {
    return log.listEvents();
  } finally {
    log.close();
  }
}

describe('a technician session belongs to the connection that unlocked it', () => {
  it('another connection is locked out of the session: no export, no override, no state, and it cannot end it', async () => {
    const { service, dataDir, clock } = await kiosk();
    // A traveller's review, for the guard to decide.
    const { demoCode } = await import('../../main/demo/demo.js');
    const yellow = await demoCode(await loadDemoKeys(), T / 1000, { issuer: 'CN-GD', status: 'yellow', subject: 'takeover' });
    const review = await service.invoke('scan/submit', { text: yellow, source: 'camera' }, 'ws:1');
    expect(review).toMatchObject({ ok: true, value: { verdict: 'review' } });
    const checkId = (review as { value: { checkId: string } }).value.checkId;

    expect(await service.invoke('technician/unlock', { pin: SUPERVISOR }, 'ws:1')).toMatchObject({ ok: true, value: { result: 'ok', role: 'supervisor' } });
    // The second connection, a moment later, while the first is unlocked.
    clock.now += 1000;
    for (const [channel, payload] of [
      ['technician/state', {}],
      ['technician/export', { dir: '/tmp/x' }],
      ['supervisor/override', { checkId, verdict: 'admit', reason: { preset: 'other', text: 'my own review' } }],
    ] as const) {
      expect(await service.invoke(channel, payload, 'ws:2'), channel).toMatchObject({ ok: false, error: { code: 'LOCKED' } });
    }
    await service.invoke('technician/lock', {}, 'ws:2');
    // The guard's own connection still holds its session and decides.
    expect(await service.invoke('supervisor/override', { checkId, verdict: 'deny', reason: { preset: 'other', text: 'paper certificate forged' } }, 'ws:1')).toMatchObject({
      ok: true,
      value: { verdict: 'deny', role: 'supervisor' },
    });
    const overrides = events(dataDir).filter((e) => e.type === 'override');
    expect(overrides).toHaveLength(1);
  });

  it('the first PIN cannot be set over a connection once any PIN exists', async () => {
    const { service } = await kiosk({ technician: null, supervisor: SUPERVISOR });
    expect(await service.invoke('technician/set-first-pin', { pin: '583920' }, 'ws:9')).toMatchObject({ ok: false, error: { code: 'REFUSED', message: /already set/ } });
    expect(await service.invoke('technician/unlock', { pin: '583920' }, 'ws:9')).toMatchObject({ ok: true, value: { result: 'wrong' } });
  });
});

describe('PIN attempts cannot be used to stall the kiosk', () => {
  it('locked out: 100 attempts are answered "locked" without hashing, writing or auditing', async () => {
    const { technician, dataDir, clock } = await kiosk();
    for (let i = 0; i < 5; i++) {
      await technician.session.unlock('000111');
      clock.now += PIN_ATTEMPT_GAP_MS;
    }
    const attemptsFile = path.join(dataDir, 'pin-attempts.json');
    const before = { events: events(dataDir).length, file: fs.readFileSync(attemptsFile, 'utf8'), mtime: fs.statSync(attemptsFile).mtimeMs };
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => technician.handle('technician/unlock', { pin: i === 50 ? PIN : '999000' }, `ws:${i}`)));
    expect(new Set(answers.map((a) => (a as { result: string }).result))).toEqual(new Set(['locked']));
    expect(events(dataDir).length).toBe(before.events);
    expect(fs.readFileSync(attemptsFile, 'utf8')).toBe(before.file);
    expect(fs.statSync(attemptsFile).mtimeMs).toBe(before.mtime);
  });

  it('one attempt at a time per connection, a second apart after a wrong one; nothing counted for the refused ones', async () => {
    const { technician, dataDir, clock } = await kiosk();
    const first = technician.handle('technician/unlock', { pin: '000111' }, 'ws:1');
    // While the first is being hashed, the same connection's next is refused at once.
    expect(await technician.handle('technician/unlock', { pin: '000222' }, 'ws:1')).toMatchObject({ result: 'too-fast' });
    expect(await first).toEqual({ result: 'wrong', remaining: 4 });
    expect(await technician.handle('technician/unlock', { pin: PIN }, 'ws:1')).toMatchObject({ result: 'too-fast' });
    clock.now += PIN_ATTEMPT_GAP_MS;
    expect(await technician.handle('technician/unlock', { pin: PIN }, 'ws:1')).toMatchObject({ result: 'ok', role: 'technician' });
    // Two failures were never recorded: one wrong PIN in the trail.
    expect(events(dataDir).filter((e) => e.type === 'pin/failed')).toHaveLength(1);
  });

  it('200 connections at once: one PIN checked at a time on the whole kiosk, so no more than five wrong PINs are hashed or audited before the lockout', async () => {
    const { technician, dataDir, clock } = await kiosk();
    const results: string[] = [];
    for (let round = 0; round < 8; round++) {
      const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => technician.handle('technician/unlock', { pin: '999000' }, `ws:${round}-${i}`)));
      results.push(...answers.map((a) => (a as { result: string }).result));
      clock.now += PIN_ATTEMPT_GAP_MS;
    }
    const trail = events(dataDir);
    expect(trail.filter((e) => e.type === 'pin/failed')).toHaveLength(4);
    expect(trail.filter((e) => e.type === 'pin/locked')).toHaveLength(1);
    expect(results.filter((r) => r === 'wrong' || r === 'locked').length).toBeGreaterThanOrEqual(5);
    expect(new Set(results)).toEqual(new Set(['wrong', 'locked', 'too-fast']));
  });

  it('hashing runs off the event loop: the kiosk answers other work while a PIN is checked', async () => {
    const { technician } = await kiosk();
    const order: string[] = [];
    const attempt = technician.session.unlock('000111').then(() => order.push('unlock'));
    await new Promise<void>((resolve) => setImmediate(() => (order.push('event loop'), resolve())));
    await attempt;
    expect(order).toEqual(['event loop', 'unlock']);
  });
});

describe('scans beyond a human pace are dropped and said', () => {
  it('2,000 junk scans: a burst and then one a second are checked; the rest are neither logged nor counted, and the status says so', async () => {
    const { service, dataDir, clock } = await kiosk();
    const answers: { ok: boolean; error?: { code: string } }[] = [];
    for (let i = 0; i < 2000; i++) {
      // 190 a second, as seen.
      clock.now += 5;
      answers.push(await service.invoke('scan/submit', { text: `junk-${i}`, source: 'wedge' }, 'ws:1'));
    }
    const checked = answers.filter((a) => a.ok).length;
    // 4 at once, then one a second over about 10.5 s.
    expect(checked).toBeGreaterThanOrEqual(10);
    expect(checked).toBeLessThanOrEqual(16);
    expect(answers.filter((a) => a.error?.code === 'RATE_LIMITED')).toHaveLength(2000 - checked);
    const status = service.status();
    expect(status.today.deny).toBe(checked);
    expect(status.scans).toEqual({ dropped: 2000 - checked, lastDroppedAtMs: clock.now, dropping: true });
    const log = CheckLog.open(path.join(dataDir, 'checks.db'));
    const logged = log.count().total;
    log.close();
    expect(logged).toBe(checked);
  });

  it('each source has its own pace; a quiet minute clears the warning; a clock stepping back earns nothing', () => {
    const pace = new ScanPace({ burst: 2, perSecond: 1 });
    expect([pace.admit('camera', 0), pace.admit('camera', 0), pace.admit('camera', 0)]).toEqual([true, true, false]);
    expect(pace.admit('scanner', 0)).toBe(true);
    expect(pace.admit('camera', -50_000)).toBe(false);
    expect(pace.admit('camera', 1000)).toBe(true);
    expect(pace.summary()).toEqual({ dropped: 2, lastDroppedAtMs: -50_000 });
  });
});

describe('the first PIN comes from provisioning, never from the screen unasked', () => {
  it('the demo sets its published PIN and prints it; a changed PIN is kept', async () => {
    const data = path.join(tempDir(), 'demo');
    const run = sentinel(['demo', '--data', data]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`technician PIN: ${DEMO_TECHNICIAN_PIN}`);
    const store = new ConfigStore(DataDir.open(data, { create: false }));
    const c = store.load().config;
    expect(verifyPin(DEMO_TECHNICIAN_PIN, c.technician.pinHash!)).toBe(true);
    store.save({ ...c, technician: { ...c.technician, pinHash: hashPin('583920') } }, T);
    const again = sentinel(['demo', '--data', data]);
    expect(again.stdout).toContain('changed from the demo PIN');
    expect(verifyPin('583920', new ConfigStore(DataDir.open(data, { create: false })).load().config.technician.pinHash!)).toBe(true);
  });
});

describe('a trust import reads only a bounded regular file', () => {
  it('a FIFO, /dev/zero, a folder and an oversize file are refused at once, with a reason, audited; the kiosk keeps answering', async () => {
    const { service, dataDir, clock } = await kiosk();
    const dir = tempDir();
    const fifo = path.join(dir, 'bundle.fifo');
    execFileSync('mkfifo', [fifo]);
    const big = path.join(dir, 'big.jws');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, 5 * 1024 * 1024);
    expect(await service.invoke('technician/unlock', { pin: PIN }, 'ws:1')).toMatchObject({ ok: true });
    clock.now += 1000;
    const cases: [string, RegExp][] = [
      [fifo, /not a regular file/],
      ['/dev/zero', /not a regular file/],
      [dir, /folder/],
      [big, /more than/],
      [path.join(dir, 'missing.jws'), /does not exist/],
    ];
    for (const [file, reason] of cases) {
      const answer = service.invoke('technician/trust-import', { bundlePath: file }, 'ws:1');
      // The event loop is free while the file is looked at.
      expect(await Promise.race([answer, new Promise((r) => setImmediate(() => r('free')))])).toBe('free');
      expect(await answer, file).toMatchObject({ ok: false, error: { code: 'REFUSED', message: reason } });
    }
    expect(events(dataDir).filter((e) => e.type === 'trust/refused')).toHaveLength(cases.length);
    expect(service.status().trust.state).toBe('ok');
  });

  it('readSmallRegularFile reads a file at the cap, and not one byte more', async () => {
    const file = path.join(tempDir(), 'b.jws');
    fs.writeFileSync(file, 'x'.repeat(100));
    expect(await readSmallRegularFile(file, 'bundle', 100)).toBe('x'.repeat(100));
    await expect(readSmallRegularFile(file, 'bundle', 99)).rejects.toThrow(/100 bytes, more than the 99/);
  });
});
