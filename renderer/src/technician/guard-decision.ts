// A guard's decision on a review (after a supervisor's PIN): admit or deny,
// with a reason main requires and audits beside the check it overrides.
import type { KioskApi } from '../../../main/contract/ipc.js';
import { el } from './dom.js';
import type { TechnicianText } from './text.js';

export type GuardVerdict = 'admit' | 'deny';

export interface GuardDecision {
  kiosk: KioskApi;
  T: TechnicianText;
  checkId: string;
  /** Main recorded the decision (the overlay closes first). */
  decided(verdict: GuardVerdict, role: string): void;
  exit(): void;
}

export function showGuardDecision(overlay: HTMLElement, { kiosk, T, checkId, decided, exit }: GuardDecision): void {
  overlay.replaceChildren();
  const reason = el('input', { type: 'text', 'data-testid': 'override-reason', 'aria-label': T.overrideReason, placeholder: T.overrideReason, maxlength: '200' });
  const message = el('p', { 'data-testid': 'tech-message', role: 'status' });
  const decide = async (verdict: GuardVerdict): Promise<void> => {
    const r = await kiosk.technician.override(checkId, verdict, reason.value);
    if (!r.ok) {
      message.textContent = r.error.message;
      return;
    }
    exit();
    decided(r.value.verdict, r.value.role);
  };
  const admit = el('button', { type: 'button', 'data-testid': 'override-admit' }, T.overrideAdmit);
  const deny = el('button', { type: 'button', 'data-testid': 'override-deny' }, T.overrideDeny);
  admit.addEventListener('click', () => void decide('admit'));
  deny.addEventListener('click', () => void decide('deny'));
  const cancel = el('button', { type: 'button', 'data-testid': 'tech-exit', class: 'tech-exit' }, T.exit);
  cancel.addEventListener('click', exit);
  overlay.append(el('h2', {}, T.overrideTitle), reason, admit, deny, message, cancel);
}
