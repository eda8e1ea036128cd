// A technician's way back from a wrong clock or a wrong floor: what the
// kiosk knows of the time (each source's evidence, what was refused), an
// audited lowering of the floor to one source's evidence or to the clock,
// and setting the system clock. Used by `sentinel clock` and meant for the
// technician screen: the core functions take an open log, the installed
// bundle's times and the time; the *In ones an open data directory and its
// log; the *For(dataDir…) ones open both, once.
import { execFile } from 'node:child_process';
import { FLOOR_TARGETS, isFloorTarget, type ClockView, type FloorTarget } from '../contract/kiosk.js';
import { AuditTrail } from '../audit/audit.js';
import { DataDir } from '../data-dir.js';
import { clockIsUntrusted } from '../decide/decide.js';
import { CheckLog } from '../log/check-log.js';
import { PolicyStore } from '../policy/policy-store.js';
import { TrustStore } from '../trust/trust-store.js';
import { floorOf, type EvidenceSource, type RecordedSource, type Refusal, type TrustTimes } from './time-evidence.js';
import { TimeFloor } from './time-floor.js';

export { FLOOR_TARGETS, isFloorTarget, type FloorTarget };

/** The installed bundle as the clock sees it. */
export interface ClockTrust extends TrustTimes {
  seq: number;
}

/** Everything the kiosk knows of the time, all in ms since the epoch. */
export interface ClockReport {
  /** The kiosk's clock (or the time asked about). */
  nowMs: number;
  floorMs: number | null;
  floorSource: EvidenceSource | null;
  /** Is the clock at or above the floor less the policy's skew (spec §4)? */
  trusted: boolean;
  skewSeconds: number;
  /** How far the clock is behind the floor (0 when it is not). */
  behindMs: number;
  evidence: {
    /** The installed bundle's iat: derived from the bundle, never stored. */
    bundle: { ms: number; seq: number } | null;
    checks: { ms: number; recordedAtMs: number } | null;
    server: { ms: number; recordedAtMs: number } | null;
  };
  /** The last refused piece of evidence per source (not counted in the floor). */
  refused: Partial<Record<RecordedSource, Refusal>>;
  /** The single floor of older versions: never counted (see time-floor.ts). */
  legacyMs: number | null;
}

export function clockReport(log: CheckLog, trust: ClockTrust | null, skewSeconds: number, nowMs: number): ClockReport {
  const floor = new TimeFloor(log);
  floor.migrate(trust);
  const known = floor.known(trust);
  const f = floorOf(known);
  const floorMs = f?.ms ?? null;
  return {
    nowMs,
    floorMs,
    floorSource: f?.source ?? null,
    trusted: !clockIsUntrusted(nowMs / 1000, floorMs === null ? null : floorMs / 1000, { clockSkewSeconds: skewSeconds }),
    skewSeconds,
    behindMs: floorMs === null ? 0 : Math.max(0, floorMs - nowMs),
    evidence: { bundle: trust ? { ms: trust.iat * 1000, seq: trust.seq } : null, checks: known.checks, server: known.server },
    refused: floor.refused(),
    legacyMs: floor.legacyMs(),
  };
}

/** The source to lower to has no evidence (CLI: exit 78). */
export class FloorResetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FloorResetRefused';
  }
}

export interface FloorReset {
  to: FloorTarget;
  /** The time the floor was lowered to (the evidence above it discarded). */
  targetMs: number;
  before: ClockReport;
  after: ClockReport;
}

/**
 * Lowers the floor to one source's evidence (discarding the other sources'
 * evidence above it), or to the kiosk's clock for 'now'. Audited in the log
 * ('clock/floor-reset', before and after). The installed bundle's iat is
 * never discarded: a clock behind the bundle in force is wrong — set it.
 */
