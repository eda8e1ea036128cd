// How a camera frame's pixels reach the decoder as 8-bit grey: which plane
// is grey already, the even-aligned crop, rows made tight. Pure, so the
// arithmetic is tested in Node; the worker does the copies (the luma sum of
// colour pixels is main/contract/grey-image.ts's, shared with files).

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
