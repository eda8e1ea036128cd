// How long each result stays on the screen. A traveller admitted walks on
// and the next one is waiting: 2 s, as face-temperature terminals clear an
// admit. A refusal stays long enough to be read and photographed (the
// technician's "result seconds", 10 by default). A review is the guard's:
// it stays until a guard decides; after REVIEW_HOLD_MS it turns into a
// "please see staff" screen that still offers the guard's decision.
import type { Verdict } from '../../main/contract/reasons.js';

export const ADMIT_MS = 2000;
export const REVIEW_HOLD_MS = 30_000;

/** Milliseconds until the screen moves on from a result: to ready, or (a review) to "please see staff". */
export function resultHoldMs(verdict: Verdict, resultSeconds: number): number {
  if (verdict === 'admit') return Math.min(ADMIT_MS, resultSeconds * 1000);
  if (verdict === 'review') return Math.max(REVIEW_HOLD_MS, resultSeconds * 1000);
  return resultSeconds * 1000;
}
