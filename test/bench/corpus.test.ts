// The decode-accuracy benchmark's corpus loaders (bench/corpus.ts) find every
// image the corpus holds, each with the expectation its folder's convention
// gives it. Fast: only one image is decoded, to prove the SVG rasteriser.
import { describe, expect, it } from 'vitest';
import { decodeGray } from '../../main/decode/qr-decoder.js';
import { dccImages, HAVE_CORPUS, rasteriseQrSvg, shcSvgImages, shcValidationImages, zxingImages, type CorpusImage } from '../../bench/corpus.js';

const count = (images: CorpusImage[], kind: CorpusImage['expected']['kind']): number => images.filter((i) => i.expected.kind === kind).length;

describe('the SVG rasteriser', () => {
  it('draws each h run as one row of modules, stroke centred on y + 0.5', () => {
    const svg = '<svg viewBox="0 0 4 3"><path fill="#fff" d="M0 0h4v3H0z"/><path stroke="#000" d="M1 0.5h2M0 2.5h1m2 0h1"/></svg>';
    const g = rasteriseQrSvg(svg, 2);
    expect([g.width, g.height]).toEqual([8, 6]);
    const rows = Array.from({ length: 6 }, (_, y) => Array.from(g.data.subarray(y * 8, y * 8 + 8), (v) => (v === 0 ? '#' : '.')).join(''));
    expect(rows).toEqual(['..####..', '..####..', '........', '........', '##....##', '##....##']);
  });

  it('refuses a command it does not draw', () => {
    expect(() => rasteriseQrSvg('<svg viewBox="0 0 4 4"><path stroke="#000" d="M0 0.5v2"/></svg>', 1)).toThrow(/v/);
  });
});

describe.skipIf(!HAVE_CORPUS)('the corpus loaders', () => {
  it('zxing-qr: 179 photos with their exact text (CRLF and Shift_JIS kept), 22 without a code', () => {
    const images = zxingImages();
    expect(images.filter((i) => i.set === 'zxing-qr')).toHaveLength(179);
    expect(count(images, 'text')).toBe(179);
    expect(images.filter((i) => i.set === 'zxing-negatives')).toHaveLength(22);
    expect(count(images, 'none')).toBe(22);
    const text = (name: string): string => {
      const e = images.find((i) => i.name === name)!.expected;
      return e.kind === 'text' ? e.text : '';
    };
    expect(text('zxing-qr/qrcode-1/16.png')).toContain('\r\n');
    expect(images.filter((i) => i.set === 'zxing-qr' && i.expected.kind === 'text' && [...i.expected.text].some((c) => c.charCodeAt(0) > 0x7f)).length).toBeGreaterThanOrEqual(14);
    // Numeric order within each folder, folders in order.
    expect(images.slice(0, 3).map((i) => i.name)).toEqual(['zxing-qr/qrcode-1/1.png', 'zxing-qr/qrcode-1/2.png', 'zxing-qr/qrcode-1/3.png']);
  });

  it('dcc-testdata: 421 pictures, 420 to read as their PREFIX and Q1 not', () => {
    const images = dccImages();
    expect(images).toHaveLength(421);
    expect(count(images, 'text')).toBe(420);
    expect(images.every((i) => i.expected.kind !== 'text' || i.expected.text.startsWith('HC1:'))).toBe(true);
    const unreadable = images.filter((i) => i.expected.kind === 'none');
    expect(unreadable.map((i) => i.name)).toEqual(['dcc-testdata/common/2DCode/raw/Q1.json']);
    expect(unreadable[0]!.expected).toMatchObject({ notText: expect.stringMatching(/^HC1:/) });
    // The three LV cases keep their picture under _2DCODE.
    expect(images.map((i) => i.name)).toEqual(expect.arrayContaining([1, 2, 3].map((n) => `dcc-testdata/LV/2DCode/raw/${n}.json`)));
  });

  it('shc examples: 6 SVG codes drawn as V18 or V21, and one drawn reads as its numeric text', async () => {
    const images = shcSvgImages(4);
    expect(images.map((i) => i.name.split('/').pop())).toEqual([
      'example-00-g-qr-code-0.svg',
      'example-01-g-qr-code-0.svg',
      'example-02-g-qr-code-0.svg',
      'example-02-g-qr-code-1.svg',
      'example-02-g-qr-code-2.svg',
      'example-03-g-qr-code-0.svg',
    ]);
    for (const i of images) {
      expect(i.expected).toMatchObject({ kind: 'text', text: expect.stringMatching(/^shc:\/\d+$|^shc:\/\d+\/\d+\/\d+$/) });
      expect([97 * 4, 109 * 4]).toContain(i.grey()!.width);
    }
    const g = images[0]!.grey()!;
    expect((await decodeGray(g.data, g.width, g.height)).text).toBe((images[0]!.expected as { text: string }).text);
  });

  it('shc-validation: 10 images, 9 with a verdict to reach and the corrupted one with none', () => {
    const images = shcValidationImages();
    expect(images).toHaveLength(10);
    expect(count(images, 'verdict')).toBe(9);
    expect(images.filter((i) => i.expected.kind === 'none').map((i) => i.name)).toEqual(['shc-validation/test-example-00-g-qr-code-0-corrupted.png']);
    expect(images.filter((i) => i.name.endsWith('.jpg')).map((i) => i.grey())).toEqual([null, null]);
  });
});
