// The time floor (spec §4): the latest time the kiosk has good evidence of,
// kept per source in the log's meta table so that each can be shown and
// lowered (main/clock/clock-recovery.ts). What counts as evidence, and when
// it is too far ahead to believe, is main/clock/time-evidence.ts.
//
// Meta keys (JSON):
//   time_floor.checks   Evidence   the newest check logged at a trusted clock
//   time_floor.server   Evidence   the central service's Date from an authenticated success
//   time_floor.refused  { checks?: Refusal, server?: Refusal }
//   time_floor.legacy   { ms }     the old single key's value, shown, never counted
//   time_floor.version  "3"        set once the older layouts were migrated
// The bundle's iat is not stored: it is read from the installed bundle.
//
// Older kiosks kept one key, time_floor_ms, raised by the Date of ANY
// response (errors, plain http, the technician's probe of an unsaved
// address) — the value that denied every code after one `Date: 2100`. Its
// value cannot be told apart from good evidence, so it is no longer counted
// nor written: migration copies it to time_floor.legacy for `sentinel clock
// show` and leaves it. The checks it came with are re-read instead: the
// newest logged check seeds the checks evidence when it was logged at a
// trusted clock and passes the same plausibility test as a new check.
//
// Layout 2 judged checks against the bundle's exp and the earlier checks
// (see time-evidence.ts: a clock run weeks ahead, or one walking forward
// 23 h at a time, got in). Layout 3 re-judges the stored checks evidence
// once against today's rule: evidence that no longer passes is discarded
// and kept as the checks' last refusal, for `sentinel clock show`.
import { AuditTrail } from '../audit/audit.js';
import type { CheckLog } from '../log/check-log.js';
import {
  CHECKS_EVIDENCE_STEP_MS,
  authenticatedMs,
  checkTimePlausibility,
  floorOf,
  RECORDED_SOURCES,
  refusalNeedsAudit,
  serverTimePlausibility,
  type Evidence,
  type Floor,
  type KnownTimes,
  type RecordedSource,
  type Refusal,
  type TrustTimes,
} from './time-evidence.js';

export const FLOOR_META = {
  checks: 'time_floor.checks',
  server: 'time_floor.server',
  refused: 'time_floor.refused',
  legacy: 'time_floor.legacy',
  version: 'time_floor.version',
  /** The single key of older kiosks (see above). */
  oldSingleKey: 'time_floor_ms',
} as const;

const LAYOUT_VERSION = '3';
/** Who writes the automatic audit events (refused evidence). */
export const KIOSK_ACTOR = 'kiosk';

export type Offer = 'recorded' | 'not-newer' | 'refused';

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function asEvidence(value: unknown): Evidence | null {
  if (typeof value !== 'object' || value === null) return null;
  const { ms, recordedAtMs } = value as Record<string, unknown>;
  return typeof ms === 'number' && Number.isFinite(ms) && typeof recordedAtMs === 'number' && Number.isFinite(recordedAtMs) ? { ms, recordedAtMs } : null;
}

function asRefusal(value: unknown): Refusal | null {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Record<string, unknown>;
  return [r.ms, r.atMs, r.count, r.auditedAtMs].every((v) => typeof v === 'number' && Number.isFinite(v)) ? (r as unknown as Refusal) : null;
}

export class TimeFloor {
  private readonly audit: AuditTrail;

  constructor(private readonly log: CheckLog) {
    this.audit = new AuditTrail(log);
  }

  /** The floor in ms, or null when there is no evidence at all yet. */
  currentMs(trustIatS: number | null): number | null {
    // Only the bundle's iat makes a floor; its exp matters to plausibility alone.
    return this.floor(trustIatS === null ? null : { iat: trustIatS, exp: trustIatS }).ms;
  }

  /** The floor and the source it comes from. */
  floor(trust: TrustTimes | null): { ms: number | null; source: Floor['source'] | null } {
    const f = floorOf(this.known(trust));
    return { ms: f?.ms ?? null, source: f?.source ?? null };
  }

  /** Every source's evidence as recorded (the bundle's from `trust`). */
  known(trust: TrustTimes | null): KnownTimes {
    return { trust, checks: this.evidence('checks'), server: this.evidence('server') };
  }

  evidence(source: RecordedSource): Evidence | null {
    return asEvidence(parseJson(this.log.getMeta(FLOOR_META[source])));
  }

  /** The last refused piece of evidence per source. */
  refused(): Partial<Record<RecordedSource, Refusal>> {
    const doc = parseJson(this.log.getMeta(FLOOR_META.refused));
    const out: Partial<Record<RecordedSource, Refusal>> = {};
    if (typeof doc === 'object' && doc !== null) {
      for (const source of RECORDED_SOURCES) {
        const r = asRefusal((doc as Record<string, unknown>)[source]);
        if (r) out[source] = r;
      }
    }
    return out;
  }

