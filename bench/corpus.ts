// The shared corpus (../shared/corpus) as images to measure the decoder on,
// each with what a correct read of it is. One loader per folder, each
// following its folder's own convention (its MANIFEST), so that an image is
// counted "right" only when the decoder returns exactly the text it holds:
// - zxing-qr: N.png with N.txt beside it, UTF-8, compared byte for byte
//   (CRLF kept); falsepositives/ must give nothing;
// - dcc-testdata: every case with a picture (2DCODE, or _2DCODE in three LV
//   cases) must read as its PREFIX, unless EXPECTEDPICTUREDECODE is false;
// - shc/examples: the SVG QR codes, drawn here by a small rasteriser, must
//   read as their -f- numeric text;
// - shc-validation: QR images with no text beside them; their outcome is
//   the verdict test/verify/shc-corpus.test.ts lists for each.
// Nothing is decoded here: pixels are made only when asked for (grey()).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JWK } from 'jose';
import { PNG } from 'pngjs';
import { DEFAULT_POLICY, type Policy } from '../main/contract/policy.js';
import type { ReasonCode, Verdict } from '../main/contract/reasons.js';
import { decide } from '../main/decide/decide.js';
import { newSigningKey, signBundle } from '../main/issuer/sign.js';
import { packageRoot } from '../main/package-root.js';
import { readRootKeys } from '../main/trust/trust-store.js';
import { verifyCode } from '../main/verify/code.js';
import { verifyBundle } from '../main/verify/trust.js';
import { grayToPng, type GrayFrame } from './frames.js';

export const CORPUS = path.join(packageRoot(), '..', 'shared', 'corpus');
export const HAVE_CORPUS = fs.existsSync(CORPUS);

export type CorpusSet = 'zxing-qr' | 'zxing-negatives' | 'dcc' | 'shc-svg' | 'shc-validation';

/** What a correct read of an image is. */
export type Expected =
  /** Exactly this text. */
  | { kind: 'text'; text: string }
  /** A text that the kiosk's verifier and decide() judge so (the image's text is not published). */
  | { kind: 'verdict'; verdict: Verdict; reason: ReasonCode }
  /** Nothing; with `notText`, at least not that text (DCC's EXPECTEDPICTUREDECODE: false). */
  | { kind: 'none'; notText?: string };

export interface CorpusImage {
  set: CorpusSet;
  /** Where it is, relative to the corpus (a DCC case: its JSON file). */
  name: string;
  /** The encoded image (PNG or JPEG), as `sentinel decode` is given it. */
  bytes: Uint8Array;
  expected: Expected;
  /** 8-bit grey pixels (luma as ZXing computes it); null when the bytes are no PNG (a JPEG, or not an image). */
  grey(): GrayFrame | null;
}

/** Is a read (null: nothing) of this image right? */
export type Outcome = 'right' | 'wrong' | 'missed' | 'clean' | 'false-positive';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];

/** PNG bytes to grey with ZXing-C++'s RGBToLum, the formula zxing-wasm applies to RGBA; alpha is dropped, as its stb_image does. */
export function pngToGrey(bytes: Uint8Array): GrayFrame | null {
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return null;
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const data = new Uint8Array(png.width * png.height);
  for (let i = 0; i < data.length; i++) data[i] = (306 * png.data[i * 4]! + 601 * png.data[i * 4 + 1]! + 117 * png.data[i * 4 + 2]! + 512) >> 10;
  return { width: png.width, height: png.height, data };
}

function fileImage(set: CorpusSet, rel: string, expected: Expected): CorpusImage {
  const bytes = new Uint8Array(fs.readFileSync(path.join(CORPUS, rel)));
  return { set, name: rel, bytes, expected, grey: () => pngToGrey(bytes) };
}

const byNumber = (a: string, b: string): number => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b);

/** ZXing's blackbox photos: 179 in qrcode-1…6 with N.txt, 22 in falsepositives/ that must give nothing. */
export function zxingImages(): CorpusImage[] {
  const root = 'zxing-qr';
  const out: CorpusImage[] = [];
  const folders = fs
    .readdirSync(path.join(CORPUS, root))
    .filter((d) => /^qrcode-\d+$/.test(d))
    .sort(byNumber);
  for (const dir of folders) {
    for (const png of fs
      .readdirSync(path.join(CORPUS, root, dir))
      .filter((f) => f.endsWith('.png'))
      .sort(byNumber)) {
      // The MANIFEST: UTF-8, no trailing newline added, CRLF where the payload has it. Read as is, never trimmed.
      const text = fs.readFileSync(path.join(CORPUS, root, dir, png.replace(/\.png$/, '.txt')), 'utf8');
      out.push(fileImage('zxing-qr', `${root}/${dir}/${png}`, { kind: 'text', text }));
    }
  }
  for (const png of fs
    .readdirSync(path.join(CORPUS, root, 'falsepositives'))
    .filter((f) => f.endsWith('.png'))
    .sort(byNumber)) {
    out.push(fileImage('zxing-negatives', `${root}/falsepositives/${png}`, { kind: 'none' }));
  }
  return out;
}

