// Technician mode's foundations: the versioned configuration (validation,
// migrations, secrets never shown), PIN hashing and lockout, calibration
// arithmetic and bounds, and the config and calibrate commands.
import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { ConfigValueError, DEFAULT_KIOSK_CONFIG, redacted, withSetting, type KioskConfig } from '../../main/contract/kiosk-config.js';
import { CONFIG_FILE, ConfigStore, ConfigUnusable } from '../../main/config/config-store.js';
import { DataDir } from '../../main/data-dir.js';
import { hashPin, LOCKOUT_MS, MAX_FAILURES, PinGate, verifyPin, WeakPin } from '../../main/technician/pin.js';
import { computeCalibration, CalibrationRefused } from '../../drivers/thermometer/calibration.js';
import { PtyPair, SimulatedModule } from '../fixtures/pty.js';
import { SENTINEL, sentinel } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/tmp.js';

const config = (): KioskConfig => structuredClone(DEFAULT_KIOSK_CONFIG) as KioskConfig;

describe('configuration', () => {
  it('validates each setting and names it when refused', () => {
    expect(withSetting(config(), 'screen.resultSeconds', 10).screen.resultSeconds).toBe(10);
    expect(withSetting(config(), 'scanner.hid', '0c2e:0b61').scanner.hid).toBe('0c2e:0b61');
    expect(withSetting(config(), 'sync.endpoint', null).sync.endpoint).toBeNull();
    for (const [key, value] of [
      ['screen.resultSeconds', 0],
      ['screen.resultSeconds', '6'],
      ['screen.operatorLang', 'fr'],
      ['screen.holderLangs', []],
      ['identity.timeZone', 'Mars/Olympus'],
      ['thermometer.protocol', 'mlx'],
      ['thermometer.baud', 12],
      ['scanner.terminator', 'TAB'],
      ['sync.endpoint', 'ftp://x'],
      ['no.such', 1],
      ['technician.pinHash', 'x'],
      ['thermometer.calibration', null],
    ] as const) {
      expect(() => withSetting(config(), key, value), key).toThrow(ConfigValueError);
    }
  });

  it('is saved whole with a growing revision, and shown without secrets', () => {
    const dir = DataDir.open(tempDir(), { create: true });
    const store = new ConfigStore(dir);
    expect(store.load().revision).toBe(0);
    const r = store.set('identity.gate', 'East 3', 1000);
    expect(r).toMatchObject({ before: '', after: 'East 3', stored: { revision: 1, version: 1 } });
    const c = store.load().config;
    store.save({ ...c, technician: { ...c.technician, pinHash: hashPin('482913') } }, 2000);
    const shown = JSON.stringify(redacted(store.load().config));
    expect(shown).not.toContain('scrypt');
    expect(shown).toContain('"pinSet":true');
    expect(fs.statSync(dir.path(CONFIG_FILE)).mode & 0o777).toBe(0o600);
  });

  it('migrates a version-0 file (the bare object of the first kiosks) and fills new fields with defaults', () => {
    const dir = DataDir.open(tempDir(), { create: true });
    fs.writeFileSync(dir.path(CONFIG_FILE), JSON.stringify({ identity: { gate: 'Old gate' }, screen: { sound: false } }));
    const loaded = new ConfigStore(dir).load();
    expect(loaded).toMatchObject({ version: 1, revision: 1, config: { identity: { gate: 'Old gate', timeZone: 'Asia/Shanghai' }, screen: { sound: false, resultSeconds: 10 } } });
  });

  it('refuses a damaged file and one from a newer Sentinel', () => {
    const dir = DataDir.open(tempDir(), { create: true });
    fs.writeFileSync(dir.path(CONFIG_FILE), '{"version":');
    expect(() => new ConfigStore(dir).load()).toThrow(ConfigUnusable);
    fs.writeFileSync(dir.path(CONFIG_FILE), JSON.stringify({ version: 99, revision: 1, config: {} }));
    expect(() => new ConfigStore(dir).load()).toThrow(/newer/);
  });
});

