// The scene runner: scripted camera scenes (bench/scenes.ts) played through
// the real kiosk screen in Debian's Chromium, timed from the frame that
// first shows a code to its verdict painted. The camera is a
// MediaStreamTrackGenerator (worker-bench's I420 camera) that writes a frame
// every 33 ms on the page's own clock, as a real camera never stops: the
// background alone when no scene plays. Node draws each repetition's phones
// once (frames.ts's patches) and sends them; the page lays them over the
// background into the scene's images and writes the script, frame by
// frame, noting what each frame showed. The screen's own marks
// (window.__sentinelPerf) say what it presented, decoded, dropped and
// painted. Also: a soak of many scans for the page's heap and the decoder's
// memory.
//
// `node dist/bench/scene-bench.js [--quick] [--reps N] [--soak N] [--scenes a,b] [--frame-source track|video]`
// prints a table on stderr and one JSON line on stdout; sceneBench()
// returns the figures, sceneTable() the table. Timings are as measured on
// a shared machine: nothing here passes or fails.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { settingsFor } from '../main/app/kiosk-settings.js';
import { launchKiosk, type RunningKiosk } from '../main/shell/browser-kiosk.js';
import { demoCode, loadDemoKeys, setUpDemoDataDir } from '../main/demo/demo.js';
import { cameraFrame, codePatch, composeInto, patchOrigin, qrModules, type CodePatch, type GrayFrame } from './frames.js';
import {
  AFTER_PAINT_FRAMES,
  FRAME_MS,
  HOLD_LIMIT_FRAMES,
  SCENE_NAMES,
  TAIL_FRAMES,
  codeInView,
  repFigures,
  sceneFigures,
  scenes,
  type Marks,
  type RepOutcome,
  type Scene,
  type SceneFigures,
  type SceneName,
  type Step,
  type Written,
} from './scenes.js';
import { launchChromium } from './worker-bench.js';
import { quantile } from './quantile.js';

/** What the page's camera plays: frames of the loaded images, the hold cycled until a verdict is painted. */
interface Script {
  approach: Step[];
  hold: Step[];
  afterPaintFrames: number;
  tailFrames: number;
  holdLimitFrames: number;
}

/** A patch as the page takes it (base64 pixels and mask). */
interface PatchWire {
  id: string;
  width: number;
  height: number;
  data: string;
  mask: string;
}

/** An image: patches laid over the background, each with its top-left corner. */
type ImageWire = { patch: string; left: number; top: number }[];

/** A repetition as the page played it. */
interface Played {
  written: Written[];
  /** Frame slots the page's clock missed (the page was busy): the script moved on regardless, as a scene does. */
  skipped: number;
  painted: boolean;
}

interface SoakPlayed {
  shown: number;
  /** Codes given up on: held `maxFrames` without a decode reading them. */
  missed: number;
  seconds: number;
  skipped: number;
}

interface CameraConfig {
  width: number;
  height: number;
  frameMs: number;
  /** 'video': the page has no MediaStreamTrackProcessor, so the screen decodes frames as its <video> presents them. */
  frameSource?: 'track' | 'video';
  /** A scene loaded before the page is: it plays from the camera's first frame (the first-scan scene). */
  autoplay?: { background: string; patches: PatchWire[]; images: ImageWire[]; script: Script };
}

/** What the page offers Node (window.__sceneCamera). */
interface SceneCamera {
  setBackground(grey: string): void;
  addPatches(patches: PatchWire[]): void;
  /** Makes the images (I420, ready to write); the patches are let go. */
  load(images: ImageWire[]): void;
  play(script: Script): Promise<Played>;
  /** `count` codes, the loaded images in turn, each held until a decode reads it (at most `maxFrames`), a frame every `frameMs`. */
  soak(count: number, frameMs: number, maxFrames: number): Promise<SoakPlayed>;
  /** The autoplayed scene's result once it ended, else null. */
  autoplayed(): Played | null;
}

/**
 * Runs in the page before the kiosk's code (Playwright sends its source, so
 * it names nothing outside itself; `compose` is frames.ts's composeInto,
 * sent the same way). getUserMedia gives the generator's track.
 */
