// End to end in Debian's Chromium: codes shown to a fake camera (Y4M files
// of camera-like frames) and typed by a keyboard-wedge scanner, decided by
// the real kiosk, asserted on the screen; screenshots of every state are
// saved under test-artifacts/screens.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoCode } from '../../main/demo/demo.js';
import { newSigningKey, signCode } from '../../main/issuer/sign.js';
import { writeLaunchPage } from '../../main/shell/open-chromium.js';
import { KioskScreen, codeVideo, launchBrowser, startKiosk, type KioskUnderTest } from './harness.js';

const missing = inject('chromiumMissing');

describe.skipIf(missing !== '')('kiosk screen in Chromium', () => {
  let k: KioskUnderTest;
  const codes: Record<string, string> = {};

  beforeAll(async () => {
    k = await startKiosk();
    const now = Date.now() / 1000;
    codes.green = await demoCode(k.keys, now, { issuer: 'CN-ZJ', status: 'green', subject: 'e2e-green' });
    codes.yellow = await demoCode(k.keys, now, { issuer: 'CN-GD', status: 'yellow', subject: 'e2e-yellow' });
    codes.red = await demoCode(k.keys, now, { issuer: 'CN-BJ', status: 'red', subject: 'e2e-red' });
    const zj = k.keys.issuers.find((i) => i.id === 'CN-ZJ')!.key;
    codes.expired = await signCode({ iss: 'CN-ZJ', sub: 'e2e-expired', st: 'green', iat: Math.floor(now) - 2 * 86_400, exp: Math.floor(now) - 86_400 }, zj);
    codes.unknown = await signCode({ iss: 'CN-SH', sub: 'e2e-unknown', st: 'green', iat: Math.floor(now) - 5, exp: Math.floor(now) + 3600 }, await newSigningKey('ES256', 'sh-2026-1'));
    codes.payment = 'https://pay.example/qr?order=88421&amount=12.50';
  });
  afterAll(async () => {
    await k?.stop();
  });

  it.each([
    ['green', 'admit', ['OK']],
    ['yellow', 'review', ['STATUS_YELLOW']],
    ['red', 'deny', ['STATUS_RED']],
    ['expired', 'deny', ['EXPIRED']], // one reason per cause: CODE_TOO_OLD says the same "refresh your code"
    ['unknown', 'review', ['UNKNOWN_ISSUER']],
    ['payment', 'deny', ['NOT_PHC']],
  ])('camera: a %s code → %s', async (name, verdict, reasons) => {
    const video = codeVideo(k.tmp, name, codes[name]!);
    const browser = await launchBrowser({ kind: 'file', y4m: video });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      expect(await screen.waitForVerdict()).toEqual({ verdict, reasons });
      await screen.screenshot(`camera-${name}-${verdict}`);
      // The same code stays in view: seen again and again by the camera, it is not decided again.
      await screen.waitForSightings(5);
      const decided = await screen.page.evaluate(() => (globalThis as unknown as { __sentinelPerf: { verdicts: unknown[] } }).__sentinelPerf.verdicts.length);
      expect(decided).toBe(1);
    } finally {
      await browser.close();
    }
  });

  it('a keyboard-wedge scanner is submitted like a camera scan; a person typing is not', async () => {
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      await screen.screenshot('ready');
      // A person typing slowly, even ending with Enter, is not a scan.
      await screen.page.keyboard.type('hello there kiosk, this is me', { delay: 120 });
      await screen.page.keyboard.press('Enter');
      // Enter has been handled (Playwright waits for that): nothing was submitted.
      expect(await screen.page.getAttribute('body', 'data-state')).toBe('ready');
      await screen.wedgeScan(codes.green!);
      expect(await screen.waitForVerdict()).toEqual({ verdict: 'admit', reasons: ['OK'] });
      // The scan was the only thing decided.
      expect(await screen.verdictsPainted()).toBe(1);
      await screen.screenshot('wedge-admit');
      // The holder switches the language with one tap; the reasons follow.
      await screen.wedgeScan(codes.red!);
      expect((await screen.waitForVerdict()).verdict).toBe('deny');
      const before = await screen.page.textContent('[data-testid="reason"]');
      await screen.page.click('[data-testid="lang-switch"]');
      const after = await screen.page.textContent('[data-testid="reason"]');
      expect(after).not.toBe(before);
      expect(`${before}${after}`).toContain('健康状态为红码');
      expect(`${before}${after}`).toContain('Health status is red');
      await screen.screenshot('wedge-deny-switched-language');
    } finally {
      await browser.close();
    }
  });

  it("a scanner's burst that a busy screen receives late, in one clump, is read whole; a person's typing, even clumped, is no scan", async () => {
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      // A loaded kiosk: the screen's main thread is held while the scanner types,
      // so every key arrives late and all at once; each keeps the time it was typed.
      await screen.busyFor(800);
      await screen.wedgeScan(codes.yellow!);
      expect(await screen.waitForVerdict()).toEqual({ verdict: 'review', reasons: ['STATUS_YELLOW'] });
      // A person typing a whole code, 150 ms a key, delivered in one late clump just the same: not a scan.
      await screen.busyFor(800);
      await screen.typeKeys(codes.green!, 150);
      await screen.wedgeScan(codes.red!);
      expect(await screen.waitForVerdict()).toEqual({ verdict: 'deny', reasons: ['STATUS_RED'] });
      expect(await screen.verdictsPainted()).toBe(2);
    } finally {
      await browser.close();
    }
  });

  it('no camera: the screen says so, and the wedge scanner still works', async () => {
    const browser = await launchBrowser({ kind: 'none' });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      await screen.waitForCamera('lost');
      expect(await screen.page.isVisible('[data-testid="camera-problem"]')).toBe(true);
      await screen.screenshot('camera-missing');
      await screen.wedgeScan(codes.yellow!);
      expect((await screen.waitForVerdict()).verdict).toBe('review');
    } finally {
      await browser.close();
    }
  });

  it('a camera that goes away is shown as lost, its tracks released, and it comes back by itself', async () => {
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      await screen.waitForCamera('live');
      // The device disappears: its track ends (what Chromium reports on unplugging).
      await screen.page.evaluate(() => {
        const video = document.querySelector('video')!;
        const track = (video.srcObject as MediaStream).getVideoTracks()[0]!;
        track.stop();
        track.dispatchEvent(new Event('ended'));
      });
      await screen.waitForCamera('lost');
      expect(await screen.page.evaluate(() => document.querySelector('video')!.srcObject)).toBeNull();
      await screen.screenshot('camera-lost');
      await screen.waitForCamera('live');
      expect(await screen.page.isVisible('[data-testid="camera-problem"]')).toBe(false);
    } finally {
      await browser.close();
    }
  });

  it.each([
    ['landscape-1280x800', { width: 1280, height: 800 }],
    ['landscape-1920x1080', { width: 1920, height: 1080 }],
    ['portrait-1080x1920', { width: 1080, height: 1920 }],
  ])('layout %s: verdict and reasons fit, touch targets at least 48 px', async (name, viewport) => {
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url, viewport);
      await screen.waitForCamera('live');
      const inViewReady = await screen.page.evaluate(() =>
        ['#ready-title', '.preview-frame', '.hint', '[data-testid="lang-switch"]', '[data-testid="status-bar"]'].filter((sel) => {
          const r = document.querySelector(sel)!.getBoundingClientRect();
          return !(r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.width > 0);
        }),
      );
      expect(inViewReady).toEqual([]);
      await screen.screenshot(`layout-${name}-ready`);
      // Yellow with an issuer's reason: the longest result the demo codes give.
      await screen.wedgeScan(codes.yellow!);
      await screen.waitForVerdict();
      const fits = await screen.page.evaluate(() => {
        const inView = (sel: string): boolean => {
          const r = document.querySelector(sel)!.getBoundingClientRect();
          return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.width > 0;
        };
        const button = document.querySelector('[data-testid="lang-switch"]')!.getBoundingClientRect();
        // The reasons must end above the footer (its language button stays reachable).
        const list = document.querySelector('#reasons')!.getBoundingClientRect();
        const footer = document.querySelector('footer')!.getBoundingClientRect();
        return {
          verdict: inView('[data-testid="verdict"]'),
          reason: inView('[data-testid="reason"]'),
          status: inView('[data-testid="status-bar"]'),
          clear: list.bottom <= footer.top + 1,
          button: Math.min(button.width, button.height),
        };
      });
      expect(fits).toMatchObject({ verdict: true, reason: true, status: true, clear: true });
      expect(fits.button).toBeGreaterThanOrEqual(48);
      await screen.screenshot(`layout-${name}-result`);
    } finally {
      await browser.close();
    }
  });

  it('the result screen passes an automated accessibility check (axe-core)', async () => {
    const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      // The checker is injected as a script, which the kiosk's own CSP rightly forbids.
      const screen = await KioskScreen.open(browser, k.kiosk.url, undefined, { bypassCSP: true });
      for (const code of [codes.green!, codes.yellow!, codes.red!]) {
        await screen.wedgeScan(code);
        await screen.waitForVerdict();
        await screen.page.addScriptTag({ content: fs.readFileSync(axePath, 'utf8') });
        const violations = await screen.page.evaluate(async () => {
          const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { html: string }[] }[] }> } }).axe;
          const r = await axe.run(document, { resultTypes: ['violations'] });
          return r.violations.map(
            (v) =>
              `${v.id} (${v.impact}): ${v.nodes
                .map((n) => n.html)
                .join(' | ')
                .slice(0, 300)}`,
          );
        });
        expect(violations).toEqual([]);
      }
    } finally {
      await browser.close();
    }
  });

  it('the page runs under its Content-Security-Policy with nothing fetched off the kiosk', async () => {
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const requests: string[] = [];
      const violations: string[] = [];
      context.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => m.type() === 'error' && violations.push(m.text()));
      const response = await page.goto(k.kiosk.url);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
      await page.waitForSelector('[data-testid="camera-state"][data-state="live"]', { timeout: 15_000 });
      const origin = new URL(k.kiosk.url).origin;
      expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'))).toEqual([]);
      expect(violations).toEqual([]);
      // The decoder (WebAssembly, served by the kiosk) is running in its worker.
      await page.waitForFunction(() => (globalThis as unknown as { __sentinelPerf: { decodes: unknown[] } }).__sentinelPerf.decodes.length > 3, undefined, { timeout: 15_000 });
    } finally {
      await browser.close();
    }
  });

  it('the socket refuses pages from another origin, even with the token', async () => {
    const { WebSocket } = await import('ws');
    const page = new URL(k.kiosk.url);
    const url = `ws://${page.host}/kiosk?${page.hash.slice(1)}`;
    const refused = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(url, { headers: { origin: 'http://evil.example' } });
      ws.on('open', () => resolve(false));
      ws.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    expect(path.isAbsolute(k.dataDir)).toBe(true);
  });

  it('the page takes its token out of the address bar, keeps it for a reload, and gets no socket without it', async () => {
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      const { origin, hash } = new URL(k.kiosk.url);
      expect(hash).toMatch(/^#k=[\w-]{43}$/);
      expect(screen.page.url()).toBe(`${origin}/`);
      // A reload of the kiosk tab (a guard's F5 in development, a crashed screen) still connects.
      await screen.page.reload();
      await screen.page.waitForSelector('body[data-state="ready"]');
      await screen.wedgeScan(codes.green!);
      expect((await screen.waitForVerdict()).verdict).toBe('admit');
      // The same page opened without the token, in a fresh tab: the socket refuses it, the screen never starts.
      const bare = await browser.newPage();
      const refused = bare.waitForEvent('websocket').then((ws) => new Promise((resolve) => (ws.on('socketerror', resolve), ws.on('close', resolve))));
      await bare.goto(`${origin}/`);
      await refused;
      expect(await bare.getAttribute('body', 'data-state')).toBe('starting');
      // How `sentinel kiosk` opens Chromium: a launch page in the profile (the token kept off the command line) sends it on.
      const launched = await browser.newPage();
      await launched.goto(pathToFileURL(writeLaunchPage(k.kiosk.url, path.join(k.tmp, 'chromium-profile'))).href, { waitUntil: 'commit' });
      await launched.waitForSelector('body[data-state="ready"]');
      expect(launched.url()).toBe(`${origin}/`);
    } finally {
      await browser.close();
    }
  });
});
