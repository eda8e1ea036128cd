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
