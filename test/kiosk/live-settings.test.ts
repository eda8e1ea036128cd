// A technician's changes while the kiosk runs: the device slots whose
// device is replaced under the checkpoint's subscriptions, what each
// setting touches, a form saved as one revision (or none), the Electron
// drivers' process reconfigured with one restart, the gate's own day,
// and the test scan that is decided but never logged.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DriverStatus, Scan, ScannerFeed, SerialLink, ThermometerFeed, ThermometerReading } from '../../drivers/contract.js';
import { Listeners } from '../../drivers/listeners.js';
import { PROTOCOLS } from '../../drivers/thermometer/protocols/index.js';
import { CONFIG_FILE, ConfigStore } from '../../main/config/config-store.js';
import { changedKeys, ConfigValueError, DEFAULT_KIOSK_CONFIG, withSetting, type KioskConfig } from '../../main/contract/kiosk-config.js';
import { parseInvoke } from '../../main/contract/ipc.js';
import type { KioskStatus, ScreenConfig } from '../../main/contract/kiosk.js';
import { DATA_FILES, DataDir } from '../../main/data-dir.js';
import { DataDirWatch } from '../../main/data-dir-watch.js';
import { startOfDayMs } from '../../main/clock/time-zone.js';
import { ScannerSlot, ThermometerSlot } from '../../main/kiosk/device-slots.js';
import type { SettingsApplier } from '../../main/kiosk/settings-applier.js';
import { PolicyStore } from '../../main/policy/policy-store.js';
import { deviceSettingsAfter, screenAfter, touchesScanners, touchesThermometer } from '../../main/kiosk/live-settings.js';
import { KioskService } from '../../main/kiosk/kiosk-service.js';
import { CheckLog } from '../../main/log/check-log.js';
import { DriversProcessDevices } from '../../main/shell/electron/drivers-openers.js';
import type { DriversConfig } from '../../main/shell/electron/drivers-process.js';
import { TechnicianService } from '../../main/technician/technician-service.js';
import { hashPin } from '../../main/technician/pin.js';
import { demoCode, loadDemoKeys, setUpDemoDataDir } from '../../main/demo/demo.js';
import { sentinel } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/tmp.js';
import { FakeChild } from '../fixtures/child.js';
import { ManualTimers } from '../fixtures/timers.js';
import { until } from '../fixtures/until.js';
import { type DeviceSettings, type GateSettings, parseHidId } from '../../main/contract/devices.js';
import { TEST_SCREEN } from '../fixtures/screen.js';

const config = (): KioskConfig => structuredClone(DEFAULT_KIOSK_CONFIG) as KioskConfig;

class FakeThermometer implements ThermometerFeed {
  state: ThermometerFeed['state'] = 'ok';
  closed = false;
  calibrations: number[] = [];
  readonly readings = new Listeners<ThermometerReading>();
  readonly statuses = new Listeners<DriverStatus>();
  last: ThermometerReading | null = null;
  latest(): ThermometerReading | null {
    return this.last;
  }
  onReading(l: (r: ThermometerReading) => void): () => void {
    return this.readings.add(l);
  }
  onStatus(l: (s: DriverStatus) => void): () => void {
    return this.statuses.add(l);
  }
  setCalibration(c: { offsetC: number }): void {
    this.calibrations.push(c.offsetC);
  }
  close(): void {
    this.closed = true;
  }
  read(celsius: number): void {
    this.last = { celsius, atMs: 1, simulated: false };
    this.readings.emit(this.last);
  }
}

class FakeScanner implements ScannerFeed {
  state: ScannerFeed['state'] = 'ok';
  closed = false;
  readonly scans = new Listeners<Scan>();
  onScan(l: (s: Scan) => void): () => void {
    return this.scans.add(l);
  }
  onStatus(): () => void {
    return () => undefined;
  }
  close(): void {
    this.closed = true;
  }
}

describe('device slots', () => {
  it('a thermometer replaced under the subscriptions: the old one closed, readings and status from the new one only', () => {
    const slot = new ThermometerSlot(() => 5);
    const readings: number[] = [];
    const statuses: string[] = [];
    slot.onReading((r) => readings.push(r.celsius));
    slot.onStatus((s) => statuses.push(`${s.state}:${s.detail}`));
    expect([slot.state, slot.calibratable, slot.latest()]).toEqual(['none', false, null]);
    const a = new FakeThermometer();
    slot.replace(a, 'opened');
    a.read(36.4);
    const b = new FakeThermometer();
    slot.replace(b, 'reconfigured');
    expect(a.closed).toBe(true);
    a.read(40); // a closed device that still talks is not heard
    b.read(36.6);
    expect(readings).toEqual([36.4, 36.6]);
    expect(slot.latest()?.celsius).toBe(36.6);
    slot.setCalibration({ offsetC: 0.3, by: 'x', atMs: 1 });
    expect(b.calibrations).toEqual([0.3]);
    b.state = 'simulated';
    expect(slot.calibratable).toBe(false);
    slot.replace(null, 'removed');
    expect(statuses).toEqual(['ok:opened', 'ok:reconfigured', 'none:removed']);
    expect(slot.state).toBe('none');
    // Given a factory, the old device has let go (of its port) before the new one is made.
    const c = new FakeThermometer();
    slot.replace(c, 'opened');
    let oldClosedFirst = false;
    slot.replace(() => ((oldClosedFirst = c.closed), new FakeThermometer()), 'reconfigured');
    expect(oldClosedFirst).toBe(true);
    // One that cannot even be made is said, and the slot stays empty.
    slot.replace(() => {
      throw new Error('policy unusable');
    }, 'reconfigured');
    expect(slot.state).toBe('none');
    expect(statuses.at(-1)).toBe('offline:cannot open the thermometer: policy unusable');
  });

  it('scanners: none, all ok, or offline when one is; scans from the current set only', () => {
    const slot = new ScannerSlot(() => 5);
    const got: string[] = [];
    slot.onScan((s) => got.push(s.text));
    expect(slot.state).toBe('none');
    const [a, b] = [new FakeScanner(), new FakeScanner()];
    slot.replace([a, b], 'opened');
    expect([slot.state, slot.count]).toEqual(['ok', 2]);
    b.state = 'offline';
    expect(slot.state).toBe('offline');
    a.scans.emit({ text: 'one', atMs: 1, symbology: null });
    slot.replace([], 'removed');
    expect(a.closed && b.closed).toBe(true);
    a.scans.emit({ text: 'two', atMs: 2, symbology: null });
    expect(got).toEqual(['one']);
    expect(slot.state).toBe('none');
  });
});

