// What the log keeps of one check, and of one check once logged. Never the
// QR text, never the raw subject.
import type { ClockState } from '../contract/decision.js';
import type { CodeFormat, HealthStatus } from '../contract/code.js';
import type { ReasonCode, Verdict } from '../contract/reasons.js';

/** What is written for one check. Never the QR text, never the raw subject. */
export interface CheckRecord {
  checkId: string;
  atMs: number;
  verdict: Verdict;
  reasons: ReasonCode[];
  issuer: string | null;
  status: HealthStatus | null;
  kid: string | null;
  /** Keyed pseudonym of the holder (HolderPseudonym), or null. */
  holder: string | null;
  temperatureC: number | null;
  /**
   * The module's own reading and the calibration offset applied to it
   * (temperatureC is raw + offset, to the driver's 0.01 °C rounding of the
   * raw value); absent for a temperature typed in or
   * simulated, and for checks logged before they were kept.
   */
  temperatureRawC?: number | null;
  calibrationOffsetC?: number | null;
  /**
   * The format the scanned text claimed (formats.md §4), null for a text of
   * none; absent in checks logged before schema 6 (all of them PHC1 or none).
   */
  format?: CodeFormat | null;
  bundleSeq: number | null;
  policyVersion: number;
  clockState: ClockState;
}

export type SyncState = 'pending' | 'synced';

export interface LoggedCheck extends CheckRecord {
  seq: number;
  syncState: SyncState;
  syncedAtMs: number | null;
}
