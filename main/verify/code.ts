// Staged verification of a scanned text as a PHC1 code (spec §1–2): size,
// prefix, compact JWS, header, claims, issuer, key, signature, key validity.
// It answers "is this code authentic, and what does it say?"; whether the
// holder may pass is decide()'s question. Pure: no clock, no I/O.
import { CODE_ALGS, HEALTH_STATUSES, ISSUER_ID_PATTERN, MAX_CODE_CHARS, PHC1_PREFIX, type CodeAlg, type HealthClaims, type IssuerName } from '../contract/code.js';
import type { ReasonCode } from '../contract/reasons.js';
import { parseJsonObject, splitCompact } from './jws.js';
import { checkSignature } from './signature.js';
import type { TrustSnapshot } from './trust.js';

export const CODE_TYP = 'phc+jwt';
const ALLOWED_HEADER_MEMBERS = new Set(['alg', 'kid', 'typ']);

export type CodeOutcome =
  /** The signature verified with a trusted key: the claims are the issuer's. */
  | 'verified'
  /** Well formed, from an issuer no installed bundle knows: claims unverified. */
  | 'unknown-issuer'
  /** Refused; `reasons` says why. */
  | 'refused';

export interface CodeVerification {
  outcome: CodeOutcome;
  /** Why it was refused (or UNKNOWN_ISSUER); empty when verified. */
  reasons: ReasonCode[];
  /** The claimed issuer, when the payload could be read. */
  issuer: string | null;
  issuerName: IssuerName | null;
  kid: string | null;
  alg: CodeAlg | null;
  /** The payload's claims; the issuer's own words only when outcome is 'verified'. */
  claims: HealthClaims | null;
}

function refused(reason: ReasonCode, partial: Partial<CodeVerification> = {}): CodeVerification {
  return { outcome: 'refused', reasons: [reason], issuer: null, issuerName: null, kid: null, alg: null, claims: null, ...partial };
}

function isNumericDate(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** Type-checks the claims (spec §1); null when any is missing or mistyped. */
export function readClaims(body: Record<string, unknown>): HealthClaims | null {
  const { iss, sub, st, iat, exp, nbf, nm, rsn, nat, vac } = body;
  if (typeof iss !== 'string' || !ISSUER_ID_PATTERN.test(iss)) return null;
  if (typeof sub !== 'string' || sub.length < 1 || sub.length > 64) return null;
  if (typeof st !== 'string' || !(HEALTH_STATUSES as readonly string[]).includes(st)) return null;
  if (!isNumericDate(iat) || !isNumericDate(exp) || exp <= iat) return null;
  const claims: HealthClaims = { iss, sub, st: st as HealthClaims['st'], iat, exp };
  if (nbf !== undefined) {
    if (!isNumericDate(nbf)) return null;
    claims.nbf = nbf;
  }
  if (nm !== undefined) {
    if (typeof nm !== 'string' || nm.length > 32) return null;
    claims.nm = nm;
  }
  if (rsn !== undefined) {
    if (typeof rsn !== 'string' || rsn.length > 120) return null;
    claims.rsn = rsn;
  }
  if (nat !== undefined) {
    if (!isNumericDate(nat)) return null;
    claims.nat = nat;
  }
  if (vac !== undefined) {
    if (typeof vac !== 'number' || !Number.isInteger(vac) || vac < 0 || vac > 9) return null;
    claims.vac = vac;
  }
  return claims;
}

export async function verifyCode(text: string, trust: TrustSnapshot | null): Promise<CodeVerification> {
  // Size before anything else: nothing over the cap is decoded at all.
  if (text.length > MAX_CODE_CHARS) return refused('TOO_LARGE');
  if (!text.startsWith(PHC1_PREFIX)) return refused('NOT_PHC');
  const parts = splitCompact(text.slice(PHC1_PREFIX.length));
  if (!parts) return refused('MALFORMED');

  const { header } = parts;
  const headerReasons: ReasonCode[] = [];
  const extra = Object.keys(header).some((m) => !ALLOWED_HEADER_MEMBERS.has(m));
  if (extra || header.typ !== CODE_TYP) headerReasons.push('FORBIDDEN_HEADER');
  const alg = header.alg;
  if (typeof alg !== 'string' || !(CODE_ALGS as readonly string[]).includes(alg)) headerReasons.push('UNSUPPORTED_ALG');
  if (headerReasons.length > 0) return { ...refused('FORBIDDEN_HEADER'), reasons: headerReasons };
  const kid = header.kid;
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 128) return refused('MALFORMED');
  const codeAlg = alg as CodeAlg;

  const body = parseJsonObject(parts.payloadBytes);
  const claims = body && readClaims(body);
  if (!claims) return refused('MALFORMED', { kid, alg: codeAlg });
  const base = { issuer: claims.iss, kid, alg: codeAlg, claims };

  const issuer = trust?.issuers.get(claims.iss);
  if (!issuer) return { ...base, outcome: 'unknown-issuer', reasons: ['UNKNOWN_ISSUER'], issuerName: null };
  const named = { ...base, issuerName: issuer.name };
  // The kid is looked up within this issuer only: another province's key never signs here.
  if (issuer.revokedKids.has(kid)) return { ...named, outcome: 'refused', reasons: ['KEY_REVOKED'] };
  const key = issuer.keysByKid.get(kid);
  if (!key) return { ...named, outcome: 'refused', reasons: ['UNKNOWN_KEY'] };
  if (key.alg !== codeAlg) return { ...named, outcome: 'refused', reasons: ['UNSUPPORTED_ALG'] };
  if (!(await checkSignature(codeAlg, key.key, parts.signingInput, parts.signature))) {
    return { ...named, outcome: 'refused', reasons: ['BAD_SIGNATURE'] };
  }
  if ((key.nbf !== null && claims.iat < key.nbf) || (key.exp !== null && claims.iat >= key.exp)) {
    return { ...named, outcome: 'refused', reasons: ['KEY_NOT_VALID_AT_ISSUE'] };
  }
  return { ...named, outcome: 'verified', reasons: [] };
}