describe('PINs', () => {
  it('scrypt hashes that verify only the right PIN, with a fresh salt each time', () => {
    const a = hashPin('482913');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(hashPin('482913'));
    expect(verifyPin('482913', a)).toBe(true);
    expect(verifyPin('482914', a)).toBe(false);
    expect(verifyPin('482913', 'plain')).toBe(false);
    for (const weak of ['1234', '111111', '123456', '987654', '12ab56', '1234567890123']) expect(() => hashPin(weak), weak).toThrow(WeakPin);
  });

  it(`${MAX_FAILURES} wrong PINs lock entry for 5 minutes, across restarts; the right PIN then works`, () => {
    const dir = DataDir.open(tempDir(), { create: true });
    const stored = hashPin('482913');
    let gate = new PinGate(dir);
    for (let i = 1; i < MAX_FAILURES; i++) expect(gate.attempt('000000', stored, 0)).toEqual({ result: 'wrong', remaining: MAX_FAILURES - i });
    expect(gate.attempt('000000', stored, 0)).toEqual({ result: 'locked', untilMs: LOCKOUT_MS });
    gate = new PinGate(dir);
    expect(gate.attempt('482913', stored, LOCKOUT_MS - 1)).toEqual({ result: 'locked', untilMs: LOCKOUT_MS });
    expect(gate.attempt('482913', stored, LOCKOUT_MS)).toEqual({ result: 'ok' });
    expect(gate.attempt('000000', stored, LOCKOUT_MS)).toEqual({ result: 'wrong', remaining: MAX_FAILURES - 1 });
    expect(gate.attempt('482913', null, LOCKOUT_MS)).toMatchObject({ result: 'wrong' });
  });
});

describe('calibration arithmetic', () => {
  it('offset = reference − median of the stable readings, due in 30 days', () => {
    expect(computeCalibration({ referenceC: 37.0, readingsC: [36.5, 36.6, 36.4], by: 'tech-07', atMs: 1000 })).toEqual({
      offsetC: 0.5,
      by: 'tech-07',
      atMs: 1000,
      referenceC: 37.0,
      readingsC: [36.5, 36.6, 36.4],
      dueAtMs: 1000 + 30 * 86_400_000,
    });
    expect(computeCalibration({ referenceC: 36.0, readingsC: [37.5, 37.4, 37.5, 37.4], by: 'x', atMs: 0 }).offsetC).toBe(-1.45);
  });
  it.each([
    ['an offset beyond ±1.5 °C', { referenceC: 37.0, readingsC: [35.4, 35.4, 35.4] }, /repair/],
    ['too few readings', { referenceC: 37.0, readingsC: [36.9, 36.9] }, /at least 3/],
    ['readings that wander', { referenceC: 37.0, readingsC: [36.5, 36.9, 36.6] }, /spread/],
    ['a reference outside the body range', { referenceC: 25, readingsC: [25, 25, 25] }, /reference/],
  ])('refuses %s', (_label, input, message) => {
    expect(() => computeCalibration({ by: 'x', atMs: 0, ...input })).toThrow(CalibrationRefused);
    expect(() => computeCalibration({ by: 'x', atMs: 0, ...input })).toThrow(message);
  });
});

