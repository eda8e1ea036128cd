// The scene runner's scenes (bench/scene-bench.ts) as pure data, and the
// figures a repetition's marks give. A scene is what a camera shows, frame
// by frame: the phones in each of its images (frames.ts's patches laid over
// the station's background) and which image each frame shows. A
// repetition plays the scene's approach once, then cycles its hold until
// the verdict is painted and a traveller's glance more, then shows the
// background alone. Nothing here touches a browser; test/bench/scenes.test.ts
// checks it.
import { codeCorners, type PatchOptions } from './frames.js';
import { quantile } from './quantile.js';

/** A camera's frame interval at 30 frames a second, ms. */
export const FRAME_MS = 1000 / 30;
/** The code stays this many frames after its verdict is painted: the traveller reads the screen before lowering the phone (0.5 s). */
export const AFTER_PAINT_FRAMES = 15;
/** Background alone after each repetition (0.5 s): the next code appears on a camera that has seen no code for a while. */
export const TAIL_FRAMES = 15;
/** A code held this long unread is given up (5 s): the repetition counts as not read. */
export const HOLD_LIMIT_FRAMES = 150;
/** Drops are counted from this long after the code appeared (issue 17: none after 300 ms). */
export const DROP_GRACE_MS = 300;

/** What a frame shows: an image of the scene (its index), or the background alone. */
export type Step = number | null;

/** A phone in an image: one of the scene's patches, its code centred at `centre` (px). */
export interface Phone {
  patch: number;
  centre: [number, number];
}

export interface Scene {
  name: SceneName;
  width: number;
  height: number;
  /**
   * The phones a repetition draws: each with the repetition's code (0, the
   * one that must be decided) or a second code (1, a phone further back).
   */
  patches: { code: 0 | 1; options: Omit<PatchOptions, 'seed'> }[];
  images: { phones: Phone[] }[];
  /** Frames played once as the scene starts. */
  approach: Step[];
  /** Frames played after the approach, cycled, until the verdict is painted and AFTER_PAINT_FRAMES more. */
  hold: Step[];
  /** A fresh page each repetition, the scene showing from the camera's first frame. */
  freshPage?: boolean;
}

export const SCENE_NAMES = ['appears', 'enters', 'moves', 'tilt sweep', 'glare sweep', 'dark mode', 'small (20% of height)', 'vga', 'two codes', 'first scan'] as const;
export type SceneName = (typeof SCENE_NAMES)[number];

const HD = { width: 1280, height: 720 };
const VGA = { width: 640, height: 480 };
/** The code most scenes show: 45% of the frame's height, turned a little, with sensor noise. */
const HELD = { side: 0.45 * HD.height, rotateDeg: 3, noise: 3 };
const middle = (f: { width: number; height: number }): [number, number] => [f.width / 2, f.height / 2];
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** 0 … n−1 … 1: a sweep there and back, cycled without repeating its ends. */
const pingPong = (n: number): number[] => [...range(n), ...range(n - 2).map((i) => n - 2 - i)];
/** The same cycle, begun at its first `value`. */
const startingAt = (cycle: number[], value: number): number[] => {
  const i = Math.max(0, cycle.indexOf(value));
  return [...cycle.slice(i), ...cycle.slice(0, i)];
};
/** One phone, one image, held: a code that pops into view and stays. */
const still = (name: SceneName, frame: { width: number; height: number }, options: Omit<PatchOptions, 'seed'>, extra: Partial<Scene> = {}): Scene => ({
  name,
  ...frame,
  patches: [{ code: 0, options }],
  images: [{ phones: [{ patch: 0, centre: middle(frame) }] }],
  approach: [],
  hold: [0],
  ...extra,
});

/** Positions the code slides through from the frame's right edge to the middle (eased: fast, then settling). */
const ENTER_FRAMES = 12;
/** Hand drift: one lap of a figure-eight this many frames long, this wide (px). */
const DRIFT_FRAMES = 40;
const DRIFT_PX: [number, number] = [60, 25];
const SWEEP_STEPS = 12;

