// The scene runner's pure parts (bench/scenes.ts, and the phones frames.ts
// draws for it): each scene's script marks the frames where its code is in
// view as the scene means it, the figures a repetition's marks give, the
// rule for which dropped frames count, and quantiles. Fast: two frames are
// decoded, to prove a composed phone reads as the code it shows.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeGray } from '../../main/decode/qr-decoder.js';
import { cameraFrame, codeCorners, codePatch, composeFrame, composeInto, patchOrigin, qrModules } from '../../bench/frames.js';
import { quantile } from '../../bench/quantile.js';
import {
  DROP_GRACE_MS,
  FRAME_MS,
  SCENE_NAMES,
  codeInView,
  lateDrops,
  repFigures,
  sceneFigures,
  scenes,
  type Marks,
  type RepOutcome,
  type Scene,
  type SceneName,
  type Step,
  type Written,
} from '../../bench/scenes.js';

/** A PHC1 code's length: the share of its side the symbol takes once the quiet zone is left out. */
const TEXT = `PHC1:${'x'.repeat(268)}`;
const SYMBOL = 1 - 8 / qrModules(TEXT).size;
const scene = (name: SceneName): Scene => scenes().find((s) => s.name === name)!;
const inView = (s: Scene) => (step: Step) => step !== null && codeInView(s, step, SYMBOL);
/** Every image the scene's script shows, in order: the approach, then one lap of the hold. */
const shown = (s: Scene): number[] => [...s.approach, ...s.hold].filter((x): x is number => x !== null);
const centreOf = (s: Scene, image: number): [number, number] => s.images[image]!.phones[0]!.centre;

describe('the scenes', () => {
  it('are the ten the runner reports, each once, every step an image the scene has', () => {
    expect(scenes().map((s) => s.name)).toEqual([...SCENE_NAMES]);
    for (const s of scenes()) {
      expect(s.hold.length, s.name).toBeGreaterThan(0);
      for (const step of [...s.approach, ...s.hold]) expect(step === null || (step >= 0 && step < s.images.length), `${s.name} ${step}`).toBe(true);
      for (const img of s.images) for (const p of img.phones) expect(s.patches[p.patch], s.name).toBeDefined();
    }
  });

  it('hold their code in view in every held frame', () => {
    for (const s of scenes()) for (const step of s.hold) expect(inView(s)(step), `${s.name} ${step}`).toBe(true);
  });

  it('enters: the code slides in from the right edge over 12 frames, out of view at first, then in view and staying so', () => {
    const s = scene('enters');
    const marks = s.approach.map(inView(s));
    expect(s.approach).toHaveLength(12);
    expect(marks.slice(0, 2)).toEqual([false, false]);
    expect(marks.at(-1)).toBe(true);
    // Once in view it stays in view: one change, from out to in.
    expect(marks.filter((m, i) => i > 0 && m !== marks[i - 1])).toEqual([true]);
    const xs = s.approach.map((i) => centreOf(s, i!)[0]);
    expect(xs[0]).toBeGreaterThan(s.width);
    for (let i = 1; i < xs.length; i++) expect(xs[i]!).toBeLessThan(xs[i - 1]!);
    expect(centreOf(s, s.hold[0]!)).toEqual([s.width / 2, s.height / 2]);
  });

  it('moves: the held code drifts a few pixels every frame, never still, never leaving the frame', () => {
    const s = scene('moves');
    const path = shown(s).map((i) => centreOf(s, i));
    const steps = path.map((p, i) => Math.hypot(p[0] - path[(i + 1) % path.length]![0], p[1] - path[(i + 1) % path.length]![1]));
    expect(Math.min(...steps)).toBeGreaterThan(1);
    expect(Math.max(...steps)).toBeLessThan(15);
  });

  it('tilt and glare sweeps: a different phone every frame, back and forth without repeating the ends', () => {
    for (const name of ['tilt sweep', 'glare sweep'] as const) {
      const s = scene(name);
      const patches = shown(s).map((i) => s.images[i]!.phones[0]!.patch);
      for (let i = 1; i < patches.length; i++) expect(patches[i], name).not.toBe(patches[i - 1]);
      expect(new Set(patches).size).toBe(s.patches.length);
      expect(patches).toHaveLength(2 * s.patches.length - 2);
    }
    // The glare is on the code's middle as the phone comes into view.
    const g = scene('glare sweep');
    const first = g.patches[g.images[g.hold[0]!]!.phones[0]!.patch]!.options.glare!.at[0];
    expect(first).toBeGreaterThan(0.3);
    expect(first).toBeLessThan(0.7);
  });

  it('small is 20% of the frame by height, as decode-accuracy\'s "20% of height"; vga is 640×480 at 55% of the height', () => {
    const small = scene('small (20% of height)');
    expect(small.patches[0]!.options.side).toBeCloseTo(0.2 * small.height, 6);
    const vga = scene('vga');
    expect([vga.width, vga.height, vga.patches[0]!.options.side]).toEqual([640, 480, 0.55 * 480]);
  });

  it('two codes: the code to be decided is the larger, both in the frame, apart', () => {
    const s = scene('two codes');
    const [near, far] = s.images[0]!.phones.map((p) => ({ ...p, ...s.patches[p.patch]! }));
    expect([near!.code, far!.code]).toEqual([0, 1]);
    expect(near!.options.side).toBeGreaterThan(1.5 * far!.options.side);
    const box = (p: typeof near) => {
      const c = codeCorners(p!.options.side, p!.centre, p!.options.tilt, p!.options.rotateDeg);
      return { x0: Math.min(...c.map((q) => q[0])), x1: Math.max(...c.map((q) => q[0])), y0: Math.min(...c.map((q) => q[1])), y1: Math.max(...c.map((q) => q[1])) };
    };
    const [a, b] = [box(near), box(far)];
    expect(a.x1).toBeLessThan(b.x0);
    for (const r of [a, b]) expect(r.x0 >= 0 && r.y0 >= 0 && r.x1 <= s.width && r.y1 <= s.height).toBe(true);
    // Only the code to be decided marks a frame in view.
    expect(codeInView({ ...s, images: [{ phones: [s.images[0]!.phones[1]!] }] }, 0, SYMBOL)).toBe(false);
  });

  it('first scan plays on a fresh page; the background marks nothing in view', () => {
    expect(
      scenes()
        .filter((s) => s.freshPage)
        .map((s) => s.name),
    ).toEqual(['first scan']);
    expect(inView(scene('appears'))(null)).toBe(false);
  });
});

