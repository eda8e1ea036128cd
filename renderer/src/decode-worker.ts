// Decodes camera frames off the UI thread with ZXing-C++ (zxing-wasm). The
// .wasm file is served by the kiosk itself, never fetched from a CDN.
//
// The decoder is compiled and warmed as the worker loads, not on the first
// frame (that cost a first scan 410–440 ms, issue 17): the module is
// prepared at once, the built-in warm-up frames (warm-code.ts) are read
// through the path frames take, and `ready` says how long it took; the
// camera opens then. Frames are then handled one at a time, in order: they
// share two buffers in the decoder's heap.
//
// Each frame is read by the decode plan (main/contract/qr-decode-plan.ts,
// the same as `sentinel decode`): the base pass; when it found a code but
// could not read it (a blurred frame), that code's region, sharpened; and
// while nothing reads, one extra pass a frame in turn (the negative of a
// dark-mode phone, a fixed threshold, the global-histogram binarizer) —
// the next frame is 33 ms away, so no frame pays for every pass.
//
// A VideoFrame's pixels go straight into that heap: an 8-bit YUV frame's Y
// plane is the grey the decoder reads, and 4-byte pixels are summed to grey
// there. An ImageBitmap (a browser without WebCodecs), a frame in another
// format, or a module without the internal API goes the public way: drawn
// on a canvas and read by readBarcodes.
import { prepareZXingModule, readBarcodes, type ReaderOptions } from 'zxing-wasm/reader';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';
import type { DecodeReady, DecodeRequest, DecodeResponse, DecodeStages, FramePath } from './decode-protocol.js';
import { compactRows, evenRect, pixelKind, type PixelKind } from './grey.js';
import { greyToRgba, lumaInto, type GreyImage } from '../../main/contract/grey-image.js';
import { BASE_PASS, FRAME_EXTRA_PASSES, REGION_PASS, chooseHit, regionImage, unreadCodeRegion, type QrPass } from '../../main/contract/qr-decode-plan.js';
import { WARM_TEXT, emptyImage, warmCameraImage, warmImage } from './warm-code.js';
import { PixmapReader, zxingReaderOptions } from './zxing-pixmap.js';

