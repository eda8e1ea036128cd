// Technician mode on the screen: a hidden way in (Ctrl+Alt+T, or three taps
// then a hold on the top-right corner: corner-gesture.ts), a PIN pad, and a panel to run the self-test,
// change settings and the policy, and export. Main checks the PIN, the
// lockout, the idle exit and every change; this only asks and shows.
import type { KioskApi } from '../../../main/contract/ipc.js';
import type { Lang } from '../../../main/contract/messages.js';
import { CornerGesture, HOLD_MS } from './corner-gesture.js';
import { el } from './dom.js';
import type { GuardVerdict } from './guard-decision.js';
import { TechnicianOverlay } from './panel.js';
import { installOnScreenKeyboard } from './on-screen-keyboard.js';
import { dismissPinPad, pinPadShowing } from './pin-pad.js';
import { TEXT } from './text.js';

export interface TechnicianMode {
  /** True while the PIN pad or the panel covers the screen: what the camera reads then is not a traveller's. */
  isOpen(): boolean;
  /** A supervisor overrides a review verdict: PIN, then admit or deny with a reason; `done` gets who decided in the operator's words (值班负责人 / supervisor). */
  override(checkId: string, done: (verdict: GuardVerdict, role: string) => void): void;
  /** True while only the PIN pad is up (nobody is unlocked): a scan then is a traveller's, and closes it. */
  padShowing(): boolean;
  /** Closes the PIN pad (a traveller's scan came): the screen shows their result. */
  dismissPad(): void;
}

/**
 * `pinSet` tells whether any PIN exists. Without one, a tap opens nothing:
 * the first PIN is set only from a keyboard's Ctrl+Alt+T (a physical step a
 * traveller at the touchscreen cannot take) or by provisioning.
 */
export function installTechnicianMode(kiosk: KioskApi, lang: () => Lang, pinSet: () => boolean, timeZone: () => string): TechnicianMode {
  const overlay = new TechnicianOverlay(kiosk, lang, timeZone);
  document.body.append(overlay.element);
  installOnScreenKeyboard(overlay.element, () => TEXT[lang()]);
  const corner = el('div', { id: 'tech-corner', 'aria-hidden': 'true' });
  document.body.append(corner);

  document.addEventListener(
    'keydown',
    (e) => {
      if (e.ctrlKey && e.altKey && e.key.toLowerCase() === 't') {
        e.preventDefault();
        // A keyboard is the physical step that may set a first PIN.
        if (!overlay.isOpen()) overlay.askPin(undefined, pinSet() ? 'unlock' : 'first');
      }
    },
    { capture: true },
  );
  const gesture = new CornerGesture();
  let hold: ReturnType<typeof setTimeout> | null = null;
  const cancelHold = (): void => {
    if (hold) clearTimeout(hold);
    hold = null;
  };
  corner.addEventListener('pointerdown', () => {
    cancelHold();
    if (!gesture.down(performance.now())) return;
    // A touch never leads to setting a PIN: without one, the corner does nothing.
    hold = setTimeout(() => {
      hold = null;
      if (gesture.held(performance.now()) && !overlay.isOpen() && pinSet()) overlay.askPin();
    }, HOLD_MS);
  });
  for (const ev of ['pointerup', 'pointerleave', 'pointercancel'] as const) {
    corner.addEventListener(ev, () => {
      cancelHold();
      gesture.up(performance.now());
    });
  }

  return {
    isOpen: () => overlay.isOpen(),
    override: (checkId, done) => overlay.override(checkId, done),
    padShowing: () => overlay.isOpen() && pinPadShowing(),
    dismissPad: dismissPinPad,
  };
}