describe('what a setting touches', () => {
  const screen: ScreenConfig = {
    operatorLang: 'zh-CN',
    holderLangs: ['zh-CN', 'en'],
    resultSeconds: 4,
    sound: false,
    cameraId: 'flag-cam',
    simulated: true,
    gate: '',
    station: '',
    timeZone: 'Asia/Shanghai',
    pinSet: true,
  };

  it('screen keys change the screen; other fields (a start flag) stay', () => {
    const c = config();
    c.screen.resultSeconds = 9;
    c.identity.gate = 'East 3';
    c.camera.deviceId = 'usb-cam';
    const next = screenAfter(screen, c, ['screen.resultSeconds', 'identity.gate', 'sync.endpoint']);
    expect(next).toEqual({ ...screen, resultSeconds: 9, gate: 'East 3' });
    expect(screenAfter(screen, c, ['camera.deviceId']).cameraId).toBe('usb-cam');
    expect(touchesThermometer(['thermometer.calibration', 'screen.sound'])).toBe(false);
    expect(touchesThermometer(['thermometer.baud'])).toBe(true);
    expect(touchesScanners(['scanner.hid'])).toBe(true);
  });

  it('devices after a change: the changed settings from the configuration, a start flag held until its own setting changes, a module replacing the simulator', () => {
    const flags: DeviceSettings = {
      simulate: false,
      thermometer: { path: '/dev/ttyUSB9', protocol: 'idc50', baud: 19200, calibration: null },
      scannerSerial: { path: '/dev/ttyACM9', terminator: 'CR' },
      scannerHid: null,
    };
    const c = config();
    c.thermometer.baud = 9600;
    // Only the baud changed: the flag's port and protocol hold.
    expect(deviceSettingsAfter(flags, c, ['thermometer.baud'], false).thermometer).toEqual({ path: '/dev/ttyUSB9', protocol: 'idc50', baud: 9600, calibration: null });
    // A HID scanner added: the flag's serial scanner stays.
    c.scanner.hid = '0c2e:0B61';
    expect(deviceSettingsAfter(flags, c, ['scanner.hid'], false)).toMatchObject({ scannerSerial: { path: '/dev/ttyACM9' }, scannerHid: { vendorId: 0x0c2e, productId: 0x0b61 } });
    // The port cleared on purpose: no thermometer.
    const cleared = config();
    cleared.thermometer.path = null;
    expect(deviceSettingsAfter(flags, cleared, ['thermometer.path'], false).thermometer).toBeNull();
    // A new protocol without a baud of its own takes that protocol's default.
    c.thermometer = { ...c.thermometer, baud: null, protocol: 'lu90614' };
    expect(deviceSettingsAfter(flags, c, ['thermometer.protocol'], false).thermometer).toMatchObject({ path: '/dev/ttyUSB9', protocol: 'lu90614', baud: PROTOCOLS.lu90614.defaultBaud });
    // A calibration reaches the module in force.
    c.thermometer.calibration = { offsetC: 0.3, by: 'Li', atMs: 1, referenceC: 36.5, readingsC: [36.2], dueAtMs: 2 };
    expect(deviceSettingsAfter(flags, c, ['thermometer.calibration'], false).thermometer).toMatchObject({ path: '/dev/ttyUSB9', protocol: 'idc50', calibration: { offsetC: 0.3 } });
    // Started simulated: a configured module replaces the simulator; with none, the simulator stays.
    const sim: DeviceSettings = { simulate: true, thermometer: null, scannerSerial: null, scannerHid: null };
    expect(deviceSettingsAfter(sim, config(), ['identity.gate'], true).simulate).toBe(true);
    const withPort = config();
    withPort.thermometer.path = '/dev/ttyUSB0';
    expect(deviceSettingsAfter(sim, withPort, ['thermometer.path'], true)).toMatchObject({
      simulate: false,
      thermometer: { path: '/dev/ttyUSB0', protocol: 'gy-mcu90614', baud: PROTOCOLS['gy-mcu90614'].defaultBaud },
    });
    expect(parseHidId('0c2e-0b61')).toBeNull();
  });
});

