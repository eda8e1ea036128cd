// The PIN pad as travellers and technicians meet it: the touchscreen's way
// in is a gesture nobody makes by accident (three taps, then a three-second
// hold on the corner); a pad left alone closes after 30 s; a traveller's scan
// while it is up closes it and is decided; a first PIN that is weak is
// refused on its first entry. Timers run on the page's clock, moved on.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ConfigStore } from '../../main/config/config-store.js';
import { DataDir } from '../../main/data-dir.js';
import { demoCode } from '../../main/demo/demo.js';
import { hashPin } from '../../main/technician/pin.js';
import { until } from '../fixtures/until.js';
import { KioskScreen, TechnicianPanel, launchBrowser, startKiosk, withConfig, type KioskUnderTest } from './harness.js';

const missing = inject('chromiumMissing');
const PIN = '582913';

describe.skipIf(missing !== '')('the PIN pad', () => {
  let k: KioskUnderTest;
  let browser: Browser;

  beforeAll(async () => {
    k = await startKiosk({
      prepare: withConfig((c) => ({ ...c, technician: { ...c.technician, pinHash: hashPin(PIN) } })),
    });
    browser = await launchBrowser({ kind: 'fake-pattern' });
  });
  afterAll(async () => {
    await browser?.close();
    await k?.stop();
  });

  const openScreen = async (): Promise<{ screen: KioskScreen; panel: TechnicianPanel }> => {
    const screen = await KioskScreen.open(browser, k.kiosk.url);
    await screen.freezeClock();
    return { screen, panel: new TechnicianPanel(screen) };
  };

  it('the corner opens it only after three quick taps and a three-second hold', async () => {
    const { screen, panel } = await openScreen();
    try {
      // A hand resting on the corner, impatient taps, a hold cut short: nothing.
      await panel.cornerGesture(0, 8000);
      expect(await panel.padShown()).toBe(false);
      await panel.cornerGesture(2, 4000);
      expect(await panel.padShown()).toBe(false);
      await screen.page.clock.runFor(4000);
      await panel.cornerGesture(3, 2500);
      expect(await panel.padShown()).toBe(false);
      await screen.page.clock.runFor(4000);
      await panel.cornerGesture(3, 3100);
      expect(await panel.padShown()).toBe(true);
      await screen.screenshot('pin-pad');
    } finally {
      await screen.page.close();
    }
  });

  it('an untouched pad closes after 30 s (a key keeps it open), and the kiosk is ready again', async () => {
    const { screen, panel } = await openScreen();
    try {
      await screen.page.keyboard.press('Control+Alt+T');
      expect(await panel.padShown()).toBe(true);
      await screen.page.clock.runFor(20_000);
      await screen.page.click('[data-testid="pin-key-4"]');
      await screen.page.clock.runFor(20_000);
      expect(await panel.padShown()).toBe(true);
      await screen.page.clock.runFor(10_500);
      expect(await panel.padShown()).toBe(false);
      expect(await screen.page.locator('[data-testid="technician"]').isHidden()).toBe(true);
      expect(await screen.page.getAttribute('body', 'data-state')).toBe('ready');
    } finally {
      await screen.page.close();
    }
  });

  it("a traveller's scan while the pad is up closes it and is decided (and logged)", async () => {
    const screen = await KioskScreen.open(browser, k.kiosk.url);
    const panel = new TechnicianPanel(screen);
    try {
      await screen.page.keyboard.press('Control+Alt+T');
      await screen.page.click('[data-testid="pin-key-5"]');
      const before = k.kiosk.service.status().today;
      await screen.wedgeScan(await demoCode(k.keys, Date.now() / 1000, { issuer: 'CN-ZJ', status: 'green', subject: 'scan-over-the-pad' }));
      expect(await screen.waitForVerdict()).toEqual({ verdict: 'admit', reasons: ['OK'] });
      expect(await panel.padShown()).toBe(false);
      expect(k.kiosk.service.status().today.admit).toBe(before.admit + 1);
    } finally {
      await screen.page.close();
    }
  });

  it('typed fields get an on-screen keyboard (digits only for a number), and what it types is saved', async () => {
    const screen = await KioskScreen.open(browser, k.kiosk.url);
    const panel = new TechnicianPanel(screen);
    const osk = screen.page.locator('[data-testid="osk"]');
    const tap = async (...keys: string[]): Promise<void> => {
      for (const key of keys) await screen.page.click(`[data-testid="${key}"]`);
    };
    try {
      await panel.open(PIN);
      expect(await osk.isHidden()).toBe(true);
      const gate = screen.page.locator('[data-testid="set-gate"]');
      await gate.click();
      await osk.waitFor();
      await gate.fill('');
      await tap('osk-shift', 'osk-key-g', 'osk-key-a', 'osk-key-t', 'osk-key-e', 'osk-space', 'osk-key-9', 'osk-back', 'osk-key-7');
      expect(await gate.inputValue()).toBe('Gate 7');
      // The field kept the focus through every key.
      expect(await gate.evaluate((e) => e === document.activeElement)).toBe(true);
      await screen.screenshot('technician-on-screen-keyboard');
      await tap('osk-done');
      await osk.waitFor({ state: 'hidden' });

      const seconds = screen.page.locator('[data-testid="set-resultSeconds"]');
      await seconds.click();
      await osk.waitFor();
      expect(await screen.page.locator('[data-testid="osk-key-q"]').count()).toBe(0);
      await tap('osk-back', 'osk-back', 'osk-back', 'osk-key-8');
      expect(await seconds.inputValue()).toBe('8');
      await tap('osk-done');
      await screen.page.click('[data-testid="tech-save-settings"]');
      await until(() => new ConfigStore(DataDir.open(k.dataDir, { create: false })).load().config.identity.gate === 'Gate 7', 10_000, 'the gate saved');
      expect(new ConfigStore(DataDir.open(k.dataDir, { create: false })).load().config.screen.resultSeconds).toBe(8);
      await screen.page.click('[data-testid="tech-exit"]');
      expect(await osk.isHidden()).toBe(true);
    } finally {
      await screen.page.close();
    }
  });

  // Last in this block: the kiosk stays locked for five minutes after it.
  it("a lockout's end is said 24-hour in the gate's time zone", async () => {
    const screen = await KioskScreen.open(browser, k.kiosk.url);
    const panel = new TechnicianPanel(screen);
    try {
      await screen.page.keyboard.press('Control+Alt+T');
      // Each answer before the next try (main takes one a second; the pad waits its turn).
      let said = '';
      for (let i = 0; i < 5; i++) said = await panel.enterPinForAnswer('000001');
      const until = /锁定至 (\d{2}):(\d{2}):(\d{2})/.exec(said);
      expect(until, said).not.toBeNull();
      expect(said).not.toMatch(/AM|PM|上午|下午/);
      // The gate is in Asia/Shanghai (the demo's zone): the hour is Shanghai's, five minutes on.
      const hourThere = (ms: number): string => new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Shanghai' }).format(ms);
      expect([hourThere(Date.now()), hourThere(Date.now() + 5 * 60_000)]).toContain(until![1]);
    } finally {
      await screen.page.close();
    }
  });
});

