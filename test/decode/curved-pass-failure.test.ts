// The curved pass when OpenCV fails: a module that will not load, and a
// decoder that throws (OpenCV throws its C++ exceptions as numbers) — no
// text from that pass, no throw from decodeImage, and every Mat freed.
import { PNG } from 'pngjs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CURVED_PASS } from '../../main/contract/qr-decode-plan.js';

const opencv = vi.hoisted(() => ({ fail: 'load' as 'load' | 'decode', live: 0, freed: 0 }));

vi.mock('@opencvjs/web', () => ({
  loadOpenCV: async () => {
    if (opencv.fail === 'load') throw new Error('no OpenCV here');
    class Mat {
      data = new Uint8Array(0);
      constructor(rows = 0, cols = 0) {
        this.data = new Uint8Array(rows * cols);
        opencv.live++;
      }
      delete(): void {
        opencv.live--;
        opencv.freed++;
      }
    }
    class QRCodeDetector {
      detectAndDecodeCurved(): string {
        throw 1909608;
      }
      delete(): void {}
    }
    return { Mat, CV_8UC1: 0, QRCodeDetector };
  },
}));

const blankPng = (): Uint8Array => {
  const blank = new PNG({ width: 64, height: 64 });
  blank.data.fill(200);
  return new Uint8Array(PNG.sync.write(blank));
};

describe('the curved pass when OpenCV fails', () => {
  beforeEach(() => {
    vi.resetModules();
  });

  it('gives no text when OpenCV will not load, and says so', async () => {
    opencv.fail = 'load';
    const { decodeImage } = await import('../../main/decode/qr-decoder.js');
    const { curvedDecoderLoad } = await import('../../main/decode/curved-decoder.js');
    expect(await decodeImage(blankPng())).toMatchObject({ text: null, pass: null });
    expect(curvedDecoderLoad()).toMatchObject({ ok: false });
  });

  it('gives no text when the decoder throws, and frees every Mat', async () => {
    opencv.fail = 'decode';
    const { readCurved } = await import('../../main/decode/curved-decoder.js');
    const { decodeImage } = await import('../../main/decode/qr-decoder.js');
    const g = { width: 32, height: 32, data: new Uint8Array(32 * 32) };
    expect(await readCurved(g, CURVED_PASS)).toBeNull();
    expect(await decodeImage(blankPng())).toMatchObject({ text: null, pass: null });
    expect(opencv.freed).toBe(6);
    expect(opencv.live).toBe(0);
  });
});
