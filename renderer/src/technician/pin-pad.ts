// The PIN pad. 'unlock' checks a PIN; 'first' (only from a keyboard, only
// while no PIN exists) takes a new technician PIN twice, refusing a weak one
// on its first entry by the rule main enforces. Main counts the tries, the
// lockout and the pace; this only asks and shows its answers. Left alone the
// pad closes by itself (a pad left open is a screen no traveller can use),
// and a traveller's scan closes it (pinPadShowing / dismissPinPad).
import { gateTime, technicianText, type KioskApi } from '../../../main/contract/ipc.js';
import type { Lang } from '../../../main/contract/messages.js';
import { pinWeakness, PIN_MAX_DIGITS } from '../../../main/contract/pin-rule.js';
import { el } from './dom.js';
import { refusalText } from './section.js';
import type { TechnicianText } from './text.js';

export type PinPadMode = 'unlock' | 'first';

export interface PinPad {
  kiosk: KioskApi;
  T: TechnicianText;
  mode: PinPadMode;
  /** Main took the PIN: the session's idle limit, then whatever the PIN opens. */
  unlocked(idleMs: number): Promise<void> | void;
  exit(): void;
  /** The operator's language, for main's messages (T is in it too). */
  lang: Lang;
  /** The gate's time zone: a lockout's end is said in it, 24-hour. */
  timeZone: string;
}

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '⌫', '0', 'OK'];
/** A pad untouched this long closes, ms (the panel's own idle limit starts once unlocked). */
export const PAD_IDLE_MS = 30_000;
/** A pace refusal is waited out (at most this long each time, this many times) rather than the PIN being lost. */
const PACE_WAIT_MAX_MS = 5000;
const PACE_RETRIES = 5;

/** The pad on the screen now, if any: a scan closes it. */
let showing: { pad: HTMLElement; exit: () => void } | null = null;

/** True while a PIN pad is on the screen (not yet replaced by what it unlocked, nor closed). */
export function pinPadShowing(): boolean {
  return showing !== null && showing.pad.isConnected;
}

/** Closes the pad on the screen, as its exit button would. */
export function dismissPinPad(): void {
  if (pinPadShowing()) showing!.exit();
}

export function showPinPad(overlay: HTMLElement, { kiosk, T, mode, unlocked, exit, lang, timeZone }: PinPad): void {
  overlay.hidden = false;
  overlay.replaceChildren();
  let pin = '';
  // First start: the digits entered once, waiting to be confirmed.
  let firstPin: string | null = null;
  const prompt = el('p', { 'data-testid': 'pin-prompt' }, mode === 'first' ? T.firstPinPrompt : T.pinPrompt);
  const dots = el('output', { 'data-testid': 'pin-dots', 'aria-live': 'polite' });
  const message = el('p', { 'data-testid': 'pin-message', role: 'alert' });
  const pad = el('div', { class: 'pin-pad', 'data-testid': 'pin-pad' });
  const current = { pad, exit };
  showing = current;
  // Time itself ends an untouched pad, so a timer; any key restarts it.
  let idle: ReturnType<typeof setTimeout> | null = null;
  const stopIdle = (): void => {
    if (idle) clearTimeout(idle);
    idle = null;
  };
  const restartIdle = (): void => {
    stopIdle();
    idle = setTimeout(() => {
      idle = null;
      if (showing === current && pad.isConnected) exit();
    }, PAD_IDLE_MS);
  };

  const submit = async (entered: string): Promise<void> => {
    if (mode === 'first') {
      if (firstPin === null) {
        // Said now, not after the second entry: the technician picks another at once.
        const weakness = pinWeakness(entered);
        if (weakness) {
          message.textContent = technicianText({ key: 'weakPin', params: { weakness } }, lang, timeZone);
          return;
        }
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
    // Closed while main was answering (a traveller's scan, the timeout): what the PIN opened is closed again.
    if (showing !== current || !pad.isConnected) {
      if (r.ok && r.value.result === 'ok') void kiosk.technician.lock();
      return;
    }
    if (!r.ok) message.textContent = refusalText(r.error, lang, timeZone);
    else if (r.value.result === 'ok') {
      stopIdle();
      await unlocked(r.value.idleMs);
    } else if (r.value.result === 'wrong') message.textContent = T.wrong(r.value.remaining);
    else if (r.value.result === 'locked') message.textContent = T.locked(gateTime(r.value.untilMs, timeZone));
    else if (r.value.result === 'too-fast') message.textContent = T.tooFast;
    else message.textContent = T.noPin;
  };

  for (const k of KEYS) {
    const b = el('button', { type: 'button', 'data-testid': k === 'OK' ? 'pin-ok' : k === '⌫' ? 'pin-back' : `pin-key-${k}`, 'aria-label': k === '⌫' ? 'delete' : k }, k);
    b.addEventListener('click', async () => {
      restartIdle();
      if (k === '⌫') pin = pin.slice(0, -1);
      else if (k !== 'OK') pin = (pin + k).slice(0, PIN_MAX_DIGITS);
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
  exitButton.addEventListener('click', () => {
    stopIdle();
    exit();
  });
  const screen = el('div', { class: 'pin-screen' });
  screen.append(el('h2', {}, mode === 'first' ? T.padFirstTitle : T.title), prompt, dots, pad, message, exitButton);
  overlay.append(screen);
  restartIdle();
}
