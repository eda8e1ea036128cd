// The one-second screen: each result as a traveller and a guard see it at
// 1280×800, 1920×1080 and 1080×1920 — both languages on every result, an
// instruction first on every review and refusal, three banners told apart
// in greyscale, and how long each result stays (driven by the page's clock,
// not waited for). Screenshots of every state (ready, the three results, a
// review held for staff, the PIN pad, the technician panel) go to
// test-artifacts/screens.
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { DEMO_TECHNICIAN_PIN, demoCode } from '../../main/demo/demo.js';
import { KioskScreen, TechnicianPanel, freshReading, launchBrowser, startKiosk, type KioskUnderTest } from './harness.js';
import type { Browser } from 'playwright-core';

const missing = inject('chromiumMissing');

const LAYOUTS = [
  { name: '1280x800', width: 1280, height: 800 },
  { name: '1920x1080', width: 1920, height: 1080 },
  { name: '1080x1920', width: 1080, height: 1920 },
] as const;

/** Mean relative luminance (WCAG's, from sRGB) of a PNG's pixels: the banner as a greyscale eye or camera sees it. */
function meanLuminance(png: Buffer): number {
  const img = PNG.sync.read(png);
  const lin = (c: number): number => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  let sum = 0;
  for (let i = 0; i < img.data.length; i += 4) sum += 0.2126 * lin(img.data[i]!) + 0.7152 * lin(img.data[i + 1]!) + 0.0722 * lin(img.data[i + 2]!);
  return sum / (img.data.length / 4);
}

const contrast = (a: number, b: number): number => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