describe('phones laid over a background', () => {
  it('clip at the frame edge and cover only under their mask', () => {
    const grey = new Uint8Array(4 * 3).fill(9);
    const patch = { width: 2, height: 2, data: Uint8Array.of(1, 2, 3, 4), mask: Uint8Array.of(1, 0, 1, 1) };
    composeInto(grey, 4, 3, patch, 3, 2);
    expect([...grey]).toEqual([9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1]);
    composeInto(grey, 4, 3, patch, -1, -1);
    expect([...grey.subarray(0, 4)]).toEqual([4, 9, 9, 9]);
  });

  it('read as the code they show, wherever they are; a dark-mode phone too', async () => {
    const bg = cameraFrame('', { width: 640, height: 480, codeFraction: 0.5, noise: 3, seed: 7 });
    const plain = codePatch(TEXT, { side: 260, rotateDeg: 4, noise: 3, seed: 1 });
    // Laid at its origin, the patch's code centre falls within half a pixel of where it was asked for (whole pixels).
    const [left, top] = patchOrigin(plain, [200.3, 240.7]);
    expect([left, top].every(Number.isInteger)).toBe(true);
    expect(Math.abs(left + plain.centre[0] - 200.3)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(top + plain.centre[1] - 240.7)).toBeLessThanOrEqual(0.5);
    const frame = composeFrame(bg, [{ patch: plain, centre: [250, 240] }]);
    expect((await decodeGray(frame.data, frame.width, frame.height)).text).toBe(TEXT);
    const dark = composeFrame(bg, [{ patch: codePatch(TEXT, { side: 260, negative: true, seed: 2 }), centre: [380, 240] }]);
    expect(await decodeGray(dark.data, dark.width, dark.height)).toMatchObject({ text: TEXT, pass: 'negative' });
  });

  it('leave cameraFrame as it was (other benchmarks’ figures depend on its pixels)', () => {
    // Pinned from frames.ts as it was before it drew phones alone (commit 17a1dd0).
    const hash = (o: Parameters<typeof cameraFrame>[1]): string => createHash('sha256').update(cameraFrame(TEXT, o).data).digest('hex').slice(0, 16);
    expect(hash({ width: 320, height: 240, codeFraction: 0.6, rotateDeg: 20, tilt: 0.2, blur: 1, glare: 120, noise: 4, light: 0.8, centre: [0.45, 0.55], seed: 3 })).toBe('c470afd41a3a4e32');
  });
});

