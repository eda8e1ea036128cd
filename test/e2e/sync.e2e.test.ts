// The kiosk pointed at the reference central service with --sync-endpoint:
// offline with its backlog shown, then the network returns and the status
// bar shows the backlog draining to zero.
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CentralService } from '../../bench/central-service.js';
import { DATA_FILES, DataDir } from '../../main/data-dir.js';
import { loadOrCreateDeviceIdentity } from '../../main/device/device-key.js';
import { CheckLog } from '../../main/log/check-log.js';
import { uuidv7 } from '../../main/log/check-id.js';
import { KioskScreen, launchBrowser, startKiosk, type KioskUnderTest } from './harness.js';

const missing = inject('chromiumMissing');
const BACKLOG = 3000;

describe.skipIf(missing !== '')('kiosk syncing', () => {
  let server: CentralService;
  let k: KioskUnderTest;

  beforeAll(async () => {
    server = new CentralService({ delayMs: 150 });
    await server.start();
    server.down = true;
    k = await startKiosk({
      devices: { simulate: 'yes', 'sync-endpoint': server.url },
      prepare: async (dataDir) => {
        const dir = DataDir.open(dataDir, { create: false });
        const device = await loadOrCreateDeviceIdentity(dir);
        await server.enroll(device.deviceId, device.jwk);
        const log = CheckLog.open(path.join(dataDir, DATA_FILES.database));
        const now = Date.now();
        log.append(
          Array.from({ length: BACKLOG }, (_, i) => ({
            checkId: uuidv7(now - 5 * 86_400_000 + i),
            atMs: now - 5 * 86_400_000 + i,
            verdict: 'admit' as const,
            reasons: ['OK' as const],
            issuer: 'CN-ZJ',
            status: 'green' as const,
            kid: 'demo-zj-1',
            holder: `h-${i}`,
            temperatureC: 36.5,
            bundleSeq: 1,
            policyVersion: 1,
            clockState: 'trusted' as const,
          })),
        );
        log.close();
      },
    });
  });
  afterAll(async () => {
    await k?.stop();
    await server?.stop();
  });

  it('shows the backlog offline (with a warning, it is days old), then draining to zero when the service returns', async () => {
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      const chip = '[data-testid="sync-state"]';
      await screen.page.waitForSelector(`${chip}[data-online="false"][data-pending="${BACKLOG}"]`, { timeout: 10_000 });
      expect(await screen.page.getAttribute(chip, 'data-level')).toBe('bad');
      await screen.screenshot('sync-offline-backlog');
      // Every backlog figure the chip shows, as the screen paints it (not sampled by a poll that could miss steps).
      await screen.page.evaluate((sel) => {
        const el = document.querySelector(sel)!;
        const seen: number[] = [Number(el.getAttribute('data-pending'))];
        (window as unknown as { pendingSeen: number[] }).pendingSeen = seen;
        new MutationObserver(() => seen.push(Number(el.getAttribute('data-pending')))).observe(el, { attributes: true, attributeFilter: ['data-pending'] });
      }, chip);
      server.down = false;
      await screen.page.waitForSelector(`${chip}[data-pending="0"]`, { timeout: 60_000 });
      const seen = new Set(await screen.page.evaluate(() => (window as unknown as { pendingSeen: number[] }).pendingSeen));
      expect(seen.has(0)).toBe(true);
      // It drained in steps the guard could watch, not in one jump.
      expect([...seen].filter((p) => p > 0 && p < BACKLOG).length).toBeGreaterThanOrEqual(2);
      await screen.page.waitForSelector(`${chip}[data-online="true"]`);
      await screen.screenshot('sync-drained');
      expect(server.stored.size).toBe(BACKLOG);
    } finally {
      await browser.close();
    }
  });
});
