// The screen's decoder worker measured in Debian's Chromium, stage by stage:
// the built worker (dist/renderer/assets), served on loopback as the kiosk
// serves it (same Content-Security-Policy, no-store), fed 720p frames made
// by frames.ts through two cameras a page can script exactly:
// - `i420`: a MediaStreamTrackGenerator fed I420 frames built from the grey
//   (what a USB or fake camera delivers) into a <video>;
// - `bgra`: a canvas stream into a <video> (screen-bench's camera).
// Each frame is grabbed as the screen grabs it, the new way (`new
// VideoFrame(video)`, copied into the decoder's heap) and the old way
// (createImageBitmap, drawn on a canvas, read by readBarcodes), one in
// flight. Also: the warm-up, the first frame's decode with and without it
// (a fresh browser per trial, so no compiled module is reused), and the
// decode without ZXing's downscale pass.
//
// `node dist/bench/worker-bench.js` prints a table and a JSON line;
// workerBench() returns the figures, workerTable() the table.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { demoCode, loadDemoKeys } from '../main/demo/demo.js';
import { packageRoot } from '../main/package-root.js';
import { CONTENT_TYPES, contentSecurityPolicy } from '../main/shell/csp.js';
import { quantile } from './quantile.js';
import { cameraFrame, type GrayFrame } from './frames.js';
import { CHROMIUM } from './screen-bench.js';

const ASSETS = path.join(packageRoot(), 'dist', 'renderer', 'assets');

/** The shape of renderer/src/decode-protocol.ts's answers (a benchmark may not import the screen). */
export interface WorkerReply {
  type: 'ready' | 'decoded';
  id?: number;
  text?: string | null;
  ms?: number;
  path: string;
  stages?: { transfer: number; wait: number; copy: number; grey?: number; decode: number };
  warmMs?: number;
  moduleMs?: number;
  error?: string;
}

/** One frame through the worker, as the page saw it. */
export interface Sample {
  reply: WorkerReply;
  /** The frame's format before it was sent ('bitmap' for an ImageBitmap). */
  format: string;
  /** Grab on the page's thread (ms). */
  grab: number;
  /** Grab started → answer received (ms). */
  total: number;
}

/** A way to grab a frame: new (a VideoFrame), old (an ImageBitmap), with reader options over the screen's. */
export interface Way {
  grab: 'videoframe' | 'bitmap';
  options?: Record<string, unknown>;
}

/** What the page offers (installed by installPage). */
export interface WorkerBenchPage {
  addScene(name: string, greyBase64: string, width: number, height: number): void;
  /** Starts the page's worker and resolves on its `ready`, with every message it had sent by then. */
  open(url: string): Promise<{ ready: WorkerReply; readyMs: number; before: WorkerReply[] }>;
  /** A frame made from a scene's pixels (no camera), through the page's worker. */
  decode(scene: string, kind: 'I420' | 'BGRA' | 'bitmap', options?: Record<string, unknown>): Promise<Sample>;
  cameras(): Promise<void>;
  show(scene: string): Promise<void>;
  /** `n` camera frames for each way, the ways taking turns frame by frame (so a burst of load hits them alike). */
  measure(source: 'i420' | 'bgra', ways: Way[], n: number): Promise<Sample[][]>;
  /** A fresh worker's first frame, made from a scene, posted at once or after `ready`. */
  firstFrame(
    url: string,
    scene: string,
    kind: 'I420' | 'bitmap',
    afterReady: boolean,
  ): Promise<{ sinceStart: number; roundTrip: number; reply: WorkerReply; ready: WorkerReply | null; readyMs: number }>;
}

