// Technician mode in a Chinese panel: every message each section gives —
// a wrong PIN and the lockout, the self-test, a refused setting, a refused
// baud, a refused calibration, a refused policy field, an export to a
// folder off the USB drive, a broken trust bundle, the clock, a test scan,
// a guard's decision without a reason — is Chinese: CJK in it and no
// sentence of Latin letters only (identifiers such as PIN, USB, °C, paths
// and protocol names are allowed). Screenshots of each section are saved.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { demoCode } from '../../main/demo/demo.js';
import { hashPin } from '../../main/technician/pin.js';
import type * as Drives from '../../main/technician/removable-drives.js';
import { tempDir } from '../fixtures/tmp.js';
import { hasCjk, notChinese } from '../technician/chinese-text.js';
import { KioskScreen, TechnicianPanel, launchBrowser, startKiosk, withConfig, type KioskUnderTest } from './harness.js';

// The kiosk in this process reads its mount table from here: one USB stick, so the
// export's refusal is the one for a folder off the drive (not "no drive at all").
const usb = await vi.hoisted(async () => (await import('../fixtures/usb-stick.js')).fakeUsbStick());
vi.mock('../../main/technician/removable-drives.js', async (importOriginal) => ({
  ...(await importOriginal<typeof Drives>()),
  SYSTEM_DRIVE_RULE: (await import('../fixtures/usb-stick.js')).driveRuleWith(usb),
}));

const missing = inject('chromiumMissing');
const PIN = '482913';
const SUPERVISOR_PIN = '190376';

/** Every element of the overlay that carries a message (a sentence main or the panel says). */
const MESSAGES = [
  '[data-testid="pin-message"]',
  '[data-testid="pin-prompt"]',
  '[data-testid^="tech-message"]',
  '[data-testid="selftest-item"]',
  '[data-testid="tech-calibration"]',
  '[data-testid="dev-thermometer-live"]',
  '[data-testid="dev-camera-test"]',
  '[data-testid="dev-scanner-test"]',
  '#technician .note',
].join(', ');
/** Headings, labels and help texts: the panel's own words, Chinese too. */
const LABELS = '#technician h2, #technician h3, #technician label, #technician small.help, [data-testid="tech-index"] button, [data-testid^="override-preset-"]';

