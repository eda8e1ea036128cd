// Timing marks the benchmarks read (window.__sentinelPerf). Kept in
// production: bounded, and they hold times only, never what was scanned.
import type { DecodeStages, FramePath } from './decode-protocol.js';
import type { CameraTuning } from './camera-tuning.js';

const LIMIT = 2000;

/** One decode's stages (ms): the grab on this thread, then the worker's (decode-protocol.ts). */
export interface DecodeTiming extends DecodeStages {
  path: FramePath;
  grab: number;
  /** When the frame decoded came (arrival from the camera track, or presentation by the <video>; performance clock). */
  frameAt: number;
  /** The decoder's WebAssembly memory after it, in bytes (the heap path only). */
  heapBytes?: number;
}

/** The decoder worker's warm-up: when it said ready (performance clock), and how long it took. */
export interface Warmup {
  readyAt: number;
  warmMs: number;
  moduleMs: number;
  path: FramePath;
  error?: string;
}

interface Perf {
  /** Where the decoder's frames come from, the latest camera opened: the track as it delivers them, or the <video> as it presents them. */
  frameSource: 'track' | 'video' | null;
  /** Camera frames for the decoder: media time (s) → when they came (ms, performance clock: arrival from the track, presentation by the <video>). */
  frames: { mediaTime: number; at: number }[];
  /** Camera frames never decoded: replaced by a newer frame while the worker was busy (their times, as in `frames`). */
  drops: number[];
  /** Decodes in the worker: its time, whether it found a code, and where the time went. */
  decodes: { ms: number; sentAt: number | null; found: boolean; timing?: DecodeTiming }[];
  /** Verdicts: when the scan was handed to main, and when the verdict was painted. */
  verdicts: { submittedAt: number; paintedAt: number; verdict: string; source: string }[];
  /** Every verdict painted since the page loaded (the lists above keep only the latest). */
  painted: number;
  /** The latest decoder warm-up (a technician's preview warms its own worker too). */
  warmup: Warmup | null;
  /** Why the latest decoder worker could not load (it never says ready), else null. */
  decoderFailure: string | null;
  /** What the camera took of the settings asked for (renderer/src/camera-tuning.ts), the latest camera opened. */
  tuning: CameraTuning | null;
}

const data: Perf = { frameSource: null, frames: [], drops: [], decodes: [], verdicts: [], painted: 0, warmup: null, decoderFailure: null, tuning: null };
(globalThis as unknown as { __sentinelPerf: Perf }).__sentinelPerf = data;

function push<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > LIMIT) list.splice(0, list.length - LIMIT);
}

export const perf = {
  frame(mediaTime: number, at: number): void {
    push(data.frames, { mediaTime, at });
  },
  drop(at: number): void {
    push(data.drops, at);
  },
  decode(ms: number, sentAt: number | null, found: boolean, timing?: DecodeTiming): void {
    push(data.decodes, { ms, sentAt, found, ...(timing ? { timing } : {}) });
  },
  warmup(w: Warmup): void {
    data.warmup = w;
  },
  decoderFailure(why: string): void {
    data.decoderFailure = why;
  },
  tuning(t: CameraTuning): void {
    data.tuning = t;
  },
  frameSource(source: 'track' | 'video'): void {
    data.frameSource = source;
  },
  verdict(submittedAt: number, paintedAt: number, verdict: string, source: string): void {
    data.painted++;
    push(data.verdicts, { submittedAt, paintedAt, verdict, source });
  },
};
