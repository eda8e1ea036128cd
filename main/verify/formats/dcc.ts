// Staged verification of an EU Digital COVID Certificate (formats.md §2):
// prefix → Base45 → ZLIB → COSE_Sign1 → CWT → hcert → alg → key → signature
// → key usage → content. Each stage that fails names itself, so the
// reference suite can be checked stage by stage; the kiosk only sees the
// reason. Pure: no clock (decide() judges iat and exp), no I/O, never throws.
import { inflateSync } from 'node:zlib';
import { FORMAT_PREFIXES, type CredentialKind, type DccType } from '../../contract/code.js';
import type { ReasonCode } from '../../contract/reasons.js';
import { decodeBase45 } from '../base45.js';
import { CborError, CborTag, decodeCbor, encodeCbor, type CborMap, type CborValue } from '../cbor.js';
import { checkSignature } from '../signature.js';
import type { TrustedDsc, TrustSnapshot } from '../trust.js';
import { maskFamilyName, refused, type CodeVerification, type Credential } from '../verification.js';
import { dscKeyFits } from './dcc-trust.js';

/** The stage a DCC failed at, in the order they run. */
export type DccStage = 'unprefix' | 'base45' | 'compression' | 'cose' | 'cwt' | 'alg' | 'key' | 'signature' | 'key-usage';

export interface DccStaged {
  verification: CodeVerification;
  /** Null when every stage passed (the content may still say TEST_POSITIVE). */
  failedAt: DccStage | null;
}

/** A COSE_Sign1 compresses to a few hundred bytes; nothing legitimate inflates past this. */
export const MAX_DCC_INFLATED_BYTES = 64 * 1024;

const COSE_SIGN1_TAG = 18;
const CWT_TAG = 61;
const COSE_ALGS: ReadonlyMap<number, 'ES256' | 'PS256'> = new Map([
  [-7, 'ES256'],
  [-37, 'PS256'],
]);
const HEADER_ALG = 1;
const HEADER_KID = 4;
const CLAIM_ISS = 1;
const CLAIM_EXP = 4;
const CLAIM_IAT = 6;
const CLAIM_HCERT = -260;
const KID_BYTES = 8;
const MAX_ISS_CHARS = 256;
/** SNOMED CT "Detected": a positive test (eHealth Network value set covid-19-lab-result). */
const TEST_DETECTED = '260373001';
const KINDS: Readonly<Record<DccType, CredentialKind>> = { v: 'vaccination', t: 'test', r: 'recovery' };

interface CoseSign1 {
  protectedBytes: Uint8Array;
  protectedHeader: CborMap;
  unprotectedHeader: CborMap;
  payload: Uint8Array;
  signature: Uint8Array;
}

interface DccClaims {
  /** The CWT iss when it is a country code (it is optional, and not every issuer writes a code there). */
  country: string | null;
  /** What the code claims as its issuer: iss as written, for an unknown issuer's record. */
  claimedIssuer: string;
  iat: number;
  exp: number;
  type: DccType;
  ci: string;
  maskedName: string | null;
  testPositive: boolean;
}

