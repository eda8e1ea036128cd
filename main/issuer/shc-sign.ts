// The issuing side of SMART Health Cards, for the tests, the benchmarks and
// the demo: a card is minified JSON, raw-DEFLATEd, signed as a compact JWS
// (ES256, zip DEF, kid = the key's RFC 7638 thumbprint) and written as
// `shc:/` digits. The kiosk itself never signs a card.
import { deflateRawSync } from 'node:zlib';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { IssuerName } from '../contract/code.js';
import { encodeBase64url } from '../verify/base64url.js';
import { signingKeyFromJwk, type SigningKey } from './sign.js';

const encoder = new TextEncoder();

/** A new ES256 issuer key whose kid is its thumbprint, as SMART requires. */
export async function newShcSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  return { kid, alg: 'ES256', privateKey, publicJwk: { ...pub, kid, alg: 'ES256', use: 'sig' } };
}

/** An issuer key from a private JWK (the SMART spec's published example key, in tests). */
export function shcSigningKeyFromJwk(jwk: JWK): Promise<SigningKey> {
  return signingKeyFromJwk(jwk);
}

/**
 * A compact JWS over exactly these header and payload bytes: for fixtures
 * whose form is wrong on purpose (no zip, a BOM, a broken DEFLATE) but whose
 * signature is genuine. The payload is signed as given, not compressed.
 */
export async function signShcJws(header: Record<string, unknown>, payload: Uint8Array, key: SigningKey): Promise<string> {
  const signingInput = `${encodeBase64url(encoder.encode(JSON.stringify(header)))}.${encodeBase64url(payload)}`;
  // WebCrypto's ECDSA signature is already the JWS form, r||s (64 bytes).
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, encoder.encode(signingInput));
  return `${signingInput}.${encodeBase64url(new Uint8Array(signature))}`;
}

/** Raw DEFLATE (no zlib header), as `zip: DEF` means. */
export function deflateShcPayload(json: string | Uint8Array): Uint8Array {
  return new Uint8Array(deflateRawSync(typeof json === 'string' ? encoder.encode(json) : json, { level: 9 }));
}

/** A JWS's characters as QR numeric digits: each character, minus 45, in two digits. */
export function shcNumeric(jws: string): string {
  let digits = '';
  for (const ch of jws) {
    const v = ch.charCodeAt(0) - 45;
    if (v < 0 || v > 77) throw new Error(`"${ch}" cannot be written in shc numeric form`);
    digits += String(v).padStart(2, '0');
  }
  return digits;
}

/** A signed card: `shc:/` and the digits of its JWS. */
export async function signShc(payload: Record<string, unknown>, key: SigningKey): Promise<string> {
  if (key.alg !== 'ES256') throw new Error('SMART Health Cards are signed with ES256');
  const jws = await signShcJws({ zip: 'DEF', alg: 'ES256', kid: key.kid }, deflateShcPayload(JSON.stringify(payload)), key);
  return 'shc:/' + shcNumeric(jws);
}

/**
 * A card split into n QR texts `shc:/i/n/…`, as the SMART spec's (deprecated)
 * chunking does: the JWS divided into n parts of nearly equal length, each
 * written in numeric form on its own.
 */
export function chunkShc(text: string, n: number): string[] {
  const m = /^shc:\/((?:\d\d)+)$/.exec(text);
  if (!m) throw new Error('not an unchunked shc:/ text');
  const jwsChars = m[1]!.length / 2;
  if (!Number.isInteger(n) || n < 2 || n > jwsChars) throw new Error(`cannot split ${jwsChars} characters into ${n} parts`);
  const size = Math.ceil(jwsChars / n);
  const chunks: string[] = [];
  for (let i = 0; i < n; i++) {
    const part = m[1]!.slice(i * size * 2, (i + 1) * size * 2);
    if (part.length === 0) throw new Error(`cannot split ${jwsChars} characters into ${n} non-empty parts`);
    chunks.push(`shc:/${i + 1}/${n}/${part}`);
  }
  return chunks;
}

export interface ShcEntryInput {
  iss: string;
  name?: IssuerName;
  keys: readonly SigningKey[];
  /** Revoked rids by kid: `rid` or `rid.timestamp`. */
  crl?: Record<string, string[]>;
}

/** The trust bundle entry for an SMART issuer (formats.md §3): public keys only. */
export function shcEntry({ iss, name, keys, crl }: ShcEntryInput): Record<string, unknown> {
  const entry: Record<string, unknown> = { id: iss, format: 'shc', keys: keys.map((k) => ({ ...k.publicJwk })) };
  if (name !== undefined) entry.name = name;
  if (crl !== undefined) entry.crl = crl;
  return entry;
}

export const SHC_HEALTH_CARD = 'https://smarthealth.cards#health-card';
export const SHC_IMMUNIZATION = 'https://smarthealth.cards#immunization';

/** A completed COVID-19 vaccination (CVX 207), the FHIR resource an immunization card carries. */
export const COMPLETED_IMMUNIZATION: Readonly<Record<string, unknown>> = Object.freeze({
  resourceType: 'Immunization',
  status: 'completed',
  vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '207' }] },
});

export interface ImmunizationCardInput {
  iss: string;
  nbf: number;
  exp?: number;
  /** The card's revocation id (formats.md §3). */
  rid?: string;
  patient: { family: string; given?: string[]; birthDate: string };
  /** The Immunization resources after the Patient; one completed vaccination by default. */
  immunizations?: readonly Record<string, unknown>[];
}

/**
 * The payload of an immunization card as the SMART spec's examples write it:
 * the health-card and immunization types, a FHIR collection bundle holding
 * the Patient (resource:0) and the Immunizations. One place for the tests,
 * the benchmarks and the demo to make cards from.
 */
export function immunizationCard(c: ImmunizationCardInput): Record<string, unknown> {
  const patient = { resourceType: 'Patient', name: [{ family: c.patient.family, ...(c.patient.given ? { given: c.patient.given } : {}) }], birthDate: c.patient.birthDate };
  const immunizations = c.immunizations ?? [COMPLETED_IMMUNIZATION];
  return {
    iss: c.iss,
    nbf: c.nbf,
    ...(c.exp === undefined ? {} : { exp: c.exp }),
    vc: {
      type: [SHC_HEALTH_CARD, SHC_IMMUNIZATION],
      credentialSubject: {
        fhirVersion: '4.0.1',
        fhirBundle: {
          resourceType: 'Bundle',
          type: 'collection',
          entry: [{ fullUrl: 'resource:0', resource: patient }, ...immunizations.map((resource, i) => ({ fullUrl: `resource:${i + 1}`, resource }))],
        },
      },
      ...(c.rid === undefined ? {} : { rid: c.rid }),
    },
  };
}
