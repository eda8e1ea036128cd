// What a technician's test read (the camera's preview, a scanner) means:
// its sentence, and when the preview last saw the test card, which the
// self-test's camera item asks for.
import type { CodeTest } from '../../../main/contract/kiosk.js';
import type { PanelContext } from './panel-context.js';

export function describeTest({ T, lang }: PanelContext, via: string, test: CodeTest): string {
  return test.testCard ? T.testCard(via) : T.codeRead(via, test.length, test.view.verdictWord[lang()], test.view.reasons.map((x) => x.code).join(', '));
}

/**
 * The test card as the devices preview reads it. Kept for the whole
 * screen, not one panel: a card held up a minute ago still counts when the
 * technician reopens the panel and runs the self-test.
 */
export class TestCardSightings {
  private lastAtMs = 0;
  private readonly waiting = new Set<() => void>();

  seen(): void {
    this.lastAtMs = Date.now();
    for (const notify of this.waiting) notify();
    this.waiting.clear();
  }

  /** True when the card was read at or after `sinceMs`, or is read within `waitMs` from now. */
  seenSince(sinceMs: number, waitMs: number): Promise<boolean> {
    if (this.lastAtMs >= sinceMs) return Promise.resolve(true);
    return new Promise((resolve) => {
      const notify = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      // The wait is bounded by time alone: no event says "no card is coming".
      const timer = setTimeout(() => {
        this.waiting.delete(notify);
        resolve(false);
      }, waitMs);
      this.waiting.add(notify);
    });
  }
}
