// 8-bit grey from a camera frame's pixels: what the decoder reads. Pure, so
// the arithmetic is tested in Node; the worker does the copies.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How a frame's pixels become grey: its first plane already is (8-bit YUV), or a luma sum over 4-byte pixels. */
export type PixelKind = 'y-plane' | 'rgba' | 'bgra';

/**
 * The kind of a VideoFrame's format, or null for one read another way
 * (10- and 12-bit YUV, no format). In every 8-bit YUV layout WebCodecs
 * names, the Y plane comes first, one byte a pixel: it is the luminance.
 */
export function pixelKind(format: string | null): PixelKind | null {
  switch (format) {
    case 'I420':
    case 'I420A':
    case 'I422':
    case 'I422A':
    case 'I444':
    case 'I444A':
    case 'NV12':
      return 'y-plane';
    case 'RGBA':
    case 'RGBX':
      return 'rgba';
    case 'BGRA':
    case 'BGRX':
      return 'bgra';
    default:
      return null;
  }
}

/**
 * `want` grown outward to even coordinates, then kept inside `bounds`
 * shrunk inward to even ones. VideoFrame.copyTo crops every plane with the
 * rect, and a rect that splits a 4:2:0 chroma sample is refused ("x is not
 * sample-aligned in plane 1"). Empty (width or height 0) when nothing is left.
 */
export function evenRect(want: Rect, bounds: Rect): Rect {
  const even = (v: number, up: boolean): number => (up ? Math.ceil(v / 2) : Math.floor(v / 2)) * 2;
  const left = Math.max(even(want.x, false), even(bounds.x, true));
  const top = Math.max(even(want.y, false), even(bounds.y, true));
  const right = Math.min(even(want.x + want.width, true), even(bounds.x + bounds.width, false));
  const bottom = Math.min(even(want.y + want.height, true), even(bounds.y + bounds.height, false));
  return { x: left, y: top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) };
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

/**
 * Moves a plane whose rows are `stride` bytes apart from `offset` so they
 * lie tight (`width` apart) from `dstOffset`, in place. Forward only: it
 * needs `dstOffset <= offset` and `stride >= width`, which holds for the
 * first plane of a copy.
 */
export function compactRows(buf: Uint8Array, offset: number, stride: number, dstOffset: number, width: number, height: number): void {
  if (dstOffset > offset || stride < width) throw new RangeError('compactRows moves rows forward only');
  if (offset === dstOffset && stride === width) return;
  for (let y = 0; y < height; y++) buf.copyWithin(dstOffset + y * width, offset + y * stride, offset + y * stride + width);
}