describe('config and calibrate commands', () => {
  it('config set / set-pin / show, with usage errors for bad values and weak PINs', () => {
    const data = tempDir();
    expect(sentinel(['config', 'set', 'screen.holderLangs', '["en","zh-CN"]', '--data', data]).status).toBe(0);
    expect(sentinel(['config', 'set', 'screen.resultSeconds', '999', '--data', data]).status).toBe(64);
    expect(sentinel(['config', 'set', 'technician.pinHash', 'x', '--data', data]).status).toBe(64);
    expect(sentinel(['config', 'set-pin', '--data', data], { input: '482913\n' }).status).toBe(0);
    expect(sentinel(['config', 'set-pin', '--role', 'supervisor', '--data', data], { input: '111111\n' }).status).toBe(64);
    const shown = JSON.parse(sentinel(['config', 'show', '--json', '--data', data]).stdout) as { revision: number; config: ReturnType<typeof redacted> };
    expect(shown.config.screen.holderLangs).toEqual(['en', 'zh-CN']);
    expect(shown.config.technician).toEqual({ pinSet: true, supervisorPinSet: false });
    expect(shown.revision).toBe(2);
  });

  it.skipIf(inject('socatMissing') !== '')('sentinel calibrate against a module on a pseudo-terminal records the offset', async () => {
    const data = tempDir();
    const pty = new PtyPair(tempDir('sentinel-cal-'), 'thermo');
    await pty.plug();
    const module = new SimulatedModule(pty.module, { protocol: 'gy-mcu90614', celsius: 36.7, everyMs: 40 });
    await module.start();
    try {
      const child = spawn(process.execPath, [SENTINEL, 'calibrate', '--port', pty.kiosk, '--protocol', 'gy-mcu90614', '--reference', '37.0', '--by', 'tech-07', '--json', '--data', data], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const code = await new Promise((r) => child.once('exit', r));
      expect(code).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ offsetC: 0.3, referenceC: 37, readingsC: [36.7, 36.7, 36.7], by: 'tech-07' });
      const cfg = new ConfigStore(DataDir.open(data, { create: false })).load().config;
      expect(cfg.thermometer).toMatchObject({ path: pty.kiosk, protocol: 'gy-mcu90614', calibration: { offsetC: 0.3, by: 'tech-07' } });
      // A module far off is refused and nothing recorded.
      module.celsius = 34.9;
      const refused = spawn(process.execPath, [SENTINEL, 'calibrate', '--port', pty.kiosk, '--protocol', 'gy-mcu90614', '--reference', '37.0', '--by', 'tech-07', '--data', data], { stdio: 'ignore' });
      expect(await new Promise((r) => refused.once('exit', r))).toBe(1);
      expect(new ConfigStore(DataDir.open(data, { create: false })).load().config.thermometer.calibration?.offsetC).toBe(0.3);
    } finally {
      await module.stop();
      await pty.unplug();
    }
  });
});

describe('the kiosk takes its settings from the configuration, flags first', () => {
  it('devices, sync endpoint, screen settings and calibration come from config; a flag overrides', async () => {
    const { settingsFor } = await import('../../main/app/kiosk-settings.js');
    const { kioskFlags } = await import('../../main/app/kiosk-flags.js');
    const data = tempDir();
    const store = new ConfigStore(DataDir.open(data, { create: true }));
    store.set('thermometer.path', '/dev/sentinel-thermometer', 1);
    store.set('thermometer.protocol', 'idc50', 2);
    store.set('scanner.hid', '0c2e:0b61', 3);
    store.set('sync.endpoint', 'http://127.0.0.1:9/', 4);
    store.set('screen.operatorLang', 'en', 5);
    store.set('screen.sound', false, 6);
    const c = store.load().config;
    store.save({ ...c, thermometer: { ...c.thermometer, calibration: computeCalibration({ referenceC: 37, readingsC: [36.8, 36.8, 36.8], by: 'tech-07', atMs: 7 }) } }, 8);
    const l = settingsFor(data, {}, 'zh-CN', () => 0);
    expect(l.thermometer).toMatchObject({ path: '/dev/sentinel-thermometer', protocol: 'idc50', baud: 115200, calibration: { offsetC: 0.2, by: 'tech-07' } });
    expect(l.scannerHid).toEqual({ vendorId: 0x0c2e, productId: 0x0b61 });
    expect(l.syncEndpoint).toBe('http://127.0.0.1:9/');
    expect(l.screen).toMatchObject({ operatorLang: 'en', sound: false });
    const flagged = settingsFor(data, kioskFlags({ thermometer: '/dev/ttyUSB9', 'thermo-protocol': 'ascii', lang: 'zh-CN' }), 'zh-CN', () => 0);
    expect(flagged.thermometer).toMatchObject({ path: '/dev/ttyUSB9', protocol: 'ascii' });
    expect(flagged.screen.operatorLang).toBe('zh-CN');
    expect(settingsFor(data, kioskFlags({ simulate: true }), 'en', () => 0).thermometer).toBeNull();
  });
});