export function scenes(): Scene[] {
  const [cx, cy] = middle(HD);
  const enterFrom = HD.width + 0.3 * HELD.side;
  const sweep = (i: number): number => i / (SWEEP_STEPS - 1);
  return [
    still('appears', HD, HELD),
    {
      name: 'enters',
      ...HD,
      patches: [{ code: 0, options: HELD }],
      images: range(ENTER_FRAMES).map((i) => ({ phones: [{ patch: 0, centre: [enterFrom + (cx - enterFrom) * (1 - (1 - i / (ENTER_FRAMES - 1)) ** 2), cy] }] })),
      approach: range(ENTER_FRAMES),
      hold: [ENTER_FRAMES - 1],
    },
    {
      name: 'moves',
      ...HD,
      patches: [{ code: 0, options: HELD }],
      images: range(DRIFT_FRAMES).map((i) => {
        const a = (2 * Math.PI * i) / DRIFT_FRAMES;
        return { phones: [{ patch: 0, centre: [cx + DRIFT_PX[0] * Math.sin(a), cy + DRIFT_PX[1] * Math.sin(2 * a)] }] };
      }),
      approach: [],
      hold: range(DRIFT_FRAMES),
    },
    {
      // Tipped back and forth and turned: the perspective changes every frame.
      name: 'tilt sweep',
      ...HD,
      patches: range(SWEEP_STEPS).map((i) => ({ code: 0, options: { ...HELD, tilt: -0.3 + 0.6 * sweep(i), rotateDeg: -20 + 40 * sweep(i) } })),
      images: range(SWEEP_STEPS).map((i) => ({ phones: [{ patch: i, centre: [cx, cy] }] })),
      approach: [],
      hold: pingPong(SWEEP_STEPS),
    },
    {
      // A ceiling light's reflection sweeping the phone's glass, from beside the code to beyond it and back; it
      // whites out the code's middle (no pass reads the middle six of the twelve in bench/frames.ts's frames), and the
      // phone comes into view with the reflection on it, so the code is read as the reflection moves off.
      name: 'glare sweep',
      ...HD,
      patches: range(SWEEP_STEPS).map((i) => ({ code: 0, options: { ...HELD, glare: { at: [-0.2 + 1.4 * sweep(i), 0.4], radius: 0.3, peak: 300 } } })),
      images: range(SWEEP_STEPS).map((i) => ({ phones: [{ patch: i, centre: [cx, cy] }] })),
      approach: [],
      hold: startingAt(pingPong(SWEEP_STEPS), SWEEP_STEPS / 2),
    },
    still('dark mode', HD, { ...HELD, negative: true }),
    // decode-accuracy's "20% of height": its smallest code read however it is held at 720p (1.7 px a module for a PHC1
    // code), counting by height as the "45% of the frame" does. At 15% of the height (1.27 px a module) whether a
    // code reads is chance of how its modules fall on the pixel grid (decision 39); 15% of the frame's area is a side of
    // 0.52 of the height, larger than HELD.
    still('small (20% of height)', HD, { side: 0.2 * HD.height, rotateDeg: 3, noise: 3 }),
    // decode-accuracy's "vga 55%, blur" profile.
    still('vga', VGA, { side: 0.55 * VGA.height, rotateDeg: 5, blur: 1, noise: 4 }),
    {
      // The traveller's phone near, a second one further back: the largest valid code is decided (qr-decode-plan.ts, chooseHit).
      name: 'two codes',
      ...HD,
      patches: [
        { code: 0, options: HELD },
        { code: 1, options: { side: 0.22 * HD.height, rotateDeg: -4, noise: 3 } },
      ],
      images: [
        {
          phones: [
            { patch: 0, centre: [0.33 * HD.width, cy] },
            { patch: 1, centre: [0.8 * HD.width, 0.42 * HD.height] },
          ],
        },
      ],
      approach: [],
      hold: [0],
    },
    still('first scan', HD, HELD, { freshPage: true }),
  ];
}

