// A keyboard-wedge scanner types its text into whatever has focus, far
// faster than a person. This tells the two apart by burst timing: at least
// `minChars` characters ended by Enter, typed at an average of at most
// `maxAvgGapMs` per character. A single pause longer than `maxPauseMs`
// starts over. Judging the average rather than every gap keeps a scan whole
// through a hiccup of a busy screen, while a person (≥ 80 ms a key) never
// passes. Pure: the caller feeds keys with their times.

export interface WedgeOptions {
  minChars?: number;
  maxAvgGapMs?: number;
  maxPauseMs?: number;
}

export class WedgeDetector {
  private buffer = '';
  private startedAt = 0;
  private lastAt = -Infinity;
  private readonly minChars: number;
  private readonly maxAvgGapMs: number;
  private readonly maxPauseMs: number;

  constructor(opts: WedgeOptions = {}) {
    this.minChars = opts.minChars ?? 20;
    this.maxAvgGapMs = opts.maxAvgGapMs ?? 35;
    this.maxPauseMs = opts.maxPauseMs ?? 300;
  }

  /** True while a burst is under way (its keys should not reach anything else). */
  get inBurst(): boolean {
    return this.buffer.length > 0;
  }

  /**
   * Feeds one key (KeyboardEvent.key) pressed at `atMs`. Returns the scanned
   * text when this key completes a burst, else null.
   */
  key(key: string, atMs: number): string | null {
    if (atMs - this.lastAt > this.maxPauseMs) this.buffer = '';
    this.lastAt = atMs;
    if (key === 'Enter') {
      const text = this.buffer;
      const chars = text.length;
      this.buffer = '';
      const fastEnough = chars > 1 && (atMs - this.startedAt) / chars <= this.maxAvgGapMs;
      return chars >= this.minChars && fastEnough ? text : null;
    }
    // Printable characters only; Shift and friends arrive as named keys and are skipped.
    if (key.length === 1) {
      if (this.buffer.length === 0) this.startedAt = atMs;
      this.buffer += key;
      if (this.buffer.length > 16_384) this.buffer = '';
    }
    return null;
  }
}