describe('a form saved as one change', () => {
  it('one setting set from null says null was before (it said the new value twice)', () => {
    const store = new ConfigStore(DataDir.open(tempDir(), { create: true }));
    expect(store.set('thermometer.path', '/dev/ttyUSB0', 1000)).toMatchObject({ before: null, after: '/dev/ttyUSB0' });
    expect(store.set('thermometer.path', '/dev/ttyUSB0', 2000)).toMatchObject({ before: '/dev/ttyUSB0', after: '/dev/ttyUSB0' });
  });
  it('every value validated first: one bad value saves none; unchanged values are not a change', () => {
    const store = new ConfigStore(DataDir.open(tempDir(), { create: true }));
    expect(() =>
      store.update(
        [
          { key: 'identity.gate', value: 'East 3' },
          { key: 'screen.resultSeconds', value: 0 },
        ],
        1000,
      ),
    ).toThrow(/screen.resultSeconds/);
    expect(store.load()).toMatchObject({ revision: 0, config: { identity: { gate: '' } } });
    const r = store.update(
      [
        { key: 'identity.gate', value: 'East 3' },
        { key: 'screen.resultSeconds', value: 10 },
      ],
      2000,
    );
    expect(r.changes).toEqual([{ key: 'identity.gate', before: '', after: 'East 3' }]);
    expect(r.stored.revision).toBe(1);
    expect(store.update([{ key: 'identity.gate', value: 'East 3' }], 3000)).toMatchObject({ changes: [], stored: { revision: 1 } });
  });

  it('the contract takes 1 to 32 {key, value} changes', () => {
    expect(parseInvoke('technician/config-update', { changes: [{ key: 'screen.sound', value: false }] })).toMatchObject({ ok: true });
    for (const bad of [
      {},
      { changes: [] },
      { changes: [{ key: 'a.b' }] },
      { changes: [{ key: 1, value: 1 }] },
      { changes: [{ key: '__proto__', value: 1 }] },
      { changes: [{ key: 'constructor', value: 1 }] },
      { changes: [{ key: 'identity.__proto__', value: 1 }] },
      { changes: Array(33).fill({ key: 'identity.gate', value: 1 }) },
      { changes: [], extra: 1 },
    ]) {
      expect(parseInvoke('technician/config-update', bad).ok, JSON.stringify(bad).slice(0, 60)).toBe(false);
    }
    expect(parseInvoke('technician/config-update', { changes: [{ key: 'identity.gate', value: 'x'.repeat(2000) }] })).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    // Past the contract (the CLI's config set), the validators answer only for their own keys.
    for (const key of ['constructor', '__proto__', 'toString.x']) expect(() => withSetting(config(), key, 1)).toThrow(ConfigValueError);
    expect(parseInvoke('technician/scanner-test', { seconds: 15 })).toMatchObject({ ok: true });
    expect(parseInvoke('technician/scanner-test', { seconds: 0 })).toMatchObject({ ok: true });
    for (const bad of [{}, { seconds: -1 }, { seconds: 61 }, { seconds: 1.5 }, { seconds: '5' }]) expect(parseInvoke('technician/scanner-test', bad).ok).toBe(false);
    expect(parseInvoke('technician/try-code', { text: 'PHC1:x' })).toMatchObject({ ok: true });
    expect(parseInvoke('technician/try-code', { text: 'x'.repeat(20_000) })).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
  });
});

