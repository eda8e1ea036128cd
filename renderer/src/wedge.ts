// A keyboard-wedge scanner types its text into whatever has focus, far
// faster than a person. This tells the two apart by burst timing: at least
// `minChars` characters, each within `maxGapMs` of the last, ended by Enter.
// Pure: the caller feeds keys with their times.

export interface WedgeOptions {
  minChars?: number;
  maxGapMs?: number;
}

export class WedgeDetector {
  private buffer = '';
  private lastAt = -Infinity;
  private readonly minChars: number;
  private readonly maxGapMs: number;

  constructor(opts: WedgeOptions = {}) {
    this.minChars = opts.minChars ?? 20;
    this.maxGapMs = opts.maxGapMs ?? 50;
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
    if (atMs - this.lastAt > this.maxGapMs) this.buffer = '';
    this.lastAt = atMs;
    if (key === 'Enter') {
      const text = this.buffer;
      this.buffer = '';
      return text.length >= this.minChars ? text : null;
    }
    // Printable characters only; Shift and friends arrive as named keys and are skipped.
    if (key.length === 1) {
      this.buffer += key;
      if (this.buffer.length > 16_384) this.buffer = '';
    }
    return null;
  }
}
