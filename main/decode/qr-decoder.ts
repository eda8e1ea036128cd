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
import { halfSize, lumaInto, negative, type GreyImage } from '../contract/grey-image.js';
import { BASE_PASS, FILE_PASSES, FRAME_EXTRA_PASSES, chooseHit, type QrPass } from '../contract/qr-decode-plan.js';
import { readCurved } from './curved-decoder.js';

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

/** Grey as the RGBA ImageData zxing-wasm's public API takes (it turns it back into grey itself). */
export function greyImageData(g: GreyImage): ImageData {
  const rgba = new Uint8ClampedArray(g.width * g.height * 4);
  for (let i = 0; i < g.data.length; i++) {
    const v = g.data[i]!;
    rgba[i * 4] = v;
    rgba[i * 4 + 1] = v;
    rgba[i * 4 + 2] = v;
    rgba[i * 4 + 3] = 255;
  }
  return { data: rgba, width: g.width, height: g.height, colorSpace: 'srgb' } as unknown as ImageData;
}

/** The image a pass reads, from the grey image. */
function imageFor(pass: QrPass, g: GreyImage): GreyImage {
  return pass.image === 'invert' ? negative(g) : pass.image === 'half' ? halfSize(g) : g;
}

async function read(input: Uint8Array | ImageData, pass: QrPass): Promise<string | null> {
  const results: ReadResult[] = await readBarcodes(input, { ...pass.options, formats: [...pass.options.formats] });
  return chooseHit(results)?.text ?? null;
}

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
 * a transformed image (negative, half size, CLAHE for the curved pass)
 * needs the pixels: read for a PNG, skipped for another format.
 */
export async function decodeImage(bytes: Uint8Array): Promise<DecodedImage> {
  await prepare();
  const started = performance.now();
  let grey: GreyImage | null | undefined;
  for (const pass of FILE_PASSES) {
    let text: string | null;
    if (pass.reader === 'zxing' && pass.image === 'as-is') text = await read(bytes, pass);
    else {
      if (grey === undefined) grey = pngGrey(bytes);
      if (grey === null) continue;
      text = pass.reader === 'zxing' ? await read(greyImageData(imageFor(pass, grey)), pass) : await readCurved(grey, pass);
    }
    if (text !== null) return { text, ms: performance.now() - started, pass: pass.name };
  }
  return { text: null, ms: performance.now() - started, pass: null };
}

/**
 * Decodes raw 8-bit grey pixels as the screen decodes a camera frame that
 * stays in view: the base pass, then each of the frame's extra passes (the
 * screen runs one a frame, in turn). Benchmarks and generated frames.
 */
export async function decodeGray(data: Uint8Array, width: number, height: number): Promise<DecodedImage> {
  await prepare();
  const g: GreyImage = { data, width, height };
  const started = performance.now();
  for (const pass of [BASE_PASS, ...FRAME_EXTRA_PASSES]) {
    const text = await read(greyImageData(imageFor(pass, g)), pass);
    if (text !== null) return { text, ms: performance.now() - started, pass: pass.name };
  }
  return { text: null, ms: performance.now() - started, pass: null };
}
