// Staged verification of a scanned text as a PHC1 code (spec §1–2): size,
// prefix, compact JWS, header, claims, issuer, key, signature, key validity.
// It answers "is this code authentic, and what does it say?"; whether the
// holder may pass is decide()'s question. Pure: no clock, no I/O.
import { CODE_ALGS, HEALTH_STATUSES, ISSUER_ID_PATTERN, MAX_CODE_CHARS, PHC1_PREFIX, type CodeAlg, type HealthClaims } from '../../contract/code.js';
import type { ReasonCode } from '../../contract/reasons.js';
import { parseJsonObject, splitCompact } from '../jws.js';
import { checkSignature } from '../signature.js';
import type { TrustSnapshot } from '../trust.js';
import { refused as refusedAs, type CodeVerification, type Credential } from '../verification.js';

export const CODE_TYP = 'phc+jwt';
const ALLOWED_HEADER_MEMBERS = new Set(['alg', 'kid', 'typ']);

const refused = (reason: ReasonCode, partial: Partial<CodeVerification> = {}): CodeVerification => refusedAs(reason, { format: 'phc1', ...partial });

/** PHC1's claims in the terms every format is decided by. */
function credentialOf(claims: HealthClaims): Credential {
  return {
    format: 'phc1',
    issuer: claims.iss,
    // (iss, sub) exactly as before formats.md, so that anti-passback spans an upgrade.
    holderScope: claims.iss,
    holderSubject: claims.sub,
    status: claims.st,
    issuedAt: claims.iat,
    notBefore: claims.nbf ?? null,
    expires: claims.exp,
    testedAt: claims.nat ?? null,
    maskedName: claims.nm ?? null,
    issuerReason: claims.rsn ?? null,
    kind: null,
    dccType: null,
  };
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

/** Verifies a text that starts with PHC1_PREFIX (code.ts dispatches by prefix). */
export async function verifyPhc1(text: string, trust: TrustSnapshot | null): Promise<CodeVerification> {
  // PHC1 keeps its own, smaller cap (spec §1): nothing over it is decoded at all.
  if (text.length > MAX_CODE_CHARS) return refused('TOO_LARGE');
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
  const base = { format: 'phc1' as const, issuer: claims.iss, kid, alg: codeAlg, credential: credentialOf(claims) };

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
