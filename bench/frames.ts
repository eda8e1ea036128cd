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
    const t = o.tilt ?? 0;
    const rot = ((o.rotateDeg ?? 0) * Math.PI) / 180;
    // The near edge is wider than the far one: a phone tilted back.
    const corners: [number, number][] = (
      [
        [-0.5 * (1 - t), -0.5],
        [0.5 * (1 - t), -0.5],
        [0.5 * (1 + t), 0.5],
        [-0.5 * (1 + t), 0.5],
      ] as [number, number][]
    ).map(([x, y]) => [cx + side * (x * Math.cos(rot) - y * Math.sin(rot)), cy + side * (x * Math.sin(rot) + y * Math.cos(rot))]);
    const inv = invert3(homography(corners));
    // The phone's bezel, a little larger than the screen.
    const bezel = 0.08;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const X = inv[0]! * x + inv[1]! * y + inv[2]!;
        const Y = inv[3]! * x + inv[4]! * y + inv[5]!;
        const Z = inv[6]! * x + inv[7]! * y + inv[8]!;
        const u = X / Z;
        const v = Y / Z;
        if (u < -bezel || v < -bezel || u > 1 + bezel || v > 1 + bezel) continue;
        if (u < 0 || v < 0 || u >= 1 || v >= 1) {
          img[y * w + x] = 25;
          continue;
        }
        img[y * w + x] = qr.dark(Math.floor(u * qr.size), Math.floor(v * qr.size)) ? 30 : 235;
      }
    }
  }
  let out: Float32Array = img;
  const r = Math.round(o.blur ?? 0);
  if (r > 0) for (let pass = 0; pass < 3; pass++) out = boxBlur(out, w, h, r);
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
      if (noise > 0) v += noise * Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
      data[y * w + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { width: w, height: h, data };
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
