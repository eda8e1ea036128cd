// One section of the technician's panel: its heading (which the panel's
// index links to) and its own message line, so the answer to an action
// shows beside the action, not in one line at the top for everything.
import type { KioskError, TechnicianMessage } from '../../../main/contract/ipc.js';
import { isTechnicianMessage, technicianText } from '../../../main/contract/ipc.js';
import type { Lang } from '../../../main/contract/messages.js';
import { el } from './dom.js';

/** The panel's sections, in order; each is one entry of the index. */
export type SectionId = 'selftest' | 'settings' | 'devices' | 'gate' | 'calibration' | 'policy' | 'trust' | 'clock' | 'export';

export interface PanelSection {
  readonly element: HTMLElement;
  /** Shows a sentence on this section's message line. */
  say(text: string): void;
}

export function panelSection(id: SectionId, title: string): PanelSection {
  const element = el('section', { id: `tech-sec-${id}`, 'data-title': title, 'data-testid': `tech-section-${id}`, 'aria-labelledby': `tech-sec-${id}-title` });
  const message = el('p', { 'data-testid': `tech-message-${id}`, class: 'tech-message', role: 'status' });
  element.append(el('h3', { id: `tech-sec-${id}-title` }, title), message);
  return {
    element,
    say: (text) => {
      message.textContent = text;
      // The answer is read where the action was: a long section scrolls its line into view.
      if (text) message.scrollIntoView({ block: 'nearest' });
    },
  };
}

/** A refusal in the operator's language: main's message for it, or a plain "not done" naming the code. */
export function refusalText(error: KioskError, lang: Lang, timeZone: string): string {
  const says: TechnicianMessage = isTechnicianMessage(error.says) ? error.says : { key: 'requestFailed', params: { code: error.code } };
  return technicianText(says, lang, timeZone);
}
