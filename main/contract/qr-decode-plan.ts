// How every QR decode in Sentinel is asked for — on the screen (the decoder
// worker, camera frames) and on the command line (`sentinel decode`, files)
// — chosen pass by pass by measurement (bench/decode-accuracy.ts over
// ZXing's photos, the EU DCC and SHC corpora and camera-like frames; the
// figures are in docs/decisions.md). Pure data and pure rules: the screen
// imports it too, so both decode the same way.
//
// What the measurements decided:
// - The base pass reads at full resolution only (zxing's own downscaled
//   layer gained nothing anywhere and cost time), one polarity, without
//   tryHarder (no image of 808 was lost without it, and it is a fifth
//   faster), and asks for two symbols: a code printed inside another (or a
//   second phone) comes back too, and the largest wins.
// - Text as the code holds it (Plain): zxing's default (HRI) writes a
//   control character as "<SOH>", which is not the code's text.
// - Extra passes run only when the base pass read nothing: for a camera,
//   one a frame in turn (the next frame is 33 ms away); for a file, each in
//   turn. Each earned its place by reading images no other pass read:
//   the negative image (a dark-mode phone), a fixed threshold (a blurred,
//   tilted VGA frame), the global-histogram binarizer (two of ZXing's
//   photos), half size (one).
// - A code the base pass found but could not read (its finder patterns
//   located, its error correction failed: a blurred frame) is read again
//   at once from its region alone, sharpened: that read every such frame of
//   the benchmark's blurred profiles for about 3 ms, and no wrong text.
// - A file has one more, last of all: OpenCV's curved QR decoder on a
//   contrast-equalised (CLAHE) image reads three printed labels on curved
//   surfaces no zxing pass reads. It is not zxing, costs 22 ms a file at
//   the median (0.6 s at most of 635) and an 11 MB library, and is run only
//   by `sentinel decode`: the screen reads phones, and never loads it.

import { crop, unsharp, type GreyImage } from './grey-image.js';

/** The zxing-wasm reader options a pass uses (a subset of its ReaderOptions, as plain data). */
export interface QrReaderOptions {
  formats: ['QRCode'];
  tryHarder: boolean;
  tryRotate: boolean;
  tryInvert: boolean;
  tryDownscale: boolean;
  maxNumberOfSymbols: number;
  textMode: 'Plain';
  binarizer: 'LocalAverage' | 'GlobalHistogram' | 'FixedThreshold';
  /** Also return codes found but not read (isValid false): where they lie is what the region pass needs. */
  returnErrors: boolean;
}

/**
 * What the image is turned into before the pass: as it is, its negative,
 * half size, or the sharpened region of a code an earlier pass found but
 * could not read (skipped when none was found).
 */
export type QrPassImage = 'as-is' | 'invert' | 'half' | 'region';

/** A pass zxing-wasm reads: the screen's passes and most of a file's. */
export interface QrPass {
  name: string;
  reader: 'zxing';
  image: QrPassImage;
  options: QrReaderOptions;
}

/**
 * A pass OpenCV's curved QR decoder (QRCodeDetector.detectAndDecodeCurved)
 * reads, on the image after CLAHE (main/contract/grey-image.ts) with these
 * tiles a side and clip limit. Files only.
 */
export interface CurvedQrPass {
  name: string;
  reader: 'opencv-curved';
  image: 'clahe';
  clahe: { tiles: number; clip: number };
  /** Larger images (width × height) are not tried: the time and the decoder's memory grow with the pixels. */
  maxPixels: number;
}

/** A pass of a file's plan: one zxing reads, or the curved one. */
export type FileQrPass = QrPass | CurvedQrPass;

const BASE_OPTIONS: QrReaderOptions = {
  formats: ['QRCode'],
  tryHarder: false,
  tryRotate: true,
  tryInvert: false,
  tryDownscale: false,
  maxNumberOfSymbols: 2,
  textMode: 'Plain',
  binarizer: 'LocalAverage',
  returnErrors: false,
};

/** The base pass also tells where a code it could not read lies (measured: the same texts, the same cost). */
export const BASE_PASS: QrPass = { name: 'base', reader: 'zxing', image: 'as-is', options: { ...BASE_OPTIONS, returnErrors: true } };
/** A code seen but not read: its region, grown by REGION_GROWTH and sharpened (grey-image.ts's unsharp), read alone. */
export const REGION_PASS: QrPass = { name: 'region of a code seen', reader: 'zxing', image: 'region', options: BASE_OPTIONS };
/** A dark-mode phone: light modules on dark. Our own negative, so only that polarity is searched. */
export const NEGATIVE_PASS: QrPass = { name: 'negative', reader: 'zxing', image: 'invert', options: BASE_OPTIONS };
/**
 * The two binarizer passes look for finder patterns on every row
 * (tryHarder): a code at 15–17% of a 720p frame's height has finder
 * patterns 9–10 rows tall, which the base pass's row skip often steps over
 * (measured once, not in the benchmarks, on 20 of decode-accuracy's varied
 * holds at each size: 5 → 15 of 20 at 15%, 10 → 20 at 17%), for
 * about 2 ms more on a frame without a code, paid only when the base pass
 * read nothing.
 */
