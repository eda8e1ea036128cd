// Mutation fuzz of the EU DCC and SMART Health Cards (formats.md §2–3), as
// mutation-fuzz.test.ts does for PHC1: 10,000 mutations of valid codes per
// format, with mutators that know the format's layers — the text, the Base45
// or numeric form, the ZLIB or DEFLATE stream, the COSE/CBOR or JWS
// structure, the claims, the signature — so that every verifier stage is
// reached. None may be admitted, none may throw, and none may verify unless
// it decodes to exactly the bytes an original's signer signed (then it is a
// re-encoding of the same content, not a forgery: counted and printed).
import { constants, verify as nodeVerify, X509Certificate } from 'node:crypto';
import { deflateRawSync, deflateSync, gzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { compactVerify, importJWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../bench/frames.js';
import { DEFAULT_POLICY } from '../../main/contract/policy.js';
import { decide } from '../../main/decide/decide.js';
import { dccEkuOid, dccEntry, makeDsc, signDcc, type DccSignOptions, type Dsc } from '../../main/issuer/dcc-sign.js';
import { chunkShc, newShcSigningKey, shcEntry, shcNumeric, signShc, COMPLETED_IMMUNIZATION, immunizationCard, SHC_HEALTH_CARD as HEALTH_CARD } from '../../main/issuer/shc-sign.js';
import { newSigningKey, signBundle, type SigningKey } from '../../main/issuer/sign.js';
import { readRootKeys } from '../../main/trust/trust-store.js';
import { decodeBase45, encodeBase45 } from '../../main/verify/base45.js';
import { decodeBase64url, encodeBase64url } from '../../main/verify/base64url.js';
import { CborTag, decodeCbor, encodeCbor, type CborMap, type CborValue } from '../../main/verify/cbor.js';
import { verifyCode, type CodeVerification } from '../../main/verify/code.js';
import { dccStages } from '../../main/verify/formats/dcc.js';
import { joinShcChunks } from '../../main/verify/formats/shc-chunks.js';
import { verifyBundle, type TrustSnapshot } from '../../main/verify/trust.js';
import { DAY, T0 } from '../fixtures/world.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const ITERATIONS = 10_000;
const YEAR = 365 * DAY;
const ISS = 'https://health.example.org/issuer';
const OTHER_ISS = 'https://other.example.org';
/** The P-256 group order: (r, n − s) is the ECDSA twin of (r, s). */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \n\té:{}"\u0000';
const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const te = new TextEncoder();
const td = new TextDecoder();

type Rand = () => number;
type Mutator = (text: string, r: Rand) => string;

const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Fails a mutator whose input no longer has the layer it edits: the stacking stops there. */
function need<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`not ${what}`);
  return value;
}

function flipBit(bytes: Uint8Array, r: Rand): Uint8Array {
  const out = bytes.slice();
  if (out.length === 0) return Uint8Array.of(int(r, 256));
  out[int(r, out.length)]! ^= 1 << int(r, 8);
  return out;
}

function setByte(bytes: Uint8Array, r: Rand): Uint8Array {
  const out = bytes.slice();
  if (out.length === 0) return Uint8Array.of(int(r, 256));
  const i = int(r, out.length);
  out[i] = (out[i]! + 1 + int(r, 255)) & 0xff;
  return out;
}

const randomBytes = (r: Rand, n: number): Uint8Array => Uint8Array.from({ length: n }, () => int(r, 256));

/** Byte-level edits any layer can take. */
function byteEdit(bytes: Uint8Array, r: Rand): Uint8Array {
  switch (int(r, 6)) {
    case 0:
      return flipBit(bytes, r);
    case 1:
      return setByte(bytes, r);
    case 2:
      return bytes.slice(0, int(r, bytes.length));
    case 3:
      return Uint8Array.from([...bytes, ...randomBytes(r, 1 + int(r, 4))]);
    case 4: {
      const i = int(r, bytes.length + 1);
      return Uint8Array.from([...bytes.slice(0, i), ...randomBytes(r, 1 + int(r, 3)), ...bytes.slice(i)]);
    }
    default: {
      const i = int(r, bytes.length);
      return Uint8Array.from([...bytes.slice(0, i), ...bytes.slice(i + 1 + int(r, 3))]);
    }
  }
}