function installSceneCamera(cfg: CameraConfig, compose: typeof composeInto): void {
  if (window !== window.top) return;
  type Generator = MediaStreamTrack & { writable: WritableStream<VideoFrame> };
  interface Run {
    script: Script;
    k: number;
    painted0: number;
    paintedAtK: number | null;
    releasedAtK: number | null;
    written: Written[];
    done(p: Played): void;
  }
  interface Soak {
    left: number;
    image: number;
    shownAt: number;
    heldFrames: number;
    maxFrames: number;
    shown: number;
    missed: number;
    startedAt: number;
    done(s: SoakPlayed): void;
  }
  const { width, height } = cfg;
  const perf = (): { painted: number; decodes: { found: boolean; sentAt: number | null; timing?: { frameAt?: number } }[] } | undefined =>
    (window as unknown as { __sentinelPerf?: ReturnType<typeof perf> }).__sentinelPerf;
  const bytes = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const i420 = (grey: Uint8Array): Uint8Array<ArrayBuffer> => {
    const frame = new Uint8Array((width * height * 3) / 2).fill(128);
    frame.set(grey.subarray(0, width * height));
    return frame;
  };
  let backgroundGrey: Uint8Array = new Uint8Array(width * height).fill(110);
  let background = i420(backgroundGrey);
  const patches = new Map<string, { width: number; height: number; data: Uint8Array; mask: Uint8Array }>();
  let images: Uint8Array<ArrayBuffer>[] = [];
  let run: Run | null = null;
  let soak: Soak | null = null;
  let autoplayed: Played | null = null;
  let writer: WritableStreamDefaultWriter<VideoFrame> | null = null;
  let started = false;
  let frameMs = cfg.frameMs;
  let t0 = 0;
  let slot = 0;
  let lastTs = 0;
  let skipped = 0;

  const camera: SceneCamera = {
    setBackground(grey) {
      backgroundGrey = bytes(grey);
      background = i420(backgroundGrey);
    },
    addPatches(list) {
      for (const p of list) patches.set(p.id, { width: p.width, height: p.height, data: bytes(p.data), mask: bytes(p.mask) });
    },
    load(list) {
      images = list.map((phones) => {
        const grey = Uint8Array.from(backgroundGrey);
        for (const { patch, left, top } of phones) compose(grey, width, height, patches.get(patch)!, left, top);
        return i420(grey);
      });
      patches.clear();
    },
    play(script) {
      return new Promise((done) => {
        run = { script, k: 0, painted0: perf()?.painted ?? 0, paintedAtK: null, releasedAtK: null, written: [], done };
        skipped = 0;
      });
    },
    soak(count, ms, maxFrames) {
      return new Promise((done) => {
        retime(ms);
        skipped = 0;
        soak = { left: count, image: 0, shownAt: Infinity, heldFrames: 0, maxFrames, shown: 0, missed: 0, startedAt: performance.now(), done };
      });
    },
    autoplayed: () => autoplayed,
  };
  (window as unknown as { __sceneCamera: SceneCamera }).__sceneCamera = camera;

  /** A new frame interval, from now on. */
  function retime(ms: number): void {
    frameMs = ms;
    t0 = performance.now();
    slot = 0;
  }

  /** The run's step for this slot, moving it on; undefined once its tail has been shown. */
  function runStep(r: Run, advance: number): Step | undefined {
    r.k += advance;
    const { approach, hold, afterPaintFrames, tailFrames, holdLimitFrames } = r.script;
    if (r.k < approach.length) return approach[r.k]!;
    if (r.releasedAtK === null) {
      if (r.paintedAtK === null && (perf()?.painted ?? 0) > r.painted0) r.paintedAtK = r.k;
      const held = r.k - approach.length;
      if ((r.paintedAtK !== null && r.k >= r.paintedAtK + afterPaintFrames) || held >= holdLimitFrames) r.releasedAtK = r.k;
      else return hold[held % hold.length]!;
    }
    if (r.k < r.releasedAtK + tailFrames) return null;
    return undefined;
  }

  /** The soak's image for this slot: the next code once a decode of a frame showing this one read it; undefined once all were shown. */
  function soakStep(s: Soak, advance: number): Step | undefined {
    s.heldFrames += advance;
    const last = perf()?.decodes.at(-1);
    // A screen without frameAt (one from before it) is judged by when the frame was sent.
    const readAt = last?.found ? (last.timing?.frameAt ?? last.sentAt ?? -Infinity) : -Infinity;
    const read = readAt >= s.shownAt;
    if (s.shownAt === Infinity || read || s.heldFrames >= s.maxFrames) {
      if (s.shownAt !== Infinity && !read) s.missed++;
      if (s.left === 0) return undefined;
      s.left--;
      s.shown++;
      s.image = (s.image + 1) % images.length;
      s.shownAt = Infinity;
      s.heldFrames = 0;
    }
    return s.image;
  }

  function tick(): void {
    const now = performance.now();
    // Late by whole frames (the page was busy): those slots are gone, as a camera's frames would be.
    const behind = Math.max(0, Math.floor((now - (t0 + slot * frameMs)) / frameMs));
    skipped += behind;
    slot += behind + 1;
    let step: Step = null;
    if (run) {
      const s = runStep(run, run.written.length === 0 ? 0 : behind + 1);
      if (s === undefined) {
        const finished = { written: run.written, skipped, painted: run.paintedAtK !== null };
        run.done(finished);
        if (cfg.autoplay) autoplayed = finished;
        run = null;
      } else step = s;
    } else if (soak) {
      const s = soakStep(soak, behind + 1);
      if (s === undefined) {
        soak.done({ shown: soak.shown, missed: soak.missed, seconds: (now - soak.startedAt) / 1000, skipped });
        soak = null;
        retime(cfg.frameMs);
      } else step = s;
    }
    const ts = Math.max(lastTs + 1, Math.round(now * 1000));
    lastTs = ts;
    if (soak && soak.shownAt === Infinity) soak.shownAt = now;
    run?.written.push({ at: now, ts, step });
    void writer?.write(new VideoFrame(step === null ? background : images[step]!, { format: 'I420', codedWidth: width, codedHeight: height, timestamp: ts })).catch(() => undefined);
    setTimeout(tick, Math.max(0, t0 + slot * frameMs - performance.now()));
  }

  // The autoplayed scene's images are made as the document starts, before the
  // kiosk's own code runs: making them (some 300 ms of this thread) inside
  // getUserMedia would push the screen's start-up into the scan it measures,
  // where a real camera costs the page nothing.
  if (cfg.autoplay && location.protocol.startsWith('http')) {
    camera.setBackground(cfg.autoplay.background);
    camera.addPatches(cfg.autoplay.patches);
    camera.load(cfg.autoplay.images);
  }

  const Gen = (globalThis as unknown as { MediaStreamTrackGenerator: new (o: { kind: 'video' }) => Generator }).MediaStreamTrackGenerator;
  navigator.mediaDevices.getUserMedia = async () => {
    const generator = new Gen({ kind: 'video' });
    writer = generator.writable.getWriter();
    if (!started) {
      started = true;
      if (cfg.autoplay) void camera.play(cfg.autoplay.script);
      retime(frameMs);
      tick();
    }
    return new MediaStream([generator]);
  };
}