export const FIXED_THRESHOLD_PASS: QrPass = { name: 'fixed threshold', reader: 'zxing', image: 'as-is', options: { ...BASE_OPTIONS, binarizer: 'FixedThreshold', tryHarder: true } };
export const GLOBAL_HISTOGRAM_PASS: QrPass = { name: 'global histogram', reader: 'zxing', image: 'as-is', options: { ...BASE_OPTIONS, binarizer: 'GlobalHistogram', tryHarder: true } };
export const HALF_SIZE_PASS: QrPass = { name: 'half size', reader: 'zxing', image: 'half', options: BASE_OPTIONS };
/**
 * Printed labels on curved surfaces: CLAHE 4×4, clip 3 (of 30 settings
 * measured, one of the two that read all three labels; two of the labels
 * read under most settings, qrcode-4/05 under those two only).
 * Up to 12 megapixels, a phone camera's photo (ZXing's largest is 1.2 MP):
 * there the pass took 0.6–1.6 s and OpenCV's heap 128 MB; at 24 MP 1.3–1.6 s
 * and 195 MB (its heap never shrinks), for a kind of image it is not for.
 */
export const CURVED_PASS: CurvedQrPass = { name: 'curved (OpenCV)', reader: 'opencv-curved', image: 'clahe', clahe: { tiles: 4, clip: 3 }, maxPixels: 12_000_000 };

/** A camera frame: the base pass, the region pass when the base saw a code, then at most one of the extra passes while nothing reads, each frame the next. */
export const FRAME_PASSES: readonly QrPass[] = [BASE_PASS, REGION_PASS];
export const FRAME_EXTRA_PASSES: readonly QrPass[] = [NEGATIVE_PASS, FIXED_THRESHOLD_PASS, GLOBAL_HISTOGRAM_PASS];

/** How much larger than the unread code's bounding box its region is cut (×1.2–1.6 read the same; measured). */
export const REGION_GROWTH = 1.4;
/** The region's sharpening: a box blur of this radius taken away `amount` times (measured against ×2 upscales: as many reads, cheaper). */
export const REGION_UNSHARP = { radius: 2, amount: 1 } as const;

/** The image the region pass reads: the region cut out and sharpened. */
export function regionImage(g: GreyImage, r: PixelRect): GreyImage {
  return unsharp(crop(g, r), REGION_UNSHARP.radius, REGION_UNSHARP.amount);
}

/** A rectangle of pixels. */
export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * A file: every pass in this order until one reads (the set cover's order;
 * the negative for screenshots of dark-mode phones), the curved pass last:
 * it is the slowest, and every zxing pass comes first, so that a code
 * OpenCV would misread (it takes bytes that are not UTF-8 as Latin-1: a
 * Shift_JIS code) is read by zxing before it.
 */
export const FILE_PASSES: readonly FileQrPass[] = [BASE_PASS, REGION_PASS, GLOBAL_HISTOGRAM_PASS, HALF_SIZE_PASS, NEGATIVE_PASS, FIXED_THRESHOLD_PASS, CURVED_PASS];

/** The part of a decoder's result this rule reads. */
export interface QrHit {
  isValid: boolean;
  text: string;
  position: { topLeft: Point; topRight: Point; bottomRight: Point; bottomLeft: Point };
}
interface Point {
  x: number;
  y: number;
}

/** The area a result's corners enclose (shoelace), in pixels². */
export function hitArea(h: QrHit): number {
  const p = [h.position.topLeft, h.position.topRight, h.position.bottomRight, h.position.bottomLeft];
  let twice = 0;
  for (let i = 0; i < 4; i++) {
    const a = p[i]!;
    const b = p[(i + 1) % 4]!;
    twice += a.x * b.y - b.x * a.y;
  }
  return Math.abs(twice) / 2;
}

/**
 * The code a pass read, of those it returned: valid, with text, the largest
 * — a code nested in another is smaller than its host, and of two phones
 * held up the nearer one fills more of the frame.
 */
export function chooseHit<T extends QrHit>(hits: readonly T[]): T | null {
  let best: T | null = null;
  for (const h of hits) {
    if (!h.isValid || h.text.length === 0) continue;
    if (best === null || hitArea(h) > hitArea(best)) best = h;
  }
  return best;
}

/**
 * Where to look again when a pass found codes but read none: the largest
 * unread one's bounding box made square, grown by REGION_GROWTH about its
 * centre and kept inside the `width × height` image. Null when nothing was
 * found unread, or the region is too small to hold a code (under 21 px, a
 * version-1 code at 1 px a module).
 */
export function unreadCodeRegion(hits: readonly QrHit[], width: number, height: number): PixelRect | null {
  let largest: QrHit | null = null;
  for (const h of hits) if (!h.isValid && (largest === null || hitArea(h) > hitArea(largest))) largest = h;
  if (largest === null) return null;
  const p = [largest.position.topLeft, largest.position.topRight, largest.position.bottomRight, largest.position.bottomLeft];
  const xs = p.map((q) => q.x);
  const ys = p.map((q) => q.y);
  if (![...xs, ...ys].every(Number.isFinite)) return null;
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
  const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
  const half = (Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) * REGION_GROWTH) / 2;
  const x = Math.max(0, Math.floor(cx - half));
  const y = Math.max(0, Math.floor(cy - half));
  const right = Math.min(width, Math.ceil(cx + half));
  const bottom = Math.min(height, Math.ceil(cy + half));
  if (right - x < 21 || bottom - y < 21) return null;
  return { x, y, width: right - x, height: bottom - y };
}

/**
 * The curved pass's text, by the same rule as a zxing pass's (chooseHit):
 * some text, and one the decoder could read whole. OpenCV answers "" for no
 * code; a U+FFFD in its answer stands for bytes that were not UTF-8 (its
 * reading of a Shift_JIS code), which is not the code's text.
 */
export function curvedText(text: string): string | null {
  return text.length === 0 || text.includes('\uFFFD') ? null : text;
}
