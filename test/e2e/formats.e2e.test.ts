// Travellers from other schemes on the real screen (formats.md): an EU DCC
// shows its country and kind and the masked name, never the date of birth;
// a SMART Health Card in two QR codes shows "part 1 of 2" and no verdict
// until the second part, then is decided once. Screenshots of each go to
// test-artifacts/screens.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { demoDcc, demoShc } from '../../main/demo/demo.js';
import { CheckLog } from '../../main/log/check-log.js';
import { KioskScreen, launchBrowser, startKiosk, type KioskUnderTest } from './harness.js';
import * as path from 'node:path';

const missing = inject('chromiumMissing');

describe.skipIf(missing !== '')('codes of other schemes on the screen', () => {
  let k: KioskUnderTest;
  let browser: Browser;

  beforeAll(async () => {
    k = await startKiosk({ lang: 'en', resultSeconds: 10 });
    browser = await launchBrowser({ kind: 'fake-pattern' });
  });
  afterAll(async () => {
    await browser?.close();
    await k?.stop();
  });

  const logged = (): { format: string | null | undefined; verdict: string }[] => {
    const log = CheckLog.open(path.join(k.dataDir, 'checks.db'));
    try {
      return [...log.list()].map((c) => ({ format: c.format, verdict: c.verdict }));
    } finally {
      log.close();
    }
  };

  it('an EU vaccination certificate: the country, the kind and the masked name, and no date of birth', async () => {
    const screen = await KioskScreen.open(browser, k.kiosk.url, { width: 1280, height: 800 });
    try {
      await screen.freezeClock();
      await screen.wedgeScan(demoDcc(k.keys, Date.now() / 1000, { type: 'v', ci: 'URN:UVCI:01:XD:E2E-DCC-1' }));
      const { verdict } = await screen.waitForVerdict();
      // The simulated thermometer may or may not have a reading for this traveller: the certificate itself is not refused.
      expect(['admit', 'review']).toContain(verdict);
      const who = (await screen.page.locator('#who').textContent()) ?? '';
      expect(who).toContain('Demoland');
      expect(who).toContain('Vaccination');
      expect(who).toMatch(/\b\S\*/);
      const page = (await screen.page.locator('body').textContent()) ?? '';
      // The demo certificate's birth date and full names are in the code, never on the screen.
      expect(page).not.toMatch(/19\d\d-\d\d-\d\d/);
      expect(page).not.toContain('URN:UVCI');
      await screen.screenshot('formats-dcc-vaccination');
    } finally {
      await screen.page.close();
    }
  });

  it('a SMART Health Card in two parts: "part 1 of 2" and nothing logged, then one decision when the second part comes', async () => {
    const screen = await KioskScreen.open(browser, k.kiosk.url, { width: 1280, height: 800 });
    try {
      await screen.freezeClock();
      const before = logged().length;
      const parts = await demoShc(k.keys, Date.now() / 1000, { parts: 2 });
      expect(parts).toHaveLength(2);
      // The second part first: any order is fine.
      await screen.wedgeScan(parts[1]!);
      await screen.page.waitForSelector('body[data-state="partial"]', { timeout: 15_000 });
      await screen.waitForText('partial', 'Part 2 of 2 read');
      expect(await screen.page.locator('[data-testid="partial-parts"] li').count()).toBe(2);
      expect(await screen.page.locator('[data-testid="partial-parts"] li[data-have="true"]').count()).toBe(1);
      await screen.screenshot('formats-shc-part-1-of-2');
      expect(logged().length).toBe(before);
      await screen.wedgeScan(parts[0]!);
      const { verdict } = await screen.waitForVerdict();
      expect(['admit', 'review']).toContain(verdict);
      const who = (await screen.page.locator('#who').textContent()) ?? '';
      expect(who).toContain('Demo SMART Health Card issuer');
      expect(who).toContain('Immunization');
      await screen.screenshot('formats-shc-immunization');
      const after = logged();
      expect(after.length).toBe(before + 1);
      expect(after.at(-1)!.format).toBe('shc');
    } finally {
      await screen.page.close();
    }
  });
});
