// The touchscreen's way into technician mode: three quick taps on the
// top-right corner, then a hold of three seconds. A traveller leaning on the
// screen, resting a hand on the corner or tapping it in impatience does not
// make that sequence; a technician who knows it does in five seconds. Pure:
// the caller passes the event times and runs the hold timer it is told to.

/** A tap is a touch shorter than this, ms. */
export const TAP_MAX_MS = 500;
/** The taps and the start of the hold fall within this window from the first tap's touch, ms. */
export const SEQUENCE_WINDOW_MS = 3000;
/** The final touch is held this long, ms. */
export const HOLD_MS = 3000;
export const TAPS = 3;

export class CornerGesture {
  /** When each tap of the sequence so far began. */
  private taps: number[] = [];
  private downAt: number | null = null;

  /** A touch begins: true when it is the hold that completes the sequence (start a HOLD_MS timer). */
  down(atMs: number): boolean {
    this.downAt = atMs;
    this.taps = this.taps.filter((t) => atMs - t <= SEQUENCE_WINDOW_MS);
    return this.taps.length >= TAPS;
  }

  /** The touch ends (or leaves the corner, or is cancelled): a short one counts as a tap; a long one starts over. */
  up(atMs: number): void {
    const downAt = this.downAt;
    this.downAt = null;
    if (downAt === null) return;
    if (atMs - downAt < TAP_MAX_MS) {
      this.taps.push(downAt);
      // A fourth tap keeps the last three: the sequence is the latest one.
      if (this.taps.length > TAPS) this.taps.shift();
    } else this.taps = [];
  }

  /** The hold timer fired: open only if the finger is still down since the sequence's hold began. */
  held(atMs: number): boolean {
    const ok = this.downAt !== null && atMs - this.downAt >= HOLD_MS - 1 && this.taps.length >= TAPS;
    this.taps = [];
    return ok;
  }
}
