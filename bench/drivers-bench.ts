// Driver figures: frames decoded per second per protocol (the pure
// decoders), memory under a 1 MB/s junk flood, and reading-to-screen
// latency through the kiosk (a module on a pseudo-terminal changes its
// reading; how long until the status bar shows it).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeFrame } from '../drivers/thermometer/protocols/encoders.js';
import { PROTOCOLS } from '../drivers/thermometer/protocols/index.js';
import { PROTOCOL_NAMES } from '../main/contract/devices.js';

export function decoderThroughput(frames = 200_000): Record<string, number> {
  const out: Record<string, number> = {};
  for (const protocol of PROTOCOL_NAMES) {
    const one = encodeFrame(protocol, 36.6);
    // Realistic chunks: 64 bytes at a time, frames cut anywhere.
    const stream = new Uint8Array(one.length * 1000);
    for (let i = 0; i < 1000; i++) stream.set(one, i * one.length);
    const decoder = PROTOCOLS[protocol].decoder();
    const rounds = Math.ceil(frames / 1000);
    const started = performance.now();
    let decoded = 0;
    for (let r = 0; r < rounds; r++) for (let o = 0; o < stream.length; o += 64) decoded += decoder.push(stream.subarray(o, o + 64)).length;
    out[protocol] = Math.round(decoded / ((performance.now() - started) / 1000));
  }
  return out;
}

/** Ten seconds of 1 MB/s random junk into each decoder (simulated time): the heap must stay flat. */
export function junkFlood(seconds = 10): { heapGrowthMB: number; bytes: number } {
  const decoders = PROTOCOL_NAMES.map((p) => PROTOCOLS[p].decoder());
  const chunk = new Uint8Array(4096);
  let seed = 1;
  const before = process.memoryUsage().heapUsed;
  let bytes = 0;
  for (let i = 0; i < (seconds * 1_048_576) / chunk.length; i++) {
    for (let j = 0; j < chunk.length; j++) chunk[j] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (const d of decoders) d.push(chunk);
    bytes += chunk.length;
  }
  return { heapGrowthMB: Math.round(((process.memoryUsage().heapUsed - before) / 2 ** 20) * 10) / 10, bytes };
}

/** Reading-to-screen through the real kiosk: needs socat and Chromium (skipped without). */
export async function readingToScreen(samples = 10): Promise<{ p50: number; p95: number; n: number } | null> {
  if (!fs.existsSync('/usr/bin/socat') || !fs.existsSync('/usr/bin/chromium')) return null;
  const { chromium } = await import('playwright-core');
  const { PtyPair, SimulatedModule } = await import('../test/fixtures/pty.js');
  const { settingsFor } = await import('../main/app/kiosk-settings.js');
  const { launchKiosk } = await import('../main/shell/browser-kiosk.js');
  const { loadDemoKeys, setUpDemoDataDir } = await import('../main/demo/demo.js');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-drivers-bench-'));
  const pty = new PtyPair(tmp, 'thermo');
  await pty.plug();
  const module = new SimulatedModule(pty.module, { protocol: 'gy-mcu90614', celsius: 36.0, everyMs: 71 });
  await module.start();
  const dataDir = path.join(tmp, 'data');
  await setUpDemoDataDir(dataDir, await loadDemoKeys(), Date.now());
  const kiosk = await launchKiosk(settingsFor(dataDir, { thermometerPath: pty.kiosk, thermometerProtocol: 'gy-mcu90614', sound: false }, 'en', Date.now));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] });
  const times: number[] = [];
  try {
    const page = await browser.newPage();
    await page.goto(kiosk.url);
    await page.waitForSelector('[data-testid="thermometer"][data-state="ok"]', { timeout: 15_000 });
    for (let i = 0; i < samples; i++) {
      const target = (36.1 + i / 10).toFixed(1);
      const started = Date.now();
      module.celsius = Number(target);
      await page.waitForFunction((t) => document.querySelector('[data-testid="thermometer"]')!.textContent!.includes(`${t}°C`), target, { timeout: 10_000 });
      times.push(Date.now() - started);
    }
  } finally {
    await browser.close();
    await kiosk.stop();
    await module.stop();
    await pty.unplug();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)]!, p95: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!, n: times.length };
}
