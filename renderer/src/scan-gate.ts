// Between the camera and the checkpoint: the same text is not submitted
// again within `repeatMs` (a code held in front of the camera is read many
// times a second), and decodes are capped to `maxPerSecond`. Pure.

export class ScanGate {
  private lastText = '';
  private lastAt = -Infinity;
  private lastDecodeAt = -Infinity;

  constructor(
    private readonly repeatMs = 3000,
    private readonly maxPerSecond = 8,
  ) {}

  /** May a frame be decoded now? */
  mayDecode(atMs: number): boolean {
    if (atMs - this.lastDecodeAt < 1000 / this.maxPerSecond) return false;
    this.lastDecodeAt = atMs;
    return true;
  }

  /** Forgets the last text: the checkpoint did not take it (dropped for pace), so the next sighting goes again. */
  forget(): void {
    this.lastText = '';
    this.lastAt = -Infinity;
  }

  /** Should this decoded text go to the checkpoint? */
  shouldSubmit(text: string, atMs: number): boolean {
    if (text === this.lastText && atMs - this.lastAt < this.repeatMs) {
      // Still in front of the camera: keep the window open from the last sighting.
      this.lastAt = atMs;
      return false;
    }
    this.lastText = text;
    this.lastAt = atMs;
    return true;
  }
}

/**
 * The texts the camera passed on lately. While the PIN pad is up, a code
 * seen in the last `forMs` is the previous traveller's phone still about (or
 * a technician's card), not a new traveller: it leaves the pad alone, while
 * a code not seen lately closes it and is decided. Pure.
 */
export class RecentSightings {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly forMs = 10_000,
    private readonly max = 16,
  ) {}

  /** Records a sighting; true when the text was already seen within `forMs`. */
  sighted(text: string, atMs: number): boolean {
    for (const [t, at] of this.seen) if (atMs - at > this.forMs) this.seen.delete(t);
    const before = this.seen.has(text);
    // Re-inserted so the map's order is the order of last sighting (the oldest go first).
    this.seen.delete(text);
    this.seen.set(text, atMs);
    if (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value!);
    return before;
  }
}
