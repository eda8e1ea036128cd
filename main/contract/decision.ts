// What a check ends in (spec §4), as it crosses from the core to the CLI,
// the log and the screens. Messages are not carried: they are looked up by
// code in the reader's language.
import type { CodeFormat, CredentialKind, HealthStatus, IssuerName } from './code.js';
import type { ReasonCode, Verdict } from './reasons.js';

export interface Reason {
  code: ReasonCode;
  /** The verdict this reason calls for (for STATUS_* and FEVER, as the policy says). */
  verdict: Verdict;
}

export interface Decision {
  verdict: Verdict;
  /** Never empty: OK alone when everything passed. */
  reasons: Reason[];
}

export type ClockState = 'trusted' | 'untrusted';

/** One decided check, as reported to whoever asked for it. */
export interface CheckOutcome extends Decision {
  /** UUIDv7; null when the check was not logged (--no-log). */
  checkId: string | null;
  /** When the check was decided, ms since the epoch. */
  atMs: number;
  /** The format the text claimed (formats.md §1); null when it is none this kiosk knows. */
  format: CodeFormat | null;
  issuer: string | null;
  /** The issuer's name from the bundle: a province, a DCC's country, an SHC issuer. */
  issuerName: IssuerName | null;
  status: HealthStatus | null;
  /** A DCC's or an SHC's kind (vaccination, test, recovery; immunization, laboratory), verified only. */
  credentialKind: CredentialKind | null;
  kid: string | null;
  /** The masked display name, shown only, never stored. */
  maskedName: string | null;
  /** The issuer's own reason for a yellow or red status. */
  issuerReason: string | null;
  temperatureC: number | null;
  bundleSeq: number | null;
  policyVersion: number;
  clockState: ClockState;
}
