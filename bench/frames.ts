// Camera-like frames of QR codes, made here so decoders and the kiosk can be
// measured on health-code-sized symbols (ZXing's photo corpus is mostly
// small, low-version codes). Grayscale, deterministic for a seed: a phone
// screen showing the code, held at an angle, blurred, glared, noisy, dim.
import * as fs from 'node:fs';
import QRCode from 'qrcode';
import { PNG } from 'pngjs';

export interface FrameOptions {
  width: number;
  height: number;
  /** Side of the code (quiet zone included) as a fraction of the frame height. */
  codeFraction: number;
  rotateDeg?: number;
  /** Perspective: how much nearer one edge is than the opposite one (0 = flat, 0.3 = strong). */
  tilt?: number;
  /** Box-blur radius in pixels (three passes ≈ Gaussian). */
  blur?: number;
  /** Peak brightness added by a glare spot, 0–255. */
  glare?: number;
  /** Standard deviation of sensor noise, in grey levels. */
  noise?: number;
  /** Multiplies all light: 1 normal, 0.35 a dim station at night. */
  light?: number;
  /** Where the code's centre is, as fractions of the frame. */
  centre?: [number, number];
  seed?: number;
}

export interface GrayFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

/** mulberry32: small, seedable, reproducible — frames, fuzzing and benchmarks share it. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The code's modules with a 4-module quiet zone: 1 = dark. */
export function qrModules(text: string): { size: number; dark: (x: number, y: number) => boolean } {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const size = n + 8;
  return { size, dark: (x, y) => x >= 4 && y >= 4 && x < n + 4 && y < n + 4 && qr.modules.get(y - 4, x - 4) === 1 };
}

/** Homography mapping the unit square's corners to four points (solves the 8×8 system). */
function homography(dst: [number, number][]): number[] {
  const src: [number, number][] = [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
  ];
  const A: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = src[i]!;
    const [u, v] = dst[i]!;
    A.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    A.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let c = 0; c < 8; c++) {
    let p = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    [A[c], A[p]] = [A[p]!, A[c]!];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k < 9; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  return [...Array.from({ length: 8 }, (_, i) => A[i]![8]! / A[i]![i]!), 1];
}

function invert3(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det, B / det, (a * i - c * g) / det, -(a * f - c * d) / det, C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}

function boxBlur(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  const win = 2 * r + 1;
  for (let y = 0; y < h; y++) {
    let acc = 0;
    for (let x = -r; x <= r; x++) acc += src[y * w + Math.min(w - 1, Math.max(0, x))]!;
    for (let x = 0; x < w; x++) {
      tmp[y * w + x] = acc / win;
      acc += src[y * w + Math.min(w - 1, x + r + 1)]! - src[y * w + Math.max(0, x - r)]!;
    }
  }
  for (let x = 0; x < w; x++) {
    let acc = 0;
    for (let y = -r; y <= r; y++) acc += tmp[Math.min(h - 1, Math.max(0, y)) * w + x]!;
    for (let y = 0; y < h; y++) {
      out[y * w + x] = acc / win;
      acc += tmp[Math.min(h - 1, y + r + 1) * w + x]! - tmp[Math.max(0, y - r) * w + x]!;
    }
  }
  return out;
}

/**
 * The code's four corners (quiet zone included), in pixels: top left, top
 * right, bottom right, bottom left, for a side, a centre, a tilt and a
 * rotation as FrameOptions has them.
 */
export function codeCorners(side: number, centre: [number, number], tilt = 0, rotateDeg = 0): [number, number][] {
  const [cx, cy] = centre;
  const rot = (rotateDeg * Math.PI) / 180;
  // The near edge is wider than the far one: a phone tilted back.
  return (
    [
      [-0.5 * (1 - tilt), -0.5],
      [0.5 * (1 - tilt), -0.5],
      [0.5 * (1 + tilt), 0.5],
      [-0.5 * (1 + tilt), 0.5],
    ] as [number, number][]
  ).map(([x, y]) => [cx + side * (x * Math.cos(rot) - y * Math.sin(rot)), cy + side * (x * Math.sin(rot) + y * Math.cos(rot))]);
}

/** The phone's bezel around its screen, as a fraction of the code's side. */
const BEZEL = 0.08;

/**
 * What pixel (x, y) shows of the phone whose code square the inverse
 * homography `inv` maps to the unit square: null off the phone, the dark
 * bezel, or a module — dark on light, or light on dark for a dark-mode
 * phone (`negative`).
 */
function phonePixel(inv: number[], qr: ReturnType<typeof qrModules>, x: number, y: number, negative: boolean): number | null {
  const X = inv[0]! * x + inv[1]! * y + inv[2]!;
  const Y = inv[3]! * x + inv[4]! * y + inv[5]!;
  const Z = inv[6]! * x + inv[7]! * y + inv[8]!;
  const u = X / Z;
  const v = Y / Z;
  if (u < -BEZEL || v < -BEZEL || u > 1 + BEZEL || v > 1 + BEZEL) return null;
  if (u < 0 || v < 0 || u >= 1 || v >= 1) return 25;
  return qr.dark(Math.floor(u * qr.size), Math.floor(v * qr.size)) !== negative ? 30 : 235;
}