describe('selftest and export', () => {
  it('selftest passes on a working kiosk, fails on a broken chain; export writes diagnostics and the log without secrets', async () => {
    const Database = (await import('better-sqlite3')).default;
    const path = await import('node:path');
    const data = path.join(tempDir(), 'demo');
    expect(sentinel(['demo', '--data', data]).status).toBe(0);
    expect(sentinel(['config', 'set-pin', '--data', data], { input: '482913\n' }).status).toBe(0);
    const ok = sentinel(['selftest', '--json', '--data', data]);
    expect(ok.status, ok.stdout).toBe(0);
    const report = JSON.parse(ok.stdout) as { ok: boolean; checks: { name: string; state: string }[] };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual([
      'data directory',
      'disk space',
      'database integrity',
      'check log chain',
      'policy',
      'trust bundle',
      'clock',
      'device key',
      'QR decoder (test card)',
      'thermometer',
      'scanner',
      'sync service',
    ]);
    expect(report.checks.find((c) => c.name === 'QR decoder (test card)')?.state).toBe('ok');

    const out = tempDir();
    const exported = sentinel(['export', '--out', out, '--json', '--data', data]);
    expect(exported.status, exported.stderr).toBe(0);
    const { folder, checks } = JSON.parse(exported.stdout) as { folder: string; checks: number };
    expect(checks).toBe(12); // the demo's twelve cases
    expect(fs.readdirSync(folder).sort()).toEqual(['checks.csv', 'checks.jsonl', 'diagnostics.json', 'events.jsonl']);
    const everything = fs
      .readdirSync(folder)
      .map((f) => fs.readFileSync(path.join(folder, f), 'utf8'))
      .join('\n');
    expect(everything).not.toContain('scrypt');
    expect(everything).not.toContain('demo-holder-');
    expect(everything).not.toContain('PHC1:');
    expect(JSON.parse(fs.readFileSync(path.join(folder, 'diagnostics.json'), 'utf8'))).toMatchObject({ counts: { total: 12 }, config: { technician: { pinSet: true } }, live: null, statusEvents: [] });

    const db = new Database(path.join(data, 'checks.db'));
    db.prepare("UPDATE checks SET verdict = 'admit' WHERE chain_pos = 3").run();
    db.close();
    const broken = sentinel(['selftest', '--data', data]);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/FAIL check log chain/);
  });
});