export function resetFloor(log: CheckLog, trust: ClockTrust | null, skewSeconds: number, nowMs: number, to: FloorTarget, actor: string): FloorReset {
  const before = clockReport(log, trust, skewSeconds, nowMs);
  const targetMs = to === 'now' ? nowMs : to === 'bundle' ? before.evidence.bundle?.ms : before.evidence[to]?.ms;
  if (targetMs === undefined) throw new FloorResetRefused(`there is no ${to === 'bundle' ? 'installed trust bundle' : `${to} evidence`} to lower the floor to (use --to now, or another source)`);
  new TimeFloor(log).lowerTo(targetMs, nowMs, trust);
  const after = clockReport(log, trust, skewSeconds, nowMs);
  new AuditTrail(log).record('clock/floor-reset', actor, { to, target: new Date(targetMs).toISOString(), before: auditView(before), after: auditView(after) }, nowMs);
  return { to, targetMs, before, after };
}

const at = (ms: number): string => new Date(ms).toISOString();
const atOrNull = (ms: number | null): string | null => (ms === null ? null : at(ms));

/** A report in the words of the audit trail and `clock show --json`: times as ISO-8601. */
export function auditView(r: ClockReport): Pick<ClockView, 'clock' | 'floor' | 'floorSource' | 'trusted' | 'evidence'> {
  return {
    clock: at(r.nowMs),
    floor: atOrNull(r.floorMs),
    floorSource: r.floorSource,
    trusted: r.trusted,
    evidence: {
      bundle: r.evidence.bundle ? { at: at(r.evidence.bundle.ms), seq: r.evidence.bundle.seq } : null,
      checks: r.evidence.checks ? { at: at(r.evidence.checks.ms), recordedAt: at(r.evidence.checks.recordedAtMs) } : null,
      server: r.evidence.server ? { at: at(r.evidence.server.ms), recordedAt: at(r.evidence.server.recordedAtMs) } : null,
    },
  };
}

export function jsonView(r: ClockReport): ClockView {
  const refused = (x: Refusal | undefined) => (x ? { at: at(x.ms), refusedAt: at(x.atMs), count: x.count } : null);
  return {
    ...auditView(r),
    skewSeconds: r.skewSeconds,
    behindSeconds: Math.round(r.behindMs / 1000),
    refused: { checks: refused(r.refused.checks), server: refused(r.refused.server) },
    legacy: r.legacyMs === null ? null : { at: at(r.legacyMs), counted: false },
  };
}

// ---- the system clock ----

/** Runs a program (injected in tests); never throws for the program's own failure. */
export type ClockRunner = (file: string, args: string[]) => Promise<{ code: number | null; stdout: string; stderr: string; error?: NodeJS.ErrnoException }>;

export const execRunner: ClockRunner = (file, args) =>
  new Promise((resolve) => {
    execFile(file, args, { timeout: 15_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const err = error as (NodeJS.ErrnoException & { code?: string | number }) | null;
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr, ...(err && typeof err.code === 'string' ? { error: err } : {}) });
    });
  });

/** The system clock could not be set (CLI: exit 78, with this one line). */
export class ClockSetFailed extends Error {
  constructor(
    message: string,
    readonly permission: boolean,
  ) {
    super(message);
    this.name = 'ClockSetFailed';
  }
}

/** `timedatectl set-time` takes a calendar time; UTC named, so the kiosk's time zone cannot shift it. */
export function timedatectlArgs(targetMs: number): string[] {
  return ['set-time', `${new Date(targetMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`];
}

/** Sets the system clock through timedatectl (systemd, polkit decides who may). Throws ClockSetFailed. */
export async function setSystemClock(targetMs: number, runner: ClockRunner = execRunner): Promise<void> {
  const r = await runner('timedatectl', timedatectlArgs(targetMs));
  if (r.error?.code === 'ENOENT') throw new ClockSetFailed('cannot set the clock: timedatectl is not installed here', false);
  if (r.code === 0) return;
  const said = (r.stderr || r.stdout || r.error?.message || `timedatectl exited ${r.code}`).trim().split('\n')[0]!;
  const permission = /access denied|not permitted|permission|authenticat|not authorized|polkit/i.test(said);
  if (permission) throw new ClockSetFailed(`not permitted to set the clock (${said}); run as a user allowed to (root, or polkit's org.freedesktop.timedate1.set-time)`, true);
  if (/automatic time synchronization/i.test(said)) throw new ClockSetFailed(`cannot set the clock: ${said} (turn it off with timedatectl set-ntp false, or fix the time server)`, false);
  throw new ClockSetFailed(`cannot set the clock: ${said}`, false);
}

