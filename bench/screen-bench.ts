// The kiosk screen measured in Debian's Chromium: frame-to-verdict latency
// (from the first camera frame showing a code to the verdict painted),
// decode time per 720p frame in the worker, and the screen's memory after
// 1,000 scans. The camera is a canvas stream standing in for getUserMedia,
// so the moment a code appears is known exactly; everything after it —
// video element, frame grab, worker, WebAssembly, socket, checkpoint,
// paint — is the kiosk's own path.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { settingsFor } from '../main/app/kiosk-settings.js';
import { launchKiosk } from '../main/shell/browser-kiosk.js';
import { demoCode, loadDemoKeys, setUpDemoDataDir } from '../main/demo/demo.js';
import { cameraFrame } from './frames.js';
import { quantile } from './quantile.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Replaces the camera with a canvas the benchmark draws on. */
const FAKE_CAMERA = `
(() => {
  const canvas = document.createElement('canvas');
  canvas.width = 1280; canvas.height = 720;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#777'; ctx.fillRect(0, 0, 1280, 720);
  const stream = canvas.captureStream(30);
  navigator.mediaDevices.getUserMedia = async () => stream;
  window.__benchCamera = {
    show(base64) {
      const gray = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const img = ctx.createImageData(1280, 720);
      for (let i = 0; i < gray.length; i++) { img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = gray[i]; img.data[i * 4 + 3] = 255; }
      ctx.putImageData(img, 0, 0);
      return performance.now();
    },
    blank() { ctx.fillStyle = '#777'; ctx.fillRect(0, 0, 1280, 720); },
  };
})();`;

export interface ScreenFigures {
  /** Code shown → verdict painted; `first` is the first code after the page loaded (the decoder's first real frame). */
  latencyMs: { p50: number; p95: number; n: number; first: number };
  workerDecodeMs: { median: number; p95: number; n: number };
  memoryMB: { afterWarmup: number; after1000Scans: number };
}

export async function screenBench(scans = 30, memoryScans = 1000): Promise<ScreenFigures> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-screen-bench-'));
  const keys = await loadDemoKeys();
  const dataDir = path.join(tmp, 'data');
  await setUpDemoDataDir(dataDir, keys, Date.now());
  // The pipeline is measured, not a queue of people: the kiosk's human scan pace is lifted.
  const kiosk = await launchKiosk({ ...settingsFor(dataDir, { simulate: true, sound: false, resultSeconds: 60 }, 'en', () => Date.now()), scanPace: { burst: 1e9, perSecond: 1e9 } });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, bypassCSP: true });
    await page.addInitScript(FAKE_CAMERA);
    await page.goto(kiosk.url);
    await page.waitForSelector('[data-testid="camera-state"][data-state="live"]');
    const latencies: number[] = [];
    for (let i = 0; i < scans; i++) {
      const text = await demoCode(keys, Date.now() / 1000, { issuer: 'CN-ZJ', status: 'green', subject: `bench-${i}-${Date.now()}` });
      const frame = cameraFrame(text, { width: 1280, height: 720, codeFraction: 0.6, rotateDeg: 3, noise: 3, seed: i + 1 });
      const before = await page.evaluate(() => (globalThis as unknown as { __sentinelPerf: { verdicts: unknown[] } }).__sentinelPerf.verdicts.length);
      const shownAt = await page.evaluate((b64) => (globalThis as unknown as { __benchCamera: { show(b: string): number } }).__benchCamera.show(b64), Buffer.from(frame.data).toString('base64'));
      await page.waitForFunction((n) => (globalThis as unknown as { __sentinelPerf: { verdicts: unknown[] } }).__sentinelPerf.verdicts.length > n, before, { timeout: 10_000 });
      const paintedAt = await page.evaluate(() => {
        const v = (globalThis as unknown as { __sentinelPerf: { verdicts: { paintedAt: number }[] } }).__sentinelPerf.verdicts;
        return v[v.length - 1]!.paintedAt;
      });
      latencies.push(paintedAt - shownAt);
      await page.evaluate(() => (globalThis as unknown as { __benchCamera: { blank(): void } }).__benchCamera.blank());
      await page.waitForTimeout(200);
    }
    const decodes = await page.evaluate(() => (globalThis as unknown as { __sentinelPerf: { decodes: { ms: number }[] } }).__sentinelPerf.decodes.map((d) => d.ms));

    // Memory: scans through the keyboard wedge (keys dispatched in the page, each scan
    // waited for), then the heap compared after a forced garbage collection.
    const cdp = await page.context().newCDPSession(page);
    const heap = async (): Promise<number> => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
      return usedSize / 2 ** 20;
    };
    const code = await demoCode(keys, Date.now() / 1000, { issuer: 'CN-GD', status: 'yellow' });
    const wedgeScans = (n: number): Promise<void> =>
      page.evaluate(
        async ({ text, n }) => {
          const perf = (globalThis as unknown as { __sentinelPerf: { painted: number } }).__sentinelPerf;
          for (let i = 0; i < n; i++) {
            const target = perf.painted + 1;
            for (const key of [...text, 'Enter']) document.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
            while (perf.painted < target) await new Promise((r) => setTimeout(r, 1));
          }
        },
        { text: code, n },
      );
    await wedgeScans(50);
    const afterWarmup = await heap();
    await wedgeScans(memoryScans);
    const after = await heap();
    return {
      latencyMs: { p50: Math.round(quantile(latencies, 0.5)), p95: Math.round(quantile(latencies, 0.95)), n: latencies.length, first: Math.round(latencies[0] ?? NaN) },
      workerDecodeMs: { median: Math.round(quantile(decodes, 0.5) * 10) / 10, p95: Math.round(quantile(decodes, 0.95) * 10) / 10, n: decodes.length },
      memoryMB: { afterWarmup: Math.round(afterWarmup * 10) / 10, after1000Scans: Math.round(after * 10) / 10 },
    };
  } finally {
    await browser.close();
    await kiosk.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
