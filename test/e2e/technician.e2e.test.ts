// Technician mode in the browser shell: the way in, the PIN and its
// lockout, the self-test, a setting, the policy (and decisions changing
// with it), an export, the idle exit — each change in the audit trail.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { CentralService } from '../../bench/central-service.js';
import { CentralService as RealCentralService } from '../../central/service.js';
import { enrollmentText } from '../../main/contract/enrollment.js';
import { PGLITE } from '../central/backends.js';
import { ConfigStore } from '../../main/config/config-store.js';
import { DATA_FILES, DataDir } from '../../main/data-dir.js';
import { calculateJwkThumbprint } from 'jose';
import { demoBundle, demoCode } from '../../main/demo/demo.js';
import { newSigningKey, signBundle } from '../../main/issuer/sign.js';
import { CheckLog, type LoggedCheck } from '../../main/log/check-log.js';
import { hashPin } from '../../main/technician/pin.js';
import type * as Drives from '../../main/technician/removable-drives.js';
import { tempDir } from '../fixtures/tmp.js';
import { until } from '../fixtures/until.js';
import { cameraFrame, writeY4m } from '../../bench/frames.js';
import { KioskScreen, TechnicianPanel, launchBrowser, startKiosk, withConfig, type KioskUnderTest } from './harness.js';

// The kiosk in this process reads its mount table from here: one USB stick, mounted under a folder of the test's.
const usb = await vi.hoisted(async () => (await import('../fixtures/usb-stick.js')).fakeUsbStick());
vi.mock('../../main/technician/removable-drives.js', async (importOriginal) => ({
  ...(await importOriginal<typeof Drives>()),
  SYSTEM_DRIVE_RULE: (await import('../fixtures/usb-stick.js')).driveRuleWith(usb),
}));

const missing = inject('chromiumMissing');
const PIN = '482913';
const SUPERVISOR_PIN = '190376';

