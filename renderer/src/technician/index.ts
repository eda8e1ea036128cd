// Technician mode on the screen: a hidden way in (Ctrl+Alt+T, or a long press
// in the top-right corner), a PIN pad, and a panel to run the self-test,
// change settings and the policy, and export. Main checks the PIN, the
// lockout, the idle exit and every change; this only asks and shows.
import type { KioskApi } from '../../../main/contract/ipc.js';
import type { Lang } from '../../../main/contract/messages.js';
import { el } from './dom.js';
import type { GuardVerdict } from './guard-decision.js';
import { TechnicianOverlay } from './panel.js';

/** How long the corner is held before it opens the PIN pad (a traveller's tap is shorter). */
const CORNER_HOLD_MS = 2000;

export interface TechnicianMode {
  /** True while the PIN pad or the panel covers the screen: what the camera reads then is not a traveller's. */
  isOpen(): boolean;
  /** A supervisor overrides a review verdict: PIN, then admit or deny with a reason; `done` gets who decided in the operator's words (值班负责人 / supervisor). */
  override(checkId: string, done: (verdict: GuardVerdict, role: string) => void): void;
}

/**
 * `pinSet` tells whether any PIN exists. Without one, a tap opens nothing:
 * the first PIN is set only from a keyboard's Ctrl+Alt+T (a physical step a
 * traveller at the touchscreen cannot take) or by provisioning.
 */
export function installTechnicianMode(kiosk: KioskApi, lang: () => Lang, pinSet: () => boolean): TechnicianMode {
  const overlay = new TechnicianOverlay(kiosk, lang);
  document.body.append(overlay.element);
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
  let press: ReturnType<typeof setTimeout> | null = null;
  corner.addEventListener('pointerdown', () => {
    // A touch never leads to setting a PIN: without one, the corner does nothing.
    press = setTimeout(() => !overlay.isOpen() && pinSet() && overlay.askPin(), CORNER_HOLD_MS);
  });
  for (const ev of ['pointerup', 'pointerleave', 'pointercancel']) corner.addEventListener(ev, () => press && clearTimeout(press));

  return {
    isOpen: () => overlay.isOpen(),
    override: (checkId, done) => overlay.override(checkId, done),
  };
}