/** Runs in the page (Playwright sends its source): the cameras, the worker, the clock. */
function installPage(): void {
  interface Scene {
    width: number;
    height: number;
    grey: Uint8Array<ArrayBuffer>;
    i420: Uint8Array<ArrayBuffer>;
    rgba: Uint8ClampedArray<ArrayBuffer>;
    bgra: Uint8Array<ArrayBuffer>;
  }
  interface Answer {
    msg: WorkerReply;
    at: number;
  }
  interface BenchWorker {
    worker: Worker;
    createdAt: number;
    ready: Promise<Answer>;
    /** Ready once it came (a worker from before the warm-up never says it). */
    readied: Answer | null;
    pending: Map<number, (a: Answer) => void>;
    messages: WorkerReply[];
    nextId: number;
  }
  type Generator = MediaStreamTrack & { writable: WritableStream<VideoFrame> };
  const scenes = new Map<string, Scene>();
  let current = '';
  let shared: BenchWorker | null = null;
  const videos: Record<'i420' | 'bgra', HTMLVideoElement | null> = { i420: null, bgra: null };
  let canvasCtx: CanvasRenderingContext2D | null = null;

  const scene = (name: string): Scene => {
    const s = scenes.get(name);
    if (!s) throw new Error(`no scene ${name}`);
    return s;
  };
  const startWorker = (url: string): BenchWorker => {
    let readyNow: (a: Answer) => void = () => undefined;
    const bw: BenchWorker = {
      worker: new Worker(url, { type: 'module' }),
      createdAt: performance.now(),
      ready: new Promise((r) => (readyNow = r)),
      readied: null,
      pending: new Map(),
      messages: [],
      nextId: 1,
    };
    bw.worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const a = { msg: e.data, at: performance.now() };
      bw.messages.push(e.data);
      if (e.data.type === 'ready') {
        bw.readied = a;
        readyNow(a);
      } else {
        bw.pending.get(e.data.id!)?.(a);
        bw.pending.delete(e.data.id!);
      }
    };
    bw.worker.onerror = (e) => readyNow({ msg: { type: 'ready', path: 'none', error: e.message }, at: performance.now() });
    return bw;
  };
  const send = (bw: BenchWorker, frame: VideoFrame | ImageBitmap, options?: Record<string, unknown>): Promise<Answer> => {
    const id = bw.nextId++;
    const answered = new Promise<Answer>((r) => bw.pending.set(id, r));
    bw.worker.postMessage({ id, frame, postedAt: performance.timeOrigin + performance.now(), ...(options ? { options } : {}) }, [frame]);
    return answered;
  };
  const rawFrame = async (name: string, kind: 'I420' | 'BGRA' | 'bitmap'): Promise<VideoFrame | ImageBitmap> => {
    const s = scene(name);
    if (kind === 'bitmap') return createImageBitmap(new ImageData(s.rgba, s.width, s.height));
    return new VideoFrame(kind === 'I420' ? s.i420 : s.bgra, { format: kind, codedWidth: s.width, codedHeight: s.height, timestamp: 0 });
  };
  const nextFrame = (v: HTMLVideoElement): Promise<void> => new Promise((r) => v.requestVideoFrameCallback(() => r()));
  const formatOf = (f: VideoFrame | ImageBitmap): string => ('format' in f ? (f.format ?? 'none') : 'bitmap');

  const page: WorkerBenchPage = {
    addScene(name, greyBase64, width, height) {
      const grey = Uint8Array.from(atob(greyBase64), (c) => c.charCodeAt(0));
      const i420 = new Uint8Array((width * height * 3) / 2).fill(128);
      i420.set(grey);
      const rgba = new Uint8ClampedArray(width * height * 4);
      const bgra = new Uint8Array(width * height * 4);
      for (let i = 0; i < grey.length; i++) {
        rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = bgra[i * 4] = bgra[i * 4 + 1] = bgra[i * 4 + 2] = grey[i]!;
        rgba[i * 4 + 3] = bgra[i * 4 + 3] = 255;
      }
      scenes.set(name, { width, height, grey, i420, rgba, bgra });
      // The cameras show something from the start: a <video> plays only once a frame came.
      current ||= name;
    },
    async open(url) {
      shared = startWorker(url);
      const { msg, at } = await shared.ready;
      return { ready: msg, readyMs: at - shared.createdAt, before: shared.messages.slice(0, -1) };
    },
    async decode(name, kind, options) {
      if (!shared) throw new Error('open() first');
      const t0 = performance.now();
      const frame = await rawFrame(name, kind);
      const format = formatOf(frame);
      const t1 = performance.now();
      const { msg, at } = await send(shared, frame, options);
      return { reply: msg, format, grab: t1 - t0, total: at - t0 };
    },
    async cameras() {
      const Gen = (globalThis as unknown as { MediaStreamTrackGenerator: new (o: { kind: 'video' }) => Generator }).MediaStreamTrackGenerator;
      const generator = new Gen({ kind: 'video' });
      const writer = generator.writable.getWriter();
      const canvas = document.createElement('canvas');
      canvas.width = 1280;
      canvas.height = 720;
      canvasCtx = canvas.getContext('2d')!;
      const video = async (stream: MediaStream): Promise<HTMLVideoElement> => {
        const v = document.createElement('video');
        v.muted = true;
        v.playsInline = true;
        v.srcObject = stream;
        document.body.append(v);
        await v.play();
        return v;
      };
      let ts = 0;
      let flip = false;
      setInterval(() => {
        const s = scenes.get(current);
        if (s) void writer.write(new VideoFrame(s.i420, { format: 'I420', codedWidth: s.width, codedHeight: s.height, timestamp: (ts += 33_333) }));
        // A canvas that does not change sends no frames: two corner pixels blink.
        flip = !flip;
        canvasCtx!.fillStyle = flip ? '#000' : '#fff';
        canvasCtx!.fillRect(0, 0, 2, 2);
      }, 33);
      videos.i420 = await video(new MediaStream([generator]));
      videos.bgra = await video(canvas.captureStream(30));
    },
    async show(name) {
      current = name;
      const s = scene(name);
      canvasCtx!.putImageData(new ImageData(s.rgba, s.width, s.height), 0, 0);
      // A few frames on, both videos show the scene.
      for (let i = 0; i < 4; i++) await Promise.all([nextFrame(videos.i420!), nextFrame(videos.bgra!)]);
    },
    async measure(source, ways, n) {
      if (!shared) throw new Error('open() first');
      const v = videos[source]!;
      const out: Sample[][] = ways.map(() => []);
      for (let i = 0; i < n; i++) {
        for (const [w, way] of ways.entries()) {
          await nextFrame(v);
          const t0 = performance.now();
          const frame = way.grab === 'videoframe' ? new VideoFrame(v) : await createImageBitmap(v);
          const t1 = performance.now();
          const format = formatOf(frame);
          const { msg, at } = await send(shared, frame, way.options);
          out[w]!.push({ reply: msg, format, grab: t1 - t0, total: at - t0 });
        }
      }
      return out;
    },
    async firstFrame(url, name, kind, afterReady) {
      const bw = startWorker(url);
      if (afterReady) await bw.ready;
      const frame = await rawFrame(name, kind);
      const t0 = performance.now();
      const { msg, at } = await send(bw, frame);
      // A worker says ready before it answers any frame, or never.
      const ready = bw.readied;
      bw.worker.terminate();
      return { sinceStart: at - bw.createdAt, roundTrip: at - t0, reply: msg, ready: ready?.msg ?? null, readyMs: ready ? ready.at - bw.createdAt : NaN };
    },
  };
  (globalThis as unknown as { __wb: WorkerBenchPage }).__wb = page;
}

