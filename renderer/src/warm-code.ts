// The code the decoder worker reads once as it loads, so that compiling
// and first running the decoder happen before the first camera frame, not
// on it. Built in (the kiosk fetches nothing to warm up), and small: a
// version 1 QR code of WARM_TEXT (error correction M, made once with the
// `qrcode` package; test/renderer/frame-path.test.ts reads it back).

export const WARM_TEXT = 'SENTINEL';

/** The 21 rows of modules, the leftmost in the highest of 21 bits; a 1 is dark. */
const ROWS = [
  0x1fc67f, 0x104b41, 0x175c5d, 0x175f5d, 0x17535d, 0x105541, 0x1fd57f, 0x001f00, 0x17c57c, 0x0a3521, 0x18f295, 0x1d203f, 0x03ea9f, 0x001fe4, 0x1fc566, 0x1053e8, 0x17513e, 0x175504, 0x175a84,
  0x104c2d, 0x1fda8c,
];
const MODULES = 21;
const QUIET = 4;

/**
 * The code as grey pixels, `scale` a module, quiet zone included, in the
 * middle of a mid-grey frame of `width × height` (even, as a 4:2:0 frame
 * needs). A camera-sized frame warms what a tiny one would not: the heap
 * grown to a frame's buffers, and ZXing's downscaled pass, which runs only
 * on images over 500 pixels.
 */
export function warmImage(width = 1280, height = 720, scale = 4): { width: number; height: number; data: Uint8Array } {
  const side = (MODULES + 2 * QUIET) * scale;
  if (width < side || height < side) throw new RangeError(`the warm-up frame must hold the ${side}-pixel code`);
  const data = new Uint8Array(width * height).fill(128);
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  for (let y = 0; y < side; y++) {
    const my = Math.floor(y / scale) - QUIET;
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / scale) - QUIET;
      const dark = my >= 0 && my < MODULES && mx >= 0 && mx < MODULES && (ROWS[my]! >> (MODULES - 1 - mx)) & 1;
      data[(top + y) * width + left + x] = dark ? 0 : 255;
    }
  }
  return { width, height, data };
}
