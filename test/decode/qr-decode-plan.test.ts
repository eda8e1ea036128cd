// The decode plan (main/contract/qr-decode-plan.ts) and the file decoder
// that follows it (main/decode/qr-decoder.ts): the largest code wins, a
// dark-mode code is read by the negative pass, a control character is kept
// as the code holds it, and a file without a code reads as nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { halfSize, negative } from '../../main/contract/grey-image.js';
import { chooseHit, hitArea, type QrHit } from '../../main/contract/qr-decode-plan.js';
import { decodeGray, decodeImage } from '../../main/decode/qr-decoder.js';
import { CORPUS, HAVE_CORPUS } from '../../bench/corpus.js';
import { cameraFrame } from '../../bench/frames.js';

const square = (x: number, y: number, side: number, over: Partial<QrHit> = {}): QrHit => ({
  isValid: true,
  text: `at ${x},${y}`,
  position: { topLeft: { x, y }, topRight: { x: x + side, y }, bottomRight: { x: x + side, y: y + side }, bottomLeft: { x, y: y + side } },
  ...over,
});

/** A QR of `text` as a PNG file, light modules on dark when `dark`. */
async function qrPng(text: string, dark = false): Promise<Uint8Array> {
  const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
  const scale = 6;
  const quiet = 4;
  const side = (modules.size + 2 * quiet) * scale;
  const png = new PNG({ width: side, height: side });
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / scale) - quiet;
      const my = Math.floor(y / scale) - quiet;
      const on = mx >= 0 && my >= 0 && mx < modules.size && my < modules.size && modules.get(my, mx) === 1;
      const v = on !== dark ? 0 : 255;
      const i = (y * side + x) * 4;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = v;
      png.data[i + 3] = 255;
    }
  }
  return new Uint8Array(PNG.sync.write(png));
}

describe('the decode plan', () => {
  it('takes the largest valid code with text; none when none is', () => {
    const small = square(10, 10, 50);
    const large = square(100, 100, 200);
    expect(hitArea(large)).toBe(40_000);
    expect(chooseHit([small, large])).toBe(large);
    expect(chooseHit([large, small])).toBe(large);
    expect(chooseHit([square(0, 0, 500, { isValid: false }), small])).toBe(small);
    expect(chooseHit([square(0, 0, 500, { text: '' })])).toBeNull();
    expect(chooseHit([])).toBeNull();
  });

  it('negative and half size, exactly', () => {
    const g = { width: 3, height: 2, data: new Uint8Array([0, 10, 255, 20, 30, 1]) };
    expect([...negative(g).data]).toEqual([255, 245, 0, 235, 225, 254]);
    expect(halfSize(g)).toEqual({ width: 1, height: 1, data: new Uint8Array([15]) });
  });

  it('reads a dark-mode code in a file by the negative pass, and a light one by the base pass', async () => {
    const text = 'PHC1:dark-mode-phone-0123456789';
    expect(await decodeImage(await qrPng(text, true))).toMatchObject({ text, pass: 'negative' });
    expect(await decodeImage(await qrPng(text))).toMatchObject({ text, pass: 'base' });
  });

  it('keeps a control character as the code holds it (zxing’s default would write "<SOH>")', async () => {
    const text = 'A\u0001B';
    expect((await decodeImage(await qrPng(text))).text).toBe(text);
  });

  it('reads nothing from a file with no code, nor from bytes that are no image', async () => {
    const blank = new PNG({ width: 64, height: 64 });
    blank.data.fill(200);
    expect(await decodeImage(new Uint8Array(PNG.sync.write(blank)))).toMatchObject({ text: null, pass: null });
    expect(await decodeImage(new TextEncoder().encode('not an image'))).toMatchObject({ text: null, pass: null });
  });

  it('reads a dark-mode camera frame, which the base pass alone does not', async () => {
    const text = 'PHC1:' + 'x'.repeat(200);
    const frame = cameraFrame(text, { width: 1280, height: 720, codeFraction: 0.45, rotateDeg: 5, noise: 3, seed: 3 });
    const dark = negative(frame);
    expect(await decodeGray(dark.data, dark.width, dark.height)).toMatchObject({ text, pass: 'negative' });
  });

  it.skipIf(!HAVE_CORPUS)("reads the outer code of ZXing's nested photo (qrcode-2/16), not the one inside it", async () => {
    const dir = path.join(CORPUS, 'zxing-qr', 'qrcode-2');
    const expected = fs.readFileSync(path.join(dir, '16.txt'), 'utf8');
    expect((await decodeImage(new Uint8Array(fs.readFileSync(path.join(dir, '16.png'))))).text).toBe(expected);
  });
});
