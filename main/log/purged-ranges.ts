// Which chain positions retention has deleted, as the chain itself records
// them. A purge writes a keyed marker event listing the positions it
// deleted (as ranges) — and the ranges of any earlier marker it deleted
// with them, so no record is lost when old markers are purged in turn. The
// chain verifies across a gap only where such a marker covers it: without
// the chain key a deletion by hand cannot be passed off as retention.
import type { ChainReport } from './chain.js';

/** Inclusive ranges of chain positions, [from, to]. */
export type PositionRange = [number, number];

/** The audit event types that record deleted chain positions (`detail.purged`). */
export const PURGE_MARKER_TYPES: ReadonlySet<string> = new Set(['retention/purged', 'log/rekeyed']);

/** Sorted, overlapping and adjacent ranges joined. */
export function mergeRanges(ranges: Iterable<PositionRange>): PositionRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: PositionRange[] = [];
  for (const [from, to] of sorted) {
    const last = out.at(-1);
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}

/** Ranges from sorted, distinct positions. */
export function rangesOf(positions: readonly number[]): PositionRange[] {
  const out: PositionRange[] = [];
  for (const p of positions) {
    const last = out.at(-1);
    if (last && p === last[1] + 1) last[1] = p;
    else out.push([p, p]);
  }
  return out;
}

/** A marker's `purged` member, or null when it is not a list of ranges. */
export function purgedRangesOf(detail: unknown): PositionRange[] | null {
  const purged = (detail as { purged?: unknown } | null)?.purged;
  if (!Array.isArray(purged)) return null;
  const out: PositionRange[] = [];
  for (const r of purged as unknown[]) {
    if (!Array.isArray(r) || r.length !== 2 || !Number.isSafeInteger(r[0]) || !Number.isSafeInteger(r[1]) || (r[0] as number) > (r[1] as number)) return null;
    out.push([r[0] as number, r[1] as number]);
  }
  return out;
}

/** Merged ranges with a lookup: is every position from..to covered? */
export class PurgedPositions {
  private readonly ranges: PositionRange[];

  constructor(ranges: Iterable<PositionRange>) {
    this.ranges = mergeRanges(ranges);
  }

  covers(from: number, to: number): boolean {
    if (from > to) return true;
    const r = this.rangeAt(from);
    return r !== null && r[1] >= to;
  }

  has(pos: number): boolean {
    return this.rangeAt(pos) !== null;
  }

  private rangeAt(pos: number): PositionRange | null {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid]!;
      if (pos < r[0]) hi = mid - 1;
      else if (pos > r[1]) lo = mid + 1;
      else return r;
    }
    return null;
  }
}

/**
 * What migration 5 found before re-keying, when it was not an intact chain:
 * recorded in its log/rekeyed event, and carried on by the retention
 * marker that deletes that event (so it is not lost with it).
 */
export interface BrokenBeforeKeyed {
  legacyChain: ChainReport;
  /** The log had been keyed before and its schema was set back (migrations.ts, keyedBefore). */
  schemaSetBack: boolean;
}

/** A marker's record of a chain found broken before it was keyed, or null when it has none. */
export function brokenBeforeKeyedOf(detail: unknown): BrokenBeforeKeyed | null {
  const d = detail as { legacyChain?: unknown; schemaSetBack?: unknown } | null;
  const legacy = d?.legacyChain as ChainReport | undefined;
  if (typeof legacy !== 'object' || legacy === null || legacy.ok !== false) return null;
  return { legacyChain: legacy, schemaSetBack: d!.schemaSetBack === true };
}
