// What counts as evidence of the time (spec §4 time floor), and when a piece
// of evidence is too far ahead to believe. Pure: every time is a parameter.
//
// The floor is the latest time the kiosk has good evidence of, and a clock
// behind it is untrusted. Evidence therefore only ever pushes judgements
// later ("too late"); evidence that is wrong in the future denies every code.
// So each source must be authenticated, and each new piece must be plausible:
//
// - bundle: the installed bundle's iat, signed by the pinned national root.
//   Never refused: the root already decides which keys sign codes; a root
//   that lies about time could make the kiosk admit anything anyway.
// - checks: the time of a check logged while the clock was trusted, with a
//   bundle installed (without one nothing vouches for the time it carries).
// - server: the central service's Date, only from a successful answer over
//   an authenticated transport (see main/sync/sync-client.ts).

export type EvidenceSource = 'bundle' | 'checks' | 'server';
export const EVIDENCE_SOURCES: readonly EvidenceSource[] = ['bundle', 'checks', 'server'];

/** The sources kept in the log's meta table (the bundle's is derived from the installed bundle). */
export type RecordedSource = Exclude<EvidenceSource, 'bundle'>;
export const RECORDED_SOURCES: readonly RecordedSource[] = ['checks', 'server'];

/**
 * How far beyond everything else known a new piece of evidence may be.
 *
 * 24 h: a genuine server's Date agrees with a good kiosk clock to within
 * seconds, and with the last evidence of a kiosk whose clock was lost
 * (a dead RTC battery) to within the time it was switched off — a night. A
 * wrong clock or Date is typically off by years (2100, 1970 + a bit, a typo
 * in the year) and is refused. The bound also limits the harm of a wrong
 * piece that gets through: a floor at most a day ahead is overtaken by the
 * true time within that day, so it cannot deny codes for longer, where an
 * unbounded floor denied every code forever.
 */
export const PLAUSIBLE_LEAD_MS = 24 * 3_600_000;

/** The installed bundle's times, seconds since the epoch (as in the bundle). */
export interface TrustTimes {
  iat: number;
  exp: number;
}

/** One recorded piece of evidence. */
export interface Evidence {
  /** The time it shows, ms since the epoch. */
  ms: number;
  /** The kiosk's clock when it was recorded, ms. */
  recordedAtMs: number;
}

export interface KnownTimes {
  trust: TrustTimes | null;
  checks: Evidence | null;
  server: Evidence | null;
}

export interface Floor {
  ms: number;
  source: EvidenceSource;
}

/** The floor: the latest of every source's evidence, with the source it came from; null with none. */
export function floorOf(known: KnownTimes): Floor | null {
  const candidates: Floor[] = [];
  if (known.trust) candidates.push({ ms: known.trust.iat * 1000, source: 'bundle' });
  if (known.checks) candidates.push({ ms: known.checks.ms, source: 'checks' });
  if (known.server) candidates.push({ ms: known.server.ms, source: 'server' });
  return candidates.reduce<Floor | null>((best, c) => (best === null || c.ms > best.ms ? c : best), null);
}

export type Plausibility = 'plausible' | 'implausible' | 'unvouched';

/**
 * A check's time as evidence. Its time IS the kiosk's clock, so the clock
 * cannot vouch for it; what can is the other evidence, and the installed
 * bundle's validity: the root signs that the bundle is to be used until
 * exp, so a kiosk legitimately runs anywhere up to then (offline for weeks
 * after the bundle was issued, say), and past it every check is
 * TRUST_EXPIRED review anyway. Beyond that, a check counts only within a
 * day of what else is known, so a kiosk in daily use keeps its floor moving
 * while a clock jumped years ahead is refused.
 */
export function checkTimePlausibility(atMs: number, known: KnownTimes): Plausibility {
  if (!known.trust) return 'unvouched';
  const ceiling = Math.max(known.trust.exp * 1000, known.checks?.ms ?? -Infinity, known.server?.ms ?? -Infinity) + PLAUSIBLE_LEAD_MS;
  return atMs <= ceiling ? 'plausible' : 'implausible';
}

/**
 * The server's Date as evidence: within a day of the latest of the kiosk's
 * own clock and the other sources. Its own earlier Dates do not count, so a
 * service cannot walk the floor forward a day per answer.
 */
export function serverTimePlausibility(ms: number, nowMs: number, known: KnownTimes): Plausibility {
  const ceiling = Math.max(nowMs, known.trust ? known.trust.iat * 1000 : -Infinity, known.checks?.ms ?? -Infinity) + PLAUSIBLE_LEAD_MS;
  return ms <= ceiling ? 'plausible' : 'implausible';
}

/** The last piece of evidence a source offered that was refused, and how often. */
export interface Refusal {
  /** The time it showed, ms. */
  ms: number;
  /** The kiosk's clock when it was refused, ms. */
  atMs: number;
  /** Refusals since the first. */
  count: number;
  /** When the last audit event about it was written (kiosk clock), ms. */
  auditedAtMs: number;
}

/** At most one audit event per source per hour: a stream of checks at a far-ahead clock must not flood the trail. */
export const REFUSAL_AUDIT_EVERY_MS = 3_600_000;

export function refusalNeedsAudit(previous: Refusal | null, atMs: number): boolean {
  // A clock that went back since the last audit is news too (a reset, or a fight between two clocks).
  return previous === null || atMs - previous.auditedAtMs >= REFUSAL_AUDIT_EVERY_MS || atMs < previous.auditedAtMs;
}

/**
 * Checks evidence is written at most once per minute of check time: the
 * floor is a lower bound, a minute lag is within the policy's clock skew in
 * size, and it spares the kiosk a second durable write for every check.
 */
export const CHECKS_EVIDENCE_STEP_MS = 60_000;
