// CLAHE (main/contract/grey-image.ts), the curved file pass's image: local
// contrast raised within a clip limit, the size kept, any size taken.
import { describe, expect, it } from 'vitest';
import { clahe, type GreyImage } from '../../main/contract/grey-image.js';

const image = (width: number, height: number, at: (x: number, y: number) => number): GreyImage => {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = at(x, y);
  return { width, height, data };
};
const range = (g: GreyImage): number => Math.max(...g.data) - Math.min(...g.data);

describe('CLAHE', () => {
  it('keeps a flat image flat, and its size', () => {
    const out = clahe(
      image(37, 23, () => 90),
      4,
      3,
    );
    expect(out.width).toBe(37);
    expect(out.height).toBe(23);
    expect(out.data.length).toBe(37 * 23);
    for (const [w, h] of [
      [1, 1],
      [7, 5],
      [37, 23],
      [241, 239],
    ] as const) {
      for (const v of [0, 90, 255])
        expect(
          new Set(
            clahe(
              image(w, h, () => v),
              4,
              3,
            ).data,
          ).size,
        ).toBe(1);
    }
  });

  it('gives a low-contrast gradient more contrast, the more the higher the clip', () => {
    const g = image(64, 64, (x) => 100 + (x >> 1)); // 100…131
    expect(range(clahe(g, 4, 3))).toBeGreaterThan(1.4 * range(g));
    expect(range(clahe(g, 4, 8))).toBeGreaterThan(range(clahe(g, 4, 3)));
  });

  it('raises a faint pattern’s contrast within the clip limit', () => {
    const g = image(48, 48, (x, y) => 120 + ((x + y) % 4)); // 120…123
    const ranges = [1.5, 3, 8].map((clip) => range(clahe(g, 4, clip)));
    expect(ranges[0]).toBeGreaterThan(range(g));
    expect(ranges[1]).toBeGreaterThan(ranges[0]!);
    expect(ranges[2]).toBeGreaterThan(ranges[1]!);
  });

  it('is deterministic', () => {
    const g = image(50, 31, (x, y) => (x * 7 + y * 13 + ((x * y) % 17)) & 255);
    expect(clahe(g, 4, 3)).toEqual(clahe(g, 4, 3));
  });

  it('takes odd sizes, images smaller than the grid, and empty ones', () => {
    for (const [w, h] of [
      [1, 1],
      [3, 2],
      [2, 9],
      [7, 5],
      [241, 239],
    ] as const) {
      const out = clahe(
        image(w, h, (x, y) => (x * 31 + y * 17) & 255),
        4,
        3,
      );
      expect([out.width, out.height, out.data.length]).toEqual([w, h, w * h]);
    }
    expect(clahe({ width: 0, height: 0, data: new Uint8Array(0) }, 4, 3).data.length).toBe(0);
  });
});