// ---- the same, in a data directory ----

/** What the clock reads in a data directory besides its log: the installed bundle's times and the policy's skew. */
export interface ClockSettings {
  trust: ClockTrust | null;
  skewSeconds: number;
}

/** The bundle is loaded against the highest seq the log remembers, as the checkpoint's is. */
export async function loadClockSettings(dir: DataDir, log: CheckLog, nowMs: number): Promise<ClockSettings> {
  const snapshot = await new TrustStore(dir, log).load(nowMs / 1000);
  const skewSeconds = new PolicyStore(dir).load().policy.clockSkewSeconds;
  return { trust: snapshot ? { iat: snapshot.info.iat, exp: snapshot.info.exp, seq: snapshot.info.seq } : null, skewSeconds };
}

export async function clockReportIn(dir: DataDir, log: CheckLog, nowMs: number): Promise<ClockReport> {
  const c = await loadClockSettings(dir, log, nowMs);
  return clockReport(log, c.trust, c.skewSeconds, nowMs);
}

export async function resetFloorIn(dir: DataDir, log: CheckLog, to: FloorTarget, nowMs: number, actor: string): Promise<FloorReset> {
  const c = await loadClockSettings(dir, log, nowMs);
  return resetFloor(log, c.trust, c.skewSeconds, nowMs, to, actor);
}

export interface ClockSet {
  fromMs: number;
  toMs: number;
  /** With resetFloor: the floor lowered to the new clock. */
  reset: FloorReset | null;
}

/**
 * Sets the system clock to targetMs (audited 'clock/set', or 'clock/set-failed'
 * and ClockSetFailed thrown), then, if asked, lowers the floor to it.
 * `fromMs` is the clock before.
 */
export async function setClockIn(dir: DataDir, targetMs: number, opts: { fromMs: number; actor: string; resetFloor: boolean; runner?: ClockRunner; log?: CheckLog }): Promise<ClockSet> {
  const detail = { from: new Date(opts.fromMs).toISOString(), to: new Date(targetMs).toISOString() };
  // A log not already open (the CLI) is opened only once the clock has been set (or has
  // failed to be): a log that cannot be opened does not keep a technician from fixing the clock.
  let failed: ClockSetFailed | null = null;
  try {
    await setSystemClock(targetMs, opts.runner);
  } catch (err) {
    if (!(err instanceof ClockSetFailed)) throw err;
    failed = err;
  }
  const log = opts.log ?? CheckLog.openIn(dir);
  try {
    const audit = new AuditTrail(log);
    if (failed) {
      audit.record('clock/set-failed', opts.actor, { ...detail, reason: failed.message }, opts.fromMs);
      throw failed;
    }
    // From here the system clock reads targetMs: events are stamped with it.
    audit.record('clock/set', opts.actor, detail, targetMs);
    const reset = opts.resetFloor ? await resetFloorIn(dir, log, 'now', targetMs, opts.actor) : null;
    return { fromMs: opts.fromMs, toMs: targetMs, reset };
  } finally {
    if (!opts.log) log.close();
  }
}

// ---- the same, from a data directory's path ----

/** Opens the data directory and its log once, for one use, and closes the log after it. */
export async function withClockLog<T>(dataDir: string, use: (dir: DataDir, log: CheckLog) => Promise<T>): Promise<T> {
  const dir = DataDir.open(dataDir, { create: false });
  const log = CheckLog.openIn(dir);
  try {
    return await use(dir, log);
  } finally {
    log.close();
  }
}
