// The pace of scans a checkpoint takes from one source. A queue of
// travellers presents a code every few seconds at most; anything much
// faster is a scanner stuck in a loop, a replayed burst or a script, and
// each such scan would be verified, logged and counted as a check. Those
// beyond a human rate are dropped before any of that, and the status says
// how many were.
import type { ScanSource } from '../contract/kiosk.js';

export interface ScanPaceOptions {
  /** Scans a source may make in a quick burst (a person retrying, two travellers close together). */
  burst: number;
  /** The sustained rate a source earns back, scans per second. */
  perSecond: number;
}

/** Four at once, then one a second: well above a real queue (one traveller every 2–3 s), far below a flood. */
export const HUMAN_SCAN_PACE: ScanPaceOptions = { burst: 4, perSecond: 1 };

export class ScanPace {
  private readonly buckets = new Map<ScanSource, { tokens: number; atMs: number }>();
  private dropped = 0;
  private lastDroppedAtMs: number | null = null;

  constructor(private readonly opts: ScanPaceOptions = HUMAN_SCAN_PACE) {}

  /** May a scan from `source` at `nowMs` be checked? A refused one is counted as dropped. */
  admit(source: ScanSource, nowMs: number): boolean {
    const bucket = this.buckets.get(source) ?? { tokens: this.opts.burst, atMs: nowMs };
    // A clock that stepped back earns nothing (and takes nothing away).
    const elapsedS = Math.max(0, nowMs - bucket.atMs) / 1000;
    bucket.tokens = Math.min(this.opts.burst, bucket.tokens + elapsedS * this.opts.perSecond);
    bucket.atMs = nowMs;
    this.buckets.set(source, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return true;
    }
    this.dropped += 1;
    this.lastDroppedAtMs = nowMs;
    return false;
  }

  /** Scans dropped since the kiosk started, and when the last was. */
  summary(): { dropped: number; lastDroppedAtMs: number | null } {
    return { dropped: this.dropped, lastDroppedAtMs: this.lastDroppedAtMs };
  }
}
