// Which camera frames go to the decoder. Every frame, one in flight: a frame
// that comes while the worker is busy waits, and is sent the moment the
// worker answers, unless a newer frame replaces it first — only then is a
// frame dropped, and the drop is told (the scene benchmark counts drops
// while a code is in view; issue 17 wants none after 300 ms). Pure; the
// camera feeds it each frame's time (its arrival from the track, or its
// presentation by the <video>).

export interface Offer {
  /** Send this frame now (grabbed first, where it comes from the <video>). */
  send: boolean;
  /** The time of a waiting frame this one replaced (dropped for being busy), if any. */
  dropped: number | null;
}

export class FrameSlot {
  private busy: boolean;
  private waiting: number | null = null;

  /**
   * `busy`: taken from the start — by a decoder still warming up, whose
   * ready is then answered(): a frame that comes sooner waits like any other.
   */
  constructor(opts: { busy?: boolean } = {}) {
    this.busy = opts.busy ?? false;
  }

  /** A frame was presented at `at`. */
  offer(at: number): Offer {
    if (!this.busy) {
      this.busy = true;
      return { send: true, dropped: null };
    }
    const dropped = this.waiting;
    this.waiting = at;
    return { send: false, dropped };
  }

  /**
   * The frame in flight was answered (or never left: its grab failed).
   * Returns the time of the frame waiting to go now, null when none waits
   * (the slot is then free for the next frame).
   */
  answered(): number | null {
    const next = this.waiting;
    this.waiting = null;
    this.busy = next !== null;
    return next;
  }
}