const base64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/**
 * CPU time (ms) used so far by this process's descendants — the Chromium
 * it launched, whatever its processes are called (Debian's
 * /usr/bin/chromium is a script that execs /usr/lib/chromium/chromium).
 * Linux /proc; 0 elsewhere.
 */
function chromiumCpuMs(): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      // Fields after the command's name, from the state (field 3): ppid is field 4, utime and stime 14 and 15.
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      stats.set(Number(pid), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of stats) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  let ticks = 0;
  const stack = [...(children.get(process.pid) ?? [])];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    ticks += stats.get(pid)!.ticks;
    stack.push(...(children.get(pid) ?? []));
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Resolves once Chromium used under a tenth of a core over QUIET_WINDOW_MS (at most QUIET_LIMIT_MS). */
async function chromiumQuiet(): Promise<void> {
  const until = performance.now() + QUIET_LIMIT_MS;
  let before = chromiumCpuMs();
  while (performance.now() < until) {
    await new Promise((r) => setTimeout(r, QUIET_WINDOW_MS));
    const now = chromiumCpuMs();
    if (now - before < QUIET_WINDOW_MS / 10) return;
    before = now;
  }
}
const QUIET_WINDOW_MS = 300;
const QUIET_LIMIT_MS = 10_000;

/** A scene's script as the page plays it. */
const scriptOf = (scene: Scene): Script => ({ approach: scene.approach, hold: scene.hold, afterPaintFrames: AFTER_PAINT_FRAMES, tailFrames: TAIL_FRAMES, holdLimitFrames: HOLD_LIMIT_FRAMES });

/** A drawn phone as the page takes it. */
const patchWire = (id: string, p: CodePatch): PatchWire => ({ id, width: p.width, height: p.height, data: base64(p.data), mask: base64(p.mask) });

/** Gives the page's camera its phones and has it make the images they lay out (the patches are let go there). */
async function loadImages(page: Page, patches: PatchWire[], images: ImageWire[]): Promise<void> {
  await page.evaluate((p) => (globalThis as unknown as WithCamera).__sceneCamera.addPatches(p), patches);
  await page.evaluate((i) => (globalThis as unknown as WithCamera).__sceneCamera.load(i), images);
}

