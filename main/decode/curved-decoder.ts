// OpenCV's curved QR decoder (QRCodeDetector.detectAndDecodeCurved, from
// `@opencvjs/web`: OpenCV.js, its WebAssembly inlined, Apache-2.0) for the
// decode plan's last file pass (CURVED_PASS in
// main/contract/qr-decode-plan.ts): printed labels on curved surfaces that
// no zxing pass reads. Loaded on first use only — the module is 11 MB and
// loading it took 170–300 ms (750 ms from a cold disk) — so `sentinel
// decode` of an image zxing reads never pays for it; it is loaded once a
// process. Whatever goes wrong in it (the module will not load, a C++
// exception, an abort) is no text, never a throw.
import { clahe, type GreyImage } from '../contract/grey-image.js';
import { curvedText, type CurvedQrPass } from '../contract/qr-decode-plan.js';

// The part of OpenCV.js this pass uses. @opencvjs/types does not declare
// detectAndDecodeCurved, so the module is taken as this shape.
interface CvMat {
  data: Uint8Array;
  delete(): void;
}
interface CvQrDetector {
  detectAndDecodeCurved(img: CvMat, points: CvMat, straightQrcode: CvMat): string;
  delete(): void;
}
interface CvModule {
  Mat: { new (): CvMat; new (rows: number, cols: number, type: number): CvMat };
  CV_8UC1: number;
  QRCodeDetector: new () => CvQrDetector;
}

interface Loaded {
  cv: CvModule;
  detector: CvQrDetector;
}

/** How loading went: null until a pass first needed the decoder. */
export interface CurvedDecoderLoad {
  ok: boolean;
  /** From the import to a ready detector (or to the failure). */
  ms: number;
}

let loading: Promise<Loaded | null> | null = null;
let load: CurvedDecoderLoad | null = null;

/** Whether (and how fast) the curved decoder was loaded in this process; null when nothing has asked for it. */
export function curvedDecoderLoad(): CurvedDecoderLoad | null {
  return load;
}

function loaded(): Promise<Loaded | null> {
  loading ??= (async () => {
    const started = performance.now();
    try {
      const { loadOpenCV } = await import('@opencvjs/web');
      const cv = (await loadOpenCV()) as unknown as CvModule;
      const detector = new cv.QRCodeDetector();
      load = { ok: true, ms: performance.now() - started };
      return { cv, detector };
    } catch {
      load = { ok: false, ms: performance.now() - started };
      return null;
    }
  })();
  return loading;
}

/**
 * The curved pass on a grey image: CLAHE, then OpenCV's curved decoder; the
 * text by the plan's rule (curvedText), or null. Null without loading
 * anything for an image over the pass's pixel limit.
 */
export async function readCurved(g: GreyImage, pass: CurvedQrPass): Promise<string | null> {
  if (g.width === 0 || g.height === 0 || g.width * g.height > pass.maxPixels) return null;
  const m = await loaded();
  if (m === null) return null;
  const image = clahe(g, pass.clahe.tiles, pass.clahe.clip);
  const mats: CvMat[] = [];
  try {
    const src = new m.cv.Mat(image.height, image.width, m.cv.CV_8UC1);
    mats.push(src);
    src.data.set(image.data);
    const points = new m.cv.Mat();
    mats.push(points);
    const straight = new m.cv.Mat();
    mats.push(straight);
    return curvedText(m.detector.detectAndDecodeCurved(src, points, straight));
  } catch {
    // OpenCV throws C++ exceptions as numbers; an aborted module throws on every call.
    return null;
  } finally {
    for (const mat of mats) {
      try {
        mat.delete();
      } catch {
        // an aborted module: nothing left to free
      }
    }
  }
}
