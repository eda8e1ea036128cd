// The checkpoint's decision (spec §3–4): from a code's verification and the
// circumstances of the check (time, temperature, trust age, clock, the
// holder's last pass) to a verdict and every reason behind it. Pure.
import type { Decision, Reason } from '../contract/decision.js';
import type { Policy } from '../contract/policy.js';
import { PLAUSIBLE_TEMPERATURE_C } from '../contract/policy.js';
import { REASON_VERDICT, compareReasonCodes, worstVerdict, type ReasonCode, type Verdict } from '../contract/reasons.js';
import { FORMAT_RULES } from '../contract/code.js';
import type { CodeVerification } from '../verify/code.js';

export interface CheckCircumstances {
  /** The kiosk clock's reading, seconds since the epoch. */
  nowS: number;
  policy: Policy;
  /** The temperature taken for this check, °C; null when none was. */
  temperatureC: number | null;
  /**
   * No temperature, but a reading at or above the re-measure threshold was seen
   * for this traveller and not resolved: a possible fever, so TEMPERATURE_MISSING
   * even where the policy makes a temperature optional. Absent = false.
   */
  temperatureUnresolved?: boolean;
  /** The installed bundle's issue and expiry times; null when none is installed. */
  trust: { iat: number; exp: number } | null;
  /** The latest time the kiosk has good evidence of (spec §4 time floor), seconds; null if none. */
  timeFloorS: number | null;
  /**
   * The authenticated part of that evidence: the bundle's iat and the
   * service's Date, not the kiosk's own logged checks; seconds, null if none.
   * Omitted: the whole floor is taken as authenticated (as spec §4 states it).
   */
  authenticatedFloorS?: number | null;
  /** When this holder last passed (an admitted check), seconds; null if never or unknown. */
  lastAdmittedS: number | null;
}

const HOUR_S = 3600;
const DAY_S = 86_400;

/** Is the clock behind the time floor by more than the allowed skew? */
export function clockIsUntrusted(nowS: number, timeFloorS: number | null, policy: Pick<Policy, 'clockSkewSeconds'>): boolean {
  return timeFloorS !== null && nowS < timeFloorS - policy.clockSkewSeconds;
}