interface DccCase {
  PREFIX?: string;
  '2DCODE'?: string;
  _2DCODE?: string;
  EXPECTEDRESULTS?: { EXPECTEDPICTUREDECODE?: boolean };
}

function jsonFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? jsonFiles(path.join(dir, e.name)) : e.name.endsWith('.json') ? [path.join(dir, e.name)] : []))
    .sort();
}

/** Every DCC test case with a picture: 421, of which one (common/…/Q1) must not read as its PREFIX. */
export function dccImages(): CorpusImage[] {
  const out: CorpusImage[] = [];
  for (const file of jsonFiles(path.join(CORPUS, 'dcc-testdata'))) {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as DccCase;
    const picture = c['2DCODE'] ?? c._2DCODE;
    if (picture === undefined || c.PREFIX === undefined) continue;
    const bytes = new Uint8Array(Buffer.from(picture, 'base64'));
    const expected: Expected = c.EXPECTEDRESULTS?.EXPECTEDPICTUREDECODE === false ? { kind: 'none', notText: c.PREFIX } : { kind: 'text', text: c.PREFIX };
    out.push({ set: 'dcc', name: path.relative(CORPUS, file), bytes, expected, grey: () => pngToGrey(bytes) });
  }
  return out;
}

/**
 * Draws a QR code SVG of the kind the SMART examples hold: a white rect, then
 * one stroked path of horizontal runs (`M x y`, `m dx dy`, `h n`), stroke
 * width 1 centred on each row. Any other command throws: this draws these
 * files, not SVG.
 */
