// The issuing side of the EU DCC, for tests, benchmarks and the demo: a
// Document Signer Certificate made here (a minimal self-signed X.509 v3,
// written out in DER), codes signed with it, and the bundle entry that
// lists it. The kiosk never signs; it verifies with main/verify/formats/dcc.ts.
import { constants, generateKeyPairSync, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { FORMAT_PREFIXES, type DccType } from '../contract/code.js';
import { encodeBase45 } from '../verify/base45.js';
import { CborTag, encodeCbor, type CborEncodable } from '../verify/cbor.js';
import { dscKid } from '../verify/formats/dcc-trust.js';

// ——— DER, just enough for a certificate ———

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concat(content);
  return concat([Uint8Array.from([tag, ...derLength(body.length)]), body]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const seq = (...c: Uint8Array[]): Uint8Array => tlv(0x30, ...c);
const set = (...c: Uint8Array[]): Uint8Array => tlv(0x31, ...c);
const octets = (b: Uint8Array): Uint8Array => tlv(0x04, b);
const bitString = (b: Uint8Array): Uint8Array => tlv(0x03, Uint8Array.of(0), b);
const explicit = (n: number, c: Uint8Array): Uint8Array => tlv(0xa0 | n, c);

function derInt(value: Uint8Array | number): Uint8Array {
  let b = typeof value === 'number' ? Uint8Array.of(value) : value;
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && (b[i + 1]! & 0x80) === 0) i++;
  b = b.subarray(i);
  return tlv(0x02, b[0]! & 0x80 ? concat([Uint8Array.of(0), b]) : b);
}

function oid(dotted: string): Uint8Array {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const body = [a! * 40 + b!];
  for (const arc of rest) {
    const groups: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    body.push(...groups);
  }
  return tlv(0x06, Uint8Array.from(body));
}

const utf8 = (s: string): Uint8Array => tlv(0x0c, new TextEncoder().encode(s));
const printable = (s: string): Uint8Array => tlv(0x13, new TextEncoder().encode(s));

/** UTCTime before 2050, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function derTime(seconds: number): Uint8Array {
  const iso = new Date(seconds * 1000).toISOString();
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  const year = Number(iso.slice(0, 4));
  return year < 2050 ? tlv(0x17, new TextEncoder().encode(digits.slice(2) + 'Z')) : tlv(0x18, new TextEncoder().encode(digits + 'Z'));
}

function name(country: string, commonName: string): Uint8Array {
  return seq(set(seq(oid('2.5.4.6'), printable(country))), set(seq(oid('2.5.4.3'), utf8(commonName))));
}

/** The eHealth Network's key usages (formats.md §2); alternate = the `.0.` spelling some countries use. */
export function dccEkuOid(type: DccType, alternate = false): string {
  const n = { t: 1, v: 2, r: 3 }[type];
  return alternate ? `1.3.6.1.4.1.0.1847.2021.1.${n}` : `1.3.6.1.4.1.1847.2021.1.${n}`;
}

// ——— Keys and certificates ———

export type DscKeySpec = { type: 'ec'; curve?: 'P-256' | 'P-384' } | { type: 'rsa'; bits?: number };

export interface Dsc {
  /** The certificate, DER, and as a bundle lists it (standard base64). */
  der: Uint8Array;
  base64: string;
  /** Its kid: standard base64 of the first 8 bytes of the SHA-256 of the DER. */
  kid: string;
  kidBytes: Uint8Array;
  privateKey: KeyObject;
  /** What it signs with by default: ES256 for EC keys, PS256 for RSA. */
  alg: 'ES256' | 'PS256';
}

export interface DscOptions {
  key?: DscKeySpec;
  country?: string;
  commonName?: string;
  /** Validity, seconds. */
  notBefore: number;
  notAfter: number;
  /** Extended key usage OIDs (dccEkuOid); none → no extension. */
  ekus?: string[];
}

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

/** A new key pair and a self-signed DSC for it. */
export function makeDsc(opts: DscOptions): Dsc {
  const spec = opts.key ?? { type: 'ec' };
  const { privateKey, publicKey } =
    spec.type === 'ec' ? generateKeyPairSync('ec', { namedCurve: spec.curve === 'P-384' ? 'secp384r1' : 'prime256v1' }) : generateKeyPairSync('rsa', { modulusLength: spec.bits ?? 2048 });
  const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
  // The certificate's own signature: plain ECDSA or PKCS#1 v1.5 keeps the DER small; only the codes need PSS.
  const sigAlg = spec.type === 'ec' ? seq(oid(ECDSA_SHA256)) : seq(oid(SHA256_WITH_RSA), tlv(0x05));
  const subject = name(opts.country ?? 'XX', opts.commonName ?? 'Sentinel test DSC');
  const extensions = opts.ekus?.length ? [explicit(3, seq(seq(oid('2.5.29.37'), octets(seq(...opts.ekus.map(oid))))))] : [];
  const tbs = seq(explicit(0, derInt(2)), derInt(concat([Uint8Array.of(1), randomBytes(15)])), sigAlg, subject, seq(derTime(opts.notBefore), derTime(opts.notAfter)), subject, spki, ...extensions);
  const signature = new Uint8Array(nodeSign('sha256', tbs, privateKey));
  const der = seq(tbs, sigAlg, bitString(signature));
  const kid = dscKid(der);
  const kidBytes = Uint8Array.from(atob(kid), (c) => c.charCodeAt(0));
  return { der, base64: btoa(String.fromCharCode(...der)), kid, kidBytes, privateKey, alg: spec.type === 'ec' ? 'ES256' : 'PS256' };
}

// ——— Codes ———

export interface DccSignOptions {
  /** The issuing country (CWT claim 1). */
  iss: string;
  iat: number;
  exp: number;
  key: KeyObject;
  /** The 8-byte kid; omitted → no kid at all. */
  kid?: Uint8Array;
  alg: 'ES256' | 'PS256';
  /** Where the kid goes (formats.md §2: protected first, else unprotected). Default protected. */
  kidIn?: 'protected' | 'unprotected';
  /** Overrides the COSE alg label (-7 / -37), for negative tests. */
  coseAlg?: number;
  /** Extra claims or replaced ones (Map keys are CWT labels), for negative tests. */
  claims?: Map<number, CborEncodable>;
  /** Signs these payload bytes instead of the encoded claims (negative tests: trailing bytes, bad CBOR). */
  rawPayload?: Uint8Array;
  /** Without COSE tag 18 (it is optional). Default tagged. */
  untagged?: boolean;
}

/** The COSE signature bytes for a Sig_structure: raw r||s for ES256, PSS (salt 32) for PS256. */
function signBytes(alg: 'ES256' | 'PS256', key: KeyObject, data: Uint8Array): Uint8Array {
  if (alg === 'ES256') return new Uint8Array(nodeSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }));
  return new Uint8Array(nodeSign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }));
}