/**
 * Whether an image shows the repetition's code whole: the symbol's corners
 * (the quiet zone left out: `symbolShare` of the side, (size − 8) / size for
 * a code of `size` modules with its quiet zone) all inside the frame. A
 * tilted code's symbol is taken as its outline scaled about its centre.
 */
export function codeInView(scene: Scene, image: number, symbolShare: number): boolean {
  return (scene.images[image]?.phones ?? []).some(({ patch, centre }) => {
    const p = scene.patches[patch]!;
    if (p.code !== 0) return false;
    const corners = codeCorners(p.options.side * symbolShare, centre, p.options.tilt, p.options.rotateDeg);
    return corners.every(([x, y]) => x >= 0 && y >= 0 && x <= scene.width && y <= scene.height);
  });
}

/** A frame the page's camera wrote: when (performance clock, ms), its timestamp (µs: the video's media time), what it showed. */
export interface Written {
  at: number;
  ts: number;
  step: Step;
}

/** The screen's marks (window.__sentinelPerf, renderer/src/perf.ts) for one repetition. `drops` and `timing.frameAt` are absent on a screen from before them. */
export interface Marks {
  frames: { mediaTime: number; at: number }[];
  drops?: number[];
  decodes: { ms: number; sentAt: number | null; found: boolean; timing?: { frameAt?: number; heapBytes?: number; transfer?: number } }[];
  verdicts: { submittedAt: number; paintedAt: number; verdict: string; source: string }[];
}

export interface RepFigures {
  /** The first frame showing the code whole, and the first after it that does not (write times, performance clock, ms); null when it never showed. */
  appearAt: number | null;
  goneAt: number | null;
  /** The first verdict submitted after the repetition's first frame. */
  verdict: Marks['verdicts'][number] | null;
  /** Appear → that verdict painted, ms. */
  latencyMs: number | null;
  /** Frames written and decodes sent while the code was in view. */
  framesInView: number;
  decodesInView: number;
  /** The worker's time for those decodes, ms. */
  decodeMs: number[];
  /** Frames showing the code, presented DROP_GRACE_MS or more after it appeared and never decoded for the worker being busy; null when the screen does not count drops. */
  lateDrops: number | null;
}

/**
 * Drops that count against issue 17's goal: frames presented at least
 * `graceMs` after the code appeared that showed it. Which frame a drop was
 * is found through its presentation time (the screen's frame marks) and the
 * media time the camera stamped on it; a drop whose frame has left the
 * marks is counted when it came before the code went.
 */
export function lateDrops(drops: number[], marks: Pick<Marks, 'frames'>, written: Written[], inView: (step: Step) => boolean, appearAt: number, goneAt: number, graceMs = DROP_GRACE_MS): number {
  const mediaAt = new Map(marks.frames.map((f) => [f.at, Math.round(f.mediaTime * 1e6)]));
  const byTs = new Map(written.map((w) => [w.ts, w]));
  return drops.filter((at) => {
    if (at < appearAt + graceMs) return false;
    const ts = mediaAt.get(at);
    const frame = ts === undefined ? undefined : byTs.get(ts);
    return frame ? inView(frame.step) : at < goneAt;
  }).length;
}