/** The ECDSA twin of a raw r||s P-256 signature. */
function highS(sig: Uint8Array): Uint8Array {
  if (sig.length !== 64) throw new Error('not a P-256 signature');
  const s = BigInt('0x' + hex(sig.slice(32)));
  return Uint8Array.from([...sig.slice(0, 32), ...Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex')]);
}

function signatureEdit(sig: Uint8Array, r: Rand, others: readonly Uint8Array[]): Uint8Array {
  switch (int(r, 7)) {
    case 0:
      return flipBit(sig, r);
    case 1:
      return sig.slice(0, int(r, sig.length));
    case 2:
      return Uint8Array.from([...sig, 0]);
    case 3:
      return new Uint8Array(sig.length);
    case 4:
      return highS(sig);
    case 5:
      return Uint8Array.from([...sig.slice(sig.length / 2), ...sig.slice(0, sig.length / 2)]);
    default:
      return pick(r, others);
  }
}

/** Text-level edits, whatever the format; `alphabet` is the format's own characters. */
function textMutators(prefix: string, alphabet: string, prefixes: readonly string[]): Record<string, Mutator> {
  const char = (r: Rand): string => (r() < 0.8 ? pick(r, [...alphabet]) : pick(r, [...CHARS]));
  return {
    replaceChar: (t, r) => {
      const i = int(r, t.length);
      return t.slice(0, i) + char(r) + t.slice(i + 1);
    },
    insertChar: (t, r) => {
      const i = int(r, t.length + 1);
      return t.slice(0, i) + char(r) + t.slice(i);
    },
    deleteChars: (t, r) => {
      const i = int(r, t.length);
      return t.slice(0, i) + t.slice(i + 1 + int(r, 4));
    },
    truncate: (t, r) => t.slice(0, int(r, t.length)),
    duplicate: (t, r) => (r() < 0.5 ? t + t : t + t.slice(prefix.length)),
    prefix: (t, r) => pick(r, prefixes) + t.slice(prefix.length),
  };
}

// ——— DCC layers ———

const DCC_PREFIX = 'HC1:';

interface CoseOpen {
  /** The outer tags, outermost first (18, or 61 then 18, or none). */
  tags: number[];
  /** The COSE_Sign1 array as decoded: [protected, unprotected, payload, signature] when well formed. */
  msg: CborValue[];
}

function zlibOf(text: string): Uint8Array {
  if (!text.startsWith(DCC_PREFIX)) throw new Error('not HC1:');
  return need(decodeBase45(text.slice(DCC_PREFIX.length)), 'Base45');
}
const textOfZlib = (zlib: Uint8Array): string => DCC_PREFIX + encodeBase45(zlib);
const coseBytesOf = (text: string): Uint8Array => new Uint8Array(inflateSync(zlibOf(text)));
const textOfCoseBytes = (cose: Uint8Array, level = 9): string => textOfZlib(new Uint8Array(deflateSync(cose, { level })));

function openCose(text: string): CoseOpen {
  let item = decodeCbor(coseBytesOf(text));
  const tags: number[] = [];
  while (item instanceof CborTag) {
    tags.push(item.tag);
    item = item.value;
  }
  if (!Array.isArray(item)) throw new Error('not a COSE array');
  return { tags, msg: [...item] };
}

function closeCose({ tags, msg }: CoseOpen): string {
  let item: unknown = msg;
  for (const tag of [...tags].reverse()) item = new CborTag(tag, item as CborValue);
  return textOfCoseBytes(encodeCbor(item));
}

/** Edits the decoded COSE_Sign1 of a DCC text and writes it back (recompressed, re-encoded). */
const coseEdit =
  (edit: (c: CoseOpen, r: Rand) => void): Mutator =>
  (t, r) => {
    const c = openCose(t);
    edit(c, r);
    return closeCose(c);
  };

const bytesAt = (c: CoseOpen, i: number): Uint8Array => need(c.msg[i] instanceof Uint8Array ? c.msg[i] : null, `bytes at ${i}`);
const mapOf = (v: CborValue | undefined): CborMap => need(v instanceof Map ? v : null, 'a map');
const protectedMap = (c: CoseOpen): CborMap => {
  const b = bytesAt(c, 0);
  return b.length === 0 ? new Map() : mapOf(decodeCbor(b));
};

/** Edits the CWT claims (the payload) and re-encodes them: the signature no longer covers them. */
function claimsEdit(edit: (cwt: CborMap, hcert: CborMap, r: Rand) => void): Mutator {
  return coseEdit((c, r) => {
    const cwt = mapOf(decodeCbor(bytesAt(c, 2)));
    const hcert = mapOf(mapOf(cwt.get(-260)).get(1));
    edit(cwt, hcert, r);
    c.msg[2] = encodeCbor(cwt);
  });
}

/** The signed bytes of a DCC text as an independent reader sees them: null when it has none. */
interface DccSigned {
  zlib: Uint8Array;
  cose: Uint8Array;
  tags: number[];
  protectedBytes: Uint8Array;
  unprotected: Uint8Array;
  payload: Uint8Array;
  signature: Uint8Array;
  sigStructure: Uint8Array;
}

/** A CBOR head, written by hand (the differential check does not lean on cbor.ts's encoder). */
function cborHead(major: number, n: number): Uint8Array {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
  return Uint8Array.of(m | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

/** RFC 9052 §4.4: ["Signature1", protected, external_aad = h'', payload]. */
function sigStructureOf(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  const context = te.encode('Signature1');
  return Uint8Array.from([
    ...cborHead(4, 4),
    ...cborHead(3, context.length),
    ...context,
    ...cborHead(2, protectedBytes.length),
    ...protectedBytes,
    ...cborHead(2, 0),
    ...cborHead(2, payload.length),
    ...payload,
  ]);
}

function dccSigned(text: string): DccSigned | null {
  try {
    const zlib = zlibOf(text);
    const cose = new Uint8Array(inflateSync(zlib));
    const { tags, msg } = openCose(text);
    const [p, u, payload, signature] = msg;
    if (msg.length !== 4 || !(p instanceof Uint8Array) || !(payload instanceof Uint8Array) || !(signature instanceof Uint8Array)) return null;
    return { zlib, cose, tags, protectedBytes: p, unprotected: encodeCbor(u), payload, signature, sigStructure: sigStructureOf(p, payload) };
  } catch {
    return null;
  }
}

// ——— SHC layers ———

const SHC_PREFIX = 'shc:/';

function jwsOf(text: string): string {
  const m = /^shc:\/((?:\d\d)+)$/.exec(text);
  const digits = need(m?.[1], 'shc:/ digits');
  let out = '';
  for (let i = 0; i < digits.length; i += 2) {
    const v = Number(digits.slice(i, i + 2));
    if (v > 77) throw new Error('pair over 77');
    out += String.fromCharCode(v + 45);
  }
  return out;
}
const textOfJws = (jws: string): string => SHC_PREFIX + shcNumeric(jws);

function jwsParts(text: string): [string, string, string] {
  const parts = jwsOf(text).split('.');
  if (parts.length !== 3) throw new Error('not a compact JWS');
  return parts as [string, string, string];
}
const joinJws = (h: string, p: string, s: string): string => textOfJws(`${h}.${p}.${s}`);
const segBytes = (seg: string): Uint8Array => need(decodeBase64url(seg), 'base64url');

function jsonOf(bytes: Uint8Array): Record<string, unknown> {
  const v: unknown = JSON.parse(td.decode(bytes));
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
  return v as Record<string, unknown>;
}

/** The signing input of an SHC text (ASCII header.payload), null when it is not one. */
function shcSigningInput(text: string): { input: string; signature: string } | null {
  try {
    const jws = jwsOf(text);
    const at = jws.lastIndexOf('.');
    return at < 0 ? null : { input: jws.slice(0, at), signature: jws.slice(at + 1) };
  } catch {
    return null;
  }
}

// ——— The world ———

let trust: TrustSnapshot;
let dscs: Record<'es' | 'ps' | 'testOnly' | 'de' | 'stranger', Dsc>;
let dccPool: string[];
let shcKeys: { k1: SigningKey; k2: SigningKey; k3: SigningKey; stranger: SigningKey };
let shcPool: string[];
/** The chunked card's parts, as scanned. */
let shcChunks: string[];

const hcertOf = (type: 'v' | 't' | 'r', over: Record<string, unknown> = {}): Record<string, unknown> => {
  const entries = {
    v: {
      v: [{ tg: '840539006', vp: 'J07BX03', mp: 'EU/1/20/1528', ma: 'ORG-100030215', dn: 2, sd: 2, dt: '2026-06-01', co: 'AT', is: 'BMSGPK', ci: 'URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B' }],
    },
    t: { t: [{ tg: '840539006', tt: 'LP6464-4', sc: '2026-11-28T10:00:00Z', tr: '260415000', tc: 'Wien', co: 'AT', is: 'BMSGPK', ci: 'URN:UVCI:01:AT:TEST0001#X' }] },
    r: { r: [{ tg: '840539006', fr: '2026-10-01', co: 'AT', is: 'BMSGPK', df: '2026-10-12', du: '2027-04-01', ci: 'URN:UVCI:01:AT:R1' }] },
  }[type];
  return { ver: '1.3.0', nam: { fn: 'Musterfrau-Gößinger', fnt: 'MUSTERFRAU<GOESSINGER', gn: 'Gabriele', gnt: 'GABRIELE' }, dob: '1964-08-12', ...entries, ...over };
};

function card(over: Record<string, unknown> = {}, vcOver: Record<string, unknown> = {}, entries = 1): Record<string, unknown> {
  const immunizations = Array.from({ length: entries }, (_, i) => ({ ...COMPLETED_IMMUNIZATION, occurrenceDateTime: `2026-0${1 + (i % 9)}-15`, lotNumber: `LOT${1000 + i}` }));
  const base = immunizationCard({ iss: ISS, nbf: T0 - DAY, patient: { family: 'Anyperson', given: ['Johnathan'], birthDate: '1951-01-20' }, immunizations });
  return { ...base, vc: { ...(base.vc as Record<string, unknown>), ...vcOver }, ...over };
}

beforeAll(async () => {
  const validity = { notBefore: T0 - YEAR, notAfter: T0 + YEAR };
  dscs = {
    es: makeDsc({ ...validity, country: 'AT' }),
    ps: makeDsc({ ...validity, country: 'AT', key: { type: 'rsa', bits: 2048 } }),
    testOnly: makeDsc({ ...validity, country: 'AT', ekus: [dccEkuOid('t')] }),
    de: makeDsc({ ...validity, country: 'DE' }),
    stranger: makeDsc({ ...validity, country: 'AT' }),
  };
  const [k1, k2, k3, stranger] = await Promise.all([newShcSigningKey(), newShcSigningKey(), newShcSigningKey(), newShcSigningKey()]);
  shcKeys = { k1, k2, k3, stranger };
  const root = await newSigningKey('ES256', 'fuzz-root');
  const roots = await readRootKeys(JSON.stringify(root.publicJwk), 'fuzz root');
  const issuers = [
    dccEntry({ id: 'DCC-AT', country: 'AT', name: { zh: '奥地利', en: 'Austria' }, certificates: [dscs.es.base64, dscs.ps.base64, dscs.testOnly.base64] }),
    dccEntry({ id: 'DCC-DE', country: 'DE', name: { zh: '德国', en: 'Germany' }, certificates: [dscs.de.base64] }),
    shcEntry({ iss: ISS, name: { zh: '示例', en: 'Example Health' }, keys: [k1, k2], crl: { [k1.kid]: ['revokedRid'] } }),
    shcEntry({ iss: OTHER_ISS, name: { zh: '其他', en: 'Other' }, keys: [k3] }),
  ];
  const bundle = await signBundle({ iss: 'CN-NHC', seq: 1, iat: T0 - DAY, exp: T0 + 30 * DAY, issuers }, root);
  trust = await verifyBundle(bundle, roots, { nowS: T0, installedSeq: null, allowExpired: false });

  const o = (d: Dsc, over: Partial<DccSignOptions> = {}): DccSignOptions => ({ iss: 'AT', iat: T0 - DAY, exp: T0 + YEAR, key: d.privateKey, kid: d.kidBytes, alg: d.alg, ...over });
  dccPool = [
    signDcc(hcertOf('v'), o(dscs.es)),
    signDcc(hcertOf('v'), o(dscs.ps)),
    signDcc(hcertOf('t'), o(dscs.testOnly)),
    signDcc(hcertOf('r'), o(dscs.es, { kidIn: 'unprotected' })),
    signDcc(hcertOf('t'), o(dscs.ps, { untagged: true })),
    signDcc(hcertOf('v', { nam: { fn: 'Mustermann', fnt: 'MUSTERMANN', gn: 'Erika', gnt: 'ERIKA' } }), o(dscs.de, { iss: 'DE' })),
  ];

  const big = await signShc(card({}, {}, 12), k1);
  shcChunks = chunkShc(big, 3);
  const joined = joinShcChunks([shcChunks[2]!, shcChunks[0]!, shcChunks[1]!]);
  if (!joined.ok) throw new Error('the chunked card does not join');
  shcPool = [
    await signShc(card({ exp: T0 + YEAR }, { rid: 'someRid' }), k1),
    await signShc(card({}, { type: [HEALTH_CARD, 'https://smarthealth.cards#laboratory'] }), k2),
    await signShc(card(), k1),
    await signShc(card({ iss: OTHER_ISS }), k3),
    joined.text,
  ];
});

const circumstances = (): Parameters<typeof decide>[1] => ({
  nowS: T0,
  policy: structuredClone(DEFAULT_POLICY),
  temperatureC: 36.6,
  trust: { iat: trust.info.iat, exp: trust.info.exp },
  timeFloorS: null,
  lastAdmittedS: null,
});

// ——— Mutators ———

function dccMutators(): Record<string, Mutator> {
  const kids = (): Uint8Array[] => Object.values(dscs).map((d) => d.kidBytes);
  const signatures = (): Uint8Array[] => dccPool.map((t) => dccSigned(t)!.signature);
  const splice = (i: number): Mutator =>
    coseEdit((c, r) => {
      c.msg[i] = openCose(pick(r, dccPool)).msg[i]!;
    });
  return {
    ...textMutators(DCC_PREFIX, B45, ['hc1:', 'HC1', 'HC2:', 'HC1:HC1:', ' HC1:', 'PHC1:', 'shc:/', 'HC1:\n', '']),
    // Base45 level: the ZLIB stream's bytes.
    zlibBytes: (t, r) => textOfZlib(byteEdit(zlibOf(t), r)),
    zlibBitFlip: (t, r) => textOfZlib(flipBit(zlibOf(t), r)),
    zlibHeader: (t, r) => {
      const z = zlibOf(t).slice();
      z[int(r, 2)] = int(r, 256);
      return textOfZlib(z);
    },
    zlibTrailing: (t, r) => textOfZlib(Uint8Array.from([...zlibOf(t), ...randomBytes(r, 1 + int(r, 8))])),
    // Other compressions of the same COSE bytes: another level is an equivalent stream; the rest are not ZLIB.
    recompress: (t, r) => {
      const cose = coseBytesOf(t);
      switch (int(r, 5)) {
        case 0:
          return textOfZlib(new Uint8Array(deflateRawSync(cose)));
        case 1:
          return textOfZlib(new Uint8Array(gzipSync(cose)));
        case 2:
          return textOfZlib(cose);
        default:
          return textOfCoseBytes(cose, int(r, 9));
      }
    },
    // COSE bytes, decompressed, edited, recompressed.
    coseBytes: (t, r) => textOfCoseBytes(byteEdit(coseBytesOf(t), r)),
    coseBitFlip: (t, r) => textOfCoseBytes(flipBit(coseBytesOf(t), r)),
    protectedBytes: coseEdit((c, r) => {
      c.msg[0] = byteEdit(bytesAt(c, 0), r);
    }),
    payloadBytes: coseEdit((c, r) => {
      c.msg[2] = byteEdit(bytesAt(c, 2), r);
    }),
    signature: coseEdit((c, r) => {
      c.msg[3] = signatureEdit(bytesAt(c, 3), r, signatures());
    }),
    alg: coseEdit((c, r) => {
      const p = protectedMap(c);
      const alg = pick<CborValue>(r, [-7, -37, -35, -36, -38, -39, -8, -257, -259, 0, 1, 7, 37, 'ES256', null, 1.5, -(2n ** 64n)]);
      if (r() < 0.2) p.delete(1);
      else p.set(1, alg);
      c.msg[0] = encodeCbor(p);
    }),
    algUnprotected: coseEdit((c, r) => {
      const u = mapOf(c.msg[1]);
      u.set(1, pick<CborValue>(r, [-7, -37, -35, -8, 0]));
      if (r() < 0.5) {
        // The alg only where nothing signs it.
        const p = protectedMap(c);
        p.delete(1);
        c.msg[0] = encodeCbor(p);
      }
    }),
    kid: coseEdit((c, r) => {
      const p = protectedMap(c);
      const u = mapOf(c.msg[1]);
      const where = p.has(4) ? p : u;
      const kid = where.get(4) instanceof Uint8Array ? (where.get(4) as Uint8Array) : new Uint8Array(8);
      const next = pick<() => CborValue>(r, [
        () => flipBit(kid, r),
        () => kid.slice(0, 7),
        () => Uint8Array.from([...kid, 0]),
        () => pick(r, kids()),
        () => Buffer.from(kid).toString('base64'),
        () => new Uint8Array(0),
        () => null,
      ])();
      where.set(4, next);
      if (r() < 0.3) where.delete(4);
      c.msg[0] = encodeCbor(p);
    }),
    kidMove: coseEdit((c, r) => {
      const p = protectedMap(c);
      const u = mapOf(c.msg[1]);
      const kid = p.get(4) ?? u.get(4);
      if (r() < 0.5) {
        p.delete(4);
        u.set(4, need(kid, 'a kid'));
      } else {
        u.delete(4);
        p.set(4, need(kid, 'a kid'));
      }
      // Sometimes a second, different kid where it is not read.
      if (r() < 0.3) (p.has(4) ? u : p).set(4, pick(r, kids()));
      c.msg[0] = encodeCbor(p);
    }),
    protectedOther: coseEdit((c, r) => {
      const p = protectedMap(c);
      const edit = int(r, 5);
      if (edit === 0)
        p.set(2, [99]); // crit
      else if (edit === 1) p.set(99, 'x');
      else if (edit === 2) p.set(3, 'application/cwt'); // content type
      if (edit === 3) c.msg[0] = new Uint8Array(0);
      else if (edit === 4) c.msg[0] = encodeCbor([1, -7]);
      else c.msg[0] = encodeCbor(p);
    }),
    unprotectedOther: coseEdit((c, r) => {
      const u = mapOf(c.msg[1]);
      u.set(pick<CborValue>(r, [99, 'x', -1, 33]), pick<CborValue>(r, [new Uint8Array(3), 'y', 0]));
    }),
    claimIss: claimsEdit((cwt, _h, r) => {
      if (r() < 0.15) cwt.delete(1);
      else cwt.set(1, pick<CborValue>(r, ['AT', 'DE', 'FR', 'XX', 'at', '', 'AUT', 42, 'x'.repeat(300)]));
    }),
    claimTimes: claimsEdit((cwt, _h, r) => {
      const label = pick(r, [4, 6]);
      const v = cwt.get(label);
      const edit = int(r, 4);
      if (edit === 0) cwt.delete(label);
      else if (edit === 1) cwt.set(label, (typeof v === 'number' ? v : T0) + 1 + int(r, YEAR));
      else if (edit === 2) cwt.set(label, -1);
      else cwt.set(label, String(v));
    }),
    claimHcert: claimsEdit((_c, h, r) => {
      const type = ['v', 't', 'r'].find((k) => h.get(k) !== undefined) ?? 'v';
      const entry = Array.isArray(h.get(type)) ? mapOf((h.get(type) as CborValue[])[0]) : new Map<CborValue, CborValue>();
      switch (int(r, 8)) {
        case 0: {
          const to = pick(
            r,
            ['v', 't', 'r'].filter((k) => k !== type),
          );
          h.set(to, h.get(type)!);
          h.delete(type);
          break;
        }
        case 1:
          h.set(pick(r, ['v', 't', 'r']), [new Map([['ci', 'URN:UVCI:X']])]);
          break;
        case 2:
          entry.set('tr', '260373001');
          break;
        case 3:
          entry.set('ci', `${String(entry.get('ci'))}X`);
          break;
        case 4:
          mapOf(h.get('nam')).set('fn', 'Mallory');
          break;
        case 5:
          h.delete(pick(r, ['nam', 'dob', 'ver']));
          break;
        case 6:
          entry.set('dn', 3);
          break;
        default:
          h.set('dob', '2001-01-01');
      }
    }),
    coseShape: coseEdit((c, r) => {
      switch (int(r, 8)) {
        case 0:
          c.tags = [];
          break;
        case 1:
          c.tags = [61, 18];
          break;
        case 2:
          c.tags = [pick(r, [17, 98, 61, 96, 24])];
          break;
        case 3:
          c.msg.pop();
          break;
        case 4:
          c.msg.push(new Uint8Array(0));
          break;
        case 5:
          c.msg[2] = null;
          break;
        case 6:
          c.msg[1] = encodeCbor(new Map());
          break;
        default: {
          const i = int(r, 4);
          const j = int(r, 4);
          [c.msg[i], c.msg[j]] = [c.msg[j]!, c.msg[i]!];
        }
      }
    }),
    spliceProtected: splice(0),
    spliceUnprotected: splice(1),
    splicePayload: splice(2),
    spliceSignature: splice(3),
  };
}

function shcMutators(): Record<string, Mutator> {
  const kidOf = (t: string): string => String(jsonOf(segBytes(jwsParts(t)[0])).kid);
  const signatures = (): Uint8Array[] => shcPool.map((t) => segBytes(jwsParts(t)[2]));
  const editHeader = (edit: (h: Record<string, unknown>, r: Rand) => void): Mutator => {
    return (t, r) => {
      const [h, p, s] = jwsParts(t);
      const header = jsonOf(segBytes(h));
      edit(header, r);
      return joinJws(encodeBase64url(te.encode(JSON.stringify(header))), p, s);
    };
  };
  const editPayload = (edit: (body: Record<string, unknown>, r: Rand) => void): Mutator => {
    return (t, r) => {
      const [h, p, s] = jwsParts(t);
      const body = jsonOf(new Uint8Array(inflateRawSync(segBytes(p))));
      edit(body, r);
      return joinJws(h, encodeBase64url(new Uint8Array(deflateRawSync(te.encode(JSON.stringify(body)), { level: 9 }))), s);
    };
  };
  const vcOf = (body: Record<string, unknown>): Record<string, unknown> => need(body.vc as Record<string, unknown> | undefined, 'a vc');
  const digits = '0123456789';
  return {
    ...textMutators(SHC_PREFIX, digits, ['SHC:/', 'shc:', 'shc://', 'shc:/1/2/', 'shc:/0', ' shc:/', 'HC1:', 'shc:/\n', '']),
    // Numeric level: the digits, two per JWS character.
    digit: (t, r) => {
      const i = SHC_PREFIX.length + int(r, t.length - SHC_PREFIX.length);
      return t.slice(0, i) + pick(r, [...digits.replace(t[i]!, '')]) + t.slice(i + 1);
    },
    pairOver77: (t, r) => {
      const pairs = (t.length - SHC_PREFIX.length) >> 1;
      const i = SHC_PREFIX.length + 2 * int(r, pairs);
      return t.slice(0, i) + String(78 + int(r, 22)) + t.slice(i + 2);
    },
    pairSwap: (t, r) => {
      const pairs = (t.length - SHC_PREFIX.length) >> 1;
      const i = SHC_PREFIX.length + 2 * int(r, pairs - 1);
      return t.slice(0, i) + t.slice(i + 2, i + 4) + t.slice(i, i + 2) + t.slice(i + 4);
    },
    pairInsertDelete: (t, r) => {
      const pairs = (t.length - SHC_PREFIX.length) >> 1;
      const i = SHC_PREFIX.length + 2 * int(r, pairs);
      return r() < 0.5 ? t.slice(0, i) + String(int(r, 78)).padStart(2, '0') + t.slice(i) : t.slice(0, i) + t.slice(i + 2);
    },
    // JWS level.
    headerAlg: editHeader((h, r) => {
      if (r() < 0.15) delete h.alg;
      else h.alg = pick(r, ['none', 'HS256', 'ES384', 'RS256', 'PS256', 'EdDSA', 'ES256K', 'es256', 'ES256', 256]);
    }),
    headerZip: editHeader((h, r) => {
      if (r() < 0.3) delete h.zip;
      else h.zip = pick(r, ['def', 'GZIP', 'DEF ', '', 'DEF', 1]);
    }),
    headerKid: editHeader((h, r) => {
      const kid = typeof h.kid === 'string' ? h.kid : '';
      const k = shcKeys;
      if (r() < 0.1) delete h.kid;
      else h.kid = pick<unknown>(r, [k.k1.kid, k.k2.kid, k.k3.kid, k.stranger.kid, '', 'x'.repeat(200), 42, kid.slice(1), kid.toLowerCase(), `${kid}A`]);
    }),
    headerOther: editHeader((h, r) => {
      const edit = int(r, 6);
      if (edit === 0) h.crit = ['b64'];
      else if (edit === 1) h.b64 = false;
      else if (edit === 2) h.jwk = shcKeys.stranger.publicJwk;
      else if (edit === 3) h.typ = 'JWT';
      else if (edit === 4) h.jku = 'https://attacker.example/jwks';
      else {
        // The same members in another order: other bytes, so another signing input.
        const entries = Object.entries(h).reverse();
        for (const key of Object.keys(h)) delete h[key];
        Object.assign(h, Object.fromEntries(entries));
      }
    }),
    headerBytes: (t, r) => {
      const [h, p, s] = jwsParts(t);
      return joinJws(encodeBase64url(byteEdit(segBytes(h), r)), p, s);
    },
    payloadClaims: editPayload((body, r) => {
      switch (int(r, 9)) {
        case 0:
          body.iss = pick(r, [ISS, OTHER_ISS, 'https://attacker.example', 'http://health.example.org/issuer', `${ISS}/`, 42]);
          break;
        case 1:
          body.nbf = (body.nbf as number) - 1 - int(r, YEAR);
          break;
        case 2:
          body.exp = T0 + 1 + int(r, YEAR);
          break;
        case 3:
          vcOf(body).type = ['https://smarthealth.cards#immunization'];
          break;
        case 4:
          vcOf(body).rid = pick(r, ['revokedRid', 'otherRid', '', 'x'.repeat(30)]);
          break;
        case 5:
          delete body[pick(r, ['iss', 'nbf', 'vc'])];
          break;
        case 6:
          body.nbf = (body.nbf as number) * 1000;
          break;
        case 7:
          body.extra = true;
          break;
        default: {
          const subject = need(vcOf(body).credentialSubject as Record<string, unknown> | undefined, 'a subject');
          subject.fhirVersion = '1.0.0';
        }
      }
    }),
    payloadRedeflate: (t, r) => {
      // The same JSON, compressed otherwise (or not at all): the signature covers the compressed bytes.
      const [h, p, s] = jwsParts(t);
      const json = new Uint8Array(inflateRawSync(segBytes(p)));
      const choice = int(r, 4);
      const bytes =
        choice === 0
          ? json
          : choice === 1
            ? new Uint8Array(deflateSync(json))
            : choice === 2
              ? new Uint8Array(deflateRawSync(Uint8Array.from([0xef, 0xbb, 0xbf, ...json])))
              : new Uint8Array(deflateRawSync(json, { level: int(r, 9) }));
      return joinJws(h, encodeBase64url(bytes), s);
    },
    payloadBytes: (t, r) => {
      const [h, p, s] = jwsParts(t);
      return joinJws(h, encodeBase64url(byteEdit(segBytes(p), r)), s);
    },
    signature: (t, r) => {
      const [h, p, s] = jwsParts(t);
      return joinJws(h, p, encodeBase64url(signatureEdit(segBytes(s), r, signatures())));
    },
    segments: (t, r) => {
      const [h, p, s] = jwsParts(t);
      return textOfJws(pick(r, [`${p}.${h}.${s}`, `${h}.${s}.${p}`, `${h}.${p}`, `${h}.${p}.${s}.${s}`, `${h}..${s}`, `${h}.${p}.`, `.${p}.${s}`]));
    },
    splice: (t, r) => {
      const [h, p, s] = jwsParts(t);
      const [h2, p2, s2] = jwsParts(pick(r, shcPool));
      return pick(r, [joinJws(h2, p, s), joinJws(h, p2, s), joinJws(h, p, s2), joinJws(h2, p2, s), joinJws(h, p2, s2)]);
    },
    kidOfAnother: (t, r) => {
      // The header of a card signed by another key, whole: right shape, wrong key for these bytes.
      const other = pick(
        r,
        shcPool.filter((c) => kidOf(c) !== kidOf(t)),
      );
      const [, p, s] = jwsParts(t);
      return joinJws(jwsParts(other)[0], p, s);
    },
    // Chunk level: the parts as scanned, one edited, then joined as the kiosk joins them.
    chunks: (t, r) => {
      const n = 2 + int(r, 3);
      const parts = chunkShc(t, n);
      const i = int(r, n);
      const m = /^(shc:\/\d+\/\d+\/)(\d+)$/.exec(parts[i]!)!;
      switch (int(r, 6)) {
        case 0: {
          const body = m[2]!;
          const j = int(r, body.length);
          parts[i] = m[1]! + body.slice(0, j) + pick(r, [...digits]) + body.slice(j + 1);
          break;
        }
        case 1:
          parts[i] = `shc:/${pick(r, ['0', String(n + 1), String(i + 1).padStart(2, '0'), String(1 + ((i + 1) % n))])}/${n}/${m[2]!}`;
          break;
        case 2:
          parts[i] = `shc:/${i + 1}/${pick(r, [String(n + 1), '1', '21', String(n - 1)])}/${m[2]!}`;
          break;
        case 3:
          parts.splice(i, 1);
          break;
        case 4: {
          const j = (i + 1) % n;
          const bodyJ = parts[j]!.replace(/^shc:\/\d+\/\d+\//, '');
          parts[j] = parts[j]!.replace(bodyJ, m[2]!);
          parts[i] = m[1]! + bodyJ;
          break;
        }
        default:
          parts.push(pick(r, shcChunks));
      }
      const joined = joinShcChunks(parts);
      // An incomplete or contradictory set never reaches the verifier whole: a lone part is what it would see.
      return joined.ok ? joined.text : parts[Math.min(i, parts.length - 1)]!;
    },
  };
}

// ——— The runs ———

interface Run {
  tally: Record<string, number>;
  /** Where the refused texts failed, when the format names its stages (DCC). */
  stages: Record<string, number>;
  equivalent: Record<string, number>;
  attempts: number;
  slowestMs: number;
}

async function fuzz(
  pool: readonly string[],
  mutators: Record<string, Mutator>,
  equivalence: (text: string) => string | null,
  seed: number,
  stageOf?: (text: string) => Promise<string | null>,
): Promise<Run> {
  const r = prng(seed);
  const names = Object.keys(mutators);
  const tally: Record<string, number> = {};
  const stages: Record<string, number> = {};
  const equivalent: Record<string, number> = {};
  let attempts = 0;
  let slowestMs = 0;
  let done = 0;
  while (done < ITERATIONS) {
    attempts++;
    const original = pick(r, pool);
    let text = original;
    const applied: string[] = [];
    for (let k = 1 + int(r, 3); k > 0; k--) {
      const name = pick(r, names);
      try {
        text = mutators[name]!(text, r);
        applied.push(name);
      } catch {
        // A mutator that needs a layer the mutated text no longer has: stop stacking.
        break;
      }
    }
    if (applied.length === 0 || pool.includes(text)) continue;
    const started = performance.now();
    let v: CodeVerification;
    try {
      v = await verifyCode(text, trust);
    } catch (err) {
      throw new Error(`verifyCode threw on ${applied.join('+')}: ${JSON.stringify(text)}`, { cause: err });
    }
    slowestMs = Math.max(slowestMs, performance.now() - started);
    const d = decide(v, circumstances());
    if (v.outcome === 'verified' || d.verdict === 'admit') {
      const why = equivalence(text);
      if (why === null) throw new Error(`mutation ${applied.join('+')} was ${v.outcome}, ${d.verdict}: ${JSON.stringify(text)}`);
      equivalent[why] = (equivalent[why] ?? 0) + 1;
      continue;
    }
    expect(d.reasons.length).toBeGreaterThan(0);
    for (const reason of d.reasons) tally[reason.code] = (tally[reason.code] ?? 0) + 1;
    const stage = stageOf ? await stageOf(text) : null;
    if (stage !== null) stages[stage] = (stages[stage] ?? 0) + 1;
    done++;
  }
  return { tally, stages, equivalent, attempts, slowestMs };
}

/** Why a verified DCC text is not a forgery (null: it is one). */
function dccEquivalence(text: string): string | null {
  const m = dccSigned(text);
  if (!m) return null;
  const original = dccPool.map((t) => dccSigned(t)!).find((o) => same(o.sigStructure, m.sigStructure));
  if (!original) return null;
  if (same(original.cose, m.cose)) return same(original.zlib, m.zlib) ? 'identical' : 'another ZLIB stream of the same COSE bytes';
  const why: string[] = [];
  if (original.tags.join() !== m.tags.join()) why.push(`COSE tags [${original.tags.join()}] → [${m.tags.join()}]`);
  if (!same(original.unprotected, m.unprotected)) why.push('unprotected header edited');
  if (!same(original.signature, m.signature)) why.push(same(highS(original.signature), m.signature) ? 'ECDSA twin signature (r, n−s)' : 'another signature over the same bytes');
  return why.join('; ') || 'the COSE bytes re-encoded';
}

/** Why a verified SHC text is not a forgery (null: it is one). */
function shcEquivalence(text: string): string | null {
  const m = shcSigningInput(text);
  if (!m) return null;
  const original = shcPool.map((t) => shcSigningInput(t)!).find((o) => o.input === m.input);
  if (!original) return null;
  if (original.signature === m.signature) return 'identical JWS';
  return same(highS(segBytes(original.signature)), segBytes(m.signature)) ? 'ECDSA twin signature (r, n−s)' : 'another signature over the same signing input';
}

function report(format: string, run: Run): void {
  const sorted = Object.fromEntries(Object.entries(run.tally).sort(([, a], [, b]) => b - a));
  console.log(
    `${format} fuzz (seed ${SEED}): ${ITERATIONS} mutations refused in ${run.attempts} attempts; slowest verify ${run.slowestMs.toFixed(1)} ms\n` +
      `  reasons: ${JSON.stringify(sorted)}\n` +
      (Object.keys(run.stages).length > 0 ? `  failed at stage: ${JSON.stringify(run.stages)}\n` : '') +
      `  verified re-encodings of an original's signed bytes (not forgeries): ${JSON.stringify(run.equivalent)}`,
  );
}

describe('format-aware mutation fuzz (DCC, SHC)', () => {
  it(`${ITERATIONS} mutations of valid DCCs: none admitted, none forged, none throws (seed ${SEED})`, async () => {
    const run = await fuzz(dccPool, dccMutators(), dccEquivalence, SEED, async (text) => (text.startsWith(DCC_PREFIX) ? (await dccStages(text, trust)).failedAt : null));
    report('DCC', run);
    expect(run.slowestMs).toBeLessThan(1000);
    // Every stage a forgery could be stopped at (key-usage needs a genuine signature: no mutation reaches it).
    for (const stage of ['base45', 'compression', 'cose', 'cwt', 'alg', 'key', 'signature']) expect(run.stages[stage] ?? 0, `stage ${stage}`).toBeGreaterThan(20);
    for (const stage of ['MALFORMED', 'UNSUPPORTED_ALG', 'BAD_SIGNATURE']) expect(run.tally[stage] ?? 0, stage).toBeGreaterThan(20);
    expect((run.tally.UNKNOWN_KEY ?? 0) + (run.tally.UNKNOWN_ISSUER ?? 0), 'UNKNOWN_KEY or UNKNOWN_ISSUER').toBeGreaterThan(20);
  });

  it(`${ITERATIONS} mutations of valid SHCs (single and a chunked card joined): none admitted, none forged, none throws (seed ${SEED})`, async () => {
    const run = await fuzz(shcPool, shcMutators(), shcEquivalence, SEED + 1);
    report('SHC', run);
    expect(run.slowestMs).toBeLessThan(1000);
    expect((run.tally.NOT_PHC ?? 0) + (run.tally.MALFORMED ?? 0), 'NOT_PHC or MALFORMED').toBeGreaterThan(20);
    for (const stage of ['UNSUPPORTED_ALG', 'UNKNOWN_KEY', 'BAD_SIGNATURE']) expect(run.tally[stage] ?? 0, stage).toBeGreaterThan(20);
  });

  it('the unmutated codes are admitted, and independent verifiers agree (jose for SHC, node:crypto over the Sig_structure for DCC)', async () => {
    for (const text of dccPool) {
      const v = await verifyCode(text, trust);
      expect(v.outcome, text).toBe('verified');
      expect(decide(v, circumstances()).verdict).toBe('admit');
      const m = dccSigned(text)!;
      const dsc = Object.values(dscs).find((d) => d.kid === v.kid)!;
      const key = new X509Certificate(dsc.der).publicKey;
      const ok =
        v.alg === 'ES256'
          ? nodeVerify('sha256', m.sigStructure, { key, dsaEncoding: 'ieee-p1363' }, m.signature)
          : nodeVerify('sha256', m.sigStructure, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, m.signature);
      expect(ok, `${v.alg} ${text}`).toBe(true);
    }
    expect(joinShcChunks(shcChunks)).toEqual({ ok: true, text: shcPool[4] });
    for (const text of shcPool) {
      const v = await verifyCode(text, trust);
      expect(v.outcome, text).toBe('verified');
      expect(decide(v, circumstances()).verdict).toBe('admit');
      const signer = Object.values(shcKeys).find((k) => k.kid === v.kid)!;
      const key = await importJWK({ kty: 'EC', crv: 'P-256', x: signer.publicJwk.x, y: signer.publicJwk.y }, 'ES256');
      const { protectedHeader } = await compactVerify(jwsOf(text), key, { algorithms: ['ES256'] });
      expect(protectedHeader).toMatchObject({ alg: 'ES256', zip: 'DEF', kid: v.kid });
    }
  });
});
