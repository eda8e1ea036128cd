// The end-to-end harness: a real kiosk (service + browser shell) on
// loopback, and Debian's Chromium driven by playwright-core with a fake
// camera fed from Y4M files we write. The page objects are in pages/.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { kioskFlags } from '../../main/app/kiosk-flags.js';
import { ConfigStore } from '../../main/config/config-store.js';
import type { KioskConfig } from '../../main/contract/kiosk-config.js';
import { DataDir } from '../../main/data-dir.js';
import { settingsFor } from '../../main/app/kiosk-settings.js';
import { launchKiosk, type RunningKiosk } from '../../main/shell/browser-kiosk.js';
import { until } from '../fixtures/until.js';
import { loadDemoKeys, setUpDemoDataDir, type DemoKeys } from '../../main/demo/demo.js';
import { cameraFrame, writeY4m, type FrameOptions } from '../../bench/frames.js';

export const CHROMIUM = '/usr/bin/chromium';
export { ARTIFACTS, KioskScreen } from './pages/kiosk-screen.js';
export { TechnicianPanel } from './pages/technician-panel.js';

export interface KioskUnderTest {
  kiosk: RunningKiosk;
  keys: DemoKeys;
  dataDir: string;
  tmp: string;
  /** Moves the kiosk's clock (main's, injected) ahead: a test waits for a lockout to end without sleeping. */
  advanceClock(ms: number): void;
  /** The kiosk's clock: the real one plus what advanceClock moved it on. */
  now(): number;
  stop(): Promise<void>;
}

/**
 * Waits for a thermometer reading newer than now. A check takes the reading
 * it used (never twice), and the simulated module reads every 500 ms: a
 * green code scanned sooner after the last check is reviewed for want of a
 * temperature, which a fast machine did (flaky admits).
 */
export async function freshReading(k: KioskUnderTest, timeoutMs = 5000): Promise<void> {
  const sinceMs = k.now();
  await until(() => (k.kiosk.service.status().thermometer.atMs ?? 0) > sinceMs, timeoutMs, 'a thermometer reading for the next traveller');
}

/** A `prepare` for startKiosk: the demo folder's configuration, changed before the kiosk starts (PINs, languages, zone). */
export function withConfig(change: (c: KioskConfig) => KioskConfig): (dataDir: string) => Promise<void> {
  return async (dataDir) => {
    const store = new ConfigStore(DataDir.open(dataDir, { create: false }));
    store.save(change(store.load().config), Date.now());
  };
}

export async function startKiosk(
  opts: {
    resultSeconds?: number;
    lang?: 'zh-CN' | 'en';
    devices?: Record<string, string>;
    prepare?: (dataDir: string) => Promise<void>;
    technician?: { idleMs: number; lockoutMs: number };
    /** Sound and voice on (off by default: a test run is silent). */
    sound?: boolean;
  } = {},
): Promise<KioskUnderTest> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-e2e-'));
  const dataDir = path.join(tmp, 'data');
  const keys = await loadDemoKeys();
  await setUpDemoDataDir(dataDir, keys, Date.now());
  await opts.prepare?.(dataDir);
  const flags = opts.devices ?? { simulate: 'yes' };
  let aheadMs = 0;
  const launch = settingsFor(
    dataDir,
    kioskFlags({ ...flags, simulate: flags.simulate !== undefined, 'result-seconds': String(opts.resultSeconds ?? 30), 'no-sound': !opts.sound }),
    opts.lang ?? 'zh-CN',
    () => Date.now() + aheadMs,
  );
  const kiosk = await launchKiosk({ ...launch, ...(opts.technician ? { technicianIdleMs: opts.technician.idleMs, technicianLockoutMs: opts.technician.lockoutMs } : {}) });
  return {
    kiosk,
    keys,
    dataDir,
    tmp,
    advanceClock: (ms) => {
      aheadMs += ms;
    },
    now: () => Date.now() + aheadMs,
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
