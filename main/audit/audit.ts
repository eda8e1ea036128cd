// Audit events: every configuration change, PIN failure, calibration,
// bundle import, policy change and override is written into the same
// tamper-evident chain as the checks, and synced like them. The trail is
// written on a log the caller already holds open (AuditTrail): an event is
// one transaction on that connection, not a file opened and closed.
import * as os from 'node:os';
import type { DataDir } from '../data-dir.js';
import { CheckLog } from '../log/check-log.js';
import { uuidv7 } from '../log/check-id.js';

export type AuditType =
  | 'config/changed'
  | 'pin/set'
  | 'pin/failed'
  | 'pin/locked'
  | 'calibration/done'
  | 'calibration/refused'
  | 'trust/installed'
  | 'trust/refused'
  | 'policy/set'
  | 'policy/refused'
  | 'override'
  /** Evidence of the time refused as far beyond everything else known (at most one an hour per source). */
  | 'clock/evidence-refused'
  /** A technician lowered the time floor (before and after). */
  | 'clock/floor-reset'
  /** A technician set the system clock, or tried to. */
  | 'clock/set'
  | 'clock/set-failed'
  /**
   * The gate (issue 15), each referring to its check where there is one:
   * an admitted traveller who did not pass within the pass time (the check
   * itself is never rewritten; anti-passback no longer counts it), a
   * passage the sensor confirmed, a passage nobody was admitted for, the
   * gate out of order and back, free passage on and off, a technician's
   * Test open (and whether the gate confirmed it).
   */
  | 'gate/not-passed'
  | 'gate/passed'
  | 'gate/tailgate'
  | 'gate/out-of-order'
  | 'gate/back-in-order'
  | 'gate/free-passage'
  | 'gate/test-open'
  /** Written by the check log itself: a retention pass (what went, inside the keyed chain), and the re-keying of an older log. */
  | 'retention/purged'
  | 'log/rekeyed';

/** Who is acting from the command line: $SENTINEL_ACTOR, else the system user. */
export function cliActor(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SENTINEL_ACTOR) return env.SENTINEL_ACTOR.slice(0, 64);
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** The audit trail of an open check log: each event linked into its keyed chain, durably, when record returns. */
export class AuditTrail {
  constructor(private readonly log: CheckLog) {}

  record(type: AuditType, actor: string, detail: Record<string, unknown>, nowMs: number): void {
    this.log.appendEvents([{ eventId: uuidv7(nowMs), atMs: nowMs, type, actor, detail }]);
  }
}

/**
 * One event on the log of a data directory the caller holds open, the log
 * opened for it and closed after. For a command that records one event once
 * its change is made: the log is opened only then, so a log that cannot be
 * opened fails the command after the change, not before it.
 */
export function recordIn(dir: DataDir, type: AuditType, actor: string, detail: Record<string, unknown>, nowMs: number): void {
  const log = CheckLog.openIn(dir);
  try {
    new AuditTrail(log).record(type, actor, detail, nowMs);
  } finally {
    log.close();
  }
}
