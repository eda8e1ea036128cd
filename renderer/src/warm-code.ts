// What the decoder worker reads as it loads, so that compiling and first
// running the decoder happen before the first camera frame, not on it.
// Built in (the kiosk fetches nothing to warm up): a version 1 QR code of
// WARM_TEXT (error correction M, made once with the `qrcode` package;
// test/renderer/frame-path.test.ts reads it back), drawn small and square
// (the read that proves the heap path), then as a camera shows a phone —
// large, turned, with sensor noise — and a frame with no code.
//
// Why more than one read: the browser compiles the decoder's WebAssembly a
// function at a time, on its first call (and optimises hot ones later), and
// a camera frame calls many the small square code never does (the
// downscaled layer a large code is found in, sampling a turned grid, each
// extra pass of a frame nothing reads). Warmed on the small code alone, the
// first scan's first decode took 20–49 ms against 6 ms warm; warmed on
// these too, 9–20 ms (scene benchmark, decision 40).

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

/** How the camera-like warm-up frame shows the code: the side of a module in pixels, its turn in radians, and the noise's amplitude. */
const CAMERA_LIKE = { scale: 12, turn: 0.07, noise: 3 } as const;
/** The grey of the frame with no code (a camera's background). */
const EMPTY_GREY = 110;

/**
 * The warm-up code as a camera shows a phone held up: large (a module 12
 * px: the downscaled layer finds it), turned 4°, with ±3 grey levels of
 * noise (a fixed pattern: every warm-up is the same work).
 */
export function warmCameraImage(width = 1280, height = 720): { width: number; height: number; data: Uint8Array } {
  const upright = warmImage(width, height, CAMERA_LIKE.scale);
  const data = new Uint8Array(width * height);
  const cos = Math.cos(CAMERA_LIKE.turn);
  const sin = Math.sin(CAMERA_LIKE.turn);
  const cx = width / 2;
  const cy = height / 2;
  let seed = 7;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Each pixel samples the upright code turned back about the middle (nearest neighbour).
      const sx = Math.round(cx + cos * (x - cx) + sin * (y - cy));
      const sy = Math.round(cy - sin * (x - cx) + cos * (y - cy));
      const grey = sx >= 0 && sx < width && sy >= 0 && sy < height ? upright.data[sy * width + sx]! : 128;
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      data[y * width + x] = Math.max(0, Math.min(255, grey + ((seed >> 8) % (2 * CAMERA_LIKE.noise + 1)) - CAMERA_LIKE.noise));
    }
  }
  return { width, height, data };
}

/** A frame with no code in it: read by each extra pass of the decode plan in turn. */
export function emptyImage(width = 1280, height = 720): { width: number; height: number; data: Uint8Array } {
  return { width, height, data: new Uint8Array(width * height).fill(EMPTY_GREY) };
}
