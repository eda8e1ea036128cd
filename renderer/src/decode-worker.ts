// Decodes camera frames off the UI thread with ZXing-C++ (zxing-wasm). The
// .wasm file is served by the kiosk itself, never fetched from a CDN.
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';
import type { DecodeRequest, DecodeResponse } from './decode-protocol.js';
import { SCREEN_QR_OPTIONS } from './qr-options.js';

prepareZXingModule({
  overrides: { locateFile: (file: string, prefix: string) => (file.endsWith('.wasm') ? wasmUrl : prefix + file) },
});

interface WorkerScope {
  onmessage: ((e: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(message: DecodeResponse): void;
}
const scope = self as unknown as WorkerScope;

let canvas: OffscreenCanvas | null = null;

scope.onmessage = async (e) => {
  const { id, frame } = e.data;
  const started = performance.now();
  try {
    if (!canvas || canvas.width !== frame.width || canvas.height !== frame.height) canvas = new OffscreenCanvas(frame.width, frame.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(frame, 0, 0);
    frame.close();
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const results = await readBarcodes(pixels, { ...SCREEN_QR_OPTIONS, formats: [...SCREEN_QR_OPTIONS.formats] });
    const hit = results.find((r) => r.isValid && r.text.length > 0);
    scope.postMessage({ id, text: hit?.text ?? null, ms: performance.now() - started });
  } catch (err) {
    scope.postMessage({ id, text: null, ms: performance.now() - started, error: String(err) });
  }
};