interface WorkerScope {
  onmessage: ((e: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(message: DecodeResponse): void;
}
const scope = self as unknown as WorkerScope;

const startedAt = performance.now();
const modulePromise = prepareZXingModule({
  overrides: { locateFile: (file: string, prefix: string) => (file.endsWith('.wasm') ? wasmUrl : prefix + file) },
  fireImmediately: true,
});

const readerOptions = (pass: QrPass): ReaderOptions => ({ ...pass.options, formats: [...pass.options.formats] });
const SCREEN_OPTIONS: ReaderOptions = readerOptions(BASE_PASS);
/** Each pass's options as the compiled module takes them, made once. */
const PIXMAP_OPTIONS = new Map<QrPass, ReturnType<typeof zxingReaderOptions>>([BASE_PASS, REGION_PASS, ...FRAME_EXTRA_PASSES].map((p) => [p, zxingReaderOptions(readerOptions(p))]));
/** Which extra pass the next frame nothing reads gets. */
let nextExtra = 0;

/** The extra pass of a frame nothing read: each frame the next in turn. */
function nextExtraPass(): QrPass {
  return FRAME_EXTRA_PASSES[nextExtra++ % FRAME_EXTRA_PASSES.length]!;
}

/**
 * The frame's passes, in the heap: the base; the region of a code it found
 * but could not read, cut out and sharpened into the second buffer; then
 * one extra pass, the negative made in place (the passes before have read
 * the buffer already).
 */
function readInHeap(reader: PixmapReader, ptr: number, width: number, height: number): string | null {
  const hits = reader.hits(ptr, width, height, PIXMAP_OPTIONS.get(BASE_PASS)!);
  const text = chooseHit(hits)?.text ?? null;
  if (text !== null) return text;
  const region = unreadCodeRegion(hits, width, height);
  if (region) {
    // Cut out (a copy) before the second buffer is made: making it may grow the heap and move the frame's view.
    const image = regionImage({ width, height, data: reader.heap().subarray(ptr, ptr + width * height) }, region);
    const buf = reader.buffer(image.data.length, 1);
    buf.view.set(image.data);
    const seen = reader.read(buf.ptr, image.width, image.height, PIXMAP_OPTIONS.get(REGION_PASS)!);
    if (seen !== null) return seen;
  }
  const extra = nextExtraPass();
  if (extra.image === 'invert') {
    const heap = reader.heap();
    for (let i = ptr, end = ptr + width * height; i < end; i++) heap[i] = 255 - heap[i]!;
  }
  return reader.read(ptr, width, height, PIXMAP_OPTIONS.get(extra)!);
}

/** The heap reader; null until warmed, and for good when the module lacks it or misread the warm-up code. */
let pixmap: PixmapReader | null = null;
let canvas: OffscreenCanvas | null = null;
/** 4-byte pixels copied out of a frame, kept from frame to frame. */
let scratch = new Uint8Array(0);

interface Read {
  text: string | null;
  path: FramePath;
  copy: number;
  grey?: number;
  decode: number;
}

/** The Y plane, or 4-byte pixels summed to grey, in the decoder's heap; read there. */
async function readVideoFrame(frame: VideoFrame, kind: PixelKind, reader: PixmapReader, options: ReaderOptions | undefined): Promise<Read> {
  const visible = frame.visibleRect ?? { x: 0, y: 0, width: frame.codedWidth, height: frame.codedHeight };
  const rect = evenRect(visible, visible);
  const { width, height } = rect;
  const t0 = performance.now();
  let ptr: number;
  let grey: number | undefined;
  if (kind === 'y-plane') {
    // Every plane of the rect is copied; the first, the Y plane, is the grey.
    const size = frame.allocationSize({ rect });
    const buf = reader.buffer(size);
    const [y] = await frame.copyTo(buf.view, { rect });
    if (!y) throw new Error(`a ${frame.format} frame copied no planes`);
    compactRows(reader.heap(), buf.ptr + y.offset, y.stride, buf.ptr, width, height);
    ptr = buf.ptr;
  } else {
    const size = frame.allocationSize({ rect });
    if (scratch.byteLength < size) scratch = new Uint8Array(size);
    const [plane] = await frame.copyTo(scratch, { rect });
    if (!plane) throw new Error(`a ${frame.format} frame copied no planes`);
    const t1 = performance.now();
    const buf = reader.buffer(width * height);
    lumaInto(scratch, plane.offset, plane.stride, kind, buf.view, 0, width, height);
    ptr = buf.ptr;
    grey = performance.now() - t1;
  }
  const t2 = performance.now();
  const text = options ? reader.read(ptr, width, height, zxingReaderOptions({ ...SCREEN_OPTIONS, ...options })) : readInHeap(reader, ptr, width, height);
  const t3 = performance.now();
  return { text, path: kind, copy: t2 - t0 - (grey ?? 0), ...(grey === undefined ? {} : { grey }), decode: t3 - t2 };
}

/** Drawn on a canvas, read by the public API (which sums RGBA to grey inside the decode). */
async function readOnCanvas(frame: VideoFrame | ImageBitmap, options: ReaderOptions | undefined): Promise<Read> {
  const t0 = performance.now();
  const width = 'displayWidth' in frame ? frame.displayWidth : frame.width;
  const height = 'displayHeight' in frame ? frame.displayHeight : frame.height;
  if (!canvas || canvas.width !== width || canvas.height !== height) canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(frame, 0, 0);
  const pixels = ctx.getImageData(0, 0, width, height);
  const t1 = performance.now();
  const text = options ? (chooseHit(await readBarcodes(pixels, { ...SCREEN_OPTIONS, ...options }))?.text ?? null) : await readPublicly(pixels);
  return { text, path: 'canvas', copy: t1 - t0, decode: performance.now() - t1 };
}

/** The frame's passes through the public API, as readInHeap runs them. */
async function readPublicly(pixels: ImageData): Promise<string | null> {
  const hits = await readBarcodes(pixels, SCREEN_OPTIONS);
  let text = chooseHit(hits)?.text ?? null;
  if (text !== null) return text;
  const region = unreadCodeRegion(hits, pixels.width, pixels.height);
  if (region) {
    const grey: GreyImage = { width: pixels.width, height: pixels.height, data: new Uint8Array(pixels.width * pixels.height) };
    lumaInto(pixels.data, 0, pixels.width * 4, 'rgba', grey.data, 0, pixels.width, pixels.height);
    const image = regionImage(grey, region);
    text = chooseHit(await readBarcodes(new ImageData(greyToRgba(image), image.width, image.height), readerOptions(REGION_PASS)))?.text ?? null;
    if (text !== null) return text;
  }
  // No negative of ours here: the extra passes keep their binarizer, and the negative pass asks zxing to invert.
  const extra = nextExtraPass();
  return chooseHit(await readBarcodes(pixels, { ...readerOptions(extra), tryInvert: extra.image === 'invert' }))?.text ?? null;
}

const isVideoFrame = (frame: unknown): frame is VideoFrame => typeof VideoFrame === 'function' && frame instanceof VideoFrame;

/** Why the heap path was given up on, told once with the next answer. */
let heapFailure: string | null = null;

async function readFrame(frame: VideoFrame | ImageBitmap, options: ReaderOptions | undefined): Promise<Read & { error?: string }> {
  const kind = isVideoFrame(frame) ? pixelKind(frame.format) : null;
  if (pixmap && kind) {
    try {
      return await readVideoFrame(frame as VideoFrame, kind, pixmap, options);
    } catch (err) {
      // The frame is still open: it is read the public way below, and so is every frame after it.
      pixmap = null;
      heapFailure = String(err);
    }
  }
  const read = await readOnCanvas(frame, options);
  const error = heapFailure;
  heapFailure = null;
  return error ? { ...read, error: `the heap path failed, frames go by canvas: ${error}` } : read;
}

/** A warm-up image as a 4:2:0 frame: Y the image, chroma neutral. */
function warmFrame(img: { width: number; height: number; data: Uint8Array }): VideoFrame {
  const planes = new Uint8Array((img.width * img.height * 3) / 2).fill(128);
  planes.set(img.data);
  return new VideoFrame(planes, { format: 'I420', codedWidth: img.width, codedHeight: img.height, timestamp: 0 });
}

async function readWarmFrame(img: { width: number; height: number; data: Uint8Array }): Promise<Read> {
  const frame = warmFrame(img);
  try {
    return await readFrame(frame, undefined);
  } finally {
    frame.close();
  }
}

async function warmUp(): Promise<DecodeReady> {
  let moduleMs = NaN;
  try {
    // Drawn while the module compiles (off this thread), not after it: the camera waits for ready.
    const cameraLike = warmCameraImage();
    const empty = emptyImage();
    const module = await modulePromise;
    moduleMs = performance.now() - startedAt;
    // Without WebCodecs every frame is an ImageBitmap, read the public way: warm that.
    pixmap = typeof VideoFrame === 'function' ? PixmapReader.from(module) : null;
    let read: Read | null = null;
    if (pixmap) {
      read = await readWarmFrame(warmImage());
      // Misread through the heap: the internal API no longer does what this file expects.
      if (read.text !== WARM_TEXT) pixmap = null;
    }
    if (pixmap) {
      // What a camera frame runs that the small code does not: a large turned code, and each extra pass (a frame nothing reads gets the next).
      await readWarmFrame(cameraLike);
      for (let i = 0; i < FRAME_EXTRA_PASSES.length; i++) await readWarmFrame(empty);
      nextExtra = 0;
    }
    if (!pixmap) {
      const img = warmImage();
      const results = await readBarcodes(new ImageData(greyToRgba(img), img.width, img.height), SCREEN_OPTIONS);
      if (!results.some((r) => r.text === WARM_TEXT)) throw new Error('the decoder misread its warm-up code');
      read = { text: WARM_TEXT, path: 'canvas', copy: 0, decode: 0 };
    }
    return { type: 'ready', warmMs: performance.now() - startedAt, moduleMs, path: read?.path ?? 'canvas' };
  } catch (err) {
    return { type: 'ready', warmMs: performance.now() - startedAt, moduleMs, path: 'canvas', error: String(err) };
  }
}

/** Frames wait behind the warm-up and each other (one heap buffer); none is refused. */
let queue: Promise<void> = warmUp().then((ready) => scope.postMessage(ready));

async function handle(req: DecodeRequest, receivedAt: number): Promise<void> {
  const { id, frame, postedAt } = req;
  const started = performance.now();
  const transfer = receivedAt - postedAt;
  const wait = performance.timeOrigin + started - receivedAt;
  try {
    const read = await readFrame(frame, req.options);
    const stages: DecodeStages = { transfer, wait, copy: read.copy, ...(read.grey === undefined ? {} : { grey: read.grey }), decode: read.decode };
    const heapBytes = pixmap?.heap().byteLength;
    scope.postMessage({
      type: 'decoded',
      id,
      text: read.text,
      ms: performance.now() - started + wait,
      path: read.path,
      stages,
      ...(heapBytes === undefined ? {} : { heapBytes }),
      ...(read.error ? { error: read.error } : {}),
    });
  } catch (err) {
    const stages: DecodeStages = { transfer, wait, copy: NaN, decode: NaN };
    scope.postMessage({ type: 'decoded', id, text: null, ms: performance.now() - started + wait, path: 'canvas', stages, error: String(err) });
  } finally {
    frame.close();
  }
}

scope.onmessage = (e) => {
  const receivedAt = performance.timeOrigin + performance.now();
  queue = queue.then(() => handle(e.data, receivedAt));
};
