// Timing marks the benchmarks read (window.__sentinelPerf). Kept in
// production: bounded, and they hold times only, never what was scanned.

const LIMIT = 2000;

interface Perf {
  /** Camera frames presented: media time (s) → presentation time (ms, performance clock). */
  frames: { mediaTime: number; at: number }[];
  /** Decodes in the worker: its time and whether it found a code. */
  decodes: { ms: number; sentAt: number | null; found: boolean }[];
  /** Verdicts: when the scan was handed to main, and when the verdict was painted. */
  verdicts: { submittedAt: number; paintedAt: number; verdict: string; source: string }[];
  /** Every verdict painted since the page loaded (the lists above keep only the latest). */
  painted: number;
}

const data: Perf = { frames: [], decodes: [], verdicts: [], painted: 0 };
(globalThis as unknown as { __sentinelPerf: Perf }).__sentinelPerf = data;

function push<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > LIMIT) list.splice(0, list.length - LIMIT);
}

export const perf = {
  frame(mediaTime: number, at: number): void {
    push(data.frames, { mediaTime, at });
  },
  decode(ms: number, sentAt: number | null, found: boolean): void {
    push(data.decodes, { ms, sentAt, found });
  },
  verdict(submittedAt: number, paintedAt: number, verdict: string, source: string): void {
    data.painted++;
    push(data.verdicts, { submittedAt, paintedAt, verdict, source });
  },
};
