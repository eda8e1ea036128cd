// The kiosk's QR decoder for files (`sentinel decode`) and for raw grey
// frames (benchmarks): ZXing-C++ compiled to WebAssembly (zxing-wasm), the
// same library and decode plan (main/contract/qr-decode-plan.ts) as the
// screen's decoder worker. The .wasm is read from the installed package: no
// network, ever. A file's last pass is OpenCV's curved decoder
// (./curved-decoder.ts), loaded only when every zxing pass has failed.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import { prepareZXingModule, readBarcodes, type ReadResult } from 'zxing-wasm/reader';
import { greyToRgba, halfSize, lumaInto, negative, type GreyImage } from '../contract/grey-image.js';
import { readCurved } from './curved-decoder.js';
import { FILE_PASSES, FRAME_EXTRA_PASSES, FRAME_PASSES, chooseHit, regionImage, unreadCodeRegion, type QrPass } from '../contract/qr-decode-plan.js';

let ready: Promise<unknown> | null = null;

function prepare(): Promise<unknown> {
  if (!ready) {
    const wasmPath = createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm');
    const bytes = fs.readFileSync(wasmPath);
    const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    ready = prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true });
  }
  return ready;
}

export interface DecodedImage {
  text: string | null;
  ms: number;
  /** The plan's pass that read it (null: none did). */
  pass: string | null;
}

/** Grey as the ImageData zxing-wasm's public API takes (Node has no ImageData class: its shape is what the library reads). */
export function greyImageData(g: GreyImage): ImageData {
  return { data: greyToRgba(g), width: g.width, height: g.height, colorSpace: 'srgb' } as unknown as ImageData;
}

/**
 * The image a pass reads, from the grey image; null for the region pass
 * when the passes before it (`seen`, what they returned) found no code
 * they could not read.
 */
function imageFor(pass: QrPass, g: GreyImage, seen: readonly ReadResult[]): GreyImage | null {
  switch (pass.image) {
    case 'as-is':
      return g;
    case 'invert':
      return negative(g);
    case 'half':
      return halfSize(g);
    case 'region': {
      const region = unreadCodeRegion(seen, g.width, g.height);
      return region && regionImage(g, region);
    }
  }
}

const readWith = (input: Uint8Array | ImageData, pass: QrPass): Promise<ReadResult[]> => readBarcodes(input, { ...pass.options, formats: [...pass.options.formats] });

/** A PNG's pixels as grey (the luma zxing-wasm itself uses); null for another format, whose transformed passes are skipped. */
export function pngGrey(bytes: Uint8Array): GreyImage | null {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    return null;
  }
  const data = new Uint8Array(png.width * png.height);
  lumaInto(png.data, 0, png.width * 4, 'rgba', data, 0, png.width, png.height);
  return { width: png.width, height: png.height, data };
}

/**
 * Decodes the QR code in an encoded image (PNG, JPEG, …) with the plan's
 * file passes in turn until one reads; text null when none does. A pass on
 * a transformed image (the region of a code seen, negative, half size,
 * CLAHE for the curved pass) needs the pixels: read for a PNG, skipped for
 * another format.
 */
export async function decodeImage(bytes: Uint8Array): Promise<DecodedImage> {
  await prepare();
  const started = performance.now();
  let grey: GreyImage | null | undefined;
  let seen: ReadResult[] = [];
  for (const pass of FILE_PASSES) {
    if (pass.reader === 'opencv-curved') {
      if (grey === undefined) grey = pngGrey(bytes);
      const text = grey && (await readCurved(grey, pass));
      if (text) return { text, ms: performance.now() - started, pass: pass.name };
      continue;
    }
    let input: Uint8Array | ImageData = bytes;
    if (pass.image !== 'as-is') {
      if (grey === undefined) grey = pngGrey(bytes);
      const image = grey && imageFor(pass, grey, seen);
      if (!image) continue;
      input = greyImageData(image);
    }
    const results = await readWith(input, pass);
    const text = chooseHit(results)?.text ?? null;
    if (text !== null) return { text, ms: performance.now() - started, pass: pass.name };
    if (pass.options.returnErrors) seen = results;
  }
  return { text: null, ms: performance.now() - started, pass: null };
}

/**
 * Decodes raw 8-bit grey pixels as the screen decodes a camera frame that
 * stays in view: the base pass, the region of a code it saw but could not
 * read, then each of the frame's extra passes (the screen runs one a
 * frame, in turn). Benchmarks and generated frames.
 */
export async function decodeGray(data: Uint8Array, width: number, height: number): Promise<DecodedImage> {
  await prepare();
  const g: GreyImage = { data, width, height };
  const started = performance.now();
  let seen: ReadResult[] = [];
  for (const pass of [...FRAME_PASSES, ...FRAME_EXTRA_PASSES]) {
    const image = imageFor(pass, g, seen);
    if (!image) continue;
    const results = await readWith(greyImageData(image), pass);
    const text = chooseHit(results)?.text ?? null;
    if (text !== null) return { text, ms: performance.now() - started, pass: pass.name };
    if (pass.options.returnErrors) seen = results;
  }
  return { text: null, ms: performance.now() - started, pass: null };
}
