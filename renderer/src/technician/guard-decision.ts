// A guard's decision on a review (after a supervisor's PIN): admit or deny,
// with a reason picked from presets, or "other" with the guard's own words
// (the only place typing is needed). Main requires the reason and audits it
// beside the check it overrides.
import { OVERRIDE_PRESET_LABELS, OVERRIDE_PRESETS, OVERRIDE_TEXT_CHARS, type KioskApi, type KioskError, type OverridePreset, type OverrideReason } from '../../../main/contract/ipc.js';
import type { Lang } from '../../../main/contract/messages.js';
import { el } from './dom.js';
import type { TechnicianText } from './text.js';

export type GuardVerdict = 'admit' | 'deny';

export interface GuardDecision {
  kiosk: KioskApi;
  T: TechnicianText;
  lang: Lang;
  /** A refusal in the operator's language. */
  refusal(error: KioskError): string;
  checkId: string;
  /** Main recorded the decision (the overlay closes first); `role` is who decided, in the operator's words. */
  decided(verdict: GuardVerdict, role: string): void;
  exit(): void;
}

/** The reason as chosen; null while none is (main says what is missing). */
function chosenReason(preset: OverridePreset | null, other: string): OverrideReason | null {
  if (preset === null) return null;
  return preset === 'other' ? { preset, text: other } : { preset };
}

export function showGuardDecision(overlay: HTMLElement, { kiosk, T, lang, refusal, checkId, decided, exit }: GuardDecision): void {
  overlay.replaceChildren();
  let preset: OverridePreset | null = null;
  const other = el('input', {
    type: 'text',
    'data-testid': 'override-reason',
    'aria-label': T.overrideOther,
    placeholder: T.overrideOther,
    maxlength: String(OVERRIDE_TEXT_CHARS.max),
    hidden: '',
  });
  const presets = el('div', { class: 'override-presets', role: 'radiogroup', 'aria-label': T.overrideReason, 'data-testid': 'override-presets' });
  for (const p of OVERRIDE_PRESETS) {
    const b = el('button', { type: 'button', role: 'radio', 'aria-checked': 'false', 'data-testid': `override-preset-${p}`, 'data-preset': p }, OVERRIDE_PRESET_LABELS[p][lang]);
    b.addEventListener('click', () => {
      preset = p;
      for (const x of presets.querySelectorAll('button')) x.setAttribute('aria-checked', String(x === b));
      // Typing only for "other": a preset needs no keyboard.
      other.hidden = p !== 'other';
      if (p === 'other') other.focus();
    });
    presets.append(b);
  }
  const message = el('p', { 'data-testid': 'tech-message', role: 'status' });
  const decide = async (verdict: GuardVerdict): Promise<void> => {
    const reason = chosenReason(preset, other.value);
    // No reason chosen is still sent: main's refusal says what a reason is, in the operator's words.
    const r = await kiosk.technician.override(checkId, verdict, reason ?? { preset: 'other', text: '' });
    if (!r.ok) {
      message.textContent = refusal(r.error);
      return;
    }
    exit();
    decided(r.value.verdict, T.roles[r.value.role]);
  };
  const admit = el('button', { type: 'button', 'data-testid': 'override-admit' }, T.overrideAdmit);
  const deny = el('button', { type: 'button', 'data-testid': 'override-deny' }, T.overrideDeny);
  admit.addEventListener('click', () => void decide('admit'));
  deny.addEventListener('click', () => void decide('deny'));
  const cancel = el('button', { type: 'button', 'data-testid': 'tech-exit', class: 'tech-exit' }, T.exit);
  cancel.addEventListener('click', exit);
  overlay.append(el('h2', {}, T.overrideTitle), el('p', {}, T.overrideReason), presets, other, admit, deny, message, cancel);
}
