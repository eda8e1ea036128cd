// The devices section's test scan: the next code from whichever scanner
// reads first, a serial or HID one (main's) or a keyboard-wedge one typing
// into this screen; decided as a check would be, never logged.
import type { CodeTest } from '../../../../main/contract/kiosk.js';
import { WedgeDetector } from '../../wedge.js';
import { el } from '../dom.js';
import type { PanelContext } from '../panel-context.js';
import { describeTest } from '../test-read.js';

/** How long a test scan waits for a code. */
const TEST_SCAN_SECONDS = 15;

/**
 * A keyboard-wedge scanner's next scan while the technician panel is open
 * (its keys would otherwise type into the panel's inputs); null when none
 * comes within `ms`.
 */
function wedgeScan(ms: number): { text: Promise<string | null>; stop(): void } {
  const wedge = new WedgeDetector();
  let settle: (text: string | null) => void = () => undefined;
  const text = new Promise<string | null>((resolve) => (settle = resolve));
  const onKey = (e: KeyboardEvent): void => {
    const scanned = wedge.key(e.key, e.timeStamp || performance.now());
    if (wedge.inBurst || scanned !== null) e.preventDefault();
    if (scanned !== null) done(scanned);
  };
  const timer = setTimeout(() => done(null), ms);
  const done = (value: string | null): void => {
    clearTimeout(timer);
    document.removeEventListener('keydown', onKey, { capture: true });
    settle(value);
  };
  document.addEventListener('keydown', onKey, { capture: true });
  return { text, stop: () => done(null) };
}

/** The first of `promises` to give a value, or null once all have given none. */
function firstOf<T>(promises: Promise<T | null>[]): Promise<T | null> {
  return new Promise((resolve) => {
    let left = promises.length;
    for (const p of promises) {
      void p.then((value) => {
        left--;
        if (value !== null) resolve(value);
        else if (left === 0) resolve(null);
      });
    }
  });
}

type Read = { via: 'wedge'; text: string } | { via: 'main'; test: CodeTest };

export function scannerTest(ctx: PanelContext): { button: HTMLButtonElement; result: HTMLElement } {
  const { kiosk, T, refusal, touch } = ctx;
  const button = el('button', { type: 'button', 'data-testid': 'tech-scanner-test' }, T.scannerTest);
  const result = el('p', { 'data-testid': 'dev-scanner-test', 'aria-live': 'polite' });
  /** The wedge listening during a test, stopped if the panel goes away. */
  let stopWedge: (() => void) | null = null;
  ctx.whileOpen(() => stopWedge?.());

  button.addEventListener('click', async () => {
    touch();
    button.disabled = true;
    result.textContent = T.scannerWaiting(TEST_SCAN_SECONDS);
    const wedge = wedgeScan(TEST_SCAN_SECONDS * 1000);
    stopWedge = wedge.stop;
    const fromMain = kiosk.technician.scannerTest(TEST_SCAN_SECONDS);
    const first = await firstOf<Read>([
      wedge.text.then((text) => (text === null ? null : { via: 'wedge', text })),
      fromMain.then((r) => (r.ok && r.value.received ? { via: 'main', test: r.value } : null)),
    ]);
    let shown: string;
    if (first?.via === 'main') shown = describeTest(ctx, T.viaScanner, first.test);
    else if (first?.via === 'wedge') {
      const t = await kiosk.technician.tryCode(first.text);
      shown = t.ok ? describeTest(ctx, T.viaWedge, t.value) : refusal(t.error);
    } else {
      // Nothing read: say why (no scanner at all is not an error when a wedge could have typed).
      const r = await fromMain;
      shown = r.ok ? T.scannerNothing(r.value.received ? 1 : r.value.scanners) : r.error.code === 'REFUSED' ? T.scannerNothing(0) : refusal(r.error);
    }
    wedge.stop();
    stopWedge = null;
    // The wedge won: main's test would swallow the next serial scan, so it stops waiting.
    if (first?.via === 'wedge') void kiosk.technician.scannerTest(0);
    button.disabled = false;
    touch();
    result.textContent = shown;
  });
  return { button, result };
}
