// The PHC1 code's claims (spec §1) once parsed and type-checked.

export type HealthStatus = 'green' | 'yellow' | 'red';
export const HEALTH_STATUSES: readonly HealthStatus[] = ['green', 'yellow', 'red'];

export type CodeAlg = 'ES256' | 'EdDSA';
export const CODE_ALGS: readonly CodeAlg[] = ['ES256', 'EdDSA'];

export const PHC1_PREFIX = 'PHC1:';
/** Spec §1: the whole QR text, prefix included. */
export const MAX_CODE_CHARS = 2048;

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