/** A repetition's phones: its codes drawn as the scene says (noise seeded per repetition), and its images as the page lays them out. */
function drawRep(scene: Scene, codes: string[], seed: number): { patches: PatchWire[]; images: ImageWire[] } {
  const drawn: CodePatch[] = scene.patches.map((p, i) => codePatch(codes[p.code]!, { ...p.options, seed: seed * 100 + i + 1 }));
  return {
    patches: drawn.map((p, i) => patchWire(String(i), p)),
    images: scene.images.map((img) =>
      img.phones.map(({ patch, centre }) => {
        const [left, top] = patchOrigin(drawn[patch]!, centre);
        return { patch: String(patch), left, top };
      }),
    ),
  };
}

const median = (xs: number[]): number => Math.round(quantile(xs, 0.5) * 10) / 10;

/** The station's background at a camera's size (frames.ts's, without a code). */
const backgroundFor = (width: number, height: number): GrayFrame => cameraFrame('', { width, height, codeFraction: 0.45, noise: 3, seed: 7 });

/** The screen's marks since `since` (page clock), and its warm-up. */
async function marksSince(page: Page, since: number): Promise<Marks & { warmupReadyAt: number | null; warmupMs: number | null; painted: number; heapBytes: number | null }> {
  return page.evaluate((t) => {
    const p = (globalThis as unknown as { __sentinelPerf: Marks & { painted: number; warmup: { readyAt: number; warmMs: number } | null } }).__sentinelPerf;
    const heap = [...p.decodes].reverse().find((d) => d.timing?.heapBytes !== undefined)?.timing?.heapBytes ?? null;
    return {
      frames: p.frames.filter((f) => f.at >= t),
      ...(p.drops ? { drops: p.drops.filter((d) => d >= t) } : {}),
      decodes: p.decodes.filter((d) => (d.sentAt ?? Infinity) >= t),
      verdicts: p.verdicts.filter((v) => v.submittedAt >= t),
      warmupReadyAt: p.warmup?.readyAt ?? null,
      warmupMs: p.warmup?.warmMs ?? null,
      painted: p.painted,
      heapBytes: heap,
    };
  }, since);
}

/** The page's scene camera, as the functions Playwright sends to the page reach it. */
type WithCamera = { __sceneCamera: SceneCamera };

/** The texts the screen gave the checkpoint, in order, as the kiosk received them. */
interface Submissions {
  list: { text: string; source: string }[];
}

/**
 * Listens at the kiosk's one door for scans: the screen's marks hold times
 * only, never what was scanned, so which code was decided (two codes in
 * view) is read here.
 */
function watchSubmissions(kiosk: RunningKiosk): Submissions {
  const seen: Submissions = { list: [] };
  const service = kiosk.service;
  const submit = service.submitScan.bind(service);
  service.submitScan = (text, source) => {
    seen.list.push({ text, source });
    return submit(text, source);
  };
  return seen;
}

export interface SoakFigures {
  /** Scans after the warm-up. */
  scans: number;
  warmupScans: number;
  /** Verdicts painted for them, and codes given up unread. */
  painted: number;
  missed: number;
  seconds: number;
  scansPerSecond: number;
  frameMs: number;
  /**
   * The page's JS heap after a forced collection, and the decoder's
   * WebAssembly memory (null on a screen that does not report it), MB. The
   * screen's marks fill to their 2,000 entries in the first half: a leak is
   * growth from the middle to the end.
   */
  heapMB: { start: number; middle: number; end: number };
  wasmMB: { start: number | null; end: number | null };
  verdicts: Record<string, number>;
}

export interface FirstScanFigures {
  /** The decoder's ready relative to the camera's first frame written, ms (negative: ready before it), per repetition. */
  readyVsFirstFrameMs: number[];
  readyBeforeFirstFrame: number;
  /** The decoder worker's start → ready (compile and warm-up reads), median and max over the repetitions, ms: how much later the camera goes live. */
  warmMs: { median: number; max: number };
  /** The camera's first frame written → the screen's first frame mark (its arrival from the track, or its presentation by the <video>), median ms. */
  firstPresentedMs: number;
  /**
   * Where a first scan's time went, medians over the repetitions (ms): the
   * code's first frame written → the frame first read reached the screen
   * (from the track, or presented by the <video>); → sent to the worker; → answered (transfer, wait, decode); →
   * submitted to the checkpoint; → the verdict painted.
   */
  stagesMs: { presented: number; sent: number; answered: number; submitted: number; painted: number };
}