describe.skipIf(missing !== '')('technician mode on the screen', () => {
  let k: KioskUnderTest;

  beforeAll(async () => {
    k = await startKiosk({
      lang: 'en',
      devices: { simulate: 'yes' },
      prepare: withConfig((c) => ({
        ...c,
        screen: { ...c.screen, operatorLang: 'en', holderLangs: ['en', 'zh-CN'] },
        technician: { ...c.technician, pinHash: hashPin(PIN), supervisorPinHash: hashPin(SUPERVISOR_PIN) },
      })),
      technician: { idleMs: 4000, lockoutMs: 3000 },
    });
  });
  afterAll(async () => {
    await k?.stop();
    fs.rmSync(usb.media, { recursive: true, force: true });
  });

  const enterPin = (screen: KioskScreen, pin: string): Promise<void> => new TechnicianPanel(screen).enterPin(pin);
  /** A section's own message line, once it includes `text`. */
  const sectionSays = (screen: KioskScreen, section: string, text: string, timeout = 15_000): Promise<void> => screen.waitForText(`tech-message-${section}`, text, timeout);

  it('the devices panel tests the camera end to end: the test card held up is read, and nothing is logged while the panel is open', async () => {
    // The test card and a payment QR in turn, 0.5 s each: a kiosk camera left
    // reading would submit each change of text as a new check.
    const video = path.join(k.tmp, 'test-card.y4m');
    const frame = (text: string, seed: number) => cameraFrame(text, { width: 1280, height: 720, codeFraction: 0.6, rotateDeg: 3, noise: 3, seed });
    writeY4m(video, [...Array(5).fill(frame('SENTINEL-TEST-CARD-V1', 1)), ...Array(5).fill(frame('https://pay.example/qr?order=7', 2))], 10);
    const browser = await launchBrowser({ kind: 'file', y4m: video });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      await screen.page.waitForFunction(() => document.body.dataset.state === 'result');
      // Both codes seen (the video loops once a second): neither is a new traveller's then, and the PIN pad stays up while they show.
      await screen.waitForSightings(12);
      await screen.page.keyboard.press('Control+Alt+T');
      await enterPin(screen, PIN);
      await screen.page.waitForSelector('[data-testid="tech-panel"]');
      // A scan the kiosk's camera had in flight as the panel opened may still land: let it.
      await screen.page.waitForTimeout(1500);
      const before = k.kiosk.service.status().today;
      await screen.page.waitForFunction(() => document.querySelector('[data-testid="dev-camera-test"]')?.textContent?.includes('Camera: test card read ✓'), undefined, { timeout: 20_000 });
      await screen.page.waitForFunction(() => document.querySelector('[data-testid="dev-camera-test"]')?.textContent?.includes('→ Please stop (NOT_PHC)'), undefined, { timeout: 20_000 });
      await screen.page.locator('[data-testid="dev-camera-test"]').scrollIntoViewIfNeeded();
      await screen.screenshot('technician-camera-test');
      // The self-test's camera item: the test card read through this screen's camera.
      await screen.page.click('[data-testid="tech-selftest-run"]');
      const cameraItem = screen.page.locator('[data-testid="selftest-item"]', { hasText: 'camera (this screen)' });
      await cameraItem.waitFor({ timeout: 20_000 });
      expect(await cameraItem.getAttribute('data-state')).toBe('ok');
      await screen.page.waitForTimeout(1500);
      expect(k.kiosk.service.status().today).toEqual(before);
      await screen.page.click('[data-testid="tech-exit"]');
    } finally {
      await browser.close();
    }
  });

  it('a guard supervisor overrides a review with a reason; the decision record is kept, the override audited', async () => {
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      await screen.wedgeScan(await demoCode(k.keys, Date.now() / 1000, { issuer: 'CN-GD', status: 'yellow', subject: 'override-e2e' }));
      expect((await screen.waitForVerdict()).verdict).toBe('review');
      await screen.page.click('[data-testid="override"]');
      await enterPin(screen, SUPERVISOR_PIN);
      await screen.page.waitForSelector('[data-testid="override-presets"]');
      await screen.page.click('[data-testid="override-admit"]');
      await screen.page.waitForFunction(() => document.querySelector('[data-testid="tech-message"]')!.textContent!.includes('Choose a reason'));
      // "Other" alone asks for typing; a preset needs none.
      await screen.page.click('[data-testid="override-preset-other"]');
      await screen.page.waitForSelector('[data-testid="override-reason"]:not([hidden])');
      await screen.page.click('[data-testid="override-preset-paperCertificate"]');
      await screen.page.waitForSelector('[data-testid="override-reason"][hidden]', { state: 'attached' });
      await screen.screenshot('supervisor-override');
      await screen.page.click('[data-testid="override-admit"]');
      await screen.page.waitForSelector('[data-testid="override-result"][data-verdict="admit"]');
      await screen.screenshot('supervisor-override-done');
      const log = CheckLog.open(path.join(k.dataDir, DATA_FILES.database));
      const override = log.listEvents().find((e) => e.type === 'override')!;
      const original = log.findCheck(override.detail.checkId as string)!;
      log.close();
      expect(override).toMatchObject({ actor: 'supervisor', detail: { originalVerdict: 'review', verdict: 'admit', reason: 'Paper certificate checked', reasonPreset: 'paperCertificate' } });
      expect(original.verdict).toBe('review');

      // The touchscreen's way in (three taps, then a hold) is tried in pin-pad.e2e.test.ts.
    } finally {
      await browser.close();
    }
  });

  it('PIN, lockout, self-test, settings, policy (decisions change), export, idle exit — all audited', async () => {
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      await screen.page.keyboard.press('Control+Alt+t');
      await screen.page.waitForSelector('[data-testid="technician"]:not([hidden]) [data-testid="pin-ok"]');
      await screen.screenshot('technician-pin');

      // As a person does: each wrong PIN's answer read before the next (main takes one a second per screen).
      for (let i = 0; i < 5; i++) {
        await enterPin(screen, '000000');
        const answer = i < 4 ? `${4 - i} tries left` : 'locked';
        await screen.page.waitForFunction((a) => document.querySelector('[data-testid="pin-message"]')!.textContent!.includes(a), answer);
      }
      // The right PIN while locked: this attempt's own answer read (the pad may still be waiting its turn with main),
      // before the clock moves on — an attempt still in flight then would unlock.
      expect(await new TechnicianPanel(screen).enterPinForAnswer(PIN)).toContain('locked');
      await screen.screenshot('technician-locked');
      // The lockout's end, on main's clock: moved past it rather than waited for.
      k.advanceClock(3100);
      await enterPin(screen, PIN);
      await screen.page.waitForSelector('[data-testid="tech-panel"]');
      // The installed trust list: every issuer's keys with their format and validity (the demo has a DCC country and an SHC issuer too).
      const keys = await screen.page.locator('[data-testid="tech-trust-keys"] li').allTextContents();
      expect(keys.length).toBeGreaterThan(0);
      expect(
        keys.every((t) => /^\S+ \[(phc1|dcc|shc)\] · \S+ \((ES256|EdDSA|PS256)\) · /.test(t)),
        keys.join('\n'),
      ).toBe(true);
      expect(keys.some((t) => t.startsWith('DCC-XD [dcc] · ')) && keys.some((t) => t.startsWith('https://demo-issuer.example [shc] · ')), keys.join('\n')).toBe(true);
      expect(await screen.page.locator('[data-testid="tech-trust"]').textContent()).toMatch(/valid until \d{4}-\d{2}-\d{2}/);

      await screen.page.click('[data-testid="tech-selftest-run"]');
      await screen.page.waitForSelector('[data-testid="selftest-item"]', { timeout: 20_000 });
      const states = await screen.page.$$eval('[data-testid="selftest-item"]', (els) => els.map((e) => (e as HTMLElement).dataset.state));
      expect(states).not.toContain('fail');
      await screen.screenshot('technician-panel');

      // A keyboard-wedge scanner has no port of its own: its test scan is typed into this screen, and is no check.
      const today = k.kiosk.service.status().today;
      await screen.page.click('[data-testid="tech-scanner-test"]');
      await screen.page.waitForFunction(() => document.querySelector('[data-testid="dev-scanner-test"]')?.textContent?.includes('within 15 s'));
      await screen.wedgeScan('SENTINEL-TEST-CARD-V1');
      await screen.page.waitForFunction(() => document.querySelector('[data-testid="dev-scanner-test"]')?.textContent?.includes('Keyboard-wedge scanner: test card read ✓'));
      expect(k.kiosk.service.status().today).toEqual(today);

      await screen.page.fill('[data-testid="set-resultSeconds"]', '9');
      await screen.page.fill('[data-testid="set-gate"]', 'East 3');
      await screen.page.fill('[data-testid="set-station"]', 'Hangzhou East');
      await screen.page.uncheck('[data-testid="set-holderLang-en"]');
      // The sync endpoint's "test connection": a live service, then nothing listening.
      const central = new CentralService();
      await central.start();
      try {
        await screen.page.fill('[data-testid="set-syncEndpoint"]', central.url);
        await screen.page.click('[data-testid="tech-sync-test"]');
        await sectionSays(screen, 'settings', ': reachable');
      } finally {
        await central.stop();
      }
      await screen.page.click('[data-testid="tech-sync-test"]');
      await sectionSays(screen, 'settings', 'not reachable', 20_000);
      await screen.page.fill('[data-testid="set-timeZone"]', 'Mars/Olympus');
      await screen.page.click('[data-testid="tech-save-settings"]');
      await sectionSays(screen, 'settings', 'Time zone is not a time zone');
      await screen.page.fill('[data-testid="set-timeZone"]', 'Asia/Shanghai');
      await screen.screenshot('technician-settings');
      await screen.page.click('[data-testid="tech-save-settings"]');
      await screen.page.waitForFunction(() => document.querySelector('[data-testid="tech-message-settings"]')!.textContent!.startsWith('Saved, in force now: Gate name, Station,'));
      const saved = new ConfigStore(DataDir.open(k.dataDir, { create: false })).load().config;
      expect(saved.screen.resultSeconds).toBe(9);
      expect(saved.identity).toMatchObject({ gate: 'East 3', station: 'Hangzhou East', timeZone: 'Asia/Shanghai' });
      expect(saved.screen.holderLangs).toEqual(['zh-CN']);
      expect(saved.sync.endpoint).toBe(central.url);
      // In force now, without a restart: the status bar names the place, and the screen has the new settings.
      await screen.page.waitForFunction(() => document.querySelector('[data-testid="place"]')?.textContent?.startsWith('Hangzhou East · East 3'));
      const live = await screen.page.evaluate(() => (globalThis as unknown as { kiosk: { getConfig(): Promise<unknown> } }).kiosk.getConfig());
      expect(live).toMatchObject({ ok: true, value: { resultSeconds: 9, holderLangs: ['zh-CN'], gate: 'East 3', station: 'Hangzhou East' } });
      expect(k.kiosk.service.status().sync.configured).toBe(true);

      // A policy whose fever threshold the simulated 36.6 °C reaches: green is now denied.
      await screen.page.fill('[data-testid="policy-feverThresholdC"]', '36.0');
      await screen.page.click('[data-testid="tech-save-policy"]');
      await sectionSays(screen, 'policy', 'policy version');
      await screen.page.fill('[data-testid="policy-feverThresholdC"]', '99');
      await screen.page.click('[data-testid="tech-save-policy"]');
      await sectionSays(screen, 'policy', 'Fever threshold (°C) must be between 35 and 42');
      await screen.page.locator('[data-testid="policy-temperature"]').scrollIntoViewIfNeeded();
      await screen.screenshot('technician-policy');

      // A bundle from the USB stick: a newer one installs, an older one is refused;
      // a new root is pinned only with its fingerprint typed in.
      const stick = tempDir();
      const nowS = Date.now() / 1000;
      fs.writeFileSync(path.join(stick, 'newer.jws'), await demoBundle(k.keys, nowS + 10));
      fs.writeFileSync(path.join(stick, 'older.jws'), await demoBundle(k.keys, nowS - 100_000));
      const newRoot = await newSigningKey('ES256', 'root-2027');
      fs.writeFileSync(path.join(stick, 'root.jwk'), JSON.stringify(newRoot.publicJwk));
      const { issuers } = k.keys;
      fs.writeFileSync(
        path.join(stick, 'by-new-root.jws'),
        await signBundle(
          { iss: 'CN-NHC', seq: Math.floor(nowS) + 100, iat: Math.floor(nowS) - 5, exp: Math.floor(nowS) + 86_400, issuers: issuers.map((i) => ({ id: i.id, name: i.name, keys: [i.key.publicJwk] })) },
          newRoot,
        ),
      );
      const importing = async (bundle: string, root = '', fingerprint = ''): Promise<string> => {
        await screen.page.fill('[data-testid="tech-bundle-path"]', path.join(stick, bundle));
        await screen.page.fill('[data-testid="tech-root-path"]', root ? path.join(stick, root) : '');
        await screen.page.fill('[data-testid="tech-root-fingerprint"]', fingerprint);
        await screen.page.evaluate(() => (document.querySelector('[data-testid="tech-message-trust"]')!.textContent = ''));
        await screen.page.click('[data-testid="tech-trust-import"]');
        await screen.page.waitForFunction(() => document.querySelector('[data-testid="tech-message-trust"]')!.textContent !== '');
        return (await screen.page.textContent('[data-testid="tech-message-trust"]')) ?? '';
      };
      expect(await importing('newer.jws')).toContain('trust list #');
      expect(await importing('older.jws')).toContain('refused');
      expect(await importing('by-new-root.jws', 'root.jwk', 'wrongwrongwr')).toContain('fingerprint');
      const fp = (await calculateJwkThumbprint(newRoot.publicJwk, 'sha256')).slice(0, 12);
      expect(await importing('by-new-root.jws', 'root.jwk', fp)).toContain('root-2027');
      // The panel shows the list now installed.
      await screen.page.waitForFunction((seq) => document.querySelector('[data-testid="tech-trust"]')?.textContent?.startsWith(`#${seq} `), Math.floor(nowS) + 100);
      await screen.page.locator('[data-testid="tech-trust-import"]').scrollIntoViewIfNeeded();
      await screen.screenshot('technician-trust');

      // The clock: each source of evidence; the floor lowered to the trust list's issue time, audited.
      await screen.page.waitForFunction(() => document.querySelector('[data-testid="clock-bundle"]')?.textContent?.includes('#'));
      await screen.page.click('[data-testid="clock-reset-bundle"]');
      await sectionSays(screen, 'clock', 'Saved: time floor');
      expect(await screen.page.textContent('[data-testid="clock-floor"]')).toContain('(trust list issued)');
      await screen.page.locator('[data-testid="clock-set"]').scrollIntoViewIfNeeded();
      await screen.screenshot('technician-clock');

      // The kiosk's own disk is refused; the USB stick mounted is offered, and chosen.
      const ownDisk = tempDir();
      await screen.page.fill('[data-testid="tech-export-dir"]', ownDisk);
      await screen.page.click('[data-testid="tech-export"]');
      await sectionSays(screen, 'export', 'is not on a USB drive');
      expect(fs.readdirSync(ownDisk)).toEqual([]);
      await screen.page.click(`[data-testid="tech-export-drive"][data-path="${usb.stick}"]`);
      await screen.page.click('[data-testid="tech-export"]');
      await sectionSays(screen, 'export', 'sentinel-export-', 20_000);
      await screen.page.locator('[data-testid="tech-export"]').scrollIntoViewIfNeeded();
      await screen.screenshot('technician-export');
      const out = usb.stick;
      const folder = fs.readdirSync(out)[0]!;
      expect(fs.readdirSync(path.join(out, folder)).sort()).toEqual(['checks.csv', 'checks.jsonl', 'diagnostics.json', 'events.jsonl']);
      // From the running kiosk: its live state, and its recent status events (the kiosk started, the simulator opened).
      const diagnostics = JSON.parse(fs.readFileSync(path.join(out, folder, 'diagnostics.json'), 'utf8')) as {
        live: { thermometer: { state: string } };
        statusEvents: { source: string; state: string }[];
      };
      expect(diagnostics.live.thermometer.state).toBe('simulated');
      expect(diagnostics.statusEvents).toEqual(
        expect.arrayContaining([expect.objectContaining({ source: 'kiosk', state: 'started' }), expect.objectContaining({ source: 'thermometer', state: 'simulated' })]),
      );

      // Idle: the mode exits itself.
      await screen.page.waitForSelector('[data-testid="technician"][hidden]', { state: 'attached', timeout: 8000 });
      await screen.screenshot('technician-idle-exit');

      await screen.wedgeScan(await demoCode(k.keys, Date.now() / 1000, { issuer: 'CN-ZJ', status: 'green', subject: 'tech-e2e' }));
      const verdict = await screen.waitForVerdict();
      expect(verdict).toEqual({ verdict: 'deny', reasons: ['FEVER'] });

      const log = CheckLog.open(path.join(k.dataDir, DATA_FILES.database));
      const types = log.listEvents().map((e) => e.type);
      log.close();
      expect(types.filter((t) => t === 'pin/failed').length).toBe(4);
      expect(types).toEqual(expect.arrayContaining(['pin/locked', 'config/changed', 'policy/set', 'policy/refused', 'trust/installed', 'trust/refused', 'clock/floor-reset']));
    } finally {
      await browser.close();
    }
    // The whole walk, the refused export to the kiosk's disk included: more than the default minute on a loaded machine.
  }, 120_000);

  // Last of the tests on this kiosk: it leaves it enrolled (its sync endpoint set).
  it("an enrollment QR held up to the kiosk's camera enrolls it with the central service: read in Devices, offered in Settings, Enroll", async () => {
    const store = await PGLITE.freshStore();
    const service = new RealCentralService({ store, log: () => undefined });
    const url = await service.listen();
    const video = path.join(k.tmp, 'enrollment.y4m');
    const browser = await (async () => {
      const { token } = await store.createEnrollToken({ gate: 'G12', station: 'Hongqiao West', ttlMinutes: 10, nowMs: Date.now() });
      // The code `sentinel central enroll-token --png` puts in its QR, on a phone held up at 45% of the frame.
      writeY4m(video, Array(5).fill(cameraFrame(enrollmentText({ url, token }), { width: 1280, height: 720, codeFraction: 0.45, rotateDeg: 4, noise: 3, seed: 9 })), 10);
      return launchBrowser({ kind: 'file', y4m: video });
    })();
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      // At the checkpoint it is no travel code (refused NOT_PHC); once seen, it is not a new
      // traveller's, and the PIN pad stays up while it shows.
      await screen.page.waitForFunction(() => document.body.dataset.state === 'result');
      await screen.waitForSightings(3);
      await screen.page.keyboard.press('Control+Alt+T');
      await enterPin(screen, PIN);
      await screen.page.waitForSelector('[data-testid="tech-panel"]');
      // Read by the Devices section's camera test, offered to Settings' Enroll row.
      await screen.page.waitForFunction(() => (document.querySelector<HTMLInputElement>('[data-testid="set-enrollCode"]')?.value ?? '').startsWith('SENTINEL-ENROLL:1:'), undefined, {
        timeout: 20_000,
      });
      await screen.page.locator('[data-testid="tech-enroll"]').scrollIntoViewIfNeeded();
      await screen.page.click('[data-testid="tech-enroll"]');
      await until(async () => (await store.devices()).length === 1, 15_000, 'the kiosk enrolled at the service');
      const [device] = await store.devices();
      expect(device).toMatchObject({ gate: 'G12', station: 'Hongqiao West', revokedAt: null });
      await until(() => new ConfigStore(DataDir.open(k.dataDir, { create: false })).load().config.sync.endpoint === url, 5000, 'the sync endpoint set');
      await screen.screenshot('technician-enrolled');
      await screen.page.click('[data-testid="tech-exit"]');
    } finally {
      await browser.close();
      await service.close();
      await store.close();
    }
  });
});

