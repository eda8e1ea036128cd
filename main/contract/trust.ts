// The trust bundle's contents (spec §2) once verified: what `trust show` and
// the screens may display. Key material stays in main.
import type { CodeAlg, CodeFormat, DccType, IssuerName } from './code.js';

/**
 * The largest trust bundle, in characters (a compact JWS is ASCII, so also
 * bytes): verification refuses a longer one, and whoever reads a bundle —
 * from the central service or from a file — reads no further than this.
 */
export const MAX_BUNDLE_CHARS = 1_000_000;

export interface TrustedKeyInfo {
  kid: string;
  alg: CodeAlg;
  /** Key validity for code `iat`, NumericDate; null = unbounded. */
  nbf: number | null;
  exp: number | null;
}

/** A DCC Document Signer Certificate as `trust show` lists it (formats.md §4). */
export interface DscInfo {
  /** Standard base64 of the 8-byte kid (the first 8 bytes of the certificate's SHA-256). */
  kid: string;
  subject: string;
  /** The certificate's validity, ISO 8601. */
  notBefore: string;
  notAfter: string;
  alg: 'ES256' | 'PS256';
  /** The types its extended key usages allow it to sign; null = any. */
  types: DccType[] | null;
}

export interface TrustedIssuerInfo {
  id: string;
  /** Absent in a bundle entry means phc1. */
  format: CodeFormat;
  name: IssuerName;
  /** PHC1 and SHC: the signing keys (an SHC key's alg is ES256 and its validity unbounded). */
  keys: TrustedKeyInfo[];
  /** PHC1 and DCC: revoked key ids. */
  revoked: string[];
  /** DCC: the country (ISO 3166-1 alpha-2) and its signer certificates. */
  country?: string;
  certificates?: DscInfo[];
  /** SHC: how many revoked card ids its keys' lists hold. */
  revokedCards?: number;
}

export interface TrustBundleInfo {
  iss: string;
  seq: number;
  iat: number;
  exp: number;
  /** Which pinned root signed it. */
  rootKid: string;
  issuers: TrustedIssuerInfo[];
}

export const TRUST_BUNDLE_TYP = 'phc-trust+jwt';