/** A frame with the code on a phone screen; an empty string renders no code at all. */
export function cameraFrame(text: string, o: FrameOptions): GrayFrame {
  const { width: w, height: h } = o;
  const random = prng(o.seed ?? 1);
  const light = o.light ?? 1;
  const img = new Float32Array(w * h);
  // A cluttered, mid-grey station background.
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img[y * w + x] = 90 + 30 * Math.sin(x / 37) * Math.cos(y / 53) + 20 * random();

  if (text !== '') {
    const qr = qrModules(text);
    const side = o.codeFraction * h;
    const [fx, fy] = o.centre ?? [0.5, 0.5];
    const cx = fx * w;
    const cy = fy * h;
    const inv = invert3(homography(codeCorners(side, [cx, cy], o.tilt, o.rotateDeg)));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const shade = phonePixel(inv, qr, x, y, false);
        if (shade !== null) img[y * w + x] = shade;
      }
    }
  }
  let out: Float32Array = img;
  const r = Math.round(o.blur ?? 0);
  if (r > 0) out = blur3(out, w, h, r);
  const glare = o.glare ?? 0;
  const gx = w * (0.35 + 0.3 * random());
  const gy = h * (0.3 + 0.3 * random());
  const gr = 0.18 * h;
  const noise = o.noise ?? 0;
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = out[y * w + x]! * light;
      if (glare > 0) v += glare * Math.exp(-((x - gx) ** 2 + (y - gy) ** 2) / (2 * gr * gr));
      if (noise > 0) v += noise * gaussian(random);
      data[y * w + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { width: w, height: h, data };
}

/** A standard normal draw (Box–Muller), two draws of `random` in order: sensor noise's shape. */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
}

/** Three passes of the box blur: close to a Gaussian of radius `r`. */
function blur3(img: Float32Array, w: number, h: number, r: number): Float32Array {
  let out = img;
  for (let pass = 0; pass < 3; pass++) out = boxBlur(out, w, h, r);
  return out;
}

/**
 * The code's side as a fraction of the frame's height for a code (quiet zone
 * included) covering `share` of the frame's area: decode-accuracy's "15% of
 * area".
 */
export function codeFractionForArea(share: number, width: number, height: number): number {
  return Math.sqrt((share * width) / height);
}

/** A phone showing a code, drawn alone, to be laid over a background at any place (codePatch, composeInto). */
export interface PatchOptions {
  /** Side of the code, quiet zone included, in pixels. */
  side: number;
  rotateDeg?: number;
  /** Perspective, as FrameOptions.tilt. */
  tilt?: number;
  /** Box-blur radius in pixels (three passes), blurring the phone into a neutral grey around it. */
  blur?: number;
  /** Standard deviation of sensor noise over the phone, in grey levels. */
  noise?: number;
  /** A glare spot on the phone's glass: its centre in the code's own coordinates (0–1 across and down; outside is off the code), its radius as a fraction of the side, the brightness it adds at its peak. */
  glare?: { at: [number, number]; radius: number; peak: number };
  /** A dark-mode phone: light modules on a dark screen. */
  negative?: boolean;
  seed?: number;
}

export interface CodePatch extends GrayFrame {
  /** 1 where the patch covers what lies behind it: the phone, and its rim once blurred. */
  mask: Uint8Array;
  /** The code's centre in the patch, px. */
  centre: [number, number];
}

/** The grey a blurred phone fades into at its rim (about the station background's mean). */
const PATCH_SURROUND = 100;