export interface SceneBenchFigures {
  reps: number;
  /** Where the screen took its frames from (SceneBenchOptions.frameSource). */
  frameSource: 'track' | 'video';
  scenes: SceneFigures[];
  firstScan: FirstScanFigures | null;
  soak: SoakFigures | null;
  /** The screen's marks: does it count drops and report the decoder's memory (a screen from before them does not). */
  screen: { drops: boolean; heapBytes: boolean };
  seconds: number;
  loadavg: number[];
}

export interface SceneBenchOptions {
  reps?: number;
  /** Scans in the soak after its warm-up; 0 skips it. */
  soakScans?: number;
  /** Only these scenes (by name). */
  only?: SceneName[];
  /** Where the screen takes frames from: the camera's track (where Chromium offers it, the default) or the <video>, for comparison. */
  frameSource?: 'track' | 'video';
  /** Progress on stderr. */
  log?: (line: string) => void;
}

/** Soak: warm-up scans before the heap is first read, and the camera's interval (a code a frame at 60 frames a second: see soakOn). */
const SOAK_WARMUP = 200;
const SOAK_FRAME_MS = 1000 / 60;
/** Distinct codes the soak cycles through (the screen resubmits a text only when it differs from the last one). */
const SOAK_CODES = 24;

export async function sceneBench(opts: SceneBenchOptions = {}): Promise<SceneBenchFigures> {
  const started = performance.now();
  const reps = opts.reps ?? 10;
  const soakScans = opts.soakScans ?? 10_000;
  const frameSource = opts.frameSource ?? 'track';
  const log = opts.log ?? (() => undefined);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-scene-bench-'));
  const keys = await loadDemoKeys();
  const dataDir = path.join(tmp, 'data');
  await setUpDemoDataDir(dataDir, keys, Date.now());
  // The pipeline is measured, not a queue of people: the kiosk's human scan pace is lifted.
  const kiosk = await launchKiosk({ ...settingsFor(dataDir, { simulate: true, sound: false, resultSeconds: 60 }, 'en', () => Date.now()), scanPace: { burst: 1e9, perSecond: 1e9 } });
  const submissions = watchSubmissions(kiosk);
  const browser = await launchChromium();
  let serial = 0;
  const freshCode = (): Promise<string> => demoCode(keys, Date.now() / 1000, { issuer: 'CN-ZJ', status: 'green', subject: `scene-${++serial}-${Date.now()}` });
  const screen = { drops: false, heapBytes: false };
  try {
    const all = scenes().filter((s) => !opts.only || opts.only.includes(s.name));
    const results: SceneFigures[] = [];
    for (const size of [...new Set(all.filter((s) => !s.freshPage).map((s) => `${s.width}x${s.height}`))]) {
      const [width, height] = size.split('x').map(Number) as [number, number];
      const { context, page } = await openScreen(browser, kiosk, { width, height, frameMs: FRAME_MS, frameSource });
      await page.evaluate((bg) => (globalThis as unknown as WithCamera).__sceneCamera.setBackground(bg), base64(backgroundFor(width, height).data));
      for (const scene of all.filter((s) => !s.freshPage && s.width === width && s.height === height)) {
        const outcomes: RepOutcome[] = [];
        for (let r = 0; r < reps; r++) {
          const codes = [await freshCode(), await freshCode()];
          const { patches, images } = drawRep(scene, codes, r);
          await loadImages(page, patches, images);
          const sent = submissions.list.length;
          const played = await page.evaluate((s) => (globalThis as unknown as WithCamera).__sceneCamera.play(s), scriptOf(scene));
          const marks = await marksSince(page, played.written[0]!.at);
          screen.drops ||= marks.drops !== undefined;
          screen.heapBytes ||= marks.heapBytes !== null;
          outcomes.push(judge(scene, codes, played, marks, submissions.list.slice(sent)));
        }
        const f = sceneFigures(scene, outcomes);
        log(sceneRow(f));
        results.push(f);
      }
      await context.close();
    }
    const fresh = all.find((s) => s.freshPage);
    let firstScan: FirstScanFigures | null = null;
    if (fresh) {
      const on = await firstScanOn(browser, kiosk, submissions, fresh, reps, freshCode, frameSource);
      log(sceneRow(on.scene));
      results.push(on.scene);
      firstScan = on.firstScan;
    }
    const soak = soakScans > 0 ? await soakOn(browser, kiosk, submissions, soakScans, freshCode, log, frameSource) : null;
    return { reps, frameSource, scenes: results, firstScan, soak, screen, seconds: Math.round((performance.now() - started) / 1000), loadavg: os.loadavg().map((v) => Math.round(v * 100) / 100) };
  } finally {
    await browser.close();
    await kiosk.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The first-scan scene: each repetition a fresh page, its scene playing
 * from the camera's first frame; the scene's figures, and where its time
 * went (FirstScanFigures).
 */
async function firstScanOn(
  browser: Browser,
  kiosk: RunningKiosk,
  submissions: Submissions,
  fresh: Scene,
  reps: number,
  freshCode: () => Promise<string>,
  frameSource: 'track' | 'video',
): Promise<{ scene: SceneFigures; firstScan: FirstScanFigures }> {
  const outcomes: RepOutcome[] = [];
  const ready: number[] = [];
  const warm: number[] = [];
  const presented: number[] = [];
  const stages: FirstScanFigures['stagesMs'][] = [];
  const background = base64(backgroundFor(fresh.width, fresh.height).data);
  for (let r = 0; r < reps; r++) {
    const codes = [await freshCode(), await freshCode()];
    const { patches, images } = drawRep(fresh, codes, r);
    const sent = submissions.list.length;
    const autoplay = { background, patches, images, script: scriptOf(fresh) };
    const { context, page } = await openScreen(browser, kiosk, { width: fresh.width, height: fresh.height, frameMs: FRAME_MS, frameSource, autoplay });
    try {
      const handle = await page.waitForFunction(() => (globalThis as unknown as WithCamera).__sceneCamera.autoplayed(), null, { timeout: 30_000, polling: 100 });
      const played = (await handle.jsonValue())!;
      const marks = await marksSince(page, 0);
      const outcome = judge(fresh, codes, played, marks, submissions.list.slice(sent));
      outcomes.push(outcome);
      const read = marks.decodes.find((d) => d.found);
      if (read && read.sentAt !== null && read.timing?.frameAt !== undefined && outcome.verdict && outcome.appearAt !== null) {
        const answered = read.sentAt + read.ms + (read.timing.transfer ?? 0);
        stages.push({
          presented: read.timing.frameAt - outcome.appearAt,
          sent: read.sentAt - read.timing.frameAt,
          answered: answered - read.sentAt,
          submitted: outcome.verdict.submittedAt - answered,
          painted: outcome.verdict.paintedAt - outcome.verdict.submittedAt,
        });
      }
      const firstAt = played.written[0]!.at;
      if (marks.warmupReadyAt !== null) ready.push(marks.warmupReadyAt - firstAt);
      if (marks.warmupMs !== null) warm.push(marks.warmupMs);
      if (marks.frames[0]) presented.push(marks.frames[0].at - firstAt);
    } finally {
      await context.close();
    }
  }
  const stage = (k: keyof FirstScanFigures['stagesMs']): number => median(stages.map((x) => x[k]));
  return {
    scene: sceneFigures(fresh, outcomes),
    firstScan: {
      readyVsFirstFrameMs: ready.map((v) => Math.round(v)),
      readyBeforeFirstFrame: ready.filter((v) => v < 0).length,
      warmMs: { median: Math.round(median(warm)), max: Math.round(Math.max(...warm)) },
      firstPresentedMs: median(presented),
      stagesMs: { presented: stage('presented'), sent: stage('sent'), answered: stage('answered'), submitted: stage('submitted'), painted: stage('painted') },
    },
  };
}

/** A repetition judged: read when a verdict was painted and the first code the screen gave the kiosk was the repetition's own. */
function judge(scene: Scene, codes: string[], played: Played, marks: Marks, given: { text: string; source: string }[]): RepOutcome {
  const symbolShare = 1 - 8 / qrModules(codes[0]!).size;
  const inView = (step: Step): boolean => step !== null && codeInView(scene, step, symbolShare);
  const figures = repFigures(played.written, inView, marks);
  const first = given.find((g) => g.source === 'camera')?.text;
  const decided = first === undefined ? null : first === codes[0] ? 'code' : first === codes[1] ? 'second code' : 'other';
  return { ...figures, read: figures.verdict !== null && decided === 'code', decided, skipped: played.skipped };
}

/** A page of the kiosk with the scene camera, in a context of its own (its own renderer process, nothing compiled reused). */
async function openScreen(browser: Browser, kiosk: RunningKiosk, cfg: CameraConfig): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, bypassCSP: true });
  await context.addInitScript({ content: `(${installSceneCamera.toString()})(${JSON.stringify(cfg)}, ${composeInto.toString()});` });
  if (cfg.frameSource === 'video') await context.addInitScript({ content: 'delete globalThis.MediaStreamTrackProcessor;' });
  const page = await context.newPage();
  page.on('pageerror', (err) => process.stderr.write(`scene page error: ${err.message}\n`));
  // A new context opens a browser window, whose own set-up (Chromium's
  // built-in pages: some 1.4 s of CPU here) would otherwise run through the
  // page's first scan. A kiosk's browser has long been up when its page
  // loads, so the page loads once Chromium is quiet.
  if (cfg.autoplay) await chromiumQuiet();
  await page.goto(kiosk.url);
  await page.waitForSelector('[data-testid="camera-state"][data-state="live"]');
  return { context, page };
}

