// Audit events: every configuration change, PIN failure, calibration,
// bundle import, policy change and override is written into the same
// tamper-evident chain as the checks, and synced like them.
import * as os from 'node:os';
import { DATA_FILES, DataDir } from '../data-dir.js';
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

/** Appends one audit event to a log already open, in its keyed chain. */
export function appendAudit(log: CheckLog, type: AuditType, actor: string, detail: Record<string, unknown>, nowMs: number): void {
  log.appendEvents([{ eventId: uuidv7(nowMs), atMs: nowMs, type, actor, detail }]);
}

/** Appends one audit event to a data directory's log (opened and closed here). */
export function recordAudit(dataDir: string, type: AuditType, actor: string, detail: Record<string, unknown>, nowMs: number): void {
  const log = CheckLog.open(DataDir.open(dataDir, { create: true }).path(DATA_FILES.database));
  try {
    appendAudit(log, type, actor, detail, nowMs);
  } finally {
    log.close();
  }
}