export interface WorkerPage {
  page: Page;
  /** The built worker's address on the loopback server. */
  workerUrl: string;
  close(): Promise<void>;
}

/** The built worker's file name (Vite hashes it). */
function builtWorker(assets: string): string {
  const found = fs.existsSync(assets) ? fs.readdirSync(assets).filter((f) => /^decode-worker-.*\.js$/.test(f)) : [];
  if (found.length !== 1) throw new Error(`expected one built decode worker in ${assets}, found ${found.length}: run npm run build`);
  return found[0]!;
}

/**
 * A loopback server for the built screen's assets (or another build's, to
 * compare) and an empty page, with the kiosk's Content-Security-Policy and
 * no caching; a page on it with the bench's helpers (window.__wb). Tests
 * use it too.
 */
export async function openWorkerPage(browser: Browser, assets = ASSETS): Promise<WorkerPage> {
  const worker = builtWorker(assets);
  const csp = contentSecurityPolicy({ connect: [] });
  const server = http.createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0]!;
    const file = name.startsWith('/assets/') ? path.join(assets, path.basename(name)) : null;
    const headers = { 'content-security-policy': csp, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (name === '/') {
      res.writeHead(200, { ...headers, 'content-type': CONTENT_TYPES['.html']! });
      res.end('<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>decoder worker</title><body></body>');
    } else if (file && fs.existsSync(file)) {
      res.writeHead(200, { ...headers, 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
    } else {
      res.writeHead(404, headers).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const page = await browser.newPage();
  page.on('pageerror', (err) => console.error(`worker page error: ${err.message}`));
  await page.addInitScript(installPage);
  await page.goto(`${origin}/`);
  return {
    page,
    workerUrl: `${origin}/assets/${worker}`,
    close: async () => {
      await page.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
}

/** The scenes: frames.ts at 720p, the demo health code (as screen-bench shows it). */
export async function benchScenes(): Promise<{ text: string; scenes: Record<string, GrayFrame> }> {
  const text = await demoCode(await loadDemoKeys(), Date.now() / 1000, { issuer: 'CN-ZJ', status: 'green', subject: 'worker-bench' });
  const at = { width: 1280, height: 720, noise: 3, seed: 7 };
  return {
    text,
    scenes: {
      empty: cameraFrame('', { ...at, codeFraction: 0.45 }),
      code45: cameraFrame(text, { ...at, codeFraction: 0.45, rotateDeg: 5 }),
      small: cameraFrame(text, { ...at, codeFraction: 0.3, rotateDeg: 2 }),
    },
  };
}

export async function addScenes(page: Page, scenes: Record<string, GrayFrame>): Promise<void> {
  for (const [name, f] of Object.entries(scenes)) {
    const arg = [name, Buffer.from(f.data).toString('base64'), f.width, f.height] as const;
    await page.evaluate(([n, b64, w, h]) => (globalThis as unknown as { __wb: WorkerBenchPage }).__wb.addScene(n, b64, w, h), arg);
  }
}

interface Quantiles {
  p50: number;
  p95: number;
}
const round = (v: number): number => Math.round(v * 100) / 100;
function quantiles(xs: number[]): Quantiles | null {
  if (!xs.some((x) => Number.isFinite(x))) return null;
  return { p50: round(quantile(xs, 0.5)), p95: round(quantile(xs, 0.95)) };
}
const median = (xs: number[]): number => round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN);

export interface StageRow {
  source: 'i420' | 'bgra';
  scene: string;
  way: 'new' | 'old' | 'new, no downscale';
  /** The frame's format as grabbed, and the worker's path for it. */
  format: string;
  path: string;
  n: number;
  /** Frames read right (the code's text; no text for the empty scene). */
  right: number;
  grab: Quantiles | null;
  transfer: Quantiles | null;
  copy: Quantiles | null;
  grey: Quantiles | null;
  decode: Quantiles | null;
  total: Quantiles | null;
}

export interface WorkerBenchFigures {
  framesPerRow: number;
  trials: number;
  /** Worker start → ready, and of it the module's fetch + compile (median over the fresh browsers). */
  warmup: { readyMs: number; moduleMs: number; path: string };
  /** The first frame's answer (a 45% code, I420), each in a fresh browser, so V8 has compiled nothing yet. */
  firstFrame: {
    /** Posted as the worker starts: start → answer. It waits for the warm-up, then decodes. */
    atStart: { sinceStartMs: number; decodeMs: number };
    /** Posted after ready: post → answer, and the decode stage. */
    afterReady: { roundTripMs: number; decodeMs: number };
    /** Another build's worker (one without the warm-up) given the same scene, as an ImageBitmap, at its start, when asked for. */
    baseline: { assets: string; sinceStartMs: number } | null;
    right: number;
    of: number;
  };
  rows: StageRow[];
  loadavg: number[];
}

function row(source: StageRow['source'], scene: string, way: StageRow['way'], samples: Sample[], expected: string | null): StageRow {
  const st = (k: 'transfer' | 'copy' | 'grey' | 'decode'): Quantiles | null => quantiles(samples.map((s) => s.reply.stages?.[k] ?? NaN));
  return {
    source,
    scene,
    way,
    format: [...new Set(samples.map((s) => s.format))].join('/'),
    path: [...new Set(samples.map((s) => s.reply.path))].join('/'),
    n: samples.length,
    right: samples.filter((s) => (s.reply.text ?? null) === expected).length,
    grab: quantiles(samples.map((s) => s.grab)),
    transfer: st('transfer'),
    copy: st('copy'),
    grey: st('grey'),
    decode: st('decode'),
    total: quantiles(samples.map((s) => s.total)),
  };
}

/** A fresh browser's first frame: a new worker given the scene as a frame at its start, or after its ready. */
async function firstFrameTrial(assets: string, scene: GrayFrame, kind: 'I420' | 'bitmap', afterReady: boolean): Promise<Awaited<ReturnType<WorkerBenchPage['firstFrame']>>> {
  const browser = await launchChromium();
  try {
    const wp = await openWorkerPage(browser, assets);
    await addScenes(wp.page, { first: scene });
    const r = await wp.page.evaluate(([url, k, a]) => (globalThis as unknown as { __wb: WorkerBenchPage }).__wb.firstFrame(url, 'first', k, a), [wp.workerUrl, kind, afterReady] as const);
    await wp.close();
    return r;
  } finally {
    await browser.close();
  }
}

/** `baselineAssets`: another build's dist/renderer/assets (say, the tree before the warm-up) for the first frame's comparison. */
export async function workerBench(opts: { frames?: number; trials?: number; baselineAssets?: string } = {}): Promise<WorkerBenchFigures> {
  const frames = opts.frames ?? 30;
  const trials = opts.trials ?? 5;
  const { text, scenes } = await benchScenes();
  const expected = (scene: string): string | null => (scene === 'empty' ? null : text);

  const atStart: Awaited<ReturnType<typeof firstFrameTrial>>[] = [];
  const afterReady: typeof atStart = [];
  const baseline: typeof atStart = [];
  for (let t = 0; t < trials; t++) {
    atStart.push(await firstFrameTrial(ASSETS, scenes.code45!, 'I420', false));
    afterReady.push(await firstFrameTrial(ASSETS, scenes.code45!, 'I420', true));
    // A worker from before the VideoFrame path takes ImageBitmaps only.
    if (opts.baselineAssets) baseline.push(await firstFrameTrial(opts.baselineAssets, scenes.code45!, 'bitmap', false));
  }
  const fresh = [...atStart, ...afterReady];

  const browser = await launchChromium();
  const rows: StageRow[] = [];
  try {
    const wp = await openWorkerPage(browser);
    await addScenes(wp.page, scenes);
    const wb = (fn: string, ...args: unknown[]): Promise<unknown> =>
      wp.page.evaluate(([f, a]) => (globalThis as unknown as { __wb: Record<string, (...x: unknown[]) => unknown> }).__wb[f]!(...a), [fn, args] as const);
    await wb('open', wp.workerUrl);
    await wb('cameras');
    const NEW: Way = { grab: 'videoframe' };
    const OLD: Way = { grab: 'bitmap' };
    const NO_DOWNSCALE: Way = { grab: 'videoframe', options: { tryDownscale: false } };
    for (const scene of Object.keys(scenes)) {
      await wb('show', scene);
      for (const source of ['i420', 'bgra'] as const) {
        const ways = source === 'i420' ? [NEW, OLD, NO_DOWNSCALE] : [NEW, OLD];
        // A few frames first, so no way pays for another's first run.
        await wb('measure', source, ways, 3);
        const [fresh, old, noDownscale] = (await wb('measure', source, ways, frames)) as Sample[][];
        rows.push(row(source, scene, 'new', fresh!, expected(scene)), row(source, scene, 'old', old!, expected(scene)));
        if (noDownscale) rows.push(row(source, scene, 'new, no downscale', noDownscale, expected(scene)));
      }
    }
    await wp.close();
  } finally {
    await browser.close();
  }
  return {
    framesPerRow: frames,
    trials,
    warmup: { readyMs: median(fresh.map((r) => r.readyMs)), moduleMs: median(fresh.map((r) => r.ready?.moduleMs ?? NaN)), path: [...new Set(fresh.map((r) => r.ready?.path))].join('/') },
    firstFrame: {
      atStart: { sinceStartMs: median(atStart.map((r) => r.sinceStart)), decodeMs: median(atStart.map((r) => r.reply.stages?.decode ?? NaN)) },
      afterReady: { roundTripMs: median(afterReady.map((r) => r.roundTrip)), decodeMs: median(afterReady.map((r) => r.reply.stages?.decode ?? NaN)) },
      baseline: opts.baselineAssets ? { assets: opts.baselineAssets, sinceStartMs: median(baseline.map((r) => r.sinceStart)) } : null,
      right: [...fresh, ...baseline].filter((r) => r.reply.text === text).length,
      of: fresh.length + baseline.length,
    },
    rows,
    loadavg: os.loadavg().map(round),
  };
}

/** The figures as a table (ms, p50/p95). */
export function workerTable(f: WorkerBenchFigures): string {
  const q = (x: Quantiles | null): string => (x ? `${x.p50.toFixed(1)}/${x.p95.toFixed(1)}` : '—');
  const lines = [
    `decoder worker, 720p, ${f.framesPerRow} frames a row, ms p50/p95 (load ${f.loadavg.join(' ')})`,
    ['source', 'scene', 'way', 'format→path', 'right', 'grab', 'transfer', 'copy', 'grey', 'decode', 'total'].map((h, i) => h.padEnd([7, 8, 18, 16, 7][i] ?? 12)).join(''),
    ...f.rows.map((r) =>
      [r.source, r.scene, r.way, `${r.format}→${r.path}`, `${r.right}/${r.n}`, q(r.grab), q(r.transfer), q(r.copy), q(r.grey), q(r.decode), q(r.total)]
        .map((c, i) => c.padEnd([7, 8, 18, 16, 7][i] ?? 12))
        .join(''),
    ),
    `warm-up (${f.trials} fresh browsers, median): ready ${f.warmup.readyMs.toFixed(0)} ms after the worker starts, of it ${f.warmup.moduleMs.toFixed(0)} ms fetch+compile; path ${f.warmup.path}`,
    `first frame, posted at worker start: answered ${f.firstFrame.atStart.sinceStartMs.toFixed(0)} ms after start (decode stage ${f.firstFrame.atStart.decodeMs.toFixed(1)} ms)`,
    `first frame, posted after ready: answered in ${f.firstFrame.afterReady.roundTripMs.toFixed(1)} ms (decode stage ${f.firstFrame.afterReady.decodeMs.toFixed(1)} ms)`,
    ...(f.firstFrame.baseline ? [`first frame, posted at the start of ${f.firstFrame.baseline.assets}'s worker: answered ${f.firstFrame.baseline.sinceStartMs.toFixed(0)} ms after start`] : []),
    `first frames read right: ${f.firstFrame.right}/${f.firstFrame.of}`,
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // WORKER_BENCH_BASELINE: another build's assets folder, to compare the first frame with.
  const frames = Number(process.env.BENCH_WORKER_FRAMES ?? 30);
  const baselineAssets = process.env.WORKER_BENCH_BASELINE;
  const figures = await workerBench({ frames, ...(baselineAssets ? { baselineAssets } : {}) });
  console.log(workerTable(figures));
  console.log(JSON.stringify({ workerBench: figures }));
}
