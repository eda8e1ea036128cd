// Staged verification of an unchunked SMART Health Card (formats.md §3):
// numeric decode → compact JWS → header → raw DEFLATE → claims → issuer →
// key → signature → revocation. Chunks are joined before this (shc-chunks).
// Time is not judged here: decide() does, against the clock and time floor.
// Pure, and never throws: every failure is a refusal with its reason.
import { inflateRawSync } from 'node:zlib';
import type { CredentialKind } from '../../contract/code.js';
import type { ReasonCode } from '../../contract/reasons.js';
import { isJsonObject, splitCompact } from '../jws.js';
import { checkSignature, lowSP256 } from '../signature.js';
import { encodeBase64url } from '../base64url.js';
import type { TrustSnapshot } from '../trust.js';
import { maskFamilyName, refused as refusedAs, type CodeVerification, type Credential } from '../verification.js';
import { SHC_RID_PATTERN, isShcIssuerUrl } from './shc-trust.js';

const PREFIX = 'shc:/';
const HEALTH_CARD = 'https://smarthealth.cards#health-card';
const IMMUNIZATION = 'https://smarthealth.cards#immunization';
const LABORATORY = 'https://smarthealth.cards#laboratory';

/**
 * The most a payload may inflate to. The largest card the SMART examples
 * hold inflates to 30 KB; a bound stops a small, highly compressible text
 * from making the kiosk allocate without limit (a DEFLATE bomb).
 */
export const MAX_SHC_PAYLOAD_BYTES = 256 * 1024;

/**
 * Times at or beyond this (year 5138) are milliseconds, an issuer's known
 * mistake (the validator's nbf_milliseconds, exp_milliseconds). Read as
 * seconds they would make a card valid for ever or never; refused instead.
 */
const MAX_NUMERIC_DATE = 1e11;

const refused = (reason: ReasonCode, partial: Partial<CodeVerification> = {}): CodeVerification => refusedAs(reason, { format: 'shc', ...partial });

const ascii = new TextDecoder('utf-8');

/** `shc:/<digits>` to the JWS: each two digits one character, value + 45 (`-` … `z`). Null for anything else. */
export function decodeShcNumeric(text: string): string | null {
  if (!text.startsWith(PREFIX)) return null;
  const digits = text.slice(PREFIX.length);
  if (digits.length === 0 || digits.length % 2 !== 0 || !/^\d+$/.test(digits)) return null;
  // Char codes, not slices and numbers: a card is over a thousand pairs, decoded on every scan.
  const codes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < digits.length; i += 2) {
    const v = (digits.charCodeAt(i) - 48) * 10 + (digits.charCodeAt(i + 1) - 48);
    if (v > 77) return null;
    codes[i / 2] = v + 45;
  }
  // Every code is 45–122: ASCII, so one UTF-8 decode makes the text.
  return ascii.decode(codes);
}

// ignoreBOM keeps a byte-order mark in the text, so that JSON.parse refuses
// it (formats.md §3: a BOM is MALFORMED) rather than it being silently eaten.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Raw DEFLATE of minified JSON to an object: no BOM, nothing before `{` or after `}`, bounded output. */
function inflateJsonObject(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    const text = utf8.decode(inflateRawSync(bytes, { maxOutputLength: MAX_SHC_PAYLOAD_BYTES }));
    if (!text.startsWith('{') || !text.endsWith('}')) return null;
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : null;
  } catch {
    // A broken stream, an output over the bound, bad UTF-8 or bad JSON: all MALFORMED.
    return null;
  }
}

function isNumericDate(v: unknown): v is number {
  // SMART issuers write fractional seconds (the examples' nbf is 1687450764.657).
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < MAX_NUMERIC_DATE;
}

interface ShcClaims {
  iss: string;
  nbf: number;
  exp: number | null;
  types: string[];
  rid: string | null;
  resources: Record<string, unknown>[];
}

/** The payload's claims as formats.md §3 lists them; null when any is missing or mistyped. */
function readClaims(body: Record<string, unknown>): ShcClaims | null {
  const { iss, nbf, exp, vc } = body;
  if (!isShcIssuerUrl(iss) || !isNumericDate(nbf)) return null;
  if (exp !== undefined && (!isNumericDate(exp) || exp <= nbf)) return null;
  if (!isJsonObject(vc) || !Array.isArray(vc.type) || !vc.type.every((t) => typeof t === 'string')) return null;
  const types = vc.type as string[];
  if (!types.includes(HEALTH_CARD)) return null;
  const subject = vc.credentialSubject;
  if (!isJsonObject(subject) || typeof subject.fhirVersion !== 'string' || !isJsonObject(subject.fhirBundle)) return null;
  if (vc.rid !== undefined && (typeof vc.rid !== 'string' || !SHC_RID_PATTERN.test(vc.rid))) return null;
  const entries = subject.fhirBundle.entry;
  if (entries !== undefined && !Array.isArray(entries)) return null;
  const resources = (entries ?? []).map((e: unknown) => (isJsonObject(e) && isJsonObject(e.resource) ? e.resource : {}));
  return { iss, nbf, exp: exp === undefined ? null : exp, types, rid: typeof vc.rid === 'string' ? vc.rid : null, resources };
}

