// Technician mode on the kiosk screen: the PIN pad and the panel, their
// messages and the waits the technician tests repeat.
import type { KioskScreen } from './kiosk-screen.js';

export class TechnicianPanel {
  constructor(private readonly screen: KioskScreen) {}

  private get page() {
    return this.screen.page;
  }

  /** Taps a PIN on the pad and OK. */
  async enterPin(pin: string): Promise<void> {
    for (const d of pin) await this.page.click(`[data-testid="pin-key-${d}"]`);
    await this.page.click('[data-testid="pin-ok"]');
  }

  /**
   * Taps a PIN and OK, and returns this attempt's own answer: the message
   * line is cleared first, since the pad may wait its turn with main and
   * the line would still show the answer before.
   */
  async enterPinForAnswer(pin: string): Promise<string> {
    await this.page.evaluate(() => (document.querySelector('[data-testid="pin-message"]')!.textContent = ''));
    await this.enterPin(pin);
    await this.page.waitForFunction(() => (document.querySelector('[data-testid="pin-message"]')?.textContent ?? '') !== '');
    return (await this.page.textContent('[data-testid="pin-message"]')) ?? '';
  }

  /** Ctrl+Alt+T, the PIN, and the panel open. */
  async open(pin: string): Promise<void> {
    await this.page.keyboard.press('Control+Alt+T');
    await this.enterPin(pin);
    await this.waitOpen();
  }

  async waitOpen(): Promise<void> {
    await this.page.waitForSelector('[data-testid="tech-panel"]');
  }

  /** The panel's message line, once it includes `text`. */
  async waitForMessage(text: string, timeout = 15_000): Promise<void> {
    await this.screen.waitForText('tech-message', text, timeout);
  }

  /** The PIN pad's message, once it includes `text`. */
  async waitForPinMessage(text: string): Promise<void> {
    await this.screen.waitForText('pin-message', text);
  }

  /** The PIN pad's prompt, once it includes `text`. */
  async waitForPinPrompt(text: string): Promise<void> {
    await this.screen.waitForText('pin-prompt', text);
  }

  /** Whether the PIN pad is on the screen. */
  async padShown(): Promise<boolean> {
    return (await this.page.locator('[data-testid="pin-key-1"]').count()) > 0;
  }

  /**
   * Touches the top-right corner as a finger would: `taps` short touches
   * (100 ms, 300 ms apart), then one held `holdMs`. By default on the
   * page's clock (installed and paused by the caller), moved on rather than
   * waited; `advance` may wait instead.
   */
  async cornerGesture(taps: number, holdMs: number, advance = (ms: number): Promise<void> => this.page.clock.runFor(ms)): Promise<void> {
    const corner = (await this.page.locator('#tech-corner').boundingBox())!;
    await this.page.mouse.move(corner.x + corner.width / 2, corner.y + corner.height / 2);
    for (let i = 0; i < taps; i++) {
      await this.page.mouse.down();
      await advance(100);
      await this.page.mouse.up();
      await advance(300);
    }
    await this.page.mouse.down();
    await advance(holdMs);
    await this.page.mouse.up();
  }
}
