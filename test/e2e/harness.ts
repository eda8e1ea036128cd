// The end-to-end harness: a real kiosk (service + browser shell) on
// loopback, and Debian's Chromium driven by playwright-core with a fake
// camera fed from Y4M files we write. One page object for the screen.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { launchKiosk, launchFrom, type RunningKiosk } from '../../main/cli/commands/kiosk.js';
import { loadDemoKeys, setUpDemoDataDir, type DemoKeys } from '../../main/demo/demo.js';
import { cameraFrame, writeY4m, type FrameOptions } from '../../bench/frames.js';
import { ROOT } from '../fixtures/cli.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'screens');

export interface KioskUnderTest {
  kiosk: RunningKiosk;
  keys: DemoKeys;
  dataDir: string;
  tmp: string;
  stop(): Promise<void>;
}

export async function startKiosk(
  opts: {
    resultSeconds?: number;
    lang?: 'zh-CN' | 'en';
    devices?: Record<string, string>;
    prepare?: (dataDir: string) => Promise<void>;
    technician?: { idleMs: number; lockoutMs: number };
  } = {},
): Promise<KioskUnderTest> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-e2e-'));
  const dataDir = path.join(tmp, 'data');
  const keys = await loadDemoKeys();
  await setUpDemoDataDir(dataDir, keys, Date.now());
  await opts.prepare?.(dataDir);
  const flags = opts.devices ?? { simulate: 'yes' };
  const launch = launchFrom({ ...flags, simulate: flags.simulate !== undefined, 'result-seconds': String(opts.resultSeconds ?? 30), 'no-sound': true }, dataDir, opts.lang ?? 'zh-CN', () => Date.now());
  const kiosk = await launchKiosk({ ...launch, ...(opts.technician ? { technicianIdleMs: opts.technician.idleMs, technicianLockoutMs: opts.technician.lockoutMs } : {}) });
  return {
    kiosk,
    keys,
    dataDir,
    tmp,
    stop: async () => {
      await kiosk.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export type Camera = { kind: 'file'; y4m: string } | { kind: 'fake-pattern' } | { kind: 'none' };

export async function launchBrowser(camera: Camera): Promise<Browser> {
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
    '--autoplay-policy=no-user-gesture-required',
    '--use-fake-ui-for-media-stream',
  ];
  if (camera.kind !== 'none') args.push('--use-fake-device-for-media-stream');
  if (camera.kind === 'file') args.push(`--use-file-for-fake-video-capture=${camera.y4m}`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** A short looping video of a code held up to the camera. */
export function codeVideo(dir: string, name: string, text: string, frame: Partial<FrameOptions> = {}): string {
  const file = path.join(dir, `${name}.y4m`);
  const frames = [0, 1, 2].map((i) => cameraFrame(text, { width: 1280, height: 720, codeFraction: 0.6, rotateDeg: 4 + i, noise: 3, seed: i + 1, ...frame }));
  writeY4m(file, frames, 10);
  return file;
}

/** The kiosk screen, as a guard and a traveller see it. */
export class KioskScreen {
  constructor(readonly page: Page) {}

  static async open(browser: Browser, url: string, viewport = { width: 1280, height: 800 }, opts: { bypassCSP?: boolean } = {}): Promise<KioskScreen> {
    const page = await browser.newPage({ viewport, bypassCSP: opts.bypassCSP ?? false });
    // The screen's own errors belong in the test output.
    page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
    await page.goto(url);
    await page.waitForSelector('body[data-state="ready"]');
    return new KioskScreen(page);
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

  /** Types like a keyboard-wedge scanner: a burst ended by Enter. */
  async wedgeScan(text: string): Promise<void> {
    await this.page.keyboard.type(text, { delay: 0 });
    await this.page.keyboard.press('Enter');
  }

  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}