/** One repetition's figures from the frames the camera wrote (in order) and the screen's marks. */
export function repFigures(written: Written[], inView: (step: Step) => boolean, marks: Marks): RepFigures {
  const start = written[0]?.at ?? Infinity;
  const first = written.findIndex((w) => inView(w.step));
  const appearAt = first < 0 ? null : written[first]!.at;
  const after = first < 0 ? -1 : written.findIndex((w, i) => i > first && !inView(w.step));
  const last = written[written.length - 1];
  const goneAt = first < 0 ? null : after >= 0 ? written[after]!.at : last!.at + FRAME_MS;
  const verdict = marks.verdicts.find((v) => v.submittedAt >= start) ?? null;
  const during = (t: number | null): boolean => appearAt !== null && goneAt !== null && t !== null && t >= appearAt && t < goneAt;
  const decodes = marks.decodes.filter((d) => during(d.sentAt));
  return {
    appearAt,
    goneAt,
    verdict,
    latencyMs: verdict && appearAt !== null ? verdict.paintedAt - appearAt : null,
    framesInView: written.filter((w) => during(w.at)).length,
    decodesInView: decodes.length,
    decodeMs: decodes.map((d) => d.ms),
    lateDrops: marks.drops && appearAt !== null && goneAt !== null ? lateDrops(marks.drops, marks, written, inView, appearAt, goneAt) : null,
  };
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

/** A repetition as the runner judged it: its figures, whether the right code was decided, and which code the kiosk was given first. */
export interface RepOutcome extends RepFigures {
  read: boolean;
  decided: 'code' | 'second code' | 'other' | null;
  /** Frame slots the page's camera missed, busy (the scene moved on regardless). */
  skipped: number;
}

export interface SceneFigures {
  scene: SceneName;
  frame: string;
  reps: number;
  /** Repetitions whose verdict was painted for the code that should be decided. */
  read: number;
  appearToPaintedMs: { p50: number; p95: number; max: number } | null;
  /** Decodes sent while the code was in view, per second of it, and per frame written then. */
  decodesPerSecondInView: number | null;
  decodesPerFrameInView: number | null;
  /** Summed over the repetitions; null when the screen does not count drops. */
  dropsAfter300ms: number | null;
  decodeMs: { p50: number; p95: number } | null;
  /** source/verdict → repetitions. */
  verdicts: Record<string, number>;
  /** Which code the kiosk was given first, per repetition (the two-codes scene's question). */
  decided: Record<string, number>;
  /** Frame slots the page's camera missed, busy, over the repetitions: a load on the page's thread the figures above carry. */
  cameraFramesSkipped: number;
}

export function sceneFigures(scene: Scene, reps: RepOutcome[]): SceneFigures {
  const latencies = reps.filter((r) => r.read).map((r) => r.latencyMs ?? NaN);
  const seconds = reps.reduce((s, r) => s + (r.appearAt !== null && r.goneAt !== null ? (r.goneAt - r.appearAt) / 1000 : 0), 0);
  const decodes = reps.reduce((s, r) => s + r.decodesInView, 0);
  const frames = reps.reduce((s, r) => s + r.framesInView, 0);
  const decodeMs = reps.flatMap((r) => r.decodeMs);
  const count = (keys: string[]): Record<string, number> => keys.reduce<Record<string, number>>((m, k) => ({ ...m, [k]: (m[k] ?? 0) + 1 }), {});
  const drops = reps.map((r) => r.lateDrops);
  return {
    scene: scene.name,
    frame: `${scene.width}×${scene.height}`,
    reps: reps.length,
    read: reps.filter((r) => r.read).length,
    appearToPaintedMs: latencies.length ? { p50: Math.round(quantile(latencies, 0.5)), p95: Math.round(quantile(latencies, 0.95)), max: Math.round(Math.max(...latencies)) } : null,
    decodesPerSecondInView: seconds > 0 ? round1(decodes / seconds) : null,
    decodesPerFrameInView: frames > 0 ? Math.round((decodes / frames) * 100) / 100 : null,
    dropsAfter300ms: drops.some((d) => d === null) ? null : drops.reduce<number>((s, d) => s + d!, 0),
    decodeMs: decodeMs.length ? { p50: round1(quantile(decodeMs, 0.5)), p95: round1(quantile(decodeMs, 0.95)) } : null,
    verdicts: count(reps.map((r) => (r.verdict ? `${r.verdict.source}/${r.verdict.verdict}` : 'none'))),
    decided: count(reps.map((r) => r.decided ?? 'nothing')),
    cameraFramesSkipped: reps.reduce((s, r) => s + r.skipped, 0),
  };
}
