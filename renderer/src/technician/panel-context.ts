// What every section of the technician's panel is given: the kiosk, the
// operator's words, the panel's one message line, and the panel's lifetime.
import type { KioskApi } from '../../../main/contract/ipc.js';
import type { Lang } from '../../../main/contract/messages.js';
import type { TechnicianText } from './text.js';

export interface PanelContext {
  readonly kiosk: KioskApi;
  /** The operator's words as the panel opened. */
  readonly T: TechnicianText;
  /** The operator's language now (a saved setting may change it while the panel is open). */
  lang(): Lang;
  /** Postpones the idle exit: each action is the technician still there. */
  touch(): void;
  /** Shows a sentence on the panel's message line (above every section). */
  say(text: string): void;
  /** Runs `release` when the panel goes away (at once if it already has): a camera, a listener or a test must not outlive it. */
  whileOpen(release: () => void): void;
}
