// The guard on zxing-wasm's internal API the decoder worker reads frames by
// (renderer/src/zxing-pixmap.ts). If an update of zxing-wasm removes
// readBarcodesFromPixmap, _malloc, _free or HEAPU8, or makes the pixmap
// anything but 8-bit luma, or changes how options are encoded, this fails:
// the screen would silently fall back to the slower public path.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareZXingModule, readBarcodes, ZXING_WASM_VERSION } from 'zxing-wasm/reader';
import { cameraFrame } from '../../bench/frames.js';
import { PixmapReader, zxingReaderOptions } from '../../renderer/src/zxing-pixmap.js';
import { BASE_PASS } from '../../main/contract/qr-decode-plan.js';

const SCREEN = { ...BASE_PASS.options, formats: [...BASE_PASS.options.formats] };
const TEXT = 'SENTINEL/PIXMAP/GUARD:' + '0123456789ABCDEF'.repeat(16);

let module: unknown;
beforeAll(async () => {
  const bytes = fs.readFileSync(createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm'));
  module = await prepareZXingModule({ overrides: { wasmBinary: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }, fireImmediately: true });
});

/** Grey bytes into the heap through the reader, read there. */
function readGrey(reader: PixmapReader, data: Uint8Array, width: number, height: number, options = zxingReaderOptions(SCREEN)): string | null {
  const buf = reader.buffer(data.byteLength);
  buf.view.set(data);
  return reader.read(buf.ptr, width, height, options);
}

describe(`zxing-wasm ${ZXING_WASM_VERSION}: the internal pixmap API the worker depends on`, () => {
  it('is exposed by the prepared module', () => {
    const m = module as Record<string, unknown>;
    expect(typeof m.readBarcodesFromPixmap, 'zxing-wasm no longer exposes readBarcodesFromPixmap: see renderer/src/zxing-pixmap.ts').toBe('function');
    expect(typeof m._malloc).toBe('function');
    expect(typeof m._free).toBe('function');
    expect(m.HEAPU8).toBeInstanceOf(Uint8Array);
    expect(PixmapReader.from(module)).not.toBeNull();
    expect(PixmapReader.from({})).toBeNull();
  });

  it('reads one byte a pixel (luma), the same text as the public API reads from RGBA', async () => {
    const frame = cameraFrame(TEXT, { width: 1280, height: 720, codeFraction: 0.45, rotateDeg: 5, noise: 3, seed: 3 });
    const reader = PixmapReader.from(module)!;
    expect(readGrey(reader, frame.data, frame.width, frame.height)).toBe(TEXT);
    const rgba = new Uint8ClampedArray(frame.data.length * 4);
    frame.data.forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
    const results = await readBarcodes({ data: rgba, width: frame.width, height: frame.height, colorSpace: 'srgb' } as unknown as ImageData, SCREEN);
    expect(results.find((r) => r.isValid)?.text).toBe(TEXT);
    // An empty frame reads as nothing.
    expect(readGrey(reader, cameraFrame('', { width: 640, height: 480, codeFraction: 0.5 }).data, 640, 480)).toBeNull();
  });

  it('takes the options as encoded here: formats, and the booleans', () => {
    const reader = PixmapReader.from(module)!;
    const code = cameraFrame(TEXT, { width: 640, height: 480, codeFraction: 0.8, seed: 4 });
    // Only EAN-13 asked for: the QR code is not read.
    expect(readGrey(reader, code.data, 640, 480, zxingReaderOptions({ ...SCREEN, formats: ['EAN13'] }))).toBeNull();
    // A dark-mode code (light modules on dark) is read only when inversion is tried.
    const inverted = code.data.map((v) => 255 - v);
    expect(readGrey(reader, inverted, 640, 480, zxingReaderOptions({ ...SCREEN, tryInvert: false }))).toBeNull();
    expect(readGrey(reader, inverted, 640, 480, zxingReaderOptions({ ...SCREEN, tryInvert: true }))).toBe(TEXT);
    expect(zxingReaderOptions({ binarizer: 'GlobalHistogram', textMode: 'Plain' })).toMatchObject({ binarizer: 1, textMode: 0, characterSet: 0, eanAddOnSymbol: 0 });
  });

  it('keeps one heap buffer, grown when a larger frame comes', () => {
    const reader = PixmapReader.from(module)!;
    const small = reader.buffer(100);
    expect(reader.buffer(50).ptr).toBe(small.ptr);
    const large = reader.buffer(4_000_000);
    expect(large.view.byteLength).toBe(4_000_000);
    expect(reader.buffer(100).ptr).toBe(large.ptr);
  });
});
