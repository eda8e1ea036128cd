// The running kiosk's part in staying safe: it bounds its own unsynced
// log (and warns first) even without sync, the technician screen can see
// and repair the time floor, a session ends with its connection, an
// offline thermometer shows no reading, and a sync address saved before
// https was required leaves the gate working.
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ThermometerFeed, ThermometerReading } from '../../drivers/contract.js';
import { settingsFor } from '../../main/app/kiosk-settings.js';
import { launchKiosk } from '../../main/shell/browser-kiosk.js';
import { ConfigStore } from '../../main/config/config-store.js';
import { DataDir } from '../../main/data-dir.js';
import { loadDemoKeys, setUpDemoDataDir } from '../../main/demo/demo.js';
import { KioskService } from '../../main/kiosk/kiosk-service.js';
import { CheckLog } from '../../main/log/check-log.js';
import { uuidv7 } from '../../main/log/check-id.js';
import { hashPin } from '../../main/technician/pin.js';
import { TechnicianService } from '../../main/technician/technician-service.js';
import { tempDir } from '../fixtures/tmp.js';
import type { DeviceState } from '../../main/contract/devices.js';
import { TEST_SCREEN } from '../fixtures/screen.js';

const DAY = 86_400_000;
const T = Date.parse('2026-11-29T08:00:00Z');
const PIN = '482913';
const SCREEN = TEST_SCREEN;

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const o of opened.splice(0)) o.close();
});

async function demoDir(): Promise<string> {
  const dataDir = path.join(tempDir(), 'data');
  await setUpDemoDataDir(dataDir, await loadDemoKeys(), T);
  const store = new ConfigStore(DataDir.open(dataDir, { create: false }));
  const c = store.load().config;
  store.save({ ...c, technician: { ...c.technician, pinHash: hashPin(PIN) } }, T);
  return dataDir;
}

/** One unsynced check logged at `atMs`, as an old backlog would hold it. */
function logUnsynced(dataDir: string, atMs: number): void {
  const log = CheckLog.open(path.join(dataDir, 'checks.db'));
  log.append([
    {
      checkId: uuidv7(atMs),
      atMs,
      verdict: 'admit',
      reasons: ['OK'],
      issuer: 'CN-ZJ',
      status: 'green',
      kid: 'k',
      holder: null,
      temperatureC: 36.5,
      bundleSeq: 1,
      policyVersion: 1,
      clockState: 'trusted',
    },
  ]);
  log.close();
}

describe('the kiosk bounds its unsynced log itself', () => {
  it('warns two weeks before the policy drops the oldest unsynced check, and drops it on its own pass — never syncing at all', async () => {
    const dataDir = await demoDir();
    logUnsynced(dataDir, T - 80 * DAY);
    const clock = { now: T };
    const service = await KioskService.open({ dataDir, clock: () => clock.now, thermometer: null, screen: SCREEN, retentionEveryMs: 0 });
    opened.push(service);
    // 80 days old, past the bound at 90: inside the two weeks' warning — which this kiosk shows from now, so the drop waits two weeks from now.
    expect(service.status().sync.unsyncedPurge).toEqual({ purgeAtMs: T + 14 * DAY, warn: true });
    expect(service.retain()).toMatchObject({ unsyncedDropped: 0 });
    clock.now = T + 13 * DAY;
    expect(service.retain()).toMatchObject({ unsyncedDropped: 0 });
    clock.now = T + 14 * DAY;
    expect(service.retain()).toMatchObject({ unsyncedDropped: 1 });
    expect(service.status().pendingSync).toBe(0);
    expect(service.status().sync.unsyncedPurge).toEqual({ purgeAtMs: null, warn: false });
  });

  it('runs that pass when it opens, so a kiosk restarted daily is bounded too', async () => {
    const dataDir = await demoDir();
    logUnsynced(dataDir, T - 120 * DAY);
    logUnsynced(dataDir, T - 10 * DAY);
    const service = await KioskService.open({ dataDir, clock: () => T, thermometer: null, screen: SCREEN });
    opened.push(service);
    // The pass at open found the 120-day-old check due: its warning is recorded, and it stays two weeks more.
    expect(service.status().pendingSync).toBe(2);
    expect(service.status().sync.unsyncedPurge).toEqual({ purgeAtMs: T + 14 * DAY, warn: true });
    service.close();
    opened.pop();
    // Restarted two weeks later: that pass drops it.
    const later = await KioskService.open({ dataDir, clock: () => T + 14 * DAY, thermometer: null, screen: SCREEN });
    opened.push(later);
    expect(later.status().pendingSync).toBe(1);
    expect(later.status().sync.unsyncedPurge.warn).toBe(false);
  });
});

