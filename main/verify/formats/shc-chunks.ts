// Chunked SMART Health Cards (formats.md §3): a card too large for one QR is
// scanned as `shc:/i/n/<digits>` parts, joined in index order and verified
// once, as a whole. Pure: the kiosk's time is a parameter (ms), never read.
//
// What the format cannot say, and what we decide about it:
// - A chunk carries no card identifier, and only the last part holds the
//   signature. Two cards of the same part count scanned interleaved (a family
//   at the kiosk) are therefore indistinguishable from one card. We do not
//   guess: parts are grouped by their total alone. A set mixed from two cards
//   is caught downstream — the joined text fails its signature or its DEFLATE
//   (BAD_SIGNATURE or MALFORMED) and never admits; the guard has them rescan
//   one card at a time.
// - The same part scanned twice with the same digits is the camera seeing the
//   code again: idempotent. With different digits it can only be a second card
//   (or a misread): the set is discarded as a conflict rather than one of the
//   two kept arbitrarily.
// - A part with another total starts a new set: the holder moved on to
//   another card, and the old set could never complete with it.

/** At most this many parts: the SMART spec's deprecated chunking never needs more, and it bounds what a set may hold. */
export const MAX_SHC_CHUNKS = 20;
/** formats.md §3: the parts of one card are the ones scanned within 60 s. */
export const SHC_CHUNK_WINDOW_MS = 60_000;

export interface ShcChunk {
  /** 1-based part number. */
  index: number;
  total: number;
  /** The part's digits (numeric-mode JWS characters). */
  body: string;
}

// Part numbers without leading zeros; digits in pairs, since the issuer
// splits the JWS by characters and each character is two digits.
const CHUNK = /^shc:\/([1-9]\d?)\/([1-9]\d?)\/((?:\d\d)+)$/;

/**
 * A chunk text's parts, or null for anything else. A "1 of 1" is not a
 * chunk: a one-part card is written unchunked (shc:/<digits>).
 */
export function parseShcChunk(text: string): ShcChunk | null {
  const m = CHUNK.exec(text);
  if (!m) return null;
  const index = Number(m[1]);
  const total = Number(m[2]);
  if (total < 2 || total > MAX_SHC_CHUNKS || index > total) return null;
  return { index, total, body: m[3]! };
}

function range(total: number): number[] {
  return Array.from({ length: total }, (_, i) => i + 1);
}

/** The whole card's text from a full set of parts, in index order. */
function joinParts(parts: ReadonlyMap<number, string>, total: number): string {
  return (
    'shc:/' +
    range(total)
      .map((i) => parts.get(i)!)
      .join('')
  );
}

export type JoinResult =
  | { ok: true; text: string }
  | {
      ok: false;
      /** The part numbers not given (empty unless problem is 'incomplete'). */
      missing: number[];
      /** incomplete: parts missing; mixed-totals: parts of different sets; conflict: one part given twice, differently; not-a-chunk: a line is not a chunk. */
      problem: 'incomplete' | 'mixed-totals' | 'conflict' | 'not-a-chunk';
    };

/**
 * `sentinel verify -`: the chunks given on separate lines, in any order,
 * joined into one card. Blank lines are ignored; a part repeated identically
 * counts once. The caller answers MALFORMED for ok:false, naming `missing`.
 */
export function joinShcChunks(lines: readonly string[]): JoinResult {
  const given = lines.map((l) => l.trim()).filter((l) => l !== '');
  const chunks = given.map(parseShcChunk);
  if (chunks.length === 0 || chunks.some((c) => c === null)) return { ok: false, missing: [], problem: 'not-a-chunk' };
  const total = chunks[0]!.total;
  if (chunks.some((c) => c!.total !== total)) return { ok: false, missing: [], problem: 'mixed-totals' };
  const parts = new Map<number, string>();
  for (const c of chunks as ShcChunk[]) {
    const had = parts.get(c.index);
    if (had !== undefined && had !== c.body) return { ok: false, missing: [], problem: 'conflict' };
    parts.set(c.index, c.body);
  }
  const missing = range(total).filter((i) => !parts.has(i));
  if (missing.length > 0) return { ok: false, missing, problem: 'incomplete' };
  return { ok: true, text: joinParts(parts, total) };
}