/** The COSE_Sign1 (tag 18) of an hcert, before compression. */
export function signDccCose(hcert: Record<string, unknown>, o: DccSignOptions): Uint8Array {
  const claims = new Map<number, CborEncodable>([
    [1, o.iss],
    [4, o.exp],
    [6, o.iat],
    [-260, new Map([[1, hcert as CborEncodable]])],
  ]);
  for (const [k, v] of o.claims ?? []) claims.set(k, v);
  const payload = o.rawPayload ?? encodeCbor(claims);
  const protectedMap = new Map<number, CborEncodable>([[1, o.coseAlg ?? (o.alg === 'ES256' ? -7 : -37)]]);
  const unprotectedMap = new Map<number, CborEncodable>();
  if (o.kid) (o.kidIn === 'unprotected' ? unprotectedMap : protectedMap).set(4, o.kid);
  const protectedBytes = encodeCbor(protectedMap);
  const toBeSigned = encodeCbor(['Signature1', protectedBytes, new Uint8Array(0), payload]);
  const signature = signBytes(o.alg, o.key, toBeSigned);
  const message = [protectedBytes, unprotectedMap, payload, signature];
  return encodeCbor(o.untagged ? message : new CborTag(18, message));
}

/** Compresses and encodes COSE bytes as a scanned text: `HC1:` + Base45(ZLIB(cose)). */
export function dccText(cose: Uint8Array): string {
  return FORMAT_PREFIXES.dcc + encodeBase45(new Uint8Array(deflateSync(cose, { level: 9 })));
}

/** A signed DCC as its QR text. */
export function signDcc(hcert: Record<string, unknown>, o: DccSignOptions): string {
  return dccText(signDccCose(hcert, o));
}

/** A trust bundle's `dcc` entry (formats.md §2). */
export function dccEntry(e: { id: string; country: string; name?: { zh: string; en: string }; certificates: string[]; revoked?: string[] }): Record<string, unknown> {
  return { id: e.id, format: 'dcc', country: e.country, ...(e.name ? { name: e.name } : {}), certificates: e.certificates, revoked: e.revoked ?? [] };
}