/** A repetition: `steps` frames written one a frame interval from t = 1000, each with the media time the camera stamped on it. */
function played(steps: Step[]): Written[] {
  return steps.map((step, i) => ({ at: 1000 + i * FRAME_MS, ts: 5_000_000 + i * 33_333, step }));
}
const presented = (w: Written[]): Marks['frames'] => w.map((x) => ({ mediaTime: x.ts / 1e6, at: x.at + 0.5 }));
const held = (step: Step): boolean => step === 0;

describe('a repetition’s figures', () => {
  // Two background frames, the code for 30 frames (1 s), then background.
  const written = played([null, null, ...Array<Step>(30).fill(0), null, null]);
  const appearAt = written[2]!.at;
  const goneAt = written[32]!.at;

  it('time appear → painted from the first frame showing the code, with the decodes sent while it was in view', () => {
    const marks: Marks = {
      frames: presented(written),
      drops: [],
      decodes: [
        { ms: 5, sentAt: written[1]!.at + 1, found: false },
        { ms: 4, sentAt: appearAt + 1, found: true },
        { ms: 6, sentAt: appearAt + 34, found: true },
        { ms: 7, sentAt: goneAt + 1, found: false },
      ],
      verdicts: [
        { submittedAt: written[0]!.at - 500, paintedAt: written[0]!.at - 450, verdict: 'review', source: 'camera' },
        { submittedAt: appearAt + 10, paintedAt: appearAt + 52, verdict: 'admit', source: 'camera' },
      ],
    };
    const r = repFigures(written, held, marks);
    expect(r).toMatchObject({ appearAt, goneAt, latencyMs: 52, framesInView: 30, decodesInView: 2, decodeMs: [4, 6], lateDrops: 0 });
    expect(r.verdict?.verdict).toBe('admit');
  });

  it('count no drops on a screen that does not mark them, and no appear for a code never in view', () => {
    const marks: Marks = { frames: [], decodes: [], verdicts: [] };
    expect(repFigures(written, held, marks).lateDrops).toBeNull();
    expect(repFigures(played([null, null]), held, marks)).toMatchObject({ appearAt: null, goneAt: null, latencyMs: null, framesInView: 0 });
  });

  it('count a drop only for a frame showing the code, presented 300 ms or more after it appeared', () => {
    const frames = presented(written);
    const at = (i: number): number => frames[i]!.at;
    // Frame 2 appeared at 1066.7; 300 ms on is frame 11's time.
    const early = at(2 + Math.floor(DROP_GRACE_MS / FRAME_MS) - 1);
    const late = [at(12), at(20), at(31)];
    const background = at(33);
    expect(lateDrops([early, ...late, background], { frames }, written, held, appearAt, goneAt)).toBe(3);
    // A drop whose frame left the screen's marks counts when it came before the code went.
    expect(lateDrops([appearAt + 400, goneAt + 5], { frames: [] }, written, held, appearAt, goneAt)).toBe(1);
  });

  it('add up per scene: reads, latency quantiles, decodes a second in view, drops, verdicts, which code was decided', () => {
    const rep = (latency: number, read = true, drops: number | null = 0): RepOutcome => ({
      appearAt: 0,
      goneAt: 1000,
      verdict: { submittedAt: 5, paintedAt: latency, verdict: 'admit', source: 'camera' },
      latencyMs: latency,
      framesInView: 30,
      decodesInView: 30,
      decodeMs: [4, 5],
      lateDrops: drops,
      read,
      decided: read ? 'code' : 'second code',
      skipped: 1,
    });
    const f = sceneFigures(scene('two codes'), [rep(40), rep(50), rep(60), rep(900, false, 2)]);
    expect(f).toMatchObject({ reps: 4, read: 3, appearToPaintedMs: { p50: 50, p95: 60, max: 60 }, decodesPerSecondInView: 30, decodesPerFrameInView: 1, dropsAfter300ms: 2 });
    expect(f.verdicts).toEqual({ 'camera/admit': 4 });
    expect(f.decided).toEqual({ code: 3, 'second code': 1 });
    expect(f.cameraFramesSkipped).toBe(4);
    expect(sceneFigures(scene('appears'), [rep(40, true, null)]).dropsAfter300ms).toBeNull();
  });

  it('take quantiles as the screen benchmark does: the value at floor(q·n), NaN for none', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.95)).toBe(4);
    expect(quantile([1, NaN, 2], 0.5)).toBe(2);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
