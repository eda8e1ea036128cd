// An 8-bit grey image (one byte a pixel, rows top to bottom), the luma sum
// that makes one from colour pixels, and the transforms the decode plan's
// passes ask for (main/contract/qr-decode-plan.ts): the negative and half
// size, and CLAHE for the file-only curved pass. Pure: the screen's decoder
// worker and `sentinel decode` share them.

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

/** The pixels inside `r` (which must lie inside the image), as an image of their own. */
export function crop(g: GreyImage, r: { x: number; y: number; width: number; height: number }): GreyImage {
  if (r.x < 0 || r.y < 0 || r.width < 0 || r.height < 0 || r.x + r.width > g.width || r.y + r.height > g.height) throw new RangeError('the crop lies outside the image');
  const data = new Uint8Array(r.width * r.height);
  for (let y = 0; y < r.height; y++) {
    const from = (r.y + y) * g.width + r.x;
    data.set(g.data.subarray(from, from + r.width), y * r.width);
  }
  return { width: r.width, height: r.height, data };
}

/**
 * Unsharp mask: each pixel pushed away from its neighbourhood's mean (a box
 * of `radius`, edges repeated) by `amount` times the difference. Module
 * edges a lens blurred stand out again.
 */
export function unsharp(g: GreyImage, radius: number, amount: number): GreyImage {
  const { width: w, height: h } = g;
  const win = 2 * radius + 1;
  const rows = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    let acc = 0;
    for (let x = -radius; x <= radius; x++) acc += g.data[o + Math.min(w - 1, Math.max(0, x))]!;
    for (let x = 0; x < w; x++) {
      rows[o + x] = acc / win;
      acc += g.data[o + Math.min(w - 1, x + radius + 1)]! - g.data[o + Math.max(0, x - radius)]!;
    }
  }
  const data = new Uint8Array(w * h);
  for (let x = 0; x < w; x++) {
    let acc = 0;
    for (let y = -radius; y <= radius; y++) acc += rows[Math.min(h - 1, Math.max(0, y)) * w + x]!;
    for (let y = 0; y < h; y++) {
      const i = y * w + x;
      const v = g.data[i]!;
      // Uint8Array would wrap, not clamp.
      data[i] = Math.max(0, Math.min(255, Math.round(v + amount * (v - acc / win))));
      acc += rows[Math.min(h - 1, y + radius + 1) * w + x]! - rows[Math.max(0, y - radius) * w + x]!;
    }
  }
  return { width: w, height: h, data };
}

/** Grey as RGBA bytes (opaque), the pixels zxing-wasm's public API takes (it sums them back to grey itself). */
export function greyToRgba(g: GreyImage): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(g.width * g.height * 4);
  for (let i = 0; i < g.data.length; i++) {
    const v = g.data[i]!;
    rgba[i * 4] = v;
    rgba[i * 4 + 1] = v;
    rgba[i * 4 + 2] = v;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/**
 * Contrast-limited adaptive histogram equalisation (CLAHE): each of
 * `tiles × tiles` tiles gets its own histogram equalisation, its histogram
 * first clipped at `clip` × the mean bin count (the excess spread evenly over
 * every bin, so flat areas are not blown up into noise), and each pixel is
 * mapped by the bilinear blend of the four nearest tiles' mappings (their
 * centres around it; past the outer centres, the nearest ones), so no tile
 * edge shows. A label lit unevenly gets the same local contrast everywhere.
 * An image narrower or shorter than the grid gets one tile a pixel that way.
 */
export function clahe(g: GreyImage, tiles: number, clip: number): GreyImage {
  const { width, height } = g;
  const data = new Uint8Array(width * height);
  if (width === 0 || height === 0) return { width, height, data };
  const grid = Math.max(1, Math.floor(tiles) || 1);
  const tx = Math.min(grid, width);
  const ty = Math.min(grid, height);
  const tileW = width / tx;
  const tileH = height / ty;

  // Each tile's mapping, grey value → equalised grey value.
  const maps: Uint8Array[] = [];
  const hist = new Float64Array(256);
  for (let j = 0; j < ty; j++) {
    const y0 = Math.floor(j * tileH);
    const y1 = Math.floor((j + 1) * tileH);
    for (let i = 0; i < tx; i++) {
      const x0 = Math.floor(i * tileW);
      const x1 = Math.floor((i + 1) * tileW);
      hist.fill(0);
      for (let y = y0; y < y1; y++) for (let k = y * width + x0, end = y * width + x1; k < end; k++) hist[g.data[k]!]!++;
      const count = (x1 - x0) * (y1 - y0);
      const limit = (clip * count) / 256;
      let excess = 0;
      for (let v = 0; v < 256; v++) {
        if (hist[v]! > limit) {
          excess += hist[v]! - limit;
          hist[v] = limit;
        }
      }
      const share = excess / 256;
      const map = new Uint8Array(256);
      let cumulative = 0;
      for (let v = 0; v < 256; v++) {
        cumulative += hist[v]! + share;
        map[v] = Math.min(255, Math.round((cumulative * 255) / count));
      }
      maps.push(map);
    }
  }

  // Where a pixel lies between tile centres: the tile before it, the one after, and how far towards the latter.
  const between = (p: number, size: number, n: number): [number, number, number] => {
    const f = (p + 0.5) / size - 0.5;
    const a = Math.max(0, Math.min(n - 1, Math.floor(f)));
    const b = Math.min(n - 1, a + 1);
    return [a, b, Math.max(0, Math.min(1, f - a))];
  };
  const colA = new Uint32Array(width);
  const colB = new Uint32Array(width);
  const colF = new Float64Array(width);
  for (let x = 0; x < width; x++) [colA[x], colB[x], colF[x]] = between(x, tileW, tx);
  for (let y = 0; y < height; y++) {
    const [ja, jb, fy] = between(y, tileH, ty);
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const ia = colA[x]!;
      const ib = colB[x]!;
      const fx = colF[x]!;
      const v = g.data[row + x]!;
      const top = maps[ja * tx + ia]![v]! * (1 - fx) + maps[ja * tx + ib]![v]! * fx;
      const bottom = maps[jb * tx + ia]![v]! * (1 - fx) + maps[jb * tx + ib]![v]! * fx;
      data[row + x] = Math.round(top * (1 - fy) + bottom * fy);
    }
  }
  return { width, height, data };
}
