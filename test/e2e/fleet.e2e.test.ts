// The fleet view in Chromium (issue 16): an operator logs in to the central
// service (embedded store) holding a seeded fleet, sees every kiosk and its
// alerts in Chinese and then English, the page refreshing itself, passes an
// automated accessibility check, runs under its CSP with nothing fetched
// elsewhere, logs out, and is told when a session has ended. Screenshots of
// each state go to test-artifacts/screens/fleet-*.png.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Operators } from '../../central/fleet/operators.js';
import { CentralService } from '../../central/service.js';
import type { CentralStore } from '../../central/store.js';
import { PGLITE } from '../central/backends.js';
import { MIN, T0, seedFleet, type SeededFleet } from '../central/fleet-seed.js';
import { ARTIFACTS, launchBrowser } from './harness.js';

const missing = inject('chromiumMissing');
const PASSWORD = 'correct horse battery';

async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `fleet-${name}.png`), fullPage });
}

describe.skipIf(missing !== '')('the fleet view in Chromium', () => {
  let store: CentralStore;
  let service: CentralService;
  let seeded: SeededFleet;
  let browser: Browser;
  const now = { ms: T0 };
  const problems: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    store = await PGLITE.freshStore();
    seeded = await seedFleet(store);
    await new Operators(store.sql).add('zhang.wei', PASSWORD, T0);
    service = new CentralService({
      store,
      clock: () => now.ms,
      log: (line) => problems.push(`service: ${line}`),
      fleet: { timeZone: 'Asia/Shanghai', loginFloorMs: 0, summaryCacheMs: 0, refreshMs: 500 },
    });
    await service.listen();
    browser = await launchBrowser({ kind: 'none' });
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  /** A new browser profile in the given language; every request, page error and CSP report noted. */
  async function profile(locale: string, viewport = { width: 1280, height: 800 }, opts: { bypassCSP?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ locale, viewport, bypassCSP: opts.bypassCSP ?? false });
    context.on('request', (r) => requests.push(r.url()));
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => {
      // A refused login and the refresh that finds a session ended answer 401 by design; anything else is a problem.
      if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    return { context, page };
  }

  async function logIn(page: Page, name: string, password: string): Promise<void> {
    await page.fill('#name', name);
    await page.fill('#password', password);
    await page.click('[data-testid="login-submit"]');
  }

  it('an operator logs in, sees every kiosk and its alerts in Chinese, then in English, the page refreshing itself; logs out', async () => {
    const { context, page } = await profile('zh-CN');
    try {
      await page.goto(`${service.url}fleet`);
      expect(new URL(page.url()).pathname).toBe('/fleet/login');
      await expect(page.textContent('h2')).resolves.toBe('操作员登录');
      await shot(page, 'login-zh', false);

      await logIn(page, 'zhang.wei', 'not the password');
      await page.waitForSelector('[data-testid="login-error"]');
      expect(await page.textContent('[data-testid="login-error"]')).toContain('用户名或密码错误');
      await shot(page, 'login-refused-zh', false);

      await logIn(page, 'zhang.wei', PASSWORD);
      await page.waitForSelector('[data-testid="kiosks"] table');
      expect(new URL(page.url()).pathname).toBe('/fleet');
      expect(await page.textContent('[data-testid="operator"]')).toContain('zhang.wei');
      // Every kiosk, with the states told in words and icons as well as colour.
      const rows = await page.$$eval('[data-testid="kiosks"] tbody tr', (trs) =>
        trs.map((tr) => ({ id: tr.getAttribute('data-device'), state: tr.getAttribute('data-state'), text: tr.textContent ?? '' })),
      );
      expect(rows).toHaveLength(8);
      const row = (id: string) => rows.find((r) => r.id === id)!;
      expect(row(seeded.silent.id)).toMatchObject({ state: 'critical', text: expect.stringContaining('✖警报') });
      expect(row(seeded.ok.id)).toMatchObject({ state: 'ok', text: expect.stringContaining('✓正常') });
      expect(row(seeded.stale.id).text).toContain('序号 12');
      expect(row(seeded.revoked.id)).toMatchObject({ state: 'revoked', text: expect.stringContaining('⊘已吊销') });
      expect(row(seeded.broken.id).text).toContain('测温仪: 故障');
      expect(row(seeded.noStatus.id).text).toContain('–');
      // The worst first.
      expect(rows.map((r) => r.state)).toEqual(
        [...rows.map((r) => r.state)].sort((a, b) => ['critical', 'warning', 'ok', 'revoked'].indexOf(a!) - ['critical', 'warning', 'ok', 'revoked'].indexOf(b!)),
      );
      const alerts = await page.$$eval('[data-testid="alerts"] li', (lis) => lis.map((li) => li.textContent?.replace(/\s+/g, ' ').trim() ?? ''));
      expect(alerts.join('\n')).toMatch(/虹桥站 Hongqiao · G2 已25分钟未联系/);
      expect(alerts.join('\n')).toMatch(/浦东站 Pudong · G1 闸机故障，需人工放行/);
      expect(alerts.join('\n')).toMatch(/可信名单已过期2小时（序号 17）/);
      expect(alerts.join('\n')).toMatch(/日志链被改写/);
      expect(alerts).toHaveLength(7);
      // The chart: one per gate, the hours' bars with their counts; the gates' not-passed and tailgating.
      const g1 = page.locator('figure.chart[data-station="虹桥站 Hongqiao"][data-gate="G1"]');
      expect(await g1.locator('g[data-hour="2026-12-02T11:00:00.000Z"]').getAttribute('data-admit')).toBe('4');
      expect(await g1.locator('rect.bar-admit').count()).toBe(1);
      expect(await g1.locator('rect.bar-deny').count()).toBe(1);
      expect(await page.locator('figure.chart[data-station="浦东站 Pudong"][data-gate="G1"] [data-testid="not-passed"]').textContent()).toBe('未通过闸机 2');
      expect(await page.locator('figure.chart[data-station="浦东站 Pudong"][data-gate="G1"] [data-testid="tailgates"]').textContent()).toBe('尾随 1');
      const fits = (): Promise<boolean> =>
        page.evaluate(() => {
          const wrap = document.querySelector('.table-wrap')!;
          return document.documentElement.scrollWidth <= window.innerWidth && wrap.scrollWidth <= wrap.clientWidth;
        });
      expect(await fits()).toBe(true);
      await shot(page, 'zh-1280x800');
      await shot(page, 'zh-1280x800-top', false);

      // English, by the switch (kept for the next page).
      await page.click('[data-testid="lang-en"]');
      await page.waitForSelector('html[lang="en"]');
      const en = (await page.textContent('[data-testid="alerts"]'))!.replace(/\s+/g, ' ');
      expect(en).toContain('Silent for 25 min');
      expect(en).toContain('Gate out of order: staff must open it by hand');
      expect(en).toContain('Thermometer out of order');
      expect(en).toContain('Trust list is 9 d old (seq 12)');
      expect(en).toContain('Clock off: 1 min ahead');
      expect(en).toContain('Log chain rewritten');
      expect(await fits()).toBe(true);
      await shot(page, 'en-1280x800');
      await page.goto(`${service.url}fleet`);
      expect(await page.getAttribute('html', 'lang')).toBe('en');

      // The page refreshes itself: the silent kiosk reports again, and its alert goes.
      await store.sql.query('UPDATE devices SET last_seen_at = $2::timestamptz WHERE id = $1', [seeded.silent.id, new Date(now.ms).toISOString()]);
      await page.waitForFunction((id) => document.querySelector(`tr[data-device="${id}"]`)?.getAttribute('data-state') === 'ok', seeded.silent.id, { timeout: 10_000 });
      expect(await page.locator('[data-testid="alerts"] li').count()).toBe(6);

      // Log out: back at the login, told so; the page is closed to this browser.
      await page.click('[data-testid="logout"]');
      await page.waitForSelector('[data-testid="login-info"]');
      expect(await page.textContent('[data-testid="login-info"]')).toBe('You have logged out.');
      await shot(page, 'logged-out-en', false);
      await page.goto(`${service.url}fleet`);
      expect(new URL(page.url()).pathname).toBe('/fleet/login');
      expect((await context.cookies()).map((c) => c.name)).not.toContain('sentinel_fleet');
    } finally {
      await context.close();
    }
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(service.url))).toEqual([]);
  });

  it('on a wall display (1920×1080) the page fits without scrolling sideways, and an ended session is said on the page', async () => {
    const { context, page } = await profile('en-GB', { width: 1920, height: 1080 });
    try {
      await page.goto(`${service.url}fleet/login`);
      await logIn(page, 'zhang.wei', PASSWORD);
      await page.waitForSelector('[data-testid="kiosks"] table');
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await shot(page, 'en-1920x1080', false);
      // Idle past 30 minutes: the next refresh finds the session ended and says so, with the way back.
      now.ms += 31 * MIN;
      await page.waitForSelector('#fleet-notice:not([hidden]) a[href="/fleet/login"]', { timeout: 10_000 });
      expect(await page.textContent('#fleet-notice')).toContain('Your session has ended');
      await shot(page, 'session-ended-en', false);
    } finally {
      now.ms = T0;
      await context.close();
    }
    expect(problems).toEqual([]);
  });

  it('passes an automated accessibility check (axe-core), colour contrast included, in both languages', async () => {
    const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
    // The checker is injected as a script, which the view's own CSP rightly forbids.
    const { context, page } = await profile('zh-CN', { width: 1280, height: 800 }, { bypassCSP: true });
    try {
      await page.goto(`${service.url}fleet/login`);
      const check = async (): Promise<string[]> => {
        await page.addScriptTag({ content: fs.readFileSync(axePath, 'utf8') });
        return page.evaluate(async () => {
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
      };
      expect(await check()).toEqual([]);
      await logIn(page, 'zhang.wei', PASSWORD);
      await page.waitForSelector('[data-testid="kiosks"] table');
      expect(await check()).toEqual([]);
      await page.click('[data-testid="lang-en"]');
      await page.waitForSelector('html[lang="en"]');
      expect(await check()).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
