// The kiosk's QR decoder for files (`sentinel decode`): ZXing-C++ compiled
// to WebAssembly (zxing-wasm), the same library and options the screen's
// decoder worker uses. The .wasm is read from the installed package: no
// network, ever.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { QR_READER_OPTIONS } from '../contract/qr-reader-options.js';

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
}

/** Decodes the first QR code in an encoded image (PNG, JPEG, …); text null when none is found. */
export async function decodeImage(bytes: Uint8Array): Promise<DecodedImage> {
  await prepare();
  const started = performance.now();
  const results = await readBarcodes(bytes, { ...QR_READER_OPTIONS, formats: [...QR_READER_OPTIONS.formats] });
  const hit = results.find((r) => r.isValid && r.text.length > 0);
  return { text: hit?.text ?? null, ms: performance.now() - started };
}

/** Decodes raw 8-bit greyscale pixels (benchmarks, generated frames). */
export async function decodeGray(data: Uint8Array, width: number, height: number): Promise<DecodedImage> {
  await prepare();
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    rgba[i * 4] = v;
    rgba[i * 4 + 1] = v;
    rgba[i * 4 + 2] = v;
    rgba[i * 4 + 3] = 255;
  }
  const started = performance.now();
  const imageData = { data: rgba, width, height, colorSpace: 'srgb' } as unknown as ImageData;
  const results = await readBarcodes(imageData, { ...QR_READER_OPTIONS, formats: [...QR_READER_OPTIONS.formats] });
  const hit = results.find((r) => r.isValid && r.text.length > 0);
  return { text: hit?.text ?? null, ms: performance.now() - started };
}