export function rasteriseQrSvg(svg: string, scale: number): GrayFrame {
  const view = /viewBox="0 0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)"/.exec(svg);
  const stroked = /<path\b(?=[^>]*\bstroke=")[^>]*\bd="([^"]*)"/.exec(svg);
  if (!view || !stroked) throw new Error('not a QR SVG: no viewBox or no stroked path');
  const width = Math.round(Number(view[1]) * scale);
  const height = Math.round(Number(view[2]) * scale);
  const data = new Uint8Array(width * height).fill(255);
  let x = 0;
  let y = 0;
  for (const [, cmd, args] of stroked[1]!.matchAll(/([A-Za-z])([^A-Za-z]*)/g)) {
    const n = (args!.match(/-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi) ?? []).map(Number);
    if (cmd === 'M' || cmd === 'm') {
      x = cmd === 'M' ? n[0]! : x + n[0]!;
      y = cmd === 'M' ? n[1]! : y + n[1]!;
    } else if (cmd === 'h') {
      const [x0, x1] = [Math.min(x, x + n[0]!), Math.max(x, x + n[0]!)];
      for (let py = Math.round((y - 0.5) * scale); py < Math.round((y + 0.5) * scale); py++) {
        if (py >= 0 && py < height) data.fill(0, py * width + Math.max(0, Math.round(x0 * scale)), py * width + Math.min(width, Math.round(x1 * scale)));
      }
      x += n[0]!;
    } else throw new Error(`unsupported SVG path command ${cmd}`);
  }
  return { width, height, data };
}

/** The SMART Health Cards examples' QR SVGs, drawn at `scale` pixels per module, with their -f- text. */
export function shcSvgImages(scale = 4): CorpusImage[] {
  const dir = 'shc/examples';
  return fs
    .readdirSync(path.join(CORPUS, dir))
    .filter((f) => /^example-\d+-g-qr-code-\d+\.svg$/.test(f))
    .sort()
    .map((svg) => {
      const [, nn, k] = /^example-(\d+)-g-qr-code-(\d+)\.svg$/.exec(svg)!;
      const text = fs.readFileSync(path.join(CORPUS, dir, `example-${nn}-f-qr-code-numeric-value-${k}.txt`), 'utf8').trim();
      const grey = rasteriseQrSvg(fs.readFileSync(path.join(CORPUS, dir, svg), 'utf8'), scale);
      return { set: 'shc-svg', name: `${dir}/${svg}`, bytes: new Uint8Array(grayToPng(grey)), expected: { kind: 'text', text }, grey: () => grey } satisfies CorpusImage;
    });
}

/** The validator's QR images and their outcomes, as test/verify/shc-corpus.test.ts's IMAGES table lists them: keep the two together. */
const SHC_VALIDATION_IMAGES: Readonly<Record<string, [Verdict, ReasonCode] | null>> = {
  'test-example-00-g-qr-code-0-bad_qr_version.png': ['admit', 'OK'],
  'test-example-00-g-qr-code-0-corrupted.png': null,
  'test-example-00-g-qr-code-0-scaled-23.jpg': ['admit', 'OK'],
  'test-example-00-g-qr-code-0-scaled-85.jpg': ['admit', 'OK'],
  'test-example-00-g-qr-code-0-single_qr_segment.png': ['admit', 'OK'],
  'test-example-00-g-qr-code-0-too_many_qr_segment.png': ['deny', 'MALFORMED'],
  'test-example-00-g-qr-code-inflated-to-v22.png': ['admit', 'OK'],
  'test-invalid-jws-payload.png': ['deny', 'MALFORMED'],
  'test-example-00-g-qr-code-0-qr_chunk_too_small.png': ['deny', 'MALFORMED'],
  'test-example-00-g-qr-code-1-qr_chunk_too_small.png': ['deny', 'MALFORMED'],
};

export function shcValidationImages(): CorpusImage[] {
  return Object.entries(SHC_VALIDATION_IMAGES).map(([file, want]) =>
    fileImage('shc-validation', `shc-validation/${file}`, want === null ? { kind: 'none' } : { kind: 'verdict', verdict: want[0], reason: want[1] }),
  );
}

/** Every corpus image, in a fixed order. */
export function corpusImages(): CorpusImage[] {
  return [...zxingImages(), ...dccImages(), ...shcSvgImages(), ...shcValidationImages()];
}

/** The validator pins its clock here (its example key chain expired the next day). */
const AT_VALIDATOR_S = Date.UTC(2022, 4, 31) / 1000;
const EXAMPLE_ISSUER = 'https://spec.smarthealth.cards/examples/issuer';

/**
 * The judge of reads: exact text, or (shc-validation) the text through
 * verifyCode and decide() on a bundle holding the example issuer's keys, at
 * the validator's time, as the SHC corpus test judges it.
 */
export async function outcomeJudge(): Promise<(expected: Expected, text: string | null) => Promise<Outcome>> {
  const root = await newSigningKey('ES256', 'bench-root');
  const keys = (JSON.parse(fs.readFileSync(path.join(CORPUS, 'shc/examples/issuer/.well-known/jwks.json'), 'utf8')) as { keys: JWK[] }).keys;
  const day = 86_400;
  const bundle = await signBundle(
    {
      iss: 'CN-NHC',
      seq: 1,
      iat: AT_VALIDATOR_S - day,
      exp: AT_VALIDATOR_S + 30 * day,
      issuers: [{ id: EXAMPLE_ISSUER, format: 'shc', name: { zh: 'SMART 示例签发方', en: 'SMART example issuer' }, keys }],
    },
    root,
  );
  const trust = await verifyBundle(bundle, await readRootKeys(JSON.stringify(root.publicJwk), 'bench root'), { nowS: AT_VALIDATOR_S, installedSeq: null, allowExpired: false });
  const verdicts = new Map<string, string>();
  const verdictOf = async (text: string): Promise<string> => {
    let v = verdicts.get(text);
    if (v === undefined) {
      const d = decide(await verifyCode(text, trust), {
        nowS: AT_VALIDATOR_S,
        policy: structuredClone(DEFAULT_POLICY) as Policy,
        temperatureC: 36.6,
        trust: { iat: AT_VALIDATOR_S - day, exp: AT_VALIDATOR_S + 30 * day },
        timeFloorS: null,
        lastAdmittedS: null,
      });
      v = `${d.verdict} ${d.reasons.map((r) => r.code).join(',')}`;
      verdicts.set(text, v);
    }
    return v;
  };
  return async (expected, text) => {
    if (expected.kind === 'none') return text !== null && (expected.notText === undefined || text === expected.notText) ? 'false-positive' : 'clean';
    if (text === null) return 'missed';
    if (expected.kind === 'text') return text === expected.text ? 'right' : 'wrong';
    return (await verdictOf(text)) === `${expected.verdict} ${expected.reason}` ? 'right' : 'wrong';
  };
}
