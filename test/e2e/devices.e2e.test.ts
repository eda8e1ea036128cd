// The kiosk with real drivers on pseudo-terminals: a thermometer module and
// a serial scanner at the far ends, the screen in Chromium showing the live
// temperature and device states, a scanner's scan decided on screen, and
// the thermometer unplugged and plugged back.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoCode } from '../../main/demo/demo.js';
import { PtyPair, SimulatedModule } from '../fixtures/pty.js';
import { until } from '../fixtures/until.js';
import { tempDir } from '../fixtures/tmp.js';
import { KioskScreen, launchBrowser, startKiosk, type KioskUnderTest } from './harness.js';

const missing = inject('chromiumMissing') || inject('socatMissing');

describe.skipIf(missing !== '')('kiosk with real drivers', () => {
  let k: KioskUnderTest;
  let thermoPty: PtyPair;
  let scannerPty: PtyPair;
  let thermoModule: SimulatedModule;
  let scannerEnd: SimulatedModule;

  beforeAll(async () => {
    const dir = tempDir('sentinel-e2e-pty-');
    thermoPty = new PtyPair(dir, 'thermo');
    scannerPty = new PtyPair(dir, 'scanner');
    await thermoPty.plug();
    await scannerPty.plug();
    thermoModule = new SimulatedModule(thermoPty.module, { protocol: 'gy-mcu90614', celsius: 36.7, everyMs: 60 });
    await thermoModule.start();
    k = await startKiosk({ devices: { thermometer: thermoPty.kiosk, 'thermo-protocol': 'gy-mcu90614', 'scanner-serial': scannerPty.kiosk, 'scanner-terminator': 'CR' } });
    scannerEnd = new SimulatedModule(scannerPty.module, { protocol: 'ascii', stream: false });
    await scannerEnd.start();
  });
  afterAll(async () => {
    await thermoModule?.stop();
    await scannerEnd?.stop();
    await k?.stop();
    await thermoPty?.unplug();
    await scannerPty?.unplug();
  });

  it('shows the live temperature and device states; a serial scan is decided on screen with that temperature', async () => {
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url, undefined);
      await screen.page.waitForSelector('[data-testid="thermometer"][data-state="ok"]', { timeout: 10_000 });
      await screen.page.waitForFunction(() => document.querySelector('[data-testid="thermometer"]')!.textContent!.includes('36.7'), undefined, { timeout: 10_000 });
      await screen.page.waitForSelector('[data-testid="scanner-state"][data-state="ok"]', { timeout: 10_000 });
      await screen.screenshot('devices-ready');

      scannerEnd.write(new TextEncoder().encode((await demoCode(k.keys, Date.now() / 1000, { issuer: 'CN-ZJ', status: 'green', subject: 'serial-scan' })) + '\r'));
      expect(await screen.waitForVerdict()).toEqual({ verdict: 'admit', reasons: ['OK'] });
      // The temperature the check was decided on, large on the result.
      expect(await screen.page.textContent('[data-testid="temperature"]')).toContain('36.7');
      await screen.screenshot('devices-serial-scan-admit');

      // A fever, measured twice (the driver re-measures high readings) before it decides.
      thermoModule.celsius = 38.4;
      await until(() => k.kiosk.service.status().thermometer.lastC === 38.4, 10_000, 'the fever reading');
      scannerEnd.write(new TextEncoder().encode((await demoCode(k.keys, Date.now() / 1000, { issuer: 'CN-ZJ', status: 'green', subject: 'serial-scan-2' })) + '\r'));
      await screen.page.waitForSelector('[data-testid="reason"][data-code="FEVER"]', { timeout: 10_000 });
      thermoModule.celsius = 36.7;

      // Unplugged: the status bar says so within 2 s; plugged back: readings return.
      await thermoModule.stop();
      await thermoPty.unplug();
      await screen.page.waitForSelector('[data-testid="thermometer"][data-state="offline"]', { timeout: 8_000 });
      await screen.screenshot('devices-thermometer-unplugged');
      await thermoPty.plug();
      thermoModule = new SimulatedModule(thermoPty.module, { protocol: 'gy-mcu90614', celsius: 36.5, everyMs: 60 });
      await thermoModule.start();
      await screen.page.waitForSelector('[data-testid="thermometer"][data-state="ok"]', { timeout: 10_000 });
    } finally {
      await browser.close();
    }
  });
});
