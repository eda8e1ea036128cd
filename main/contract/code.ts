// The PHC1 code's claims (spec §1) once parsed and type-checked.

export type HealthStatus = 'green' | 'yellow' | 'red';
export const HEALTH_STATUSES: readonly HealthStatus[] = ['green', 'yellow', 'red'];

export type CodeAlg = 'ES256' | 'EdDSA';
export const CODE_ALGS: readonly CodeAlg[] = ['ES256', 'EdDSA'];

export const PHC1_PREFIX = 'PHC1:';
/** Spec §1: the whole QR text of a PHC1 code, prefix included. */
export const MAX_CODE_CHARS = 2048;

/** The formats a scanned text can be (formats.md §1): PHC1, the EU DCC, SMART Health Cards. */
export type CodeFormat = 'phc1' | 'dcc' | 'shc';
export const CODE_FORMATS: readonly CodeFormat[] = ['phc1', 'dcc', 'shc'];

/** How each format's text starts (formats.md §1). */
export const FORMAT_PREFIXES: Readonly<Record<CodeFormat, string>> = { phc1: PHC1_PREFIX, dcc: 'HC1:', shc: 'shc:/' };

/** formats.md §1: no scanned text over this is decoded at all, whatever its format. */
export const MAX_SCAN_CHARS = 8192;

/** The format a text claims by its prefix, or null (NOT_PHC). */
export function formatOf(text: string): CodeFormat | null {
  for (const f of CODE_FORMATS) if (text.startsWith(FORMAT_PREFIXES[f])) return f;
  return null;
}

/** A DCC's certificate type (formats.md §2): vaccination, test, recovery. */
export type DccType = 'v' | 't' | 'r';
export const DCC_TYPES: readonly DccType[] = ['v', 't', 'r'];

/**
 * What kind of credential a DCC or an SHC is, as shown to the guard:
 * a DCC's type, an SHC's immunization or laboratory result. PHC1 has none
 * (its traffic light is its kind).
 */
export type CredentialKind = 'vaccination' | 'test' | 'recovery' | 'immunization' | 'laboratory';
export const CREDENTIAL_KINDS: readonly CredentialKind[] = ['vaccination', 'test', 'recovery', 'immunization', 'laboratory'];

/**
 * The rules whose meaning depends on the format (formats.md §2–3): a DCC
 * or an SHC is a long-lived document, so maxCodeAgeSeconds does not apply;
 * the PHC1 test claim (nat) exists only in PHC1.
 */
export const FORMAT_RULES: Readonly<Record<CodeFormat, { codeAge: boolean; testClaim: boolean }>> = {
  phc1: { codeAge: true, testClaim: true },
  dcc: { codeAge: false, testClaim: false },
  shc: { codeAge: false, testClaim: false },
};

export interface HealthClaims {
  iss: string;
  sub: string;
  st: HealthStatus;
  iat: number;
  exp: number;
  nbf?: number;
  nm?: string;
  rsn?: string;
  nat?: number;
  vac?: number;
}

export interface IssuerName {
  zh: string;
  en: string;
}

/**
 * An issuer id: ISO 3166-2 codes such as CN-ZJ, and — since the national
 * operator may name others (CN-NHC, test issuers) — any short token of
 * letters, digits, dot, dash and underscore. What is not in the bundle is
 * UNKNOWN_ISSUER, not MALFORMED.
 */
export const ISSUER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** An SMART Health Card issuer is named by its https URL (formats.md §3), which is also its id in the bundle and the policy. */
export const SHC_ISSUER_PATTERN = /^https:\/\/[\x21-\x7e]{1,250}$/;

/** Any id a bundle entry may have, and so the policy's acceptIssuers may name. */
export function isIssuerId(value: string): boolean {
  return ISSUER_ID_PATTERN.test(value) || SHC_ISSUER_PATTERN.test(value);
}
