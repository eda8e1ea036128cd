// The screen's decoder worker in Debian's Chromium: it warms up as it
// loads and says so before any frame, then reads frames by the new path
// (a VideoFrame copied into the decoder's heap) and the old (an
// ImageBitmap on a canvas). First the built worker on its own page, then
// the kiosk with a fake camera. Every wait is on an event the worker or
// the screen sends.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { demoCode } from '../../main/demo/demo.js';
import { cameraFrame } from '../../bench/frames.js';
import { addScenes, openWorkerPage, type WorkerBenchPage, type WorkerPage } from '../../bench/worker-bench.js';
import { KioskScreen, codeVideo, launchBrowser, startKiosk, type KioskUnderTest } from './harness.js';

const missing = inject('chromiumMissing');

describe.skipIf(missing !== '')('the decoder worker', () => {
  let k: KioskUnderTest;
  let code: string;

  beforeAll(async () => {
    k = await startKiosk();
    code = await demoCode(k.keys, Date.now() / 1000, { issuer: 'CN-ZJ', status: 'green', subject: 'e2e-frame-path' });
  });
  afterAll(async () => {
    await k?.stop();
  });

  describe('on its own page', () => {
    let browser: Browser;
    let wp: WorkerPage;
    beforeAll(async () => {
      browser = await launchBrowser({ kind: 'none' });
      wp = await openWorkerPage(browser);
      await addScenes(wp.page, {
        code: cameraFrame(code, { width: 1280, height: 720, codeFraction: 0.45, rotateDeg: 5, noise: 3, seed: 2 }),
        empty: cameraFrame('', { width: 1280, height: 720, codeFraction: 0.45, noise: 3, seed: 2 }),
        // A 4:3 camera's frame: another size of heap buffer.
        vga: cameraFrame(code, { width: 640, height: 480, codeFraction: 0.8, noise: 2, seed: 5 }),
      });
    });
    afterAll(async () => {
      await wp?.close();
      await browser?.close();
    });

    it('says ready, warmed through the heap path, before any frame is sent', async () => {
      const opened = await wp.page.evaluate((url) => (globalThis as unknown as { __wb: WorkerBenchPage }).__wb.open(url), wp.workerUrl);
      // Nothing came before ready, and ready reports a warm-up that worked.
      expect(opened.before).toEqual([]);
      expect(opened.ready).toMatchObject({ type: 'ready', path: 'y-plane' });
      expect(opened.ready.error).toBeUndefined();
      expect(opened.ready.warmMs).toBeGreaterThan(0);
      expect(opened.ready.moduleMs).toBeLessThanOrEqual(opened.ready.warmMs!);
    });

    it.each([
      ['I420', 'code', 'y-plane'],
      ['I420', 'vga', 'y-plane'],
      ['BGRA', 'code', 'bgra'],
      ['bitmap', 'code', 'canvas'],
    ] as const)('reads a %s frame (%s) by the %s path', async (kind, scene, path) => {
      const s = await wp.page.evaluate(([sc, kd]) => (globalThis as unknown as { __wb: WorkerBenchPage }).__wb.decode(sc, kd), [scene, kind] as const);
      expect(s.reply).toMatchObject({ type: 'decoded', path, text: code });
      expect(s.reply.error).toBeUndefined();
      expect(s.reply.stages!.decode).toBeGreaterThan(0);
    });

    it("takes a request's reader options over the screen's (benchmarks compare passes by them)", async () => {
      const s = await wp.page.evaluate(() => (globalThis as unknown as { __wb: WorkerBenchPage }).__wb.decode('code', 'I420', { formats: ['EAN13'] }));
      expect(s.reply).toMatchObject({ type: 'decoded', path: 'y-plane', text: null });
    });

    it('finds nothing in an empty frame', async () => {
      const s = await wp.page.evaluate(() => (globalThis as unknown as { __wb: WorkerBenchPage }).__wb.decode('empty', 'I420'));
      expect(s.reply).toMatchObject({ type: 'decoded', path: 'y-plane', text: null });
    });
  });

  it.each([
    ['track', 'track', "as the camera's track delivers them"],
    ['video', 'no processor', 'as the <video> presents them: a browser without MediaStreamTrackProcessor'],
    ['video', 'broken processor', 'as the <video> presents them: a processor that cannot read the track, given up on'],
  ] as const)('in the kiosk, frames from the %s (%s, %s): to the worker only after its ready, by the heap path, every one, and the code is decided', async (source, setup, _how) => {
    const browser = await launchBrowser({ kind: 'file', y4m: codeVideo(k.tmp, `frame-path-${setup.replace(' ', '-')}`, code) });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
      if (setup === 'no processor') await page.addInitScript(() => delete (globalThis as { MediaStreamTrackProcessor?: unknown }).MediaStreamTrackProcessor);
      if (setup === 'broken processor')
        await page.addInitScript(() => {
          (globalThis as { MediaStreamTrackProcessor?: unknown }).MediaStreamTrackProcessor = class {
            readonly readable = new ReadableStream({ pull: (c) => c.error(new Error('cannot read this track')) });
          };
        });
      await page.goto(k.kiosk.url);
      const screen = new KioskScreen(page);
      expect(await screen.waitForVerdict()).toEqual({ verdict: 'admit', reasons: ['OK'] });
      expect(await page.evaluate(() => (globalThis as unknown as { __sentinelPerf: { frameSource: string } }).__sentinelPerf.frameSource)).toBe(source);
      const perf = await screen.page.evaluate(
        () =>
          (
            globalThis as unknown as {
              __sentinelPerf: {
                warmup: { readyAt: number; path: string; error?: string } | null;
                frames: { at: number }[];
                decodes: { sentAt: number | null; found: boolean; timing?: { path: string } }[];
              };
            }
          ).__sentinelPerf,
      );
      expect(perf.warmup).toMatchObject({ path: 'y-plane' });
      expect(perf.warmup!.error).toBeUndefined();
      expect(perf.decodes.length).toBeGreaterThan(0);
      // The camera opened once the worker said ready: its first frame came after, and was sent after.
      expect(perf.frames[0]!.at).toBeGreaterThanOrEqual(perf.warmup!.readyAt);
      expect(perf.decodes[0]!.sentAt).toBeGreaterThanOrEqual(perf.warmup!.readyAt);
      // Y4M is a 4:2:0 camera: every frame went by its Y plane.
      expect(new Set(perf.decodes.map((d) => d.timing?.path))).toEqual(new Set(['y-plane']));

      // Every frame is offered to the decoder (no cap a second): between the first and the last frame
      // decoded, each frame the camera presented was decoded, or dropped for a newer one and counted.
      await screen.page.waitForFunction(() => (globalThis as unknown as { __sentinelPerf: { decodes: unknown[] } }).__sentinelPerf.decodes.length >= 30, undefined, { timeout: 15_000 });
      const frames = await screen.page.evaluate(() => {
        const p = (globalThis as unknown as { __sentinelPerf: { frames: { at: number }[]; drops: number[]; decodes: { timing?: { frameAt: number } }[] } }).__sentinelPerf;
        return { presented: p.frames.map((f) => f.at), drops: p.drops, decoded: p.decodes.map((d) => d.timing!.frameAt) };
      });
      const decoded = new Set(frames.decoded);
      const dropped = new Set(frames.drops);
      expect(decoded.size).toBe(frames.decoded.length);
      const first = Math.min(...frames.decoded);
      const last = Math.max(...frames.decoded);
      const between = frames.presented.filter((at) => at >= first && at <= last);
      expect(between.length).toBeGreaterThanOrEqual(30);
      expect(between.filter((at) => !decoded.has(at) && !dropped.has(at))).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('a decoder worker that cannot load: the camera is said unavailable at once (scanner or staff), not live and never reading', async () => {
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      // Refused, the worker fires 'error' and never says ready.
      await page.route('**/assets/decode-worker-*', (route) => route.fulfill({ status: 404, body: 'not found' }));
      const refused = page.waitForResponse((r) => r.url().includes('/assets/decode-worker-') && r.status() === 404);
      await page.goto(k.kiosk.url);
      await refused;
      await page.waitForSelector('[data-testid="camera-state"][data-state="lost"]', { timeout: 15_000 });
      await page.waitForSelector('#camera-problem:not([hidden])');
      // Told on the worker's failure, not on the wait's limit: the failure is on record; no warm-up, no stream opened.
      const perf = await page.evaluate(() => {
        const p = (globalThis as unknown as { __sentinelPerf: { warmup: unknown; decoderFailure: string | null; frameSource: string | null } }).__sentinelPerf;
        return { warmup: p.warmup, decoderFailure: p.decoderFailure, frameSource: p.frameSource };
      });
      expect(perf).toEqual({ warmup: null, decoderFailure: expect.any(String), frameSource: null });
      expect(await page.locator('#preview').evaluate((v: HTMLVideoElement) => v.srcObject)).toBeNull();
    } finally {
      await browser.close();
    }
  });

  it("asks Chromium's fake camera for continuous focus and exposure, which it offers, and nothing it does not", async () => {
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      await screen.page.waitForFunction(() => (globalThis as unknown as { __sentinelPerf: { tuning: unknown } }).__sentinelPerf.tuning !== null, undefined, { timeout: 15_000 });
      const tuning = await screen.page.evaluate(() => (globalThis as unknown as { __sentinelPerf: { tuning: unknown } }).__sentinelPerf.tuning);
      expect(tuning).toEqual({ applied: ['focusMode continuous', 'exposureMode continuous'], refused: [] });
    } finally {
      await browser.close();
    }
  });
});