describe.skipIf(missing !== '')('the first PIN', () => {
  let k: KioskUnderTest;
  let browser: Browser;

  beforeAll(async () => {
    // A kiosk fresh from its package: the demo's own PIN taken away.
    k = await startKiosk({
      prepare: withConfig((c) => ({ ...c, technician: { ...c.technician, pinHash: null, supervisorPinHash: null } })),
    });
    browser = await launchBrowser({ kind: 'fake-pattern' });
  });
  afterAll(async () => {
    await browser?.close();
    await k?.stop();
  });

  it('says it is a first PIN, refuses a weak one on its first entry, and takes a good one entered twice', async () => {
    const screen = await KioskScreen.open(browser, k.kiosk.url);
    const panel = new TechnicianPanel(screen);
    await screen.page.keyboard.press('Control+Alt+T');
    expect(await screen.page.locator('#technician h2').textContent()).toBe('首次设置技术员 PIN');
    await panel.waitForPinPrompt('新的技术员 PIN');
    for (const [weak, said] of [
      ['111111', '同一个数字'],
      ['345678', '连续的数字'],
      ['12345', '6–12 位数字'],
    ] as const) {
      await panel.enterPin(weak);
      await panel.waitForPinMessage(said);
      // Still the first entry: nothing weak waits to be confirmed.
      await panel.waitForPinPrompt('新的技术员 PIN');
    }
    await screen.screenshot('pin-pad-first-weak');
    await panel.enterPin('583920');
    await panel.waitForPinPrompt('再输入一次');
    await panel.enterPin('583920');
    await panel.waitOpen();
    expect(new ConfigStore(DataDir.open(k.dataDir, { create: false })).load().config.technician.pinHash).toMatch(/^scrypt\$/);
  });
});
