// What verifying a scanned text answers, whatever its format (formats.md):
// one shape for PHC1, the EU DCC and SMART Health Cards, so that deciding,
// logging and showing a check never need to know which it was — except where
// the spec makes a rule format-specific (FORMAT_RULES, dccAccept).
import type { CodeFormat, CredentialKind, DccType, HealthStatus, IssuerName } from '../contract/code.js';
import type { ReasonCode } from '../contract/reasons.js';
import type { SignatureAlg } from './signature.js';

export type CodeOutcome =
  /** The signature verified with a trusted key: the credential is the issuer's. */
  | 'verified'
  /** Well formed, from an issuer no installed bundle knows: the credential is unverified. */
  | 'unknown-issuer'
  /** Refused; `reasons` says why. */
  | 'refused';

/** A credential's content once read, in the terms the checkpoint decides by. */
export interface Credential {
  format: CodeFormat;
  /**
   * The bundle entry answerable for it, as acceptIssuers names it: a PHC1
   * iss (CN-ZJ), the id of the DCC entry whose certificate signed it
   * (DCC-AT), an SHC iss URL. For an unknown issuer, what the code claims
   * (a DCC's country, an SHC's iss).
   */
  issuer: string;
  /**
   * What the holder's keyed pseudonym is made of (formats.md §2–3): a scope
   * and a subject. PHC1: (iss, sub); DCC: (dcc + country, certificate
   * identifier); SHC: (shc + iss, the card's signature). Never stored.
   */
  holderScope: string;
  holderSubject: string;
  /** The traffic light: PHC1's own; a DCC or an SHC that passes counts as green; null when the content refuses it (a positive test). */
  status: HealthStatus | null;
  /** When it was issued, seconds: PHC1 and DCC iat, SHC nbf. */
  issuedAt: number;
  /** Not valid before, seconds, besides issuedAt (PHC1 nbf); null if none. */
  notBefore: number | null;
  /** Expiry, seconds; null when it has none (an SHC without exp). */
  expires: number | null;
  /** The PHC1 test time (nat), seconds; null when absent. */
  testedAt: number | null;
  /** The masked display name, shown only, never stored. */
  maskedName: string | null;
  /** The issuer's own reason for a yellow or red status (PHC1). */
  issuerReason: string | null;
  /** What kind of credential it is, for the guard (DCC, SHC). */
  kind: CredentialKind | null;
  /** A DCC's certificate type, judged against the policy's dccAccept. */
  dccType: DccType | null;
}

export interface CodeVerification {
  outcome: CodeOutcome;
  /**
   * Why it was refused (or UNKNOWN_ISSUER); for a verified credential, what
   * its content says against it (TEST_POSITIVE). Empty when all is well.
   */
  reasons: ReasonCode[];
  /** The format the text claims by its prefix; null for NOT_PHC and TOO_LARGE. */
  format: CodeFormat | null;
  /** The claimed issuer, when it could be read. */
  issuer: string | null;
  issuerName: IssuerName | null;
  kid: string | null;
  alg: SignatureAlg | null;
  /** The content; the issuer's own words only when outcome is 'verified'. */
  credential: Credential | null;
}

/** A refusal for `reason`, with whatever was read before it. */
export function refused(reason: ReasonCode, partial: Partial<CodeVerification> = {}): CodeVerification {
  return { outcome: 'refused', reasons: [reason], format: null, issuer: null, issuerName: null, kid: null, alg: null, credential: null, ...partial };
}

/**
 * The holder's name masked as formats.md §2 says: the first character of
 * the family name, then `*` (whole code points, so a Chinese surname or an
 * accented letter is not split). Null when there is no name.
 */
export function maskFamilyName(family: unknown): string | null {
  if (typeof family !== 'string') return null;
  const first = [...family.trim()][0];
  return first === undefined ? null : `${first}*`;
}
