// Which decoder reads camera frames better, by measurement: ZXing-C++ in
// WebAssembly (zxing-wasm, the kiosk's decoder) against @zxing/library (the
// design's first choice), on ZXing's own photos and on camera-like frames
// of health-code-sized codes made by bench/frames.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BarcodeFormat, BinaryBitmap, DecodeHintType, HybridBinarizer, QRCodeReader, RGBLuminanceSource } from '@zxing/library';
import { PNG } from 'pngjs';
import { decodeGray, decodeImage } from '../main/decode/qr-decoder.js';
import { CAMERA_VARIANTS, cameraFrame, type GrayFrame } from './frames.js';

export interface DecoderScore {
  decoded: number;
  total: number;
  /** Images without a code for which the decoder nevertheless returned text. */
  falsePositives?: number;
  medianMs: number;
  p95Ms: number;
}

const hints = new Map<DecodeHintType, unknown>([
  [DecodeHintType.TRY_HARDER, true],
  [DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.QR_CODE]],
]);

function zxingJs(gray: GrayFrame): { text: string | null; ms: number } {
  const started = performance.now();
  try {
    const source = new RGBLuminanceSource(new Uint8ClampedArray(gray.data), gray.width, gray.height);
    const result = new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)), hints);
    return { text: result.getText(), ms: performance.now() - started };
  } catch {
    return { text: null, ms: performance.now() - started };
  }
}

function pngToGray(bytes: Buffer): GrayFrame {
  const png = PNG.sync.read(bytes);
  const data = new Uint8Array(png.width * png.height);
  for (let i = 0; i < data.length; i++) {
    const r = png.data[i * 4]!;
    const g = png.data[i * 4 + 1]!;
    const b = png.data[i * 4 + 2]!;
    data[i] = (r * 299 + g * 587 + b * 114) / 1000;
  }
  return { width: png.width, height: png.height, data };
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};

function score(hits: boolean[], times: number[], falsePositives?: number): DecoderScore {
  return {
    decoded: hits.filter(Boolean).length,
    total: hits.length,
    ...(falsePositives === undefined ? {} : { falsePositives }),
    medianMs: Math.round(quantile(times, 0.5) * 10) / 10,
    p95Ms: Math.round(quantile(times, 0.95) * 10) / 10,
  };
}

/** ZXing's blackbox photos: 179 with a code (expected text beside each), 22 without. */
export async function corpusScores(corpus: string): Promise<Record<'zxing-wasm' | '@zxing/library', DecoderScore> & { onlyLibrary: number }> {
  const root = path.join(corpus, 'zxing-qr');
  const positives: { png: string; expected: string }[] = [];
  for (const dir of fs
    .readdirSync(root)
    .filter((d) => d.startsWith('qrcode-'))
    .sort()) {
    for (const f of fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.png'))) {
      positives.push({ png: path.join(root, dir, f), expected: fs.readFileSync(path.join(root, dir, f.replace(/\.png$/, '.txt')), 'utf8') });
    }
  }
  const negatives = fs
    .readdirSync(path.join(root, 'falsepositives'))
    .filter((f) => f.endsWith('.png'))
    .map((f) => path.join(root, 'falsepositives', f));
  const wasm = { hits: [] as boolean[], times: [] as number[], fp: 0 };
  const js = { hits: [] as boolean[], times: [] as number[], fp: 0 };
  for (const { png, expected } of positives) {
    const bytes = fs.readFileSync(png);
    const a = await decodeImage(new Uint8Array(bytes));
    wasm.hits.push(a.text === expected);
    wasm.times.push(a.ms);
    const b = zxingJs(pngToGray(bytes));
    js.hits.push(b.text === expected);
    js.times.push(b.ms);
  }
  for (const png of negatives) {
    const bytes = fs.readFileSync(png);
    if ((await decodeImage(new Uint8Array(bytes))).text !== null) wasm.fp++;
    if (zxingJs(pngToGray(bytes)).text !== null) js.fp++;
  }
  // A second decoder earns its place only by reading what the first misses.
  const onlyLibrary = js.hits.filter((hit, i) => hit && !wasm.hits[i]).length;
  return { 'zxing-wasm': score(wasm.hits, wasm.times, wasm.fp), '@zxing/library': score(js.hits, js.times, js.fp), onlyLibrary };
}

/** A PHC1-sized text (about 400 characters, QR version 13–15 at level M). */
export function phcSizedText(i: number): string {
  const base = 'eyJhbGciOiJFUzI1NiIsImtpZCI6InpqLTIwMjYtMSIsInR5cCI6InBoYytqd3QifQ';
  let body = '';
  while (body.length < 400) body += base.split('').reverse().join('') + i.toString(36) + base;
  return `PHC1:${body.slice(0, 390)}.${i}`;
}

/** Each variant × `codes` different codes; per decoder, per variant. */
export async function frameScores(codes = 10): Promise<Record<string, Record<'zxing-wasm' | '@zxing/library', DecoderScore>>> {
  const out: Record<string, Record<'zxing-wasm' | '@zxing/library', DecoderScore>> = {};
  for (const [name, variant] of Object.entries(CAMERA_VARIANTS)) {
    const wasm = { hits: [] as boolean[], times: [] as number[] };
    const js = { hits: [] as boolean[], times: [] as number[] };
    for (let i = 0; i < codes; i++) {
      const text = phcSizedText(i);
      const frame = cameraFrame(text, { ...variant, seed: 100 + i });
      const a = await decodeGray(frame.data, frame.width, frame.height);
      wasm.hits.push(a.text === text);
      wasm.times.push(a.ms);
      const b = zxingJs(frame);
      js.hits.push(b.text === text);
      js.times.push(b.ms);
    }
    out[name] = { 'zxing-wasm': score(wasm.hits, wasm.times), '@zxing/library': score(js.hits, js.times) };
  }
  return out;
}