const isMap = (v: CborValue | undefined): v is CborMap => v instanceof Map;
const isBytes = (v: CborValue | undefined): v is Uint8Array => v instanceof Uint8Array;
const isTime = (v: CborValue | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Inflates a ZLIB stream, strictly: a missing header, a bad checksum, a truncation or bytes after it are refused. */
function inflateZlib(bytes: Uint8Array): Uint8Array | null {
  try {
    const { buffer, engine } = inflateSync(bytes, { maxOutputLength: MAX_DCC_INFLATED_BYTES, info: true }) as unknown as {
      buffer: Uint8Array;
      engine: { bytesWritten: number };
    };
    // bytesWritten counts the input the stream consumed: anything beyond it rode along unsigned.
    if (engine.bytesWritten !== bytes.length) return null;
    return buffer;
  } catch {
    return null;
  }
}

/** COSE_Sign1 (RFC 9052 §4.2), optionally tagged 18, optionally inside a CWT tag 61. */
function readCose(bytes: Uint8Array): CoseSign1 | null {
  let item = decodeCbor(bytes);
  if (item instanceof CborTag && item.tag === CWT_TAG) {
    item = item.value;
    if (!(item instanceof CborTag)) return null;
  }
  if (item instanceof CborTag) {
    if (item.tag !== COSE_SIGN1_TAG) return null;
    item = item.value;
  }
  if (!Array.isArray(item) || item.length !== 4) return null;
  const [protectedBytes, unprotectedHeader, payload, signature] = item;
  if (!isBytes(protectedBytes) || !isMap(unprotectedHeader) || !isBytes(payload) || !isBytes(signature)) return null;
  // An empty protected bstr stands for an empty map (RFC 9052 §3).
  const protectedHeader = protectedBytes.length === 0 ? new Map() : decodeCbor(protectedBytes);
  if (!isMap(protectedHeader)) return null;
  return { protectedBytes, protectedHeader, unprotectedHeader, payload, signature };
}

/** The one v, t or r entry of an hcert, or null for anything else. */
function hcertEntry(hcert: CborMap): { type: DccType; entry: CborMap } | null {
  // Early hcerts (schema 1.0.0) wrote the two absent types as null: null counts as absent.
  const present = (['v', 't', 'r'] as const).filter((t) => hcert.get(t) !== undefined && hcert.get(t) !== null);
  if (present.length !== 1) return null;
  const type = present[0]!;
  const list = hcert.get(type);
  if (!Array.isArray(list) || list.length === 0 || !isMap(list[0])) return null;
  return { type, entry: list[0] };
}

/** The CWT claims and the hcert (formats.md §2), read into only what the kiosk needs: never the date of birth. */
function readClaims(payload: Uint8Array): DccClaims | null {
  const cwt = decodeCbor(payload);
  if (!isMap(cwt)) return null;
  const iss = cwt.get(CLAIM_ISS);
  const iat = cwt.get(CLAIM_IAT);
  const exp = cwt.get(CLAIM_EXP);
  const wrapper = cwt.get(CLAIM_HCERT);
  // iss is optional in the hcert spec, and the suite has codes whose iss is an authority's
  // name: any short text is taken, and only a country code counts as the country.
  if ((iss !== undefined && (typeof iss !== 'string' || iss.length > MAX_ISS_CHARS)) || !isTime(iat) || !isTime(exp) || !isMap(wrapper)) return null;
  const hcert = wrapper.get(1);
  if (!isMap(hcert)) return null;
  const nam = hcert.get('nam');
  if (!isMap(nam) || typeof hcert.get('dob') !== 'string' || typeof hcert.get('ver') !== 'string') return null;
  const found = hcertEntry(hcert);
  if (!found) return null;
  const ci = found.entry.get('ci');
  if (typeof ci !== 'string' || ci.length === 0) return null;
  const fn = nam.get('fn');
  const maskedName = maskFamilyName(typeof fn === 'string' && fn.trim() !== '' ? fn : nam.get('fnt'));
  const testPositive = found.type === 't' && found.entry.get('tr') === TEST_DETECTED;
  const country = typeof iss === 'string' && /^[A-Z]{2}$/.test(iss) ? iss : null;
  return { country, claimedIssuer: iss ?? '', iat, exp, type: found.type, ci, maskedName, testPositive };
}

/** The credential; `signer` is the DSC that verified it, absent while nothing has. */
function credentialOf(claims: DccClaims, signer?: TrustedDsc): Credential {
  return {
    format: 'dcc',
    issuer: signer?.entryId ?? claims.country ?? claims.claimedIssuer,
    // The country the code names; for a code that names none, the country whose DSC signed it.
    holderScope: `dcc:${claims.country ?? signer?.country ?? claims.claimedIssuer}`,
    holderSubject: claims.ci,
    status: claims.testPositive ? null : 'green',
    issuedAt: claims.iat,
    notBefore: null,
    expires: claims.exp,
    testedAt: null,
    maskedName: claims.maskedName,
    issuerReason: null,
    kind: KINDS[claims.type],
    dccType: claims.type,
  };
}

/** Standard base64 (the bundle's spelling of a kid). */
function base64Of(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** The COSE Sig_structure for a COSE_Sign1 (RFC 9052 §4.4), empty external_aad. */
function sigStructure(cose: CoseSign1): Uint8Array {
  return encodeCbor(['Signature1', cose.protectedBytes, new Uint8Array(0), cose.payload]);
}

/** Runs a decoding step; a CborError is simply "not that structure". */
function cborStage<T>(step: () => T | null): T | null {
  try {
    return step();
  } catch (err) {
    if (err instanceof CborError) return null;
    throw err;
  }
}

/** The stages, each failing with its name; verifyDcc is this without the names. */
export async function dccStages(text: string, trust: TrustSnapshot | null): Promise<DccStaged> {
  const fail = (failedAt: DccStage, reason: ReasonCode, partial: Partial<CodeVerification> = {}): DccStaged => ({
    verification: refused(reason, { format: 'dcc', ...partial }),
    failedAt,
  });
  const prefix = FORMAT_PREFIXES.dcc;
  if (!text.startsWith(prefix)) return fail('unprefix', 'MALFORMED');
  const compressed = decodeBase45(text.slice(prefix.length));
  if (!compressed) return fail('base45', 'MALFORMED');
  const coseBytes = inflateZlib(compressed);
  if (!coseBytes) return fail('compression', 'MALFORMED');

  const cose = cborStage(() => readCose(coseBytes));
  if (!cose) return fail('cose', 'MALFORMED');
  const claims = cborStage(() => readClaims(cose.payload));
  if (!claims) return fail('cwt', 'MALFORMED');

  const kidBytes = cose.protectedHeader.get(HEADER_KID) ?? cose.unprotectedHeader.get(HEADER_KID);
  if (!isBytes(kidBytes) || kidBytes.length !== KID_BYTES) return fail('key', 'MALFORMED');
  const kid = base64Of(kidBytes);
  // alg belongs in the protected header; the suite also has codes that carry it unprotected
  // (common/CO20). Taking it from there is safe: the DSC's key admits one alg only (dscKeyFits).
  const algLabel = cose.protectedHeader.get(HEADER_ALG) ?? cose.unprotectedHeader.get(HEADER_ALG);
  const alg = typeof algLabel === 'number' ? (COSE_ALGS.get(algLabel) ?? null) : null;
  // Until a DSC vouches for it, the code is only what it claims: its country.
  const claimed = { issuer: claims.country ?? claims.claimedIssuer, kid, alg, credential: credentialOf(claims) };
  if (!alg) return fail('alg', 'UNSUPPORTED_ALG', claimed);

  if (trust?.dcc.revokedKids.has(kid)) return fail('key', 'KEY_REVOKED', claimed);
  const dscs = trust?.dcc.byKid.get(kid) ?? [];
  if (dscs.length === 0) {
    if (claims.country !== null && trust?.dcc.countries.has(claims.country)) return fail('key', 'UNKNOWN_KEY', claimed);
    return { verification: { ...claimed, format: 'dcc', outcome: 'unknown-issuer', reasons: ['UNKNOWN_ISSUER'], issuerName: null }, failedAt: 'key' };
  }
  const fitting = dscs.filter((d) => dscKeyFits(d, alg));
  const named = (d: TrustedDsc): Partial<CodeVerification> => ({ ...claimed, issuer: d.entryId, issuerName: d.name, credential: credentialOf(claims, d) });
  if (fitting.length === 0) return fail('alg', 'UNSUPPORTED_ALG', named(dscs[0]!));

  const signed = sigStructure(cose);
  let signer: TrustedDsc | null = null;
  for (const d of fitting) {
    if (await checkSignature(alg, d.key, signed, cose.signature)) {
      signer = d;
      break;
    }
  }
  if (!signer) return fail('signature', 'BAD_SIGNATURE', named(fitting[0]!));
  if (signer.types !== null && !signer.types.includes(claims.type)) return fail('key-usage', 'KEY_USAGE', named(signer));

  const verification: CodeVerification = {
    outcome: 'verified',
    reasons: claims.testPositive ? ['TEST_POSITIVE'] : [],
    format: 'dcc',
    issuer: signer.entryId,
    issuerName: signer.name,
    kid,
    alg,
    credential: credentialOf(claims, signer),
  };
  return { verification, failedAt: null };
}

/** Verifies a text that starts with `HC1:` (code.ts dispatches by prefix). */
export async function verifyDcc(text: string, trust: TrustSnapshot | null): Promise<CodeVerification> {
  try {
    return (await dccStages(text, trust)).verification;
  } catch {
    // The stages catch what they expect; anything else is still only a bad code, never a crash.
    return refused('MALFORMED', { format: 'dcc' });
  }
}
