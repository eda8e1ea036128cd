// Between the camera and the checkpoint: the same text is not submitted
// again within `repeatMs` (a code held in front of the camera is read many
// times a second). Pure.
//
// Decodes are not capped here: the camera decodes every frame the worker
// can take (issue 17: a cap of 8 a second let a new code wait up to 125 ms
// before its first read; the scene benchmark measures the difference).

export class ScanGate {
  private lastText = '';
  private lastAt = -Infinity;

  constructor(private readonly repeatMs = 3000) {}

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