describe("the gate's own day", () => {
  it('"today" starts at midnight in the configured zone, across a DST change too', () => {
    // 01:30 in Shanghai on 29 November is 17:30 UTC the day before.
    expect(new Date(startOfDayMs(Date.parse('2026-11-28T17:30:00Z'), 'Asia/Shanghai')).toISOString()).toBe('2026-11-28T16:00:00.000Z');
    expect(new Date(startOfDayMs(Date.parse('2026-11-29T12:00:00Z'), 'UTC')).toISOString()).toBe('2026-11-29T00:00:00.000Z');
    // Berlin left summer time at 03:00 on 25 October 2026: midnight was still +02:00.
    expect(new Date(startOfDayMs(Date.parse('2026-10-25T20:00:00Z'), 'Europe/Berlin')).toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(new Date(startOfDayMs(Date.parse('2026-03-29T20:00:00Z'), 'Europe/Berlin')).toISOString()).toBe('2026-03-28T23:00:00.000Z');
  });
});

describe("Electron: devices in the drivers' process", () => {
  it('a changed form restarts the process once with the new configuration; counters and calibration cross over; nothing configured, no process', () => {
    const children: FakeChild<DriversConfig>[] = [];
    const queued: (() => void)[] = [];
    const drivers = new DriversProcessDevices({
      fork: (c) => {
        const child = new FakeChild(c);
        children.push(child);
        return child;
      },
      remeasureAtC: () => 37.3,
      clock: () => 1,
      defer: (fn) => queued.push(fn),
    });
    const settings = {
      simulate: false,
      thermometer: { path: '/dev/ttyUSB0', protocol: 'gy-mcu90614' as const, baud: 9600, calibration: null },
      scannerSerial: { path: '/dev/ttyACM0', terminator: 'CR' as const },
      scannerHid: null,
    };
    const thermo = drivers.thermometer(settings) as FakeThermometer & { counters?: unknown };
    const scanners = drivers.scanners(settings);
    expect(queued).toHaveLength(1);
    queued.shift()!();
    expect(children).toHaveLength(1);
    expect(children[0]!.config).toMatchObject({ thermometer: { path: '/dev/ttyUSB0', remeasureAtC: 37.3 }, scannerSerial: { path: '/dev/ttyACM0' } });
    children[0]!.emit('message', { type: 'thermometer/counters', counters: { frames: 42, checksumFailures: 1, resyncs: 0, droppedBytes: 3, opens: 1 } });
    expect(thermo.counters).toEqual({ frames: 42, checksumFailures: 1, resyncs: 0, droppedBytes: 3 });
    children[0]!.emit('message', { type: 'thermometer/counters', counters: { frames: -1, checksumFailures: 0, resyncs: 0, droppedBytes: 0 } });
    expect(thermo.counters).toMatchObject({ frames: 42 });
    (thermo as unknown as { setCalibration(c: unknown): void }).setCalibration({ offsetC: 0.4, by: 'Li', atMs: 2 });
    expect(children[0]!.sent).toEqual([{ type: 'thermometer/set-calibration', calibration: { offsetC: 0.4, by: 'Li', atMs: 2 } }]);
    expect(scanners).toHaveLength(1);

    // The technician picks another protocol and a HID scanner in one form.
    const next = { ...settings, thermometer: { ...settings.thermometer, protocol: 'lu90614' as const }, scannerSerial: null, scannerHid: { vendorId: 1, productId: 2 } };
    drivers.thermometer(next);
    drivers.scanners(next);
    expect(queued).toHaveLength(1);
    queued.shift()!();
    expect(children[0]!.killed).toBe(true);
    expect(children).toHaveLength(2);
    expect(children[1]!.config).toMatchObject({ thermometer: { protocol: 'lu90614' }, scannerSerial: null, scannerHid: { vendorId: 1, productId: 2 } });

    // Everything removed: the process stops, a simulator stands in when the kiosk runs simulated.
    const none = { simulate: true, thermometer: null, scannerSerial: null, scannerHid: null };
    expect(drivers.thermometer(none)?.state).toBe('simulated');
    expect(drivers.scanners(none)).toEqual([]);
    queued.shift()!();
    expect(children[1]!.killed).toBe(true);
    expect(children).toHaveLength(2);
    drivers.stop();
  });
});

describe('settings applied while the kiosk runs', () => {
  async function kiosk(): Promise<{
    service: KioskService;
    technician: TechnicianService;
    scanner: FakeScanner;
    thermometer: FakeThermometer;
    dataDir: string;
    changed: string[][];
    now: () => number;
  }> {
    const dataDir = path.join(tempDir(), 'data');
    const nowMs = Date.parse('2026-11-29T08:00:00Z');
    await setUpDemoDataDir(dataDir, await loadDemoKeys(), nowMs);
    const store = new ConfigStore(DataDir.open(dataDir, { create: false }));
    const c = store.load().config;
    store.save({ ...c, technician: { ...c.technician, pinHash: hashPin('482913') } }, nowMs);
    const scanner = new FakeScanner();
    const slot = new ScannerSlot(() => nowMs);
    slot.replace([scanner], 'opened');
    const changed: string[][] = [];
    let service: KioskService | null = null;
    const technician = new TechnicianService({
      dataDir,
      clock: () => nowMs,
      onChanged: (what) => changed.push(what),
      scans: { scanners: () => slot.count, capture: (ms) => service!.captureNextScan(ms), tryCode: (text, source) => service!.tryCode(text, source) },
    });
    // A traveller's temperature, just measured (the policy requires one).
    const thermometer = new FakeThermometer();
    thermometer.last = { celsius: 36.5, atMs: nowMs, simulated: false };
    service = await KioskService.open({
      dataDir,
      clock: () => nowMs,
      thermometer,
      scanners: [slot],
      technician,
      screen: TEST_SCREEN,
    });
    return { service, technician, scanner, thermometer, dataDir, changed, now: () => nowMs };
  }

  it('a form: audited per changed value, one revision, the kiosk told what changed; refused whole', async () => {
    const { service, technician, dataDir, changed } = await kiosk();
    try {
      expect(() => technician.changes.updateConfig([{ key: 'identity.gate', value: 'x' }])).toThrow(/locked/);
      await technician.session.unlock('482913');
      expect(() =>
        technician.changes.updateConfig([
          { key: 'identity.gate', value: 'East 3' },
          { key: 'thermometer.baud', value: 12 },
        ]),
      ).toThrow(/thermometer.baud/);
      expect(changed).toEqual([]);
      const r = technician.changes.updateConfig([
        { key: 'identity.gate', value: 'East 3' },
        { key: 'screen.sound', value: true },
        { key: 'thermometer.baud', value: 19200 },
      ]);
      expect(r.changed.map((c) => c.key)).toEqual(['identity.gate', 'thermometer.baud']);
      expect(changed).toEqual([['identity.gate', 'thermometer.baud']]);
      const log = CheckLog.open(path.join(dataDir, 'checks.db'));
      const events = log.listEvents().filter((e) => e.type === 'config/changed' && 'key' in e.detail);
      log.close();
      expect(events.map((e) => [e.detail.key, e.detail.before, e.detail.after, e.detail.revision])).toEqual([
        ['identity.gate', '', 'East 3', r.revision],
        ['thermometer.baud', null, 19200, r.revision],
      ]);
    } finally {
      service.close();
    }
  });

  it('a test scan is answered, not logged; the next scan is a check again; no scanner, no test', async () => {
    const { service, technician, scanner, thermometer, dataDir, now } = await kiosk();
    try {
      await technician.session.unlock('482913');
      const testWaiting = (): Promise<void> => until(() => service.waitingForTestScan, 5000, 'main waiting for the test scan');
      const decided = (): Promise<unknown> =>
        new Promise((resolve) => {
          const off = service.subscribe((channel, payload) => {
            if (channel !== 'checkpoint/decided') return;
            off();
            resolve(payload);
          });
        });
      const waiting = technician.diagnostics.scannerTest(5);
      await testWaiting();
      scanner.scans.emit({ text: 'SENTINEL-TEST-CARD-V1', atMs: now(), symbology: null });
      expect(await waiting).toEqual({ received: true, symbology: null, testCard: true, length: 21 });
      const code = await demoCode(await loadDemoKeys(), now() / 1000, { issuer: 'CN-ZJ', status: 'green', subject: 'scan-test' });
      const second = technician.diagnostics.scannerTest(5);
      await testWaiting();
      scanner.scans.emit({ text: code, atMs: now(), symbology: 'QR' });
      expect(await second).toMatchObject({ received: true, symbology: 'QR', testCard: false, view: { verdict: 'admit', checkId: null } });
      expect(service.status().today).toEqual({ admit: 0, review: 0, deny: 0 });
      // Outside a test, the scanner's scan is a traveller's check.
      const first = decided();
      scanner.scans.emit({ text: code, atMs: now(), symbology: 'QR' });
      await first;
      expect(service.status().today.admit).toBe(1);
      expect(await technician.diagnostics.scannerTest(1)).toEqual({ received: false, scanners: 1 });
      // A test stopped (0 s), or left waiting when the technician locks, does not swallow the next traveller's scan.
      const stopped = technician.diagnostics.scannerTest(30);
      await testWaiting();
      expect(await technician.diagnostics.scannerTest(0)).toEqual({ received: false, scanners: 1 });
      expect(await stopped).toEqual({ received: false, scanners: 1 });
      const abandoned = technician.diagnostics.scannerTest(30);
      await testWaiting();
      technician.session.lock();
      expect(await abandoned).toEqual({ received: false, scanners: 1 });
      // The first check took its reading: the next traveller is measured anew (a reading never serves two checks).
      thermometer.readings.emit({ celsius: 36.5, atMs: now(), simulated: false });
      const next = decided();
      scanner.scans.emit({ text: code, atMs: now(), symbology: 'QR' });
      await next;
      expect(service.status().today.admit).toBe(2);
      await technician.session.unlock('482913');
      const log = CheckLog.open(path.join(dataDir, 'checks.db'));
      expect(log.count().total).toBe(2);
      log.close();
    } finally {
      service.close();
    }
    const bare = new TechnicianService({ dataDir, clock: now });
    await bare.session.unlock('482913');
    await expect(bare.diagnostics.scannerTest(1)).rejects.toThrow(/no serial or HID scanner/);
  });

  it('sentinel demo-code --test-card prints the test card (and its PNG), and refuses --status with it', () => {
    const run = sentinel(['demo-code', '--test-card', '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ text: 'SENTINEL-TEST-CARD-V1', testCard: true, png: null });
    expect(sentinel(['demo-code', '--test-card', '--status', 'red']).status).toBe(64);
  });
});

describe('the self-test inside the running kiosk', () => {
  it("reads the kiosk's own thermometer driver instead of opening its port a second time", async () => {
    const { runSelfTest } = await import('../../main/technician/selftest.js');
    const dataDir = path.join(tempDir(), 'data');
    await setUpDemoDataDir(dataDir, await loadDemoKeys(), Date.now());
    // A port nothing could open: only the live driver's counters can make this item pass.
    new ConfigStore(DataDir.open(dataDir, { create: false })).set('thermometer.path', '/dev/sentinel-no-such-port', Date.now());
    const counters = { frames: 100, checksumFailures: 1, resyncs: 0, droppedBytes: 0 };
    const ticking = setInterval(() => (counters.frames += 5), 20);
    try {
      const items = await runSelfTest(dataDir, Date.now(), { thermometerSeconds: 0.3, liveThermometer: { state: 'ok', counters } });
      const thermo = items.find((i) => i.name === 'thermometer')!;
      expect(thermo.state).toBe('warn'); // never calibrated
      expect(thermo.detail).toMatch(/^[1-9]\d*\.\d frames\/s, 0 checksum errors; never calibrated$/);
      const offline = await runSelfTest(dataDir, Date.now(), { thermometerSeconds: 0.1, liveThermometer: { state: 'offline', counters: undefined } });
      expect(offline.find((i) => i.name === 'thermometer')).toMatchObject({ state: 'warn', detail: /offline; its drivers have reported no counters yet/ });
    } finally {
      clearInterval(ticking);
    }
  });
});

describe('the status journal (diagnostics)', () => {
  it('records state changes once each, survives a torn line, and keeps only the newest when it grows', async () => {
    const { StatusJournal, STATUS_JOURNAL_FILE } = await import('../../main/log/status-journal.js');
    const dir = DataDir.open(tempDir(), { create: true });
    let now = Date.parse('2026-11-29T08:00:00Z');
    const journal = new StatusJournal(dir, () => now);
    journal.record('thermometer', 'offline', 'no frame for 2 s');
    journal.record('thermometer', 'offline', 'no frame for 2 s');
    now += 1000;
    journal.record('thermometer', 'ok', 'reading');
    journal.record('sync', 'failing', 'HTTP 503');
    fs.appendFileSync(dir.path(STATUS_JOURNAL_FILE), '\n{"torn":'); // a record cut by a power cut
    expect(StatusJournal.recent(dir)).toEqual([
      { at: '2026-11-29T08:00:00.000Z', source: 'thermometer', state: 'offline', detail: 'no frame for 2 s' },
      { at: '2026-11-29T08:00:01.000Z', source: 'thermometer', state: 'ok', detail: 'reading' },
      { at: '2026-11-29T08:00:01.000Z', source: 'sync', state: 'failing', detail: 'HTTP 503' },
    ]);
    // A traveller's reading never stays in the journal: not written, and not read back from an older line.
    journal.record('thermometer', 'ok', 'high reading 38.12 °C: measuring again');
    fs.appendFileSync(
      dir.path(STATUS_JOURNAL_FILE),
      '\n' + JSON.stringify({ at: '2026-11-29T08:00:02.000Z', source: 'thermometer', state: 'ok', detail: 'high reading 37.9°C: measuring again' }) + '\n',
    );
    expect(StatusJournal.recent(dir, 2).map((e) => e.detail)).toEqual(['high reading …°C: measuring again', 'high reading …°C: measuring again']);
    expect(fs.readFileSync(dir.path(STATUS_JOURNAL_FILE), 'utf8')).not.toContain('38.12');
    fs.writeFileSync(dir.path(STATUS_JOURNAL_FILE), '');
    for (let i = 0; i < 3000; i++) journal.record('scanner', i % 2 ? 'ok' : 'offline', `event ${i} ${'x'.repeat(100)}`);
    expect(fs.statSync(dir.path(STATUS_JOURNAL_FILE)).size).toBeLessThanOrEqual(256 * 1024 + 200);
    const recent = StatusJournal.recent(dir, 10);
    expect(recent).toHaveLength(10);
    expect(recent.at(-1)?.detail).toMatch(/^event 2999 /);
    expect(StatusJournal.recent(DataDir.open(tempDir(), { create: true }))).toEqual([]);
  });
});

describe('USB identity of a serial adapter', () => {
  it('picks the one port with the vendor, product and serial number; never guesses between two alike', async () => {
    const { pickUsbPort } = await import('../../drivers/bindings.js');
    const ports = [
      { path: '/dev/ttyUSB0', vendorId: '1A86', productId: '7523' },
      { path: '/dev/ttyUSB1', vendorId: '1a86', productId: '7523' },
      { path: '/dev/ttyACM0', vendorId: '0c2e', productId: '0b61', serialNumber: 'S1' },
      { path: '/dev/ttyS0' },
    ];
    expect(pickUsbPort(ports, { vendorId: '0c2e', productId: '0b61', serialNumber: 'S1' })).toBe('/dev/ttyACM0');
    expect(pickUsbPort(ports, { vendorId: '0c2e', productId: '0b61', serialNumber: 'S2' })).toBeNull();
    expect(pickUsbPort(ports, { vendorId: '1a86', productId: '7523', serialNumber: null })).toBeNull();
    // Even alone, an adapter without a serial number may be the scanner's twin: never followed.
    expect(pickUsbPort(ports.slice(1), { vendorId: '1a86', productId: '7523', serialNumber: null })).toBeNull();
    expect(pickUsbPort([...ports, { path: '/dev/ttyACM1', vendorId: '0c2e', productId: '0b61', serialNumber: 'S1' }], { vendorId: '0c2e', productId: '0b61', serialNumber: 'S1' })).toBeNull();
  });
});

describe('sentinel config set while the kiosk runs', () => {
  it('which settings differ between two configurations', () => {
    const a = config();
    const b = config();
    b.identity.gate = 'East 3';
    b.screen.holderLangs = ['en'];
    b.thermometer.calibration = { offsetC: 0.2, by: 'Li', atMs: 1, referenceC: 36.5, readingsC: [36.3], dueAtMs: 2 };
    expect(changedKeys(a, b)).toEqual(['identity.gate', 'screen.holderLangs', 'thermometer.calibration']);
    expect(changedKeys(b, b)).toEqual([]);
  });

  it('a kiosk that cannot open (a damaged policy) closes the devices it had opened', async () => {
    const { settingsFor } = await import('../../main/app/kiosk-settings.js');
    const { openKiosk } = await import('../../main/app/open-kiosk.js');
    const dataDir = path.join(tempDir(), 'data');
    await setUpDemoDataDir(dataDir, await loadDemoKeys(), Date.now());
    fs.writeFileSync(path.join(dataDir, 'policy.json'), '{ damaged');
    const made: FakeThermometer[] = [];
    const launch = settingsFor(dataDir, { simulate: true }, 'en', Date.now);
    await expect(openKiosk(launch, { thermometer: () => (made.push(new FakeThermometer()), made.at(-1)!), scanners: () => [] })).rejects.toThrow(/policy/i);
    expect(made).toHaveLength(1);
    expect(made[0]!.closed).toBe(true);
  });

  it('is picked up by the running kiosk within seconds, without a restart', async () => {
    const { settingsFor } = await import('../../main/app/kiosk-settings.js');
    const { openKiosk } = await import('../../main/app/open-kiosk.js');
    const { localDevices } = await import('../../main/app/local-devices.js');
    const dataDir = path.join(tempDir(), 'data');
    await setUpDemoDataDir(dataDir, await loadDemoKeys(), Date.now());
    const launch = settingsFor(dataDir, { simulate: true }, 'en', Date.now);
    const core = await openKiosk(launch, localDevices(dataDir, Date.now));
    try {
      const pushed: ScreenConfig[] = [];
      let ningboPushed: () => void = () => undefined;
      const pushedNingbo = new Promise<void>((resolve) => (ningboPushed = resolve));
      core.service.subscribe((channel, payload) => {
        if (channel !== 'config/changed') return;
        pushed.push(payload as ScreenConfig);
        if ((payload as ScreenConfig).station === 'Ningbo') ningboPushed();
      });
      expect(sentinel(['config', 'set', 'identity.station', 'Ningbo', '--data', dataDir]).status).toBe(0);
      // Within seconds: the screen is told of the new station (the test's 15 s are the deadline).
      await pushedNingbo;
      expect(core.service.screenConfig().station).toBe('Ningbo');
      expect(pushed.at(-1)?.station).toBe('Ningbo');
    } finally {
      await core.stop();
    }
  }, 15_000);

  it('a gate reconfigured while the kiosk runs: the old gate closed, the new one opened and driven; free passage alone reopens nothing', async () => {
    const { settingsFor } = await import('../../main/app/kiosk-settings.js');
    const { openKiosk } = await import('../../main/app/open-kiosk.js');
    const { FakeGate } = await import('../fixtures/fake-gate.js');
    const dataDir = path.join(tempDir(), 'data');
    await setUpDemoDataDir(dataDir, await loadDemoKeys(), Date.now());
    const store = new ConfigStore(DataDir.open(dataDir, { create: false }));
    const c = store.load().config;
    store.save({ ...c, gate: { ...c.gate, driver: 'lcus', path: '/dev/ttyGATE0' } }, Date.now());
    const t = new ManualTimers();
    const opened: { settings: GateSettings; gate: InstanceType<typeof FakeGate>; closed: boolean }[] = [];
    let openedAgain: () => void = () => undefined;
    const second = new Promise<void>((resolve) => (openedAgain = resolve));
    const launch = settingsFor(dataDir, { simulate: true }, 'en', Date.now);
    const core = await openKiosk(launch, {
      thermometer: () => null,
      scanners: () => [],
      gate: (settings) => {
        const entry = { settings: settings.gate!, gate: new FakeGate(t), closed: false };
        opened.push(entry);
        if (opened.length === 2) openedAgain();
        return { settings: settings.gate!, gate: entry.gate, passage: null, module: null, onStatus: (l) => entry.gate.onStatus(l), close: () => (entry.closed = true) };
      },
    });
    try {
      expect(opened.map((o) => o.settings)).toMatchObject([{ driver: 'lcus', path: '/dev/ttyGATE0', channel: 1 }]);
      expect(await core.service.testOpenGate('technician')).toMatchObject({ outcome: 'opened' });
      expect(sentinel(['config', 'set', 'gate.channel', '3', '--data', dataDir]).status).toBe(0);
      await second;
      expect(opened[0]!.closed).toBe(true);
      expect(opened[1]!.settings).toMatchObject({ driver: 'lcus', channel: 3 });
      expect(await core.service.testOpenGate('technician')).toMatchObject({ outcome: 'opened' });
      expect(opened[1]!.gate.calls).toEqual(['open 500']);
      // Free passage: the running gate is held open, nothing is reopened.
      let freePassage: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (freePassage = resolve));
      core.service.subscribe((channel, payload) => {
        if (channel === 'status/changed' && (payload as KioskStatus).gate?.gate === 'free-passage') freePassage();
      });
      expect(sentinel(['config', 'set', 'gate.freePassage', 'true', '--data', dataDir]).status).toBe(0);
      await held;
      expect(opened).toHaveLength(2);
      expect(opened[1]!.gate.calls).toEqual(['open 500', 'hold']);
    } finally {
      await core.stop();
    }
    expect(opened[1]!.closed).toBe(true);
  }, 15_000);
});

describe('the settings applier', () => {
  async function setUp(opts: { setSyncEndpoint?: (endpoint: string | null) => Promise<void>; prepare?: (dir: DataDir) => void } = {}): Promise<{
    applier: SettingsApplier;
    watch: DataDirWatch;
    store: ConfigStore;
    dir: DataDir;
    opened: { thermometers: number; scanners: number };
    screens: ScreenConfig[];
    endpoints: (string | null)[];
    errors: string[];
    release: () => void;
  }> {
    const { SettingsApplier } = await import('../../main/kiosk/settings-applier.js');
    const dataDir = path.join(tempDir(), 'data');
    await setUpDemoDataDir(dataDir, await loadDemoKeys(), Date.now());
    const dir = DataDir.open(dataDir, { create: false });
    opts.prepare?.(dir);
    const store = new ConfigStore(dir);
    const errors: string[] = [];
    const opened = { thermometers: 0, scanners: 0 };
    const screens: ScreenConfig[] = [];
    const endpoints: (string | null)[] = [];
    let screen: ScreenConfig = {
      operatorLang: 'en',
      holderLangs: ['en'],
      resultSeconds: 6,
      sound: true,
      cameraId: null,
      simulated: false,
      gate: '',
      station: '',
      timeZone: 'Asia/Shanghai',
      pinSet: true,
    };
    let release: () => void = () => undefined;
    const service = {
      reload: async () => undefined,
      screenConfig: () => screen,
      updateScreen: (s: ScreenConfig) => {
        screen = s;
        screens.push(s);
      },
      emitStatus: () => undefined,
    } as unknown as KioskService;
    // The data directory's watch, ticked by the test (no system events: each check() is one tick).
    const watch = new DataDirWatch(dir, [CONFIG_FILE, DATA_FILES.policy], () => {
      throw new Error('no file events in this test');
    });
    const applier = new SettingsApplier({
      dataDir: dir,
      watch,
      devices: { simulate: false, thermometer: { path: '/dev/ttyUSB9', protocol: 'gy-mcu90614', baud: 9600, calibration: null }, scannerSerial: null, scannerHid: null },
      startedSimulated: false,
      thermometer: new ThermometerSlot(Date.now),
      scanners: new ScannerSlot(Date.now),
      openers: {
        thermometer: () => (opened.thermometers++, new FakeThermometer()),
        scanners: () => (opened.scanners++, []),
      },
      replaceGate: () => undefined,
      service: () => service,
      // A sync endpoint takes its time to open: stop() must wait for it.
      setSyncEndpoint:
        opts.setSyncEndpoint ??
        ((endpoint) => {
          endpoints.push(endpoint);
          return new Promise<void>((resolve) => (release = resolve));
        }),
      remeasureAtC: () => new PolicyStore(dir).load().policy.feverThresholdC,
      onError: (err) => errors.push(err.message),
    });
    return { applier, watch, store, dir, opened, screens, endpoints, errors, release: () => release() };
  }

  it("a file change made before a technician's save is applied with it, not absorbed; one change opens a device once", async () => {
    const { applier, watch, store, opened, screens, errors } = await setUp();
    store.set('identity.station', 'Ningbo', Date.now()); // sentinel config set, not yet seen
    store.set('thermometer.baud', 19200, Date.now()); // the technician's save…
    applier.changed(['thermometer.baud']); // …told at once
    watch.check(); // and the file watch ticks too
    await applier.idle();
    expect(screens.at(-1)?.station).toBe('Ningbo');
    expect(opened.thermometers).toBe(1);
    watch.check();
    await applier.idle();
    expect(opened.thermometers).toBe(1);
    expect(errors).toEqual([]);
  });

  it('a step that fails is reported once and the rest still happen; the file watch does not replay it', async () => {
    const { applier, watch, store, opened, screens, errors } = await setUp({
      setSyncEndpoint: async () => {
        throw new Error('the sync endpoint is refused');
      },
      // A damaged policy file: the applier still starts (it keeps re-measuring where it was).
      prepare: (dir) => fs.writeFileSync(dir.path('policy.json'), '{ damaged'),
    });
    store.update(
      [
        { key: 'sync.endpoint', value: 'http://127.0.0.1:9/' },
        { key: 'thermometer.baud', value: 19200 },
        { key: 'identity.gate', value: 'West 1' },
      ],
      Date.now(),
    );
    applier.changed(['sync.endpoint', 'thermometer.baud', 'identity.gate']);
    for (let i = 0; i < 3; i++) watch.check();
    await applier.idle();
    expect(errors).toEqual(['the sync endpoint is refused']);
    expect(opened.thermometers).toBe(1);
    expect(screens.at(-1)?.gate).toBe('West 1');
    applier.changed(['policy']); // a damaged policy: re-measure stays, nothing reopened, nothing thrown
    await applier.idle();
    expect(opened.thermometers).toBe(1);
    expect(errors).toHaveLength(1);
    await applier.stop();
  });

  it('a new fever threshold reopens the thermometer (it re-measures there); stop() waits for a change under way, and none starts after', async () => {
    const { applier, store, dir, opened, endpoints, release } = await setUp();
    const policy = new PolicyStore(dir);
    policy.set(JSON.stringify({ ...policy.load().policy, feverThresholdC: 37.8 }), Date.now());
    applier.changed(['policy']);
    await applier.idle();
    expect(opened.thermometers).toBe(1);
    applier.changed(['policy']); // the same threshold: nothing to reopen
    await applier.idle();
    expect(opened.thermometers).toBe(1);

    store.set('sync.endpoint', 'http://127.0.0.1:9/', Date.now());
    applier.changed(['sync.endpoint']);
    // The change is under way once the endpoint is being opened (it is held open until release()).
    await until(() => endpoints.length === 1, 5000, 'the sync endpoint being opened');
    let stopped = false;
    const stopping = applier.stop().then(() => (stopped = true));
    // Everything already runnable has run (a turn of the event loop): stop() is still waiting for the change.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;
    store.set('sync.endpoint', null, Date.now());
    applier.changed(['sync.endpoint']);
    await applier.idle();
    expect(endpoints).toEqual(['http://127.0.0.1:9/']);
  });
});

describe('a port another driver let go of a moment ago', () => {
  it('is retried quickly and quietly a few times before a failure is said', async () => {
    const { ReconnectingSerial } = await import('../../drivers/serial-link.js');
    const { EventEmitter: Emitter } = await import('node:events');
    let failures = 2;
    const opened: string[] = [];
    const openSerial = (p: string) => {
      const link = Object.assign(new Emitter(), {
        isOpen: false,
        open(cb: (err: Error | null) => void) {
          if (failures-- > 0) return cb(new Error('Cannot lock port'));
          link.isOpen = true;
          opened.push(p);
          cb(null);
        },
        write() {},
        close(cb?: (err: Error | null) => void) {
          link.isOpen = false;
          cb?.(null);
        },
      });
      return link as unknown as SerialLink;
    };
    const downs: string[] = [];
    const timers = new ManualTimers();
    const serial = new ReconnectingSerial({
      path: '/dev/ttyUSB0',
      baudRate: 9600,
      openSerial,
      exists: () => true,
      onOpen: () => undefined,
      onData: () => undefined,
      onDown: (r) => downs.push(r),
      timers,
    });
    serial.start();
    timers.advance(400);
    expect(opened).toEqual(['/dev/ttyUSB0']);
    expect(downs).toEqual([]);
    expect(serial.counters).toMatchObject({ opens: 1, failedOpens: 2 });
    serial.close();
    // Past the quick retries, a port that stays locked is said, then tried every second.
    failures = 10;
    const again = new ReconnectingSerial({
      path: '/dev/ttyUSB1',
      baudRate: 9600,
      openSerial,
      exists: () => true,
      onOpen: () => undefined,
      onData: () => undefined,
      onDown: (r) => downs.push(r),
      timers,
    });
    again.start();
    timers.advance(600);
    expect(downs).toEqual(['cannot open /dev/ttyUSB1: Cannot lock port']);
    again.close();
  });
});