describe.skipIf(missing !== '')('technician mode in a Chinese panel', () => {
  let k: KioskUnderTest;

  beforeAll(async () => {
    k = await startKiosk({
      lang: 'zh-CN',
      devices: { simulate: 'yes' },
      prepare: withConfig((c) => ({
        ...c,
        identity: { ...c.identity, timeZone: 'Asia/Shanghai' },
        screen: { ...c.screen, operatorLang: 'zh-CN', holderLangs: ['zh-CN', 'en'] },
        technician: { ...c.technician, pinHash: hashPin(PIN), supervisorPinHash: hashPin(SUPERVISOR_PIN) },
      })),
      technician: { idleMs: 180_000, lockoutMs: 3000 },
    });
  });
  afterAll(async () => {
    await k?.stop();
    fs.rmSync(usb.media, { recursive: true, force: true });
  });

  it('says every message of every section in Chinese, with what to do next', async () => {
    const browser = await launchBrowser({ kind: 'fake-pattern' });
    try {
      const screen = await KioskScreen.open(browser, k.kiosk.url);
      const page = screen.page;
      const panel = new TechnicianPanel(screen);
      /** Every message shown so far, by where it was read. */
      const seen = new Map<string, string>();
      const collect = async (): Promise<void> => {
        const shown = await page.$$eval(MESSAGES, (els) =>
          els
            .filter((e) => (e as HTMLElement).offsetParent !== null && (e.textContent ?? '').trim() !== '')
            .map((e) => [(e as HTMLElement).dataset.testid ?? e.className, e.textContent!.trim()] as const),
        );
        for (const [where, text] of shown) seen.set(`${where}: ${text}`, text);
      };
      const says = async (section: string, text: string, timeout = 15_000): Promise<void> => {
        await screen.waitForText(`tech-message-${section}`, text, timeout);
        await collect();
      };
      const shot = async (section: string, name: string): Promise<void> => {
        await page.locator(`[data-testid="tech-section-${section}"]`).scrollIntoViewIfNeeded();
        await screen.screenshot(name);
      };

      // The PIN pad: a wrong PIN, then the lockout, in Chinese; past the lockout on main's clock.
      await page.keyboard.press('Control+Alt+T');
      await panel.waitForPinPrompt('PIN');
      for (let i = 0; i < 5; i++) {
        await panel.enterPin('000000');
        await panel.waitForPinMessage(i < 4 ? `还可尝试 ${4 - i} 次` : '已锁定至');
        await collect();
      }
      await screen.screenshot('technician-zh-locked');
      k.advanceClock(3100);
      await panel.enterPin(PIN);
      await panel.waitOpen();
      await page.waitForSelector('[data-testid="tech-index"]');

      // Self-test: every line, the devices the kiosk runs (a simulator) included.
      await page.click('[data-testid="tech-selftest-run"]');
      await page.locator('[data-testid="selftest-item"]', { hasText: '摄像头（本屏）' }).waitFor({ timeout: 30_000 });
      const thermometerLine = await page.locator('[data-testid="selftest-item"]', { hasText: '测温仪' }).innerText();
      expect(thermometerLine).toContain('模拟测温仪');
      await collect();
      await shot('selftest', 'technician-zh-selftest');

      // Settings: a time zone that is none; a sync address nothing answers at.
      await page.fill('[data-testid="set-timeZone"]', 'Mars/Olympus');
      await page.click('[data-testid="tech-save-settings"]');
      await says('settings', '「时区」不是有效的时区');
      await page.fill('[data-testid="set-syncEndpoint"]', 'http://127.0.0.1:9/');
      await page.click('[data-testid="tech-sync-test"]');
      await says('settings', '无法连接', 20_000);
      await shot('settings', 'technician-zh-settings');
      await page.fill('[data-testid="set-timeZone"]', 'Asia/Shanghai');

      // Devices: the form says the kiosk runs a simulator; a baud no module speaks; a test scan from the keyboard-wedge scanner.
      await screen.waitForText('dev-running', '模拟测温仪');
      await page.fill('[data-testid="dev-baud"]', '100');
      await page.click('[data-testid="tech-save-devices"]');
      await says('devices', '「波特率」须为 300 至 4000000 之间的整数');
      await page.click('[data-testid="tech-scanner-test"]');
      await screen.waitForText('dev-scanner-test', '秒内');
      await screen.wedgeScan('SENTINEL-TEST-CARD-V1');
      await screen.waitForText('dev-scanner-test', '键盘式扫码器：已读到测试卡');
      await page.waitForFunction(() => /测温仪：模拟/.test(document.querySelector('[data-testid="dev-thermometer-live"]')?.textContent ?? ''));
      await collect();
      await shot('devices', 'technician-zh-devices');

      // Calibration: the simulator has nothing to calibrate; no one named is refused before that.
      await page.fill('[data-testid="tech-reference"]', '36.5');
      await page.click('[data-testid="tech-calibrate"]');
      await says('calibration', '请填写校准人');
      await page.fill('[data-testid="tech-calibrated-by"]', '李伟');
      await page.click('[data-testid="tech-calibrate"]');
      await says('calibration', '没有可校准的测温模块');
      await shot('calibration', 'technician-zh-calibration');

      // Policy: its values shown by their labels; a fever threshold out of range.
      expect(await page.locator('[data-testid="policy-temperature"] option').allTextContents()).toEqual(['必须测温', '有读数才判断', '不测温']);
      expect(await page.locator('[data-testid="policy-red"] option').allTextContents()).toEqual(['放行', '交人工核验', '拒绝通行']);
      await page.fill('[data-testid="policy-feverThresholdC"]', '99');
      await page.click('[data-testid="tech-save-policy"]');
      await says('policy', '策略项「发热阈值（°C）」须在 35 至 42 之间');
      await shot('policy', 'technician-zh-policy');

      // Trust: a file that is not there, then a broken bundle.
      const stick = tempDir();
      fs.writeFileSync(path.join(stick, 'broken.jws'), 'this is not a bundle');
      await page.fill('[data-testid="tech-bundle-path"]', path.join(stick, 'missing.jws'));
      await page.click('[data-testid="tech-trust-import"]');
      await says('trust', '请检查U盘是否已插入');
      await page.fill('[data-testid="tech-bundle-path"]', path.join(stick, 'broken.jws'));
      await page.click('[data-testid="tech-trust-import"]');
      await says('trust', '名单未导入');
      await shot('trust', 'technician-zh-trust');

      // Clock: no evidence from a central service to lower the floor to.
      await page.click('[data-testid="clock-reset-server"]');
      await says('clock', '中心服务');
      await page.waitForFunction(() => /本机时钟：\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(document.querySelector('[data-testid="clock-now"]')?.textContent ?? ''));
      await shot('clock', 'technician-zh-clock');

      // Export: a folder on the kiosk's own disk is refused; the USB stick is offered.
      const ownDisk = tempDir();
      await page.fill('[data-testid="tech-export-dir"]', ownDisk);
      await page.click('[data-testid="tech-export"]');
      await says('export', '不在U盘上，请从下方选择一个U盘');
      await page.waitForSelector(`[data-testid="tech-export-drive"][data-path="${usb.stick}"]`);
      expect(fs.readdirSync(ownDisk)).toEqual([]);
      await shot('export', 'technician-zh-export');

      // The panel's own words: headings, labels, help, the index.
      const labels = await page.$$eval(LABELS, (els) => els.map((e) => e.textContent?.trim() ?? '').filter((t) => t !== ''));
      const notLabelled = labels.filter((t) => !hasCjk(t));
      expect(notLabelled, notLabelled.join('\n')).toEqual([]);
      await page.click('[data-testid="tech-exit"]');

      // A guard's decision: a review, the supervisor's PIN, admit without a reason, then a preset.
      await screen.wedgeScan(await demoCode(k.keys, Date.now() / 1000, { issuer: 'CN-GD', status: 'yellow', subject: 'zh-override' }));
      expect((await screen.waitForVerdict()).verdict).toBe('review');
      await page.click('[data-testid="override"]');
      await panel.enterPin(SUPERVISOR_PIN);
      await page.waitForSelector('[data-testid="override-presets"]');
      await page.click('[data-testid="override-admit"]');
      await screen.waitForText('tech-message', '请选择理由');
      await collect();
      const overrideLabels = await page.$$eval(LABELS, (els) => els.map((e) => e.textContent?.trim() ?? ''));
      expect(overrideLabels.filter((t) => t !== '' && !hasCjk(t))).toEqual([]);
      await screen.screenshot('technician-zh-override');
      await page.click('[data-testid="override-preset-staffMeasured"]');
      await page.click('[data-testid="override-admit"]');
      await page.waitForSelector('[data-testid="override-result"][data-verdict="admit"]');

      // Every message read, each Chinese.
      const texts = [...seen.values()];
      expect(texts.length).toBeGreaterThan(20);
      const wrong = [...seen.entries()].map(([where, text]) => [where, notChinese(text)] as const).filter(([, problem]) => problem !== null);
      expect(wrong, wrong.map(([where, problem]) => `${where} → ${problem}`).join('\n')).toEqual([]);
      for (const section of ['settings', 'devices', 'calibration', 'policy', 'trust', 'clock', 'export']) {
        expect(
          texts.some((t) => [...seen.keys()].some((key) => key.startsWith(`tech-message-${section}: `) && key.endsWith(t))),
          section,
        ).toBe(true);
      }
    } finally {
      await browser.close();
    }
    // Every section in one walk: on a loaded two-core machine that is more than the default minute.
  }, 180_000);
});