describe('the technician screen sees and repairs the time floor', () => {
  it('shows each source of evidence, lowers the floor to one, and sets the clock through the runner — technician only, audited', async () => {
    const dataDir = await demoDir();
    const clock = { now: T };
    const ran: string[][] = [];
    const technician = new TechnicianService({ dataDir, clock: () => clock.now, clockRunner: async (file, args) => (ran.push([file, ...args]), { code: 0, stdout: '', stderr: '' }) });
    expect(await technician.handle('technician/clock', {}, 'ws:1').catch((e: Error) => e.message)).toMatch(/locked/);
    await technician.handle('technician/unlock', { pin: PIN }, 'ws:1');
    const view = (await technician.handle('technician/clock', {}, 'ws:1')) as { trusted: boolean; floorSource: string; evidence: { bundle: { seq: number } | null } };
    expect(view).toMatchObject({ trusted: true, floorSource: 'bundle' });
    expect(view.evidence.bundle?.seq).toBeGreaterThan(0);
    const lowered = await technician.handle('technician/clock-reset', { to: 'now' }, 'ws:1');
    expect(lowered).toMatchObject({ clock: new Date(T).toISOString() });
    await expect(technician.handle('technician/clock-reset', { to: 'server' }, 'ws:1')).rejects.toThrow(/no server evidence/);
    const set = await technician.handle('technician/clock-set', { at: '2026-11-29T16:30:00+08:00', resetFloor: false }, 'ws:1');
    expect(set).toMatchObject({ clock: '2026-11-29T08:30:00.000Z' });
    expect(ran).toEqual([['timedatectl', 'set-time', '2026-11-29 08:30:00 UTC']]);
    const log = CheckLog.open(path.join(dataDir, 'checks.db'));
    const types = log.listEvents().map((e) => e.type);
    log.close();
    expect(types).toEqual(expect.arrayContaining(['clock/floor-reset', 'clock/set']));
  });

  it('the contract refuses a bare local time and an unknown source before any handler', async () => {
    const dataDir = await demoDir();
    const service = await KioskService.open({ dataDir, clock: () => T, thermometer: null, screen: SCREEN, technician: new TechnicianService({ dataDir, clock: () => T }), retentionEveryMs: 0 });
    opened.push(service);
    expect(await service.invoke('technician/clock-set', { at: '2026-11-29 16:30', resetFloor: false })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await service.invoke('technician/clock-reset', { to: 'legacy' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });
});

class OfflineAfterReading implements ThermometerFeed {
  state: DeviceState = 'ok';
  reading: ThermometerReading = { celsius: 36.6, atMs: T, simulated: false };
  latest(): ThermometerReading | null {
    return this.reading;
  }
  onReading(): () => void {
    return () => undefined;
  }
  close(): void {}
}

describe('the status bar never shows a reading nobody is giving', () => {
  it('an offline thermometer has no last temperature', async () => {
    const dataDir = await demoDir();
    const thermometer = new OfflineAfterReading();
    const service = await KioskService.open({ dataDir, clock: () => T, thermometer, screen: SCREEN, retentionEveryMs: 0 });
    opened.push(service);
    expect(service.status().thermometer.lastC).toBe(36.6);
    thermometer.state = 'offline';
    expect(service.status().thermometer).toMatchObject({ state: 'offline', lastC: null, atMs: null });
  });
});

describe('the browser shell kiosk', () => {
  it('ends a technician session when its connection closes; a saved plain-http sync address leaves the gate running unsynced', async () => {
    const dataDir = await demoDir();
    // Saved by an older Sentinel, before https was required off loopback.
    const store = new ConfigStore(DataDir.open(dataDir, { create: false }));
    const c = store.load().config;
    store.save({ ...c, sync: { ...c.sync, endpoint: 'http://central.example/' } }, T);
    const errors: string[] = [];
    const kiosk = await launchKiosk({ ...settingsFor(dataDir, {}, 'en', () => Date.now()), onError: (e) => errors.push(e.message) });
    try {
      expect(errors.join('\n')).toMatch(/https/);
      expect(kiosk.service.status().sync.configured).toBe(false);
      // Every request the screen socket hands the kiosk, with its caller.
      const locked = new Promise<string>((resolve) => {
        const invoke = kiosk.service.invoke.bind(kiosk.service);
        kiosk.service.invoke = (async (channel: string, payload: unknown, caller?: string) => {
          const answer = await invoke(channel, payload, caller);
          if (channel === 'technician/lock') resolve(caller ?? '');
          return answer;
        }) as typeof kiosk.service.invoke;
      });
      const page = new URL(kiosk.url);
      const token = new URLSearchParams(page.hash.slice(1)).get('k');
      const ws = new WebSocket(`ws://${page.host}/kiosk?k=${token}`, { headers: { origin: page.origin } });
      const answer = new Promise<unknown>((resolve) =>
        ws.on('message', (raw: Buffer) => {
          const m = JSON.parse(raw.toString()) as { t: string; result: unknown };
          if (m.t === 'result') resolve(m.result);
        }),
      );
      await new Promise((resolve) => ws.once('open', resolve));
      ws.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'technician/unlock', payload: { pin: PIN } }));
      expect(await answer).toMatchObject({ ok: true, value: { result: 'ok' } });
      expect(await kiosk.service.invoke('technician/state', {}, 'ws:1')).toMatchObject({ ok: true });
      ws.close();
      expect(await locked).toBe('ws:1');
      expect(await kiosk.service.invoke('technician/state', {}, 'ws:1')).toMatchObject({ ok: false, error: { code: 'LOCKED' } });
    } finally {
      await kiosk.stop();
    }
  });
});