describe.skipIf(missing !== '')('a kiosk on its first start', () => {
  it('has no PIN: nothing a traveller taps sets one; from a keyboard the technician sets it by entering it twice, and is in', async () => {
    const k = await startKiosk({
      lang: 'en',
      devices: { simulate: 'yes' },
      technician: { idleMs: 60_000, lockoutMs: 3000 },
      // A kiosk fresh from its package: the demo's own PIN taken away.
      prepare: withConfig((c) => ({ ...c, screen: { ...c.screen, operatorLang: 'en', holderLangs: ['en', 'zh-CN'] }, technician: { ...c.technician, pinHash: null, supervisorPinHash: null } })),
    });
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      const panel = new TechnicianPanel(screen);
      const pin = (digits: string): Promise<void> => panel.enterPin(digits);
      const message = (text: string): Promise<void> => panel.waitForPinMessage(text);
      const prompt = (text: string): Promise<void> => panel.waitForPinPrompt(text);
      const noPad = async (): Promise<void> => expect(await panel.padShown()).toBe(false);

      // The status bar says there is no PIN; tapping it opens nothing.
      await screen.page.waitForSelector('[data-testid="no-pin"]', { state: 'visible' });
      await screen.page.click('[data-testid="no-pin"]');
      await noPad();
      // A traveller's review offers no Guard decision while nobody could decide it.
      await screen.wedgeScan(await demoCode(k.keys, Date.now() / 1000, { issuer: 'CN-GD', status: 'yellow', subject: 'no-pin-review' }));
      expect((await screen.waitForVerdict()).verdict).toBe('review');
      expect(await screen.page.locator('[data-testid="override"]').count()).toBe(0);
      // The touchscreen's way in, done right, opens nothing without a PIN (on the page's clock, moved on; it runs on by itself after).
      await screen.page.clock.install();
      await panel.cornerGesture(3, 3500);
      await noPad();

      // A keyboard is the physical step: Ctrl+Alt+T opens the first-PIN pad.
      await screen.page.keyboard.press('Control+Alt+T');
      await prompt('new technician PIN');
      // A weak PIN is refused on its first entry, by the rule main enforces.
      await pin('123456');
      await message('a run like 123456');
      await pin('583920');
      await pin('583921');
      await message('differ');
      await pin('583920');
      await prompt('again');
      await screen.screenshot('technician-first-pin');
      await pin('583920');
      await screen.page.waitForSelector('[data-testid="tech-panel"]');
      expect(new ConfigStore(DataDir.open(k.dataDir, { create: false })).load().config.technician.pinHash).toMatch(/^scrypt\$/);
      await screen.page.waitForSelector('[data-testid="no-pin"]', { state: 'hidden' });
    } finally {
      await browser.close();
      await k.stop();
    }
  });
});