export function decide(v: CodeVerification, c: CheckCircumstances): Decision {
  const reasons: Reason[] = [];
  const add = (code: ReasonCode, verdict?: Verdict): void => {
    const fixed = REASON_VERDICT[code];
    reasons.push({ code, verdict: verdict ?? (fixed === 'policy' ? 'review' : fixed) });
  };
  // A refusal's reasons, UNKNOWN_ISSUER, or what a verified credential's content says against it (TEST_POSITIVE).
  for (const code of v.reasons) add(code);

  // A refused code is refused for what it is; the circumstances add nothing a guard needs.
  if (v.outcome !== 'refused') {
    const { policy } = c;
    const untrusted = clockIsUntrusted(c.nowS, c.timeFloorS, policy);
    // With a clock known to be behind, judge at the latest time we have evidence of,
    // so a slow clock cannot make an expired code look valid. The floor is only a
    // LOWER bound of the true time: it proves "too late" (expired, too old, stale),
    // never "too early" — the true time may be anywhere above it. So with an
    // untrusted clock NOT_YET_VALID and ALREADY_PASSED are not concluded: the guard
    // reviews (CLOCK_UNTRUSTED) rather than a good code being denied for the
    // kiosk's own clock's fault. A key's validity needs no clock at all: it is
    // judged against the code's own iat when it is verified.
    //
    // Only an AUTHENTICATED floor (the bundle's iat, the service's Date) is a proven
    // lower bound. The rest of the floor is the kiosk's own logged checks: an earlier
    // reading of this same clock. A clock behind it means the clock now or the clock
    // then was wrong, and nothing authenticated tells which. "Too late" at that
    // self-made floor trusts the earlier reading — and a clock that once ran weeks
    // ahead then denied every good code until a technician came. So "too late" is
    // judged at the later of the authenticated floor (proven) and the clock now:
    // if the clock was set back, now is below the true time, so still a lower bound;
    // if the earlier reading ran ahead, now is the kiosk's best reading, trusted as
    // much as any clock not behind its floor. "Too early" is still not concluded
    // (now may be the wrong one), and CLOCK_UNTRUSTED sends the check to a guard.
    // The cost: with a clock set back below its own checks but not below the
    // authenticated evidence, a code that expired in between is reviewed, not
    // denied — and the checks floor leads the authenticated one by at most a day.
    const provenS = c.authenticatedFloorS === undefined ? c.timeFloorS : c.authenticatedFloorS;
    const at = untrusted ? Math.max(c.nowS, provenS ?? c.nowS) : c.nowS;
    const knowsNow = !untrusted;
    if (untrusted) add('CLOCK_UNTRUSTED');
    if (c.trust) {
      if (at >= c.trust.exp) add('TRUST_EXPIRED');
      if (at - c.trust.iat > policy.trustMaxAgeDays * DAY_S) add('TRUST_STALE');
    }
    addTemperatureReasons(c, add);
    // The format first: a guard looks at a kind of code this checkpoint does not
    // take automatically, whatever else holds (formats.md §1, §4).
    if (v.format !== null && !policy.acceptFormats.includes(v.format)) add('FORMAT_NOT_ACCEPTED');
    if (v.outcome === 'verified' && v.credential) {
      const cred = v.credential;
      const rules = FORMAT_RULES[cred.format];
      const skew = policy.clockSkewSeconds;
      const issuerAccepted = policy.acceptIssuers.includes('*') || policy.acceptIssuers.includes(cred.issuer);
      // A DCC type the checkpoint does not take (formats.md §2): its issuer is not accepted for it. One reason, even for both.
      const typeAccepted = cred.dccType === null || policy.dccAccept.includes(cred.dccType);
      if (!issuerAccepted || !typeAccepted) add('ISSUER_NOT_ACCEPTED');
      if (cred.expires !== null && at >= cred.expires + skew) add('EXPIRED');
      if (knowsNow && ((cred.notBefore !== null && at < cred.notBefore - skew) || cred.issuedAt > at + skew)) add('NOT_YET_VALID');
      if (rules.codeAge && at - cred.issuedAt > policy.maxCodeAgeSeconds) add('CODE_TOO_OLD');
      if (cred.status === 'green' && policy.onStatus.green !== 'admit') add('STATUS_GREEN', policy.onStatus.green);
      if (cred.status === 'yellow') add('STATUS_YELLOW', policy.onStatus.yellow);
      if (cred.status === 'red') add('STATUS_RED', policy.onStatus.red);
      if (rules.testClaim && policy.natMaxAgeHours !== null) {
        if (cred.testedAt === null) add('TEST_MISSING');
        else if (at - cred.testedAt > policy.natMaxAgeHours * HOUR_S) add('TEST_TOO_OLD');
      }
      // "Passed within N seconds" needs the true time bounded from above: only a trusted
      // clock gives that. A pass logged in the future beyond the skew (by a clock that
      // ran ahead) says nothing of how long ago it was, so it proves no passback either.
      if (policy.antiPassbackSeconds > 0 && knowsNow && c.lastAdmittedS !== null) {
        const since = at - c.lastAdmittedS;
        if (since >= -skew && since < policy.antiPassbackSeconds) add('ALREADY_PASSED');
      }
    }
  }
  if (reasons.length === 0) add('OK');
  reasons.sort((a, b) => compareReasonCodes(a.code, b.code));
  return { verdict: worstVerdict(reasons.map((r) => r.verdict)), reasons };
}

function addTemperatureReasons(c: CheckCircumstances, add: (code: ReasonCode, verdict?: Verdict) => void): void {
  const { policy, temperatureC: t } = c;
  if (policy.temperature === 'off') return;
  if (t === null) {
    if (policy.temperature === 'required' || c.temperatureUnresolved === true) add('TEMPERATURE_MISSING');
    return;
  }
  // A reading outside the human band is a mis-aimed sensor, never "normal" nor "fever".
  if (t < PLAUSIBLE_TEMPERATURE_C.min || t > PLAUSIBLE_TEMPERATURE_C.max) add('TEMPERATURE_IMPLAUSIBLE');
  else if (t >= policy.feverThresholdC) add('FEVER', policy.onFever);
}