/** A set the collector let go of, so the screen can say so. */
export interface DroppedSet {
  total: number;
  have: number[];
  /** expired: older than 60 s; replaced: a part of another total came; conflict: one part scanned twice, differently. */
  why: 'expired' | 'replaced' | 'conflict';
}

export type CollectResult =
  /** More parts are needed: the screen says "part i of n". No check is logged. */
  | { kind: 'partial'; index: number; total: number; have: number[]; missing: number[]; dropped: DroppedSet[] }
  /** Every part is in: verify `text` once. */
  | { kind: 'complete'; total: number; text: string; dropped: DroppedSet[] }
  /** The part contradicts one already held: the set is discarded (it is in `dropped`), scan again. */
  | { kind: 'conflict'; index: number; total: number; dropped: DroppedSet[] }
  /** Not a chunk text: nothing held was changed. */
  | { kind: 'malformed'; dropped: DroppedSet[] };

interface OpenSet {
  total: number;
  startedMs: number;
  parts: Map<number, string>;
}

/**
 * The kiosk's chunk collector: one open set at a time, whose window starts
 * with its first part. Time comes in as ms arguments (an injected clock).
 */
export class ShcChunkCollector {
  private open: OpenSet | null = null;

  constructor(private readonly windowMs: number = SHC_CHUNK_WINDOW_MS) {}

  /** Drops the open set when its first part is more than the window old; returns what was dropped. */
  expire(nowMs: number): DroppedSet[] {
    if (this.open === null || nowMs - this.open.startedMs <= this.windowMs) return [];
    return [this.drop('expired')];
  }

  /** When the open set is given up (its first part plus the window), ms; null when none is open. */
  nextExpiryMs(): number | null {
    return this.open === null ? null : this.open.startedMs + this.windowMs;
  }

  /** The parts held now, for a screen that redraws (null when none). */
  pending(): { total: number; have: number[]; missing: number[] } | null {
    if (this.open === null) return null;
    const { total, parts } = this.open;
    return { total, have: this.have(), missing: range(total).filter((i) => !parts.has(i)) };
  }

  add(text: string, nowMs: number): CollectResult {
    const dropped = this.expire(nowMs);
    const chunk = parseShcChunk(text.trim());
    if (chunk === null) return { kind: 'malformed', dropped };
    if (this.open !== null && this.open.total !== chunk.total) dropped.push(this.drop('replaced'));
    if (this.open === null) this.open = { total: chunk.total, startedMs: nowMs, parts: new Map() };
    const set = this.open;
    const had = set.parts.get(chunk.index);
    if (had !== undefined && had !== chunk.body) {
      dropped.push(this.drop('conflict'));
      return { kind: 'conflict', index: chunk.index, total: chunk.total, dropped };
    }
    set.parts.set(chunk.index, chunk.body);
    if (set.parts.size === set.total) {
      this.open = null;
      return { kind: 'complete', total: set.total, text: joinParts(set.parts, set.total), dropped };
    }
    const { have, missing } = this.pending()!;
    return { kind: 'partial', index: chunk.index, total: chunk.total, have, missing, dropped };
  }

  /** Forgets the open set (the guard cancelled). */
  clear(): void {
    this.open = null;
  }

  private have(): number[] {
    return [...(this.open?.parts.keys() ?? [])].sort((a, b) => a - b);
  }

  private drop(why: DroppedSet['why']): DroppedSet {
    const set = { total: this.open!.total, have: this.have(), why };
    this.open = null;
    return set;
  }
}