describe.skipIf(missing !== '' || inject('socatMissing') !== '')('guided calibration on the screen, against a module on a pseudo-terminal', () => {
  it('device changes apply live (a wrong protocol, then the right one; a scanner with its test scan); a good reference sets the offset live and audits it; one 2.8 °C off is refused', async () => {
    const { PtyPair, SimulatedModule } = await import('../fixtures/pty.js');
    const pty = new PtyPair(tempDir(), 'thermo');
    await pty.plug();
    const scannerPty = new PtyPair(tempDir(), 'scanner');
    await scannerPty.plug();
    const module = new SimulatedModule(pty.module, { protocol: 'gy-mcu90614', celsius: 36.2, everyMs: 60 });
    await module.start();
    const k = await startKiosk({
      lang: 'en',
      devices: { thermometer: pty.kiosk, 'thermo-protocol': 'gy-mcu90614' },
      prepare: withConfig((c) => ({ ...c, screen: { ...c.screen, operatorLang: 'en' }, technician: { ...c.technician, pinHash: hashPin(PIN) } })),
      technician: { idleMs: 60_000, lockoutMs: 3000 },
    });
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      await until(() => k.kiosk.service.status().thermometer.lastC === 36.2, 10_000, 'the first reading');
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      const panel = new TechnicianPanel(screen);
      await panel.open(PIN);
      const message = (section: string, text: string): Promise<void> => screen.waitForText(`tech-message-${section}`, text);

      // Devices: the live reading of the module, the camera's preview, and
      // the pickers, saved to the configuration and in force at once.
      const liveText = (): Promise<string> => screen.page.locator('[data-testid="dev-thermometer-live"]').innerText();
      await screen.page.waitForFunction(() => /36\.2 °C.*[1-9]\d* frames, 0 checksum errors/.test(document.querySelector('[data-testid="dev-thermometer-live"]')?.textContent ?? ''));
      await screen.page.waitForFunction(() => {
        const v = document.querySelector<HTMLVideoElement>('[data-testid="camera-preview"]');
        return !!v && v.readyState >= 2 && v.videoWidth > 0;
      });
      expect(await screen.page.locator('[data-testid="dev-camera"] option').count()).toBeGreaterThan(1);
      await screen.page.fill('[data-testid="dev-thermometer"]', pty.kiosk);
      await screen.page.selectOption('[data-testid="dev-protocol"]', 'lu90614');
      await screen.page.fill('[data-testid="dev-baud"]', '100');
      await screen.page.click('[data-testid="tech-save-devices"]');
      await message('devices', 'Baud must be a whole number from 300');
      // The form is one change: the refused baud left the protocol unsaved too.
      expect(new ConfigStore(DataDir.open(k.dataDir, { create: false })).load().config.thermometer.protocol).toBe('gy-mcu90614');
      await screen.page.fill('[data-testid="dev-baud"]', '9600');
      await screen.page.fill('[data-testid="dev-scanner-serial"]', scannerPty.kiosk);
      await screen.page.selectOption('[data-testid="dev-terminator"]', 'CRLF');
      await screen.page.click('[data-testid="tech-save-devices"]');
      await message('devices', 'Saved, in force now:');
      const devices = new ConfigStore(DataDir.open(k.dataDir, { create: false })).load().config;
      expect(devices.thermometer).toMatchObject({ path: pty.kiosk, protocol: 'lu90614', baud: 9600 });
      expect(devices.scanner).toMatchObject({ serialPath: scannerPty.kiosk, terminator: 'CRLF' });
      // Live: the module's gy-mcu90614 frames mean nothing to a lu90614 decoder.
      await until(async () => k.kiosk.service.status().thermometer.lastC === null && /0 frames, \d+ checksum errors/.test(await liveText()), 10_000, 'the wrong protocol in force');
      await screen.screenshot('technician-devices-wrong-protocol');
      await screen.page.selectOption('[data-testid="dev-protocol"]', 'gy-mcu90614');
      await screen.page.click('[data-testid="tech-save-devices"]');
      await message('devices', 'Saved, in force now: Thermometer protocol.');
      await until(() => k.kiosk.service.status().thermometer.lastC === 36.2, 10_000, 'readings again with the right protocol');
      await screen.page.waitForFunction(() => /36\.2 °C.*[1-9]\d* frames/.test(document.querySelector('[data-testid="dev-thermometer-live"]')?.textContent ?? ''));
      // The self-test reads the kiosk's own driver (the port is the kiosk's; a second open would fail).
      await screen.page.click('[data-testid="tech-selftest-run"]');
      const thermoItem = screen.page.locator('[data-testid="selftest-item"]', { hasText: '· thermometer:' });
      await thermoItem.waitFor({ timeout: 20_000 });
      expect(await thermoItem.innerText()).toMatch(/^WARN · thermometer: [1-9][\d.]* frames\/s, 0 checksum errors; never calibrated$/);
      await screen.screenshot('technician-devices');

      // Test scan: the test card, then a real code: decided on the screen, never logged.
      const checksBefore = k.kiosk.service.status().today;
      const scanTest = async (text: string, expected: string): Promise<void> => {
        await screen.page.click('[data-testid="tech-scanner-test"]');
        await screen.page.waitForFunction(() => document.querySelector('[data-testid="dev-scanner-test"]')?.textContent?.includes('within 15 s'));
        // The screen says "scan now" before main has the request; a scan before that is a traveller's check.
        await until(() => k.kiosk.service.waitingForTestScan && k.kiosk.service.status().scanner.state === 'ok', 10_000, 'main waiting for the test scan');
        fs.writeFileSync(scannerPty.module, text + '\r\n');
        await screen.page.waitForFunction((t) => document.querySelector('[data-testid="dev-scanner-test"]')?.textContent?.includes(t), expected, { timeout: 15_000 });
      };
      await scanTest('SENTINEL-TEST-CARD-V1', 'Scanner: test card read ✓');
      await scanTest(await demoCode(k.keys, Date.now() / 1000, { issuer: 'CN-ZJ', status: 'green', subject: 'scan-test' }), '→ Please go through');
      await screen.screenshot('technician-scanner-test');
      expect(k.kiosk.service.status().today).toEqual(checksBefore);

      await screen.page.fill('[data-testid="tech-reference"]', '39.0');
      await screen.page.fill('[data-testid="tech-calibrated-by"]', 'Li Wei');
      await screen.page.click('[data-testid="tech-calibrate"]');
      await message('calibration', 'needs repair');
      await screen.screenshot('technician-calibration-refused');
      expect(new ConfigStore(DataDir.open(k.dataDir, { create: false })).load().config.thermometer.calibration).toBeNull();

      await screen.page.fill('[data-testid="tech-reference"]', '36.5');
      await screen.page.click('[data-testid="tech-calibrate"]');
      await message('calibration', 'Calibrated: offset +0.30');
      await screen.screenshot('technician-calibration');
      const stored = new ConfigStore(DataDir.open(k.dataDir, { create: false })).load().config.thermometer.calibration;
      expect(stored).toMatchObject({ offsetC: 0.3, by: 'Li Wei', referenceC: 36.5 });
      // Applied to the running module: the next readings are corrected.
      await until(() => k.kiosk.service.status().thermometer.lastC === 36.5, 10_000, 'the corrected reading');

      const log = CheckLog.open(path.join(k.dataDir, DATA_FILES.database));
      const events = log.listEvents().filter((e) => e.type.startsWith('calibration/'));
      log.close();
      expect(events.map((e) => e.type)).toEqual(['calibration/refused', 'calibration/done']);
      expect(events[1]).toMatchObject({ actor: 'technician', detail: { by: 'Li Wei', offsetC: 0.3, previousOffsetC: null, referenceC: 36.5 } });

      // A traveller's check now logs the corrected temperature with the module's raw reading and the offset.
      await screen.page.click('[data-testid="tech-exit"]');
      // A traveller's temperature is a reading of the last 2 s: on a loaded machine, scan once the module is reading again.
      // A machine starved past that (the module, the typing and the kiosk share it) gets TEMPERATURE_MISSING, which is the
      // kiosk being right: the traveller then stands at the thermometer and scans again, as at a real gate (three tries).
      const checks = (): LoggedCheck[] => {
        const log = CheckLog.open(path.join(k.dataDir, DATA_FILES.database));
        try {
          return [...log.list()];
        } finally {
          log.close();
        }
      };
      let logged: LoggedCheck | undefined;
      for (let attempt = 1; attempt <= 3; attempt++) {
        const before = checks().length;
        const code = await demoCode(k.keys, Date.now() / 1000, { issuer: 'CN-ZJ', status: 'green', subject: `calibrated-check-${attempt}` });
        await until(() => (k.kiosk.service.status().thermometer.atMs ?? 0) > Date.now() - 500, 10_000, 'a fresh reading');
        await screen.wedgeScan(code);
        await until(() => checks().length > before, 15_000, 'the check logged');
        logged = checks().at(-1);
        if (!(logged?.verdict === 'review' && logged.reasons.join() === 'TEMPERATURE_MISSING')) break;
      }
      expect(logged).toMatchObject({ verdict: 'admit', reasons: ['OK'], temperatureC: 36.5, temperatureRawC: 36.2, calibrationOffsetC: 0.3 });
    } finally {
      await browser.close();
      await k.stop();
      await module.stop();
      await pty.unplug();
      await scannerPty.unplug();
    }
    // A walk through three device changes, a test scan and two calibrations: 12–20 s idle, more than the default minute loaded.
  }, 120_000);
});