/**
 * Many scans through the camera, for memory. 10,000 at a real camera's pace
 * (a code held until read, 30 frames a second) would take over 5 minutes,
 * so the camera here runs at 60 frames a second and each code stays only
 * until a decode reads it: every scan still takes the whole path (frame,
 * worker, checkpoint, log, paint), only faster. The codes come from a pool
 * (SOAK_CODES), so a repeated holder may be refused as a passback: a
 * verdict painted all the same.
 */
async function soakOn(
  browser: Browser,
  kiosk: RunningKiosk,
  submissions: Submissions,
  scans: number,
  freshCode: () => Promise<string>,
  log: (l: string) => void,
  frameSource: 'track' | 'video',
): Promise<SoakFigures> {
  const { width, height } = { width: 1280, height: 720 };
  const { context, page } = await openScreen(browser, kiosk, { width, height, frameMs: FRAME_MS, frameSource });
  try {
    await page.evaluate((bg) => (globalThis as unknown as WithCamera).__sceneCamera.setBackground(bg), base64(backgroundFor(width, height).data));
    const centre: [number, number] = [width / 2, height / 2];
    const patches: PatchWire[] = [];
    const images: ImageWire[] = [];
    for (let i = 0; i < SOAK_CODES; i++) {
      const p = codePatch(await freshCode(), { side: 0.45 * height, rotateDeg: 3, noise: 3, seed: i + 1 });
      const [left, top] = patchOrigin(p, centre);
      patches.push(patchWire(String(i), p));
      images.push([{ patch: String(i), left, top }]);
    }
    await loadImages(page, patches, images);
    const cdp = await context.newCDPSession(page);
    const heap = async (): Promise<number> => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
      return usedSize / 2 ** 20;
    };
    /** Plays `n` scans, then waits until every scan the kiosk was given is painted (or 10 s pass). */
    const phase = async (n: number): Promise<SoakPlayed & { painted: number }> => {
      const given0 = submissions.list.length;
      const painted0 = (await marksSince(page, Infinity)).painted;
      const played = await page.evaluate((a) => (globalThis as unknown as WithCamera).__sceneCamera.soak(...a), [n, SOAK_FRAME_MS, 30] as [number, number, number]);
      const given = submissions.list.length - given0;
      await page
        .waitForFunction(([p0, g]) => (globalThis as unknown as { __sentinelPerf: { painted: number } }).__sentinelPerf.painted - p0 >= g, [painted0, given] as const, {
          timeout: 10_000,
          polling: 100,
        })
        .catch(() => undefined);
      return { ...played, painted: (await marksSince(page, Infinity)).painted - painted0 };
    };
    await phase(SOAK_WARMUP);
    const start = await marksSince(page, Infinity);
    const heapStart = await heap();
    log(`soak: ${scans} scans…`);
    const first = await phase(Math.ceil(scans / 2));
    const heapMiddle = await heap();
    const second = await phase(scans - first.shown);
    const run = { shown: first.shown + second.shown, painted: first.painted + second.painted, missed: first.missed + second.missed, seconds: first.seconds + second.seconds };
    const end = await marksSince(page, 0);
    const heapEnd = await heap();
    const mb = (b: number | null): number | null => (b === null ? null : Math.round((b / 2 ** 20) * 10) / 10);
    // The screen keeps its latest 2,000 verdicts.
    const verdicts = end.verdicts.slice(-Math.min(run.painted, end.verdicts.length));
    return {
      scans: run.shown,
      warmupScans: SOAK_WARMUP,
      painted: run.painted,
      missed: run.missed,
      seconds: Math.round(run.seconds * 10) / 10,
      scansPerSecond: Math.round((run.shown / run.seconds) * 10) / 10,
      frameMs: Math.round(SOAK_FRAME_MS * 100) / 100,
      heapMB: { start: Math.round(heapStart * 10) / 10, middle: Math.round(heapMiddle * 10) / 10, end: Math.round(heapEnd * 10) / 10 },
      wasmMB: { start: mb(start.heapBytes), end: mb(end.heapBytes) },
      verdicts: verdicts.reduce<Record<string, number>>((m, v) => ({ ...m, [`${v.source}/${v.verdict}`]: (m[`${v.source}/${v.verdict}`] ?? 0) + 1 }), {}),
    };
  } finally {
    await context.close();
  }
}