describe('supervisor override', () => {
  it('needs a PIN, touches only a review, once; the check row stays as decided and the override is an audited event', async () => {
    const path = await import('node:path');
    const { CheckLog } = await import('../../main/log/check-log.js');
    const { TechnicianService, TechnicianRefusal } = await import('../../main/technician/technician-service.js');
    const data = path.join(tempDir(), 'demo');
    expect(sentinel(['demo', '--data', data]).status).toBe(0);
    const dir = DataDir.open(data, { create: false });
    const store = new ConfigStore(dir);
    const c = store.load().config;
    store.save({ ...c, technician: { ...c.technician, supervisorPinHash: hashPin('735102') } }, 1000);
    const log = CheckLog.open(path.join(data, 'checks.db'));
    const checks = log.pendingBatch(100);
    log.close();
    const review = checks.find((x) => x.verdict === 'review')!;
    const admitted = checks.find((x) => x.verdict === 'admit')!;
    expect(review && admitted).toBeTruthy();

    let now = Date.parse('2026-11-29T08:00:00Z');
    const service = new TechnicianService({ dataDir: data, clock: () => now });
    expect(() => service.changes.override(review.checkId, 'admit', { preset: 'paperCertificate' })).toThrow(TechnicianRefusal);
    expect(await service.session.unlock('735102')).toMatchObject({ result: 'ok', role: 'supervisor' });
    expect(() => service.changes.override(admitted.checkId, 'deny', { preset: 'other', text: 'changed my mind' })).toThrow(/Only a review/);
    expect(() => service.changes.override('01890000-0000-7000-8000-000000000000', 'admit', { preset: 'checkedByHand' })).toThrow(/No such check/);
    expect(service.changes.override(review.checkId, 'admit', { preset: 'paperCertificate' })).toEqual({ checkId: review.checkId, verdict: 'admit', role: 'supervisor' });
    // The session ended with the act; a second try needs the PIN and is refused anyway.
    expect(() => service.changes.override(review.checkId, 'deny', { preset: 'other', text: 'again' })).toThrow(/locked/);
    now += 1000;
    await service.session.unlock('735102');
    expect(() => service.changes.override(review.checkId, 'deny', { preset: 'other', text: 'again' })).toThrow(/already been decided/);

    const after = CheckLog.open(path.join(data, 'checks.db'));
    try {
      expect(after.findCheck(review.checkId)?.verdict).toBe('review');
      const ev = after.overrideOf(review.checkId);
      expect(ev).toMatchObject({
        type: 'override',
        actor: 'supervisor',
        detail: { checkId: review.checkId, originalVerdict: 'review', verdict: 'admit', reason: 'Paper certificate checked', reasonPreset: 'paperCertificate' },
      });
      expect(after.verifyChain().ok).toBe(true);
    } finally {
      after.close();
    }
  });
});

describe('first start', () => {
  it('with no PIN the screen sets the technician PIN once: weak ones refused, audited, then only the CLI changes it', async () => {
    const path = await import('node:path');
    const { CheckLog } = await import('../../main/log/check-log.js');
    const { TechnicianService } = await import('../../main/technician/technician-service.js');
    const data = path.join(tempDir(), 'demo');
    expect(sentinel(['demo', '--data', data]).status).toBe(0);
    // The demo sets its own PIN; a kiosk fresh from its package has none.
    const store = new ConfigStore(DataDir.open(data, { create: false }));
    const c = store.load().config;
    store.save({ ...c, technician: { ...c.technician, pinHash: null } }, 1000);
    let now = Date.parse('2026-11-29T08:00:00Z');
    const service = new TechnicianService({ dataDir: data, clock: () => now });
    expect(await service.session.unlock('583920')).toEqual({ result: 'no-pin' });
    await expect(service.session.setFirstPin('123456')).rejects.toThrow(/a run like 123456/);
    await expect(service.session.setFirstPin('12ab')).rejects.toThrow(/6 to 12 digits/);
    expect(await service.session.setFirstPin('583920')).toMatchObject({ result: 'ok', role: 'technician' });
    expect(service.session.role()).toBe('technician');
    await expect(service.session.setFirstPin('702913')).rejects.toThrow(/already set/);
    service.session.lock();
    expect(await service.session.unlock('702913')).toMatchObject({ result: 'wrong' });
    now += 1000;
    expect(await service.session.unlock('583920')).toMatchObject({ result: 'ok' });
    const log = CheckLog.open(path.join(data, 'checks.db'));
    try {
      expect(log.listEvents().filter((e) => e.type === 'pin/set' && e.actor !== 'demo')).toEqual([
        expect.objectContaining({ actor: 'screen', detail: expect.objectContaining({ role: 'technician', firstStart: true }) }),
      ]);
      expect(JSON.stringify(log.listEvents())).not.toContain('583920');
    } finally {
      log.close();
    }
  });
});

