import { describe, expect, it } from 'vitest';
import { compactRows, evenRect, pixelKind } from '../../renderer/src/grey.js';
import { lumaInto } from '../../main/contract/grey-image.js';
import { WARM_TEXT, emptyImage, warmCameraImage, warmImage } from '../../renderer/src/warm-code.js';
import { decodeGray } from '../../main/decode/qr-decoder.js';

describe('the even rect a frame is copied by', () => {
  const frame = { x: 0, y: 0, width: 1280, height: 720 };
  it('keeps an even rect as it is', () => {
    expect(evenRect({ x: 100, y: 40, width: 640, height: 360 }, frame)).toEqual({ x: 100, y: 40, width: 640, height: 360 });
  });
  it('grows an odd rect outward to even edges, never losing a pixel asked for', () => {
    expect(evenRect({ x: 101, y: 41, width: 639, height: 359 }, frame)).toEqual({ x: 100, y: 40, width: 640, height: 360 });
    expect(evenRect({ x: 3, y: 5, width: 2, height: 2 }, frame)).toEqual({ x: 2, y: 4, width: 4, height: 4 });
  });
  it('stays inside the frame, shrinking odd bounds inward', () => {
    expect(evenRect({ x: -7, y: -3, width: 2000, height: 2000 }, frame)).toEqual(frame);
    const odd = { x: 1, y: 1, width: 1279, height: 719 };
    expect(evenRect(odd, odd)).toEqual({ x: 2, y: 2, width: 1278, height: 718 });
  });
  it('is empty when nothing of it is inside', () => {
    expect(evenRect({ x: 2000, y: 0, width: 10, height: 10 }, frame)).toMatchObject({ width: 0 });
    expect(evenRect({ x: 1, y: 1, width: 1, height: 1 }, { x: 1, y: 1, width: 1, height: 1 })).toMatchObject({ width: 0, height: 0 });
  });
});

describe('grey from 4-byte pixels', () => {
  it("is zxing-wasm's own sum, (306R + 601G + 117B + 512) >> 10, for RGBA and, swapped, BGRA", () => {
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 200, 90, 0]);
    const grey = new Uint8Array(4);
    lumaInto(rgba, 0, 16, 'rgba', grey, 0, 4, 1);
    const zxing = (r: number, g: number, b: number): number => (306 * r + 601 * g + 117 * b + 512) >> 10;
    expect([...grey]).toEqual([zxing(255, 0, 0), zxing(0, 255, 0), zxing(0, 0, 255), zxing(10, 200, 90)]);
    // The same bytes read as BGRA: blue first.
    lumaInto(rgba, 0, 16, 'bgra', grey, 0, 4, 1);
    expect([...grey]).toEqual([zxing(0, 0, 255), zxing(0, 255, 0), zxing(255, 0, 0), zxing(90, 200, 10)]);
  });
  it('leaves a grey pixel its own value', () => {
    const px = new Uint8Array(256 * 4);
    for (let v = 0; v < 256; v++) px.set([v, v, v, 255], v * 4);
    const grey = new Uint8Array(256);
    lumaInto(px, 0, 256 * 4, 'rgba', grey, 0, 256, 1);
    expect([...grey]).toEqual(Array.from({ length: 256 }, (_, v) => v));
  });
  it('reads rows by stride from an offset, and writes them tight from another', () => {
    // Two rows of two pixels, each row padded to 12 bytes, after a 3-byte header.
    const src = new Uint8Array(3 + 24).fill(99);
    const put = (at: number, v: number): void => src.set([v, v, v, 255], at);
    put(3, 10);
    put(7, 20);
    put(15, 30);
    put(19, 40);
    const dst = new Uint8Array(6).fill(7);
    lumaInto(src, 3, 12, 'bgra', dst, 2, 2, 2);
    expect([...dst]).toEqual([7, 7, 10, 20, 30, 40]);
  });
});

describe('a plane moved to tight rows', () => {
  it('drops the padding after each row and the bytes before the plane', () => {
    // Rows of 3 pixels, stride 5, starting at 4.
    const buf = new Uint8Array([0, 0, 0, 0, 1, 2, 3, 9, 9, 4, 5, 6, 9, 9]);
    compactRows(buf, 4, 5, 0, 3, 2);
    expect([...buf.subarray(0, 6)]).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('leaves a tight plane alone, and refuses to move rows backward', () => {
    const buf = new Uint8Array([1, 2, 3, 4]);
    compactRows(buf, 0, 2, 0, 2, 2);
    expect([...buf]).toEqual([1, 2, 3, 4]);
    expect(() => compactRows(buf, 0, 2, 1, 2, 1)).toThrow(RangeError);
    expect(() => compactRows(buf, 0, 1, 0, 2, 1)).toThrow(RangeError);
  });
});

describe('frame formats', () => {
  it('reads the Y plane of 8-bit YUV, sums 4-byte pixels, and leaves the rest to the canvas', () => {
    expect(['I420', 'I420A', 'I422', 'I444', 'NV12'].map(pixelKind)).toEqual(Array(5).fill('y-plane'));
    expect(['RGBA', 'RGBX', 'BGRA', 'BGRX'].map(pixelKind)).toEqual(['rgba', 'rgba', 'bgra', 'bgra']);
    expect(['I420P10', 'I444P12', null].map(pixelKind)).toEqual([null, null, null]);
  });
});

describe("the worker's built-in warm-up code", () => {
  it('reads back as its text, camera-sized and small', async () => {
    const img = warmImage();
    expect([img.width, img.height]).toEqual([1280, 720]);
    expect((await decodeGray(img.data, img.width, img.height)).text).toBe(WARM_TEXT);
    const small = warmImage(120, 116, 4);
    expect((await decodeGray(small.data, small.width, small.height)).text).toBe(WARM_TEXT);
    expect(() => warmImage(100, 100, 4)).toThrow(RangeError);
  });

  it('as a camera shows a phone (large, turned, noisy) it reads back too, the same every time; the empty frame holds nothing', async () => {
    const camera = warmCameraImage();
    expect([camera.width, camera.height]).toEqual([1280, 720]);
    expect((await decodeGray(camera.data, camera.width, camera.height)).text).toBe(WARM_TEXT);
    // Turned: many pixels differ from the upright code's by more than the noise (±3) could; and the noise is fixed (every warm-up does the same work).
    const upright = warmImage(1280, 720, 12).data;
    expect(camera.data.filter((v, i) => Math.abs(v - upright[i]!) > 3).length).toBeGreaterThan(1000);
    expect(Buffer.from(warmCameraImage().data).equals(Buffer.from(camera.data))).toBe(true);
    const empty = emptyImage();
    expect(new Set(empty.data)).toEqual(new Set([110]));
    expect((await decodeGray(empty.data, empty.width, empty.height)).text).toBeNull();
  });
});