/** A phone showing `text`, on its own: composed over a background it makes a frame as cameraFrame draws one, wherever the code is. */
export function codePatch(text: string, o: PatchOptions): CodePatch {
  const qr = qrModules(text);
  const random = prng(o.seed ?? 1);
  const r = Math.round(o.blur ?? 0);
  const margin = 3 * r + 1;
  // The phone's outline around the code's centre at (0, 0), then the patch around it.
  const h0 = homography(codeCorners(o.side, [0, 0], o.tilt, o.rotateDeg));
  const map = (hm: number[], u: number, v: number): [number, number] => {
    const z = hm[6]! * u + hm[7]! * v + hm[8]!;
    return [(hm[0]! * u + hm[1]! * v + hm[2]!) / z, (hm[3]! * u + hm[4]! * v + hm[5]!) / z];
  };
  const outline = [-BEZEL, 1 + BEZEL].flatMap((u) => [-BEZEL, 1 + BEZEL].map((v) => map(h0, u, v)));
  const left = Math.floor(Math.min(...outline.map((p) => p[0]))) - margin;
  const top = Math.floor(Math.min(...outline.map((p) => p[1]))) - margin;
  const width = Math.ceil(Math.max(...outline.map((p) => p[0]))) + margin + 1 - left;
  const height = Math.ceil(Math.max(...outline.map((p) => p[1]))) + margin + 1 - top;
  const centre: [number, number] = [-left, -top];
  const hm = homography(codeCorners(o.side, centre, o.tilt, o.rotateDeg));
  const inv = invert3(hm);
  let field: Float32Array = new Float32Array(width * height).fill(PATCH_SURROUND);
  let cover: Float32Array = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const shade = phonePixel(inv, qr, x, y, o.negative ?? false);
      if (shade === null) continue;
      field[y * width + x] = shade;
      cover[y * width + x] = 1;
    }
  }
  if (r > 0) {
    field = blur3(field, width, height, r);
    cover = blur3(cover, width, height, r);
  }
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = cover[i]! > 1e-3 ? 1 : 0;
  const glare = o.glare;
  const [gx, gy] = glare ? map(hm, glare.at[0], glare.at[1]) : [0, 0];
  const gr = (glare?.radius ?? 0) * o.side;
  const noise = o.noise ?? 0;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      let v = field[i]!;
      if (mask[i]) {
        // Glare lies on the phone's glass only: the station behind it is not the phone's reflection.
        if (glare) v += glare.peak * Math.exp(-((x - gx) ** 2 + (y - gy) ** 2) / (2 * gr * gr));
        if (noise > 0) v += noise * gaussian(random);
      }
      data[i] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { width, height, data, mask, centre };
}

/** Where a patch's top-left corner goes for its code to be centred on `centre` (px). */
export function patchOrigin(patch: Pick<CodePatch, 'centre'>, centre: [number, number]): [number, number] {
  return [Math.round(centre[0] - patch.centre[0]), Math.round(centre[1] - patch.centre[1])];
}

/**
 * Lays a patch over a grey image in place, its top-left corner at (left,
 * top), clipped to the image. Self-contained (it names nothing outside
 * itself): the scene runner sends its source to the page, which composes
 * the camera's frames with it.
 */
export function composeInto(grey: Uint8Array, width: number, height: number, patch: { width: number; height: number; data: Uint8Array; mask: Uint8Array }, left: number, top: number): void {
  for (let py = Math.max(0, -top); py < patch.height && top + py < height; py++) {
    const row = (top + py) * width + left;
    for (let px = Math.max(0, -left); px < patch.width && left + px < width; px++) {
      const i = py * patch.width + px;
      if (patch.mask[i]) grey[row + px] = patch.data[i]!;
    }
  }
}

/** A frame: a background with phones laid over it, each code centred where asked. */
export function composeFrame(background: GrayFrame, phones: { patch: CodePatch; centre: [number, number] }[]): GrayFrame {
  const data = Uint8Array.from(background.data);
  for (const { patch, centre } of phones) composeInto(data, background.width, background.height, patch, ...patchOrigin(patch, centre));
  return { width: background.width, height: background.height, data };
}

export function grayToPng(frame: GrayFrame): Buffer {
  const png = new PNG({ width: frame.width, height: frame.height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  png.data = Buffer.from(frame.data);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/**
 * Writes frames as a Y4M video (4:2:0, grey), the format Chromium's fake
 * camera reads (--use-file-for-fake-video-capture). Chromium loops it.
 */
export function writeY4m(file: string, frames: GrayFrame[], fps = 30): void {
  const { width: w, height: h } = frames[0]!;
  const chroma = Buffer.alloc((w / 2) * (h / 2) * 2, 128);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, `YUV4MPEG2 W${w} H${h} F${fps}:1 Ip A1:1 C420jpeg\n`);
    for (const f of frames) {
      fs.writeSync(fd, 'FRAME\n');
      fs.writeSync(fd, f.data);
      fs.writeSync(fd, chroma);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The variants the README's decoder table is measured on. */
export const CAMERA_VARIANTS: Record<string, Omit<FrameOptions, 'seed'>> = {
  straight: { width: 1280, height: 720, codeFraction: 0.6, noise: 2 },
  rotated: { width: 1280, height: 720, codeFraction: 0.6, rotateDeg: 33, noise: 2 },
  tilted: { width: 1280, height: 720, codeFraction: 0.6, tilt: 0.25, rotateDeg: 8, noise: 2 },
  blurred: { width: 1280, height: 720, codeFraction: 0.6, blur: 2, noise: 2 },
  glare: { width: 1280, height: 720, codeFraction: 0.6, glare: 170, noise: 2 },
  noisy: { width: 1280, height: 720, codeFraction: 0.6, noise: 18 },
  small: { width: 1280, height: 720, codeFraction: 0.3, noise: 3 },
  dim: { width: 1280, height: 720, codeFraction: 0.6, light: 0.3, noise: 6 },
  vga: { width: 640, height: 480, codeFraction: 0.65, rotateDeg: 5, noise: 3 },
  'tilt+blur+glare': { width: 1280, height: 720, codeFraction: 0.55, tilt: 0.2, rotateDeg: -12, blur: 1, glare: 120, noise: 5 },
};