describe.skipIf(missing !== '')('results a traveller reads in one second', () => {
  let k: KioskUnderTest;
  let browser: Browser;
  const code = (status: 'green' | 'yellow' | 'red', subject: string): Promise<string> =>
    demoCode(k.keys, k.now() / 1000, { issuer: status === 'yellow' ? 'CN-GD' : status === 'red' ? 'CN-BJ' : 'CN-ZJ', status, subject });
  /**
   * Time passes for the screen (its stopped clock) and the kiosk alike: the
   * kiosk paces scans by its own clock (four at once, then one a second), and
   * scans a page minutes apart must not be judged as a burst seconds apart.
   */
  const later = async (screen: KioskScreen, ms: number): Promise<void> => {
    await screen.page.clock.runFor(ms);
    k.advanceClock(ms);
  };

  beforeAll(async () => {
    // The kiosk's own durations (a refusal 10 s), no test override of them.
    k = await startKiosk({ resultSeconds: 10 });
    browser = await launchBrowser({ kind: 'fake-pattern' });
  });
  afterAll(async () => {
    await browser?.close();
    await k?.stop();
  });
  // Every scan here is a traveller's and is decided: one dropped by the kiosk's pace would
  // otherwise show only as a verdict never painted. Counted per test, so a drop fails the test it happened in.
  let droppedBefore = 0;
  beforeEach(() => {
    droppedBefore = k.kiosk.service.status().scans.dropped;
  });
  afterEach(() => {
    expect(k.kiosk.service.status().scans.dropped - droppedBefore).toBe(0);
  });

  it.each(LAYOUTS)('every result at $name: both languages, an instruction first on review and deny, screenshots', async (layout) => {
    const screen = await KioskScreen.open(browser, k.kiosk.url, { width: layout.width, height: layout.height });
    try {
      await screen.screenshot(`layout-${layout.name}-ready`);
      const luminance: Record<string, number> = {};
      // The page's clock stands still while each result is looked at (an admit leaves after 2 s).
      await screen.freezeClock();
      for (const [status, verdict] of [
        ['green', 'admit'],
        ['yellow', 'review'],
        ['red', 'deny'],
      ] as const) {
        await screen.wedgeScan(await code(status, `layout-${layout.name}-${status}`));
        expect((await screen.waitForVerdict()).verdict).toBe(verdict);
        const banner = screen.page.locator('[data-testid="verdict"]');
        // Both languages, the kiosk's (zh-CN) large and English beneath.
        expect(await banner.locator('[lang="zh-CN"]').textContent()).toBe({ admit: '请通行', review: '请等候工作人员', deny: '请止步' }[verdict]);
        expect(await banner.locator('small[lang="en"]').textContent()).toBe({ admit: 'Please go through', review: 'Please wait for staff', deny: 'Please stop' }[verdict]);
        const action = screen.page.locator('[data-testid="action"]');
        if (verdict === 'admit') expect(await action.isHidden()).toBe(true);
        else {
          expect(await action.locator('[lang="zh-CN"]').textContent()).toMatch(/^请/);
          expect(await action.locator('[lang="en"]').textContent()).toMatch(/^Please/);
          for (const reason of await screen.page.locator('[data-testid="reason"]').all()) {
            expect(await reason.locator('[lang="zh-CN"]').count()).toBe(1);
            expect(await reason.locator('[lang="en"]').count()).toBe(1);
          }
        }
        // What a traveller reads is at least 28 px, English included.
        for (const sel of ['[data-testid="verdict"] small', '[data-testid="action"] small', '[data-testid="reason"] small']) {
          for (const el of await screen.page.locator(sel).all()) {
            if (await el.isVisible()) expect(parseFloat(await el.evaluate((e) => getComputedStyle(e).fontSize)), sel).toBeGreaterThanOrEqual(24);
          }
        }
        for (const el of await screen.page.locator('[data-testid="verdict"] small, [data-testid="action"] small').all()) {
          if (await el.isVisible()) expect(parseFloat(await el.evaluate((e) => getComputedStyle(e).fontSize))).toBeGreaterThanOrEqual(28);
        }
        await screen.screenshot(`layout-${layout.name}-${verdict}`);
        luminance[verdict] = meanLuminance(await banner.screenshot());
        // On to the next traveller (a held review is replaced by the next scan).
        await later(screen, 31_000);
        if (verdict === 'review') await screen.screenshot(`layout-${layout.name}-review-held`);
      }
      // The PIN pad, as a technician meets it at this size.
      await screen.page.keyboard.press('Control+Alt+T');
      await screen.page.waitForSelector('[data-testid="pin-pad"]');
      await screen.screenshot(`layout-${layout.name}-pin-pad`);
      // And the panel it opens (the demo's PIN), with its index.
      await new TechnicianPanel(screen).enterPin(DEMO_TECHNICIAN_PIN);
      await screen.page.waitForSelector('[data-testid="tech-panel"]');
      await screen.screenshot(`layout-${layout.name}-technician-panel`);
      await screen.page.click('[data-testid="tech-exit"]');
      // Told apart without hue: admit and deny at least 3:1 in greyscale, review between them and distinct from both.
      expect(contrast(luminance.admit!, luminance.deny!)).toBeGreaterThanOrEqual(3);
      expect(luminance.review!).toBeLessThan(luminance.admit!);
      expect(luminance.review!).toBeGreaterThan(luminance.deny!);
      expect(contrast(luminance.admit!, luminance.review!)).toBeGreaterThanOrEqual(1.5);
      expect(contrast(luminance.review!, luminance.deny!)).toBeGreaterThanOrEqual(1.5);
      if (layout.name === '1280x800') {
        // The status bar is one row at 1280 px, its chips at least 48 px tall.
        const bar = await screen.page.locator('[data-testid="status-bar"]').boundingBox();
        expect(bar!.height).toBeLessThan(80);
        for (const chip of await screen.page.locator('[data-testid="status-bar"] .chip').all()) {
          if (await chip.isVisible()) expect((await chip.boundingBox())!.height).toBeGreaterThanOrEqual(48);
        }
      }
    } finally {
      await screen.page.close();
    }
  });

  it('an admit stays 2 s, a refusal 10 s, a review until a guard acts (after 30 s it asks the traveller to see staff, the decision still offered)', async () => {
    const screen = await KioskScreen.open(browser, k.kiosk.url);
    try {
      await screen.freezeClock();
      const state = (): Promise<string | undefined> => screen.page.evaluate(() => document.body.dataset.state);

      await freshReading(k);
      await screen.wedgeScan(await code('green', 'timing-admit'));
      expect((await screen.waitForVerdict()).verdict).toBe('admit');
      await later(screen, 1900);
      expect(await state()).toBe('result');
      await later(screen, 200);
      expect(await state()).toBe('ready');

      await screen.wedgeScan(await code('red', 'timing-deny'));
      expect((await screen.waitForVerdict()).verdict).toBe('deny');
      await later(screen, 9900);
      expect(await state()).toBe('result');
      await later(screen, 200);
      expect(await state()).toBe('ready');

      await screen.wedgeScan(await code('yellow', 'timing-review'));
      expect((await screen.waitForVerdict()).verdict).toBe('review');
      await later(screen, 29_900);
      expect(await screen.page.getAttribute('[data-testid="verdict"]', 'data-mark')).toBe('decided');
      await later(screen, 200);
      // Still the guard's: held on the screen, now telling the traveller to see staff, the decision still there.
      expect(await state()).toBe('result');
      expect(await screen.page.getAttribute('[data-testid="verdict"]', 'data-mark')).toBe('held');
      expect(await screen.page.textContent('[data-testid="verdict"] [lang="zh-CN"]')).toBe('请联系工作人员');
      expect(await screen.page.textContent('[data-testid="verdict"] [lang="en"]')).toBe('Please see staff');
      expect(await screen.page.locator('[data-testid="override"]').count()).toBe(1);
      await later(screen, 600_000);
      expect(await state()).toBe('result');
      await screen.screenshot('review-held-see-staff');
      // The next traveller's scan replaces it (after a fresh reading: harness.ts freshReading says why).
      await freshReading(k);
      await screen.wedgeScan(await code('green', 'timing-next'));
      await screen.page.waitForSelector('[data-testid="verdict"][data-verdict="admit"]');
    } finally {
      await screen.page.close();
    }
  });

  it("a traveller's language choice is theirs alone: the next result and the ready screen are in the kiosk's language again", async () => {
    const screen = await KioskScreen.open(browser, k.kiosk.url);
    try {
      await screen.freezeClock();
      await screen.wedgeScan(await code('red', 'lang-first'));
      expect((await screen.waitForVerdict()).verdict).toBe('deny');
      await screen.page.click('[data-testid="lang-switch"]');
      // The traveller's tap: English large, Chinese beneath.
      expect(await screen.page.textContent('[data-testid="verdict"] .word > span')).toBe('Please stop');
      expect(await screen.page.textContent('[data-testid="verdict"] .word > small')).toBe('请止步');
      await later(screen, 10_100);
      await screen.page.waitForSelector('body[data-state="ready"]');
      expect(await screen.page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
      await screen.wedgeScan(await code('red', 'lang-next'));
      expect((await screen.waitForVerdict()).verdict).toBe('deny');
      expect(await screen.page.textContent('[data-testid="verdict"] .word > span')).toBe('请止步');
    } finally {
      await screen.page.close();
    }
  });

  it("says each verdict in the traveller's language where the platform has a voice, and says nothing with sound off", async () => {
    // Chromium here has no voices: the page is given two, and what it says is recorded.
    const withVoices = async (url: string): Promise<KioskScreen> => {
      const page = await browser.newPage();
      await page.addInitScript(() => {
        const said: { text: string; lang: string }[] = [];
        const voices = [
          { lang: 'zh-CN', name: 'zh', default: false, localService: true, voiceURI: 'zh' },
          { lang: 'en-US', name: 'en', default: true, localService: true, voiceURI: 'en' },
        ];
        class Utterance {
          voice: { lang: string } | null = null;
          lang = '';
          rate = 1;
          constructor(readonly text: string) {}
        }
        // Own properties over the window's read-only ones.
        Object.defineProperty(window, '__said', { value: said });
        Object.defineProperty(window, 'SpeechSynthesisUtterance', { value: Utterance, configurable: true });
        Object.defineProperty(window, 'speechSynthesis', {
          value: { getVoices: () => voices, cancel: () => undefined, speak: (u: Utterance) => said.push({ text: u.text, lang: u.lang }) },
          configurable: true,
        });
      });
      await page.goto(url);
      await page.waitForSelector('body[data-state="ready"]');
      return new KioskScreen(page);
    };
    const said = (screen: KioskScreen): Promise<{ text: string; lang: string }[]> => screen.page.evaluate(() => (window as unknown as { __said: { text: string; lang: string }[] }).__said);

    const loud = await startKiosk({ sound: true });
    try {
      const screen = await withVoices(loud.kiosk.url);
      await screen.wedgeScan(await demoCode(loud.keys, Date.now() / 1000, { issuer: 'CN-BJ', status: 'red', subject: 'voice-deny' }));
      expect((await screen.waitForVerdict()).verdict).toBe('deny');
      await screen.page.waitForFunction(() => (window as unknown as { __said: unknown[] }).__said.length > 0);
      expect(await said(screen)).toEqual([{ text: '请止步', lang: 'zh-CN' }]);
      await screen.page.close();
    } finally {
      await loud.stop();
    }
    // This block's kiosk runs with sound off: a result, and not a word.
    const quiet = await withVoices(k.kiosk.url);
    try {
      await quiet.wedgeScan(await code('green', 'voice-muted'));
      expect((await quiet.waitForVerdict()).verdict).toBe('admit');
      expect(await said(quiet)).toEqual([]);
    } finally {
      await quiet.page.close();
    }
  });
});
