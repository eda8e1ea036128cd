// The decode plan's last file pass (CURVED_PASS): OpenCV's curved QR
// decoder on the CLAHE image, loaded by decodeImage only once every zxing
// pass has failed. The order of these tests matters: the first checks that
// nothing has loaded OpenCV yet (vitest gives each file its own modules).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { CURVED_PASS, FILE_PASSES, curvedText } from '../../main/contract/qr-decode-plan.js';
import { curvedDecoderLoad, readCurved } from '../../main/decode/curved-decoder.js';
import { decodeImage, pngGrey } from '../../main/decode/qr-decoder.js';
import { CORPUS, HAVE_CORPUS } from '../../bench/corpus.js';

const ZXING_QR = path.join(CORPUS, 'zxing-qr');
const corpusPng = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(ZXING_QR, `${name}.png`)));

describe('the curved pass', () => {
  it('comes last in a file’s plan, and the screen’s passes are all zxing’s', () => {
    expect(FILE_PASSES.at(-1)).toBe(CURVED_PASS);
    expect(FILE_PASSES.slice(0, -1).every((p) => p.reader === 'zxing')).toBe(true);
  });

  it('is not loaded for an image zxing reads, nor for one over its pixel limit', async () => {
    const png = await QRCode.toBuffer('PHC1:read-by-the-base-pass', { type: 'png', width: 300 });
    expect(await decodeImage(new Uint8Array(png))).toMatchObject({ text: 'PHC1:read-by-the-base-pass', pass: 'base' });
    const big = { width: 100, height: 100, data: new Uint8Array(100 * 100).fill(128) };
    expect(await readCurved(big, { ...CURVED_PASS, maxPixels: 100 * 100 - 1 })).toBeNull();
    expect(curvedDecoderLoad()).toBeNull();
  });

  it('takes some text, not one with bytes that were not UTF-8', () => {
    expect(curvedText('')).toBeNull();
    expect(curvedText('\uFFFD\uFFFDx')).toBeNull();
    expect(curvedText('http://example.com/ünïcode')).toBe('http://example.com/ünïcode');
  });

  it.skipIf(!HAVE_CORPUS)('reads three curved labels of ZXing’s photos that no zxing pass reads', async () => {
    for (const name of ['qrcode-4/05', 'qrcode-4/06', 'qrcode-4/08']) {
      const expected = fs.readFileSync(path.join(ZXING_QR, `${name}.txt`), 'utf8');
      expect(await decodeImage(corpusPng(name)), name).toMatchObject({ text: expected, pass: CURVED_PASS.name });
    }
    expect(curvedDecoderLoad()).toMatchObject({ ok: true });
  });

  it.skipIf(!HAVE_CORPUS)('reads nothing in ZXing’s photos without a code', async () => {
    for (const name of ['falsepositives/01', 'falsepositives/05', 'falsepositives/19']) expect(await decodeImage(corpusPng(name)), name).toMatchObject({ text: null, pass: null });
  });

  it('reads nothing from a blank PNG nor a broken one, and does not throw', async () => {
    const blank = new PNG({ width: 64, height: 64 });
    blank.data.fill(200);
    expect(await decodeImage(new Uint8Array(PNG.sync.write(blank)))).toMatchObject({ text: null, pass: null });
    const png = new Uint8Array(PNG.sync.write(blank));
    const truncated = png.slice(0, png.length >> 1);
    expect(await decodeImage(truncated)).toMatchObject({ text: null, pass: null });
    const garbled = png.slice();
    for (let i = 40; i < garbled.length - 12; i++) garbled[i] = (i * 131) & 255;
    expect(await decodeImage(garbled)).toMatchObject({ text: null, pass: null });
    expect(pngGrey(truncated)).toBeNull();
  });
});