  /** The old single key's value, kept for display only (see the top of this file). */
  legacyMs(): number | null {
    const doc = parseJson(this.log.getMeta(FLOOR_META.legacy));
    const ms = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>).ms : null;
    if (typeof ms === 'number' && Number.isFinite(ms)) return ms;
    // Not migrated yet: the old key itself.
    const text = this.log.getMeta(FLOOR_META.oldSingleKey);
    const old = text === null || text === '' ? NaN : Number(text);
    return Number.isFinite(old) ? old : null;
  }

  /**
   * Moves an older kiosk's floor to this layout, once. Needs no clock: the
   * seed and the re-judged evidence are judged against the authenticated
   * evidence only.
   */
  migrate(trust: TrustTimes | null): void {
    const version = this.log.getMeta(FLOOR_META.version);
    if (version === LAYOUT_VERSION) return;
    if (version !== '2') this.migrateSingleKey(trust);
    // Without a bundle no check is plausible: wait for one rather than discard good evidence.
    if (trust === null) return;
    const checks = this.evidence('checks');
    if (checks !== null && checkTimePlausibility(checks.ms, this.known(trust)) !== 'plausible') {
      // Kept as the refusal, stamped with the clock that recorded it (there is no
      // clock here); not audited now: the next refusal is (its clock went back).
      const all = this.refused();
      all.checks = { ms: checks.ms, atMs: checks.recordedAtMs, count: (all.checks?.count ?? 0) + 1, auditedAtMs: checks.recordedAtMs };
      this.log.setMeta(FLOOR_META.refused, JSON.stringify(all));
      this.log.setMeta(FLOOR_META.checks, 'null');
    }
    this.log.setMeta(FLOOR_META.version, LAYOUT_VERSION);
  }

  /** Layout 1 → 2: the old single key kept for display, the newest trusted check as the seed. */
  private migrateSingleKey(trust: TrustTimes | null): void {
    const text = this.log.getMeta(FLOOR_META.oldSingleKey);
    const old = text === null || text === '' ? NaN : Number(text);
    if (Number.isFinite(old) && this.log.getMeta(FLOOR_META.legacy) === null) this.log.setMeta(FLOOR_META.legacy, JSON.stringify({ ms: old }));
    if (this.evidence('checks') === null) {
      const newest = this.log.newestAtMs();
      if (newest !== null) {
        let trusted = false;
        // for…of closes the iterator (an open one keeps the connection busy).
        for (const c of this.log.list({ sinceMs: newest })) {
          trusted = c.clockState === 'trusted';
          break;
        }
        if (trusted && checkTimePlausibility(newest, this.known(trust)) === 'plausible') this.write('checks', { ms: newest, recordedAtMs: newest });
      }
    }
    this.log.setMeta(FLOOR_META.version, '2');
  }

  /**
   * Offers the central service's time, from an answer the caller has
   * established as an authenticated success. Refused and audited when far
   * beyond everything else known.
   */
  offerServerTime(ms: number, ctx: { nowMs: number; trust: TrustTimes | null }): Offer {
    if (!Number.isFinite(ms)) return 'not-newer';
    this.migrate(ctx.trust);
    const known = this.known(ctx.trust);
    if (serverTimePlausibility(ms, ctx.nowMs, known) !== 'plausible') {
      this.refuse('server', [ms], ctx.nowMs, { nowMs: ctx.nowMs, bundleIatMs: ctx.trust ? ctx.trust.iat * 1000 : null });
      return 'refused';
    }
    if (known.server !== null && ms <= known.server.ms) return 'not-newer';
    this.write('server', { ms: Math.floor(ms), recordedAtMs: ctx.nowMs });
    return 'recorded';
  }

  /**
   * Records what a run of logged checks showed (Checkpoint judges each
   * against time-evidence.ts as it goes): the newest accepted check time,
   * and the times refused, with the kiosk clock of the last refusal.
   */
  recordChecks(accepted: Evidence | null, refusedTimes: readonly number[], refusedAtMs: number | null, trust: TrustTimes | null): void {
    const stored = this.evidence('checks');
    if (accepted !== null && (stored === null || accepted.ms >= stored.ms + CHECKS_EVIDENCE_STEP_MS)) this.write('checks', accepted);
    if (refusedTimes.length > 0 && refusedAtMs !== null) {
      const known = this.known(trust);
      this.refuse('checks', refusedTimes, refusedAtMs, {
        authenticatedMs: authenticatedMs(known),
        bundleIatMs: trust ? trust.iat * 1000 : null,
        bundleExpMs: trust ? trust.exp * 1000 : null,
        serverMs: known.server?.ms ?? null,
      });
    }
  }

  /**
   * Discards recorded evidence above `ms` (a technician's reset): each
   * recorded source is lowered to it where it was higher. The bundle's iat
   * cannot be lowered; the floor never goes below the installed bundle.
   */
  lowerTo(ms: number, atMs: number, trust: TrustTimes | null): void {
    this.migrate(trust);
    for (const source of RECORDED_SOURCES) {
      const e = this.evidence(source);
      if (e !== null && e.ms > ms) this.write(source, { ms, recordedAtMs: atMs });
    }
  }

  private write(source: RecordedSource, e: Evidence): void {
    this.log.setMeta(FLOOR_META[source], JSON.stringify(e));
  }

  /** Keeps the last refusal per source; writes one audit event per source per hour at most. */
  private refuse(source: RecordedSource, times: readonly number[], atMs: number, against: Record<string, number | null>): void {
    const all = this.refused();
    const previous = all[source] ?? null;
    const newest = times.reduce((a, b) => Math.max(a, b), -Infinity);
    const audit = refusalNeedsAudit(previous, atMs);
    const count = (previous?.count ?? 0) + times.length;
    all[source] = { ms: newest, atMs, count, auditedAtMs: audit ? atMs : (previous?.auditedAtMs ?? atMs) };
    this.log.setMeta(FLOOR_META.refused, JSON.stringify(all));
    if (!audit) return;
    this.audit.record('clock/evidence-refused', KIOSK_ACTOR, { source, at: new Date(newest).toISOString(), ms: newest, refusals: count, against }, atMs);
  }
}