describe('calibration from the technician screen', () => {
  it('needs a real module and the technician; too few readings and a wide spread are refused and audited; a good one is applied live', async () => {
    const path = await import('node:path');
    const { CheckLog } = await import('../../main/log/check-log.js');
    const { TechnicianService } = await import('../../main/technician/technician-service.js');
    const data = path.join(tempDir(), 'demo');
    expect(sentinel(['demo', '--data', data]).status).toBe(0);
    const store = new ConfigStore(DataDir.open(data, { create: false }));
    const c = store.load().config;
    store.save({ ...c, technician: { ...c.technician, pinHash: hashPin('583920'), supervisorPinHash: hashPin('735102') } }, 1000);

    // A fake module: each call to emit() is one stable reading.
    const listeners = new Set<(r: { celsius: number; rawC?: number }) => void>();
    const applied: number[] = [];
    const feed = {
      state: 'ok',
      onReading: (l: (r: { celsius: number; rawC?: number }) => void) => (listeners.add(l), () => listeners.delete(l)),
      setCalibration: (x: { offsetC: number }) => applied.push(x.offsetC),
    };
    const emit = (rawC: number): void => listeners.forEach((l) => l({ celsius: rawC + 9, rawC }));
    let now = Date.parse('2026-11-29T08:00:00Z');
    const clock = () => now;

    const none = new TechnicianService({ dataDir: data, clock });
    await none.session.unlock('583920');
    expect(none.diagnostics.thermometerCounters()).toBeNull();
    const counted = new TechnicianService({ dataDir: data, clock, thermometer: { ...feed, counters: { frames: 120, checksumFailures: 2, resyncs: 1, droppedBytes: 9, ignoredFrames: 0 } } as never });
    await counted.session.unlock('583920');
    expect(counted.diagnostics.thermometerCounters()).toEqual({ frames: 120, checksumFailures: 2, resyncs: 1, droppedBytes: 9 });
    await expect(none.calibration.calibrate(36.5, 'Li')).rejects.toThrow(/No thermometer module/);

    const service = new TechnicianService({ dataDir: data, clock, thermometer: feed });
    await service.session.unlock('735102');
    await expect(service.calibration.calibrate(36.5, 'Li')).rejects.toThrow(/technician PIN/);
    // One attempt a second per connection.
    now += 1000;
    await service.session.unlock('583920');
    const spread = service.calibration.calibrate(36.5, 'Li');
    await expect(service.calibration.calibrate(36.5, 'Li')).rejects.toThrow(/already running/);
    [36.1, 36.6, 36.2].forEach(emit);
    await expect(spread).rejects.toThrow(/calibration refused: the readings spread 0.50/);
    const good = service.calibration.calibrate(36.5, 'Li');
    [36.2, 36.25, 36.2, 36.9].forEach(emit);
    await expect(good).resolves.toMatchObject({ offsetC: 0.3, previousOffsetC: null, readingsC: [36.2, 36.25, 36.2] });
    expect(applied).toEqual([0.3]);
    expect(listeners.size).toBe(0);
    // A module that is not looking at anything stable gives too few readings in time.
    const { collectRawReadings } = await import('../../drivers/thermometer/calibration.js');
    await expect(collectRawReadings(feed, 3, 50)).rejects.toThrow(/only 0 of 3 stable readings/);
    expect(listeners.size).toBe(0);
    // In Electron the module lives in the drivers' process: the offset is sent there.
    const { RemoteThermometer } = await import('../../main/kiosk/remote-drivers.js');
    const remote = new RemoteThermometer();
    const sent: unknown[] = [];
    remote.calibrationSink = (x) => sent.push(x);
    remote.setCalibration({ offsetC: 0.3, by: 'Li', atMs: 1 });
    expect(sent).toEqual([{ offsetC: 0.3, by: 'Li', atMs: 1 }]);
    expect(store.load().config.thermometer.calibration).toMatchObject({ offsetC: 0.3, by: 'Li' });
    const log = CheckLog.open(path.join(data, 'checks.db'));
    try {
      expect(
        log
          .listEvents()
          .filter((e) => e.type.startsWith('calibration/'))
          .map((e) => e.type),
      ).toEqual(['calibration/refused', 'calibration/done']);
    } finally {
      log.close();
    }
  });
});