/** The card's kind for the guard: its declared type first, then what its bundle holds. */
function kindOf(claims: ShcClaims): CredentialKind | null {
  if (claims.types.includes(IMMUNIZATION)) return 'immunization';
  if (claims.types.includes(LABORATORY)) return 'laboratory';
  const types = new Set(claims.resources.map((r) => r.resourceType));
  if (types.has('Immunization')) return 'immunization';
  if (types.has('Observation') || types.has('DiagnosticReport')) return 'laboratory';
  return null;
}

/** Only the family name's first character leaves this function; the birth date is never read. */
function maskedNameOf(claims: ShcClaims): string | null {
  const patient = claims.resources.find((r) => r.resourceType === 'Patient');
  const name = patient && Array.isArray(patient.name) ? (patient.name[0] as unknown) : undefined;
  return isJsonObject(name) ? maskFamilyName(name.family) : null;
}

function credentialOf(claims: ShcClaims, signature: string): Credential {
  return {
    format: 'shc',
    issuer: claims.iss,
    // formats.md §3: the pseudonym is keyed over the format, iss and the card's signature —
    // in its low-S form, so that the twin signature every ECDSA signature has (which
    // verifies as well) is the same holder, and anti-passback holds.
    holderScope: `shc:${claims.iss}`,
    holderSubject: signature,
    status: 'green',
    issuedAt: claims.nbf,
    notBefore: null,
    expires: claims.exp,
    testedAt: null,
    maskedName: maskedNameOf(claims),
    issuerReason: null,
    kind: kindOf(claims),
    dccType: null,
  };
}

/** formats.md §3: a bare rid always; `rid.timestamp` for cards issued (nbf) before it. */
function isRevoked(claims: ShcClaims, cards: readonly { rid: string; before: number | null }[] | undefined): boolean {
  if (claims.rid === null || cards === undefined) return false;
  return cards.some((c) => c.rid === claims.rid && (c.before === null || claims.nbf < c.before));
}

/** Verifies an unchunked `shc:/<digits>` text (code.ts dispatches by prefix). */
export async function verifyShc(text: string, trust: TrustSnapshot | null): Promise<CodeVerification> {
  try {
    return await verify(text, trust);
  } catch {
    // Nothing above is expected to throw; if anything does, the text is refused, never the kiosk.
    return refused('MALFORMED');
  }
}

async function verify(text: string, trust: TrustSnapshot | null): Promise<CodeVerification> {
  // A chunk (shc:/i/n/…) fails here too: its slashes are not digits.
  const jws = decodeShcNumeric(text);
  if (jws === null) return refused('MALFORMED');
  const parts = splitCompact(jws);
  if (!parts) return refused('MALFORMED');
  const { header } = parts;
  if (header.alg !== 'ES256') return refused('UNSUPPORTED_ALG');
  // A critical extension we do not know changes what the signature means (b64: false): not ours to guess.
  if (header.zip !== 'DEF' || header.crit !== undefined) return refused('MALFORMED', { alg: 'ES256' });
  const kid = header.kid;
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 128) return refused('MALFORMED', { alg: 'ES256' });

  const body = inflateJsonObject(parts.payloadBytes);
  const claims = body && readClaims(body);
  if (!claims) return refused('MALFORMED', { kid, alg: 'ES256' });
  const signature = encodeBase64url(lowSP256(parts.signature));
  const base = { format: 'shc' as const, issuer: claims.iss, kid, alg: 'ES256' as const, credential: credentialOf(claims, signature) };

  const issuer = trust?.shc.get(claims.iss);
  if (!issuer) return { ...base, outcome: 'unknown-issuer', reasons: ['UNKNOWN_ISSUER'], issuerName: null };
  const named = { ...base, issuerName: issuer.name };
  const key = issuer.keysByKid.get(kid);
  if (!key) return { ...named, outcome: 'refused', reasons: ['UNKNOWN_KEY'] };
  if (!(await checkSignature('ES256', key.key, parts.signingInput, parts.signature))) {
    return { ...named, outcome: 'refused', reasons: ['BAD_SIGNATURE'] };
  }
  // Revocation is judged only on a card the issuer is proven to have signed.
  if (isRevoked(claims, issuer.crl.get(kid))) return { ...named, outcome: 'refused', reasons: ['REVOKED'] };
  return { ...named, outcome: 'verified', reasons: [] };
}
