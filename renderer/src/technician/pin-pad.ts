// The PIN pad. 'unlock' checks a PIN; 'first' (only from a keyboard, only
// while no PIN exists) takes a new technician PIN twice. Main counts the
// tries, the lockout and the pace; this only asks and shows its answers.
import type { KioskApi } from '../../../main/contract/ipc.js';
import { el } from './dom.js';
import type { TechnicianText } from './text.js';

export type PinPadMode = 'unlock' | 'first';

export interface PinPad {
  kiosk: KioskApi;
  T: TechnicianText;
  mode: PinPadMode;
  /** Main took the PIN: the session's idle limit, then whatever the PIN opens. */
  unlocked(idleMs: number): Promise<void> | void;
  exit(): void;
}

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '⌫', '0', 'OK'];
/** The longest PIN main accepts: further digits are not typed. */
const MAX_DIGITS = 12;
/** A pace refusal is waited out (at most this long each time, this many times) rather than the PIN being lost. */
const PACE_WAIT_MAX_MS = 5000;
const PACE_RETRIES = 5;

export function showPinPad(overlay: HTMLElement, { kiosk, T, mode, unlocked, exit }: PinPad): void {
  overlay.hidden = false;
  overlay.replaceChildren();
  let pin = '';
  // First start: the digits entered once, waiting to be confirmed.
  let firstPin: string | null = null;
  const prompt = el('p', { 'data-testid': 'pin-prompt' }, mode === 'first' ? T.firstPinPrompt : T.pinPrompt);
  const dots = el('output', { 'data-testid': 'pin-dots', 'aria-live': 'polite' });
  const message = el('p', { 'data-testid': 'pin-message', role: 'alert' });
  const pad = el('div', { class: 'pin-pad' });

  const submit = async (entered: string): Promise<void> => {
    if (mode === 'first') {
      if (firstPin === null) {
        firstPin = entered;
        prompt.textContent = T.firstPinAgain;
        message.textContent = '';
        return;
      }
      const matches = entered === firstPin;
      firstPin = null;
      prompt.textContent = T.firstPinPrompt;
      if (!matches) {
        message.textContent = T.pinMismatch;
        return;
      }
    }
    let r = mode === 'first' ? await kiosk.technician.setFirstPin(entered) : await kiosk.technician.unlock(entered);
    // Main takes one attempt a second per screen: a quick typist's PIN waits its turn rather than being lost.
    for (let tries = 0; mode === 'unlock' && r.ok && r.value.result === 'too-fast' && tries < PACE_RETRIES; tries++) {
      const wait = r.value.retryAfterMs;
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, PACE_WAIT_MAX_MS)));
      r = await kiosk.technician.unlock(entered);
    }
    if (!r.ok) message.textContent = r.error.message;
    else if (r.value.result === 'ok') await unlocked(r.value.idleMs);
    else if (r.value.result === 'wrong') message.textContent = T.wrong(r.value.remaining);
    else if (r.value.result === 'locked') message.textContent = T.locked(new Date(r.value.untilMs).toLocaleTimeString());
    else if (r.value.result === 'too-fast') message.textContent = T.tooFast;
    else message.textContent = T.noPin;
  };

  for (const k of KEYS) {
    const b = el('button', { type: 'button', 'data-testid': k === 'OK' ? 'pin-ok' : k === '⌫' ? 'pin-back' : `pin-key-${k}`, 'aria-label': k === '⌫' ? 'delete' : k }, k);
    b.addEventListener('click', async () => {
      if (k === '⌫') pin = pin.slice(0, -1);
      else if (k !== 'OK') pin = (pin + k).slice(0, MAX_DIGITS);
      else {
        const entered = pin;
        pin = '';
        dots.textContent = '';
        await submit(entered);
        return;
      }
      dots.textContent = '•'.repeat(pin.length);
    });
    pad.append(b);
  }
  const exitButton = el('button', { type: 'button', 'data-testid': 'tech-exit', class: 'tech-exit' }, T.exit);
  exitButton.addEventListener('click', exit);
  overlay.append(el('h2', {}, T.title), prompt, dots, pad, message, exitButton);
}
