// The trust bundle's contents (spec §2) once verified: what `trust show` and
// the screens may display. Key material stays in main.
import type { CodeAlg, IssuerName } from './code.js';

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

export interface TrustedIssuerInfo {
  id: string;
  name: IssuerName;
  keys: TrustedKeyInfo[];
  revoked: string[];
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
