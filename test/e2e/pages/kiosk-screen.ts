// The kiosk screen, as a guard and a traveller see it: its waits and the
// keyboard-wedge scanner that types into it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { ROOT } from '../../fixtures/cli.js';

export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'screens');

/** What the screen's timing marks hold (renderer/src/perf.ts). */
interface Perf {
  decodes: { found: boolean }[];
  verdicts: unknown[];
  painted: number;
}

export class KioskScreen {
  private cdp: CDPSession | null = null;

  constructor(readonly page: Page) {}

  static async open(browser: Browser, url: string, viewport = { width: 1280, height: 800 }, opts: { bypassCSP?: boolean } = {}): Promise<KioskScreen> {
    const page = await browser.newPage({ viewport, bypassCSP: opts.bypassCSP ?? false });
    // The screen's own errors belong in the test output.
    page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
    await page.goto(url);
    await page.waitForSelector('body[data-state="ready"]');
    return new KioskScreen(page);
  }

  /**
   * Installs the page's fake clock and stops it, to be moved on by the test.
   * Stopped 5 s ahead of the page's own time: a target taken from this
   * process's clock may already be past on a loaded machine.
   */
  async freezeClock(): Promise<void> {
    await this.page.clock.install();
    const pageNow = await this.page.evaluate(() => Date.now());
    await this.page.clock.pauseAt(pageNow + 5000);
  }

  async waitForCamera(state: 'live' | 'lost'): Promise<void> {
    await this.page.waitForSelector(`[data-testid="camera-state"][data-state="${state}"]`, { timeout: 15_000 });
  }

  async waitForVerdict(timeout = 15_000): Promise<{ verdict: string; reasons: string[] }> {
    await this.page.waitForSelector('body[data-state="result"] [data-testid="verdict"][data-verdict]', { timeout });
    const verdict = (await this.page.getAttribute('[data-testid="verdict"]', 'data-verdict')) ?? '';
    const reasons = await this.page.$$eval('[data-testid="reason"]', (els) => els.map((e) => (e as HTMLElement).dataset.code ?? ''));
    return { verdict, reasons };
  }

  /** Verdicts painted since the page loaded. */
  async verdictsPainted(): Promise<number> {
    return this.page.evaluate(() => (globalThis as unknown as { __sentinelPerf: Perf }).__sentinelPerf.painted);
  }

  /** Codes the camera's decoder has found so far. */
  async codesSighted(): Promise<number> {
    return this.page.evaluate(() => (globalThis as unknown as { __sentinelPerf: Perf }).__sentinelPerf.decodes.filter((d) => d.found).length);
  }

  /** Waits until the camera's decoder has found a code `more` more times. */
  async waitForSightings(more: number, timeout = 20_000): Promise<void> {
    const target = (await this.codesSighted()) + more;
    await this.page.waitForFunction((n) => (globalThis as unknown as { __sentinelPerf: Perf }).__sentinelPerf.decodes.filter((d) => d.found).length >= n, target, { timeout });
  }

  /** The text of an element by its data-testid, once it includes `text`. */
  async waitForText(testId: string, text: string, timeout = 15_000): Promise<void> {
    await this.page.waitForFunction(([id, t]) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.includes(t) ?? false, [testId, text] as const, { timeout });
  }

  /**
   * Types like a keyboard-wedge scanner: a burst of keys a few milliseconds
   * apart, ended by Enter. As with a real scanner, the keys carry the time
   * they were typed and do not wait for the page to handle the one before
   * (Playwright's keyboard does: a busy page would make its "scanner" pause
   * mid-code, which no scanner does).
   */
  async wedgeScan(text: string): Promise<void> {
    await this.typeKeys(text, 4);
  }

  /**
   * Keys typed `gapMs` apart by their own timestamps from now, ended by
   * Enter, all handed to the browser at once: however long the typing took,
   * the page gets it as one clump. (Stamped from now on, not back in time:
   * Chromium moves a key stamped too long ago up to the present.)
   */
  async typeKeys(text: string, gapMs: number): Promise<void> {
    this.cdp ??= await this.page.context().newCDPSession(this.page);
    const cdp = this.cdp;
    const startS = Date.now() / 1000;
    const sent: Promise<unknown>[] = [];
    const key = (k: { key: string; text?: string; code?: string; keyCode?: number }, atS: number): void => {
      const common = { key: k.key, timestamp: atS, ...(k.code ? { code: k.code } : {}), ...(k.keyCode ? { windowsVirtualKeyCode: k.keyCode } : {}) };
      sent.push(cdp.send('Input.dispatchKeyEvent', { type: k.text ? 'keyDown' : 'rawKeyDown', ...common, ...(k.text ? { text: k.text, unmodifiedText: k.text } : {}) }));
      sent.push(cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...common }));
    };
    [...text].forEach((c, i) => key({ key: c, text: c }, startS + (i * gapMs) / 1000));
    key({ key: 'Enter', code: 'Enter', keyCode: 13, text: '\r' }, startS + (text.length * gapMs) / 1000);
    await Promise.all(sent);
  }

  /** Keeps the screen's main thread busy for `ms` from now (a loaded kiosk): input meanwhile arrives late, in a clump. */
  async busyFor(ms: number): Promise<void> {
    await this.page.evaluate((busyMs) => {
      setTimeout(() => {
        const end = performance.now() + busyMs;
        while (performance.now() < end);
      }, 0);
    }, ms);
  }

  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}
