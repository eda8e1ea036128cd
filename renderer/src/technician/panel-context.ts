// What every section of the technician's panel is given: the kiosk, the
// operator's words, main's messages rendered in them, and the panel's
// lifetime. Each section has its own message line (section.ts).
import type { KioskApi, KioskError, TechnicianMessage } from '../../../main/contract/ipc.js';
import type { Lang } from '../../../main/contract/messages.js';
import type { TechnicianText } from './text.js';

export interface PanelContext {
  readonly kiosk: KioskApi;
  /** The operator's words as the panel opened. */
  readonly T: TechnicianText;
  /** The operator's language now (a saved setting may change it while the panel is open). */
  lang(): Lang;
  /** The gate's time zone: every time the panel shows is in it, on a 24-hour clock. */
  timeZone(): string;
  /** What main says, in the operator's language. */
  words(message: TechnicianMessage): string;
  /** A request main refused: its words for the refusal, or "not done" with the code (never a raw English sentence). */
  refusal(error: KioskError): string;
  /** Postpones the idle exit: each action is the technician still there. */
  touch(): void;
  /** Runs `release` when the panel goes away (at once if it already has): a camera, a listener or a test must not outlive it. */
  whileOpen(release: () => void): void;
}
