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
//   bundle installed, within a day of the authenticated evidence (the two
//   above and below). Not itself authenticated: it is the kiosk's own clock.
//   A check made "as of" a given time (`sentinel verify --at`) is no reading
//   of the clock and never evidence (main/checkpoint/checkpoint.ts).
// - server: the central service's Date, only from a successful answer over
//   an authenticated transport (see main/sync/sync-client.ts).
//
// Only the bundle's iat and the server's Date are *authenticated* times. The
// bundle's exp is a validity limit, not evidence of the time, and the kiosk's
// own checks cannot vouch for its later checks: with either in the ceiling a
// clock run weeks ahead (within exp), or one jumping a little less than the
// lead at a time, pushed the floor as far as it liked and every good code
// was then denied.

export type EvidenceSource = 'bundle' | 'checks' | 'server';

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
 * in the year) and is refused. The bound is measured from authenticated
 * evidence only (authenticatedMs), so a wrong piece that gets through holds
 * the floor at most a day beyond the bundle's iat or the service's Date.
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

/**
 * The latest authenticated evidence: the installed bundle's iat (signed by
 * the pinned root) and the service's Date (from an authenticated success),
 * ms; null with neither. A lower bound of the true time that no clock of the
 * kiosk's own has a hand in.
 */
export function authenticatedMs(known: Pick<KnownTimes, 'trust' | 'server'>): number | null {
  const times = [known.trust ? known.trust.iat * 1000 : null, known.server?.ms ?? null].filter((t): t is number => t !== null);
  return times.length === 0 ? null : Math.max(...times);
}

/**
 * plausible: counts as evidence. unvouched: nothing authenticated vouches for
 * it, so it does not count, and it is no news either (kept nowhere, not
 * audited). implausible: refused, kept as the source's last refusal and
 * audited (rate-limited).
 */
export type Plausibility = 'plausible' | 'implausible' | 'unvouched';

/**
 * A check's time as evidence. Its time IS the kiosk's clock, so the clock
 * cannot vouch for it; only authenticated evidence can (authenticatedMs):
 * a check counts when it is at most PLAUSIBLE_LEAD_MS beyond it. Earlier
 * checks do not raise that ceiling (else a clock jumping 23 h at a time
 * walks the floor without limit), nor does the bundle's exp (a validity
 * limit, not a time anyone vouched for: a clock run 20 days ahead within it
 * counted, and denied every good code once corrected).
 *
 * So a kiosk running offline for weeks on one bundle keeps a floor at the
 * bundle's iat + 24 h at most. That is safe: a stale floor only weakens the
 * protection against a clock set back (behind the true time but above the
 * stale floor, the clock is trusted), and it never denies a good code. Such
 * checks are 'unvouched' — not evidence, and not refused: an offline kiosk
 * makes them all day. Beyond the bundle's validity (exp + the lead), where
 * every check is TRUST_EXPIRED anyway, a check's time is 'implausible':
 * refused and audited, as a clock jumped to 2100 should be. The exp decides
 * only that, never what counts.
 */
export function checkTimePlausibility(atMs: number, known: KnownTimes): Plausibility {
  if (!known.trust) return 'unvouched';
  const vouched = (authenticatedMs(known) ?? -Infinity) + PLAUSIBLE_LEAD_MS;
  if (atMs <= vouched) return 'plausible';
  return atMs <= Math.max(vouched, known.trust.exp * 1000 + PLAUSIBLE_LEAD_MS) ? 'unvouched' : 'implausible';
}

/**
 * The server's Date as evidence: within a day of the latest of the kiosk's
 * clock now and the bundle's iat. Its own earlier Dates do not count, so a
 * service cannot walk the floor forward a day per answer; nor do the
 * kiosk's logged checks (its own clock of earlier, which is no better than
 * its clock now, and could otherwise take turns with the Date to walk it).
 */
export function serverTimePlausibility(ms: number, nowMs: number, known: KnownTimes): Plausibility {
  const ceiling = Math.max(nowMs, known.trust ? known.trust.iat * 1000 : -Infinity) + PLAUSIBLE_LEAD_MS;
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