const cell = (v: number | null | undefined, digits = 0): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

const HEAD = ['scene', 'frame', 'reads', 'appear→painted p50/p95/max ms', 'decodes/s in view', 'decodes/frame', 'drops after 300 ms', 'decode ms p50/p95', 'verdicts', 'decided first'];

function sceneRow(f: SceneFigures): string {
  const l = f.appearToPaintedMs;
  const kinds = (m: Record<string, number>): string =>
    Object.entries(m)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  return `| ${[
    f.scene,
    f.frame,
    `${f.read}/${f.reps}`,
    l ? `${l.p50} / ${l.p95} / ${l.max}` : '—',
    cell(f.decodesPerSecondInView, 1),
    cell(f.decodesPerFrameInView, 2),
    f.dropsAfter300ms === null ? '—' : String(f.dropsAfter300ms),
    f.decodeMs ? `${f.decodeMs.p50} / ${f.decodeMs.p95}` : '—',
    kinds(f.verdicts),
    kinds(f.decided),
  ].join(' | ')} |`;
}

/** The figures as a markdown table and a few lines. */
export function sceneTable(f: SceneBenchFigures): string {
  const lines = [
    `scene runner: ${f.reps} repetitions a scene, frames from the ${f.frameSource === 'track' ? "camera's track" : '<video>'}, ${f.seconds} s, load ${f.loadavg.join(' ')}${f.screen.drops ? '' : ' (this screen counts no drops)'}`,
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map(() => '---').join('|')}|`,
    ...f.scenes.map(sceneRow),
  ];
  if (f.firstScan) {
    const r = f.firstScan.readyVsFirstFrameMs;
    lines.push(
      `first scan: decoder ready ${f.firstScan.readyBeforeFirstFrame}/${r.length} times before the camera's first frame (ready − first frame, ms: ${r.join(', ')}); warm-up ${f.firstScan.warmMs.median} ms (median; max ${f.firstScan.warmMs.max}); first frame on the screen ${f.firstScan.firstPresentedMs} ms after written (median); stages (medians, ms): code written → its frame read on the screen ${f.firstScan.stagesMs.presented}, → sent ${f.firstScan.stagesMs.sent}, → answered ${f.firstScan.stagesMs.answered}, → submitted ${f.firstScan.stagesMs.submitted}, → painted ${f.firstScan.stagesMs.painted}`,
    );
  }
  if (f.soak) {
    const s = f.soak;
    const kinds = Object.entries(s.verdicts)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    lines.push(
      `soak: ${s.scans} scans after ${s.warmupScans} warm-up, ${s.painted} verdicts painted, ${s.missed} codes given up, ${s.seconds} s (${s.scansPerSecond} scans/s, a frame every ${s.frameMs} ms); ` +
        `JS heap ${s.heapMB.start} → ${s.heapMB.middle} (half way) → ${s.heapMB.end} MB, decoder memory ${cell(s.wasmMB.start, 1)} → ${cell(s.wasmMB.end, 1)} MB; latest verdicts: ${kinds}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const quick = args.includes('--quick');
  const frameSource = value('--frame-source') ?? 'track';
  if (frameSource !== 'track' && frameSource !== 'video') throw new Error(`--frame-source is track or video, not ${frameSource}`);
  const only = value('--scenes')?.split(',') as SceneName[] | undefined;
  const unknown = only?.filter((s) => !(SCENE_NAMES as readonly string[]).includes(s)) ?? [];
  if (unknown.length) throw new Error(`no scene ${unknown.join(', ')} (there are ${SCENE_NAMES.join(', ')})`);
  const figures = await sceneBench({
    reps: Number(value('--reps') ?? (quick ? 3 : 10)),
    soakScans: Number(value('--soak') ?? (quick ? 500 : 10_000)),
    ...(only ? { only } : {}),
    frameSource,
    log: (line) => process.stderr.write(line + '\n'),
  });
  process.stderr.write(sceneTable(figures) + '\n');
  console.log(JSON.stringify({ sceneBench: figures }));
}
