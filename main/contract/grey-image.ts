// An 8-bit grey image (one byte a pixel, rows top to bottom), the luma sum
// that makes one from colour pixels, and the two transforms the decode
// plan's passes ask for (main/contract/qr-decode-plan.ts). Pure: the
// screen's decoder worker and `sentinel decode` share them.

export interface GreyImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Light for dark: a dark-mode phone's code, as the decoder expects it. */
export function negative(g: GreyImage): GreyImage {
  const data = new Uint8Array(g.data.length);
  for (let i = 0; i < data.length; i++) data[i] = 255 - g.data[i]!;
  return { width: g.width, height: g.height, data };
}

/** Half the size, each pixel the rounded mean of a 2×2 block (an odd last row or column is dropped). */
export function halfSize(g: GreyImage): GreyImage {
  const w = g.width >> 1;
  const h = g.height >> 1;
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = 2 * y * g.width;
    for (let x = 0; x < w; x++) {
      const i = row + 2 * x;
      data[y * w + x] = (g.data[i]! + g.data[i + 1]! + g.data[i + g.width]! + g.data[i + g.width + 1]! + 2) >> 2;
    }
  }
  return { width: w, height: h, data };
}

/**
 * Grey from 4-byte pixels, `(306R + 601G + 117B + 512) >> 10`: the sum
 * zxing-wasm applies to an ImageData itself, so a frame reads the same
 * whichever way it reached the decoder. Rows of `src` are `srcStride` bytes
 * apart from `srcOffset`; `dst` gets `width × height` bytes from `dstOffset`.
 */
export function lumaInto(src: Uint8Array | Uint8ClampedArray, srcOffset: number, srcStride: number, kind: 'rgba' | 'bgra', dst: Uint8Array, dstOffset: number, width: number, height: number): void {
  // Red is the first byte of RGBA and the third of BGRA.
  const r = kind === 'rgba' ? 0 : 2;
  const b = 2 - r;
  for (let y = 0; y < height; y++) {
    let s = srcOffset + y * srcStride;
    let d = dstOffset + y * width;
    const end = d + width;
    for (; d < end; d++, s += 4) dst[d] = (306 * src[s + r]! + 601 * src[s + 1]! + 117 * src[s + b]! + 512) >> 10;
  }
}
