// The checkpoint: the one entry point for a scan, whatever its source.
// verify → decide → log, and only then is the outcome reported, so a check
// anyone has seen is a check on disk.
import type { CheckOutcome } from '../contract/decision.js';
import { clockIsUntrusted, decide } from '../decide/decide.js';
import type { CheckLog, CheckRecord } from '../log/check-log.js';
import { uuidv7 } from '../log/check-id.js';
import type { HolderPseudonym } from '../log/holder-pseudonym.js';
import type { InstalledPolicy } from '../policy/policy-store.js';
import { TimeFloor } from '../clock/time-floor.js';
import { authenticatedMs, checkTimePlausibility, floorOf, type Evidence, type KnownTimes } from '../clock/time-evidence.js';
import { verifyCode, type CodeVerification } from '../verify/code.js';
import type { TrustSnapshot } from '../verify/trust.js';

export interface Scan {
  text: string;
  /** The temperature taken with this scan, °C, or null. */
  temperatureC: number | null;
  /** The module's raw reading and the calibration offset that made temperatureC, when a module measured it. */
  temperatureRawC?: number | null;
  calibrationOffsetC?: number | null;
  /** No temperature, and a high reading was being measured again for this traveller: reviewed whatever the policy. */
  temperatureUnresolved?: boolean;
  /** When the scan happened, ms since the epoch (injected: the core never reads the clock). */
  atMs: number;
}

export interface CheckOptions {
  /** Log the check (and let it count as evidence of the time). */
  record: boolean;
  /**
   * Is each scan's atMs a reading of the kiosk's clock? Default true. False
   * when the caller chose the time (`sentinel verify --at`, "as of"): such a
   * check is decided and logged as usual but is never evidence of the time
   * (main/clock/time-evidence.ts), neither counted nor refused — else one
   * check "as of" three weeks ahead put the floor there, and every real code
   * was then judged three weeks late.
   */
  clockEvidence?: boolean;
}

export interface CheckpointParts {
  trust: TrustSnapshot | null;
  policy: InstalledPolicy;
  log: CheckLog;
  pseudonym: HolderPseudonym;
}

export class Checkpoint {
  private readonly floor: TimeFloor;

  constructor(private readonly parts: CheckpointParts) {
    this.floor = new TimeFloor(parts.log);
    this.floor.migrate(this.trustTimes());
  }

  private trustTimes(): { iat: number; exp: number } | null {
    const info = this.parts.trust?.info;
    return info ? { iat: info.iat, exp: info.exp } : null;
  }

  get trust(): TrustSnapshot | null {
    return this.parts.trust;
  }

  async check(scan: Scan, opts: CheckOptions): Promise<CheckOutcome> {
    const [outcome] = await this.checkMany([scan], opts);
    return outcome!;
  }

  /**
   * Decides several scans and, with record, logs them in one durable
   * transaction. Signatures are checked concurrently; decisions are made in
   * order, each seeing the ones before it (anti-passback, the time floor).
   */
  async checkMany(scans: readonly Scan[], opts: CheckOptions): Promise<CheckOutcome[]> {
    const { trust, policy, log, pseudonym } = this.parts;
    const verifications = await Promise.all(scans.map((s) => verifyCode(s.text, trust)));
    const trustTimes = this.trustTimes();
    // The evidence as of this run; each logged check at a trusted clock adds to it, in order.
    const known: KnownTimes = this.floor.known(trustTimes);
    let floorMs = floorOf(known)?.ms ?? null;
    // The part of the floor no clock of the kiosk's own made (decide.ts: "too late"
    // is proven against it alone). Checks of this run never raise it.
    const provenMs = authenticatedMs(known);
    const clockEvidence = opts.clockEvidence ?? true;
    let acceptedCheck: Evidence | null = null;
    const refusedTimes: number[] = [];
    let refusedAtMs: number | null = null;
    const admittedHere = new Map<string, number>();
    const antiPassback = policy.policy.antiPassbackSeconds > 0;
    const outcomes: CheckOutcome[] = [];
    const records: CheckRecord[] = [];

    scans.forEach((scan, i) => {
      const v = verifications[i] as CodeVerification;
      // The pseudonym is needed to log the check or to look up the holder's last pass; else skip the HMAC.
      const cred = v.credential;
      const holder = cred && (opts.record || antiPassback) ? pseudonym.of(cred.holderScope, cred.holderSubject) : null;
      const lastAdmittedMs = holder === null || !antiPassback ? null : (admittedHere.get(holder) ?? log.lastAdmittedAtMs(holder));
      const nowS = scan.atMs / 1000;
      const timeFloorS = floorMs === null ? null : floorMs / 1000;
      const decision = decide(v, {
        nowS,
        policy: policy.policy,
        temperatureC: scan.temperatureC,
        temperatureUnresolved: scan.temperatureUnresolved === true,
        trust: trustTimes,
        timeFloorS,
        authenticatedFloorS: provenMs === null ? null : provenMs / 1000,
        lastAdmittedS: lastAdmittedMs === null ? null : lastAdmittedMs / 1000,
      });
      const outcome: CheckOutcome = {
        ...decision,
        checkId: opts.record ? uuidv7(scan.atMs) : null,
        atMs: scan.atMs,
        format: v.format,
        issuer: v.issuer,
        issuerName: v.issuerName,
        status: v.outcome === 'verified' ? (cred?.status ?? null) : null,
        credentialKind: v.outcome === 'verified' ? (cred?.kind ?? null) : null,
        kid: v.kid,
        maskedName: v.outcome === 'verified' ? (cred?.maskedName ?? null) : null,
        issuerReason: v.outcome === 'verified' ? (cred?.issuerReason ?? null) : null,
        temperatureC: scan.temperatureC,
        bundleSeq: trust?.info.seq ?? null,
        policyVersion: policy.version,
        clockState: clockIsUntrusted(nowS, timeFloorS, policy.policy) ? 'untrusted' : 'trusted',
      };
      outcomes.push(outcome);
      if (!opts.record) return;
      records.push({
        checkId: outcome.checkId!,
        atMs: scan.atMs,
        verdict: outcome.verdict,
        reasons: outcome.reasons.map((r) => r.code),
        format: outcome.format,
        issuer: outcome.issuer,
        status: outcome.status,
        kid: outcome.kid,
        holder,
        temperatureC: scan.temperatureC,
        temperatureRawC: scan.temperatureRawC ?? null,
        calibrationOffsetC: scan.calibrationOffsetC ?? null,
        bundleSeq: outcome.bundleSeq,
        policyVersion: outcome.policyVersion,
        clockState: outcome.clockState,
      });
      if (holder !== null && outcome.verdict === 'admit') admittedHere.set(holder, scan.atMs);
      // A logged check is evidence of the time only if its time is the clock's, the
      // clock was trusted and the time is plausible (main/clock/time-evidence.ts): a
      // clock run ahead must not raise the floor over every later code.
      if (!clockEvidence || outcome.clockState !== 'trusted') return;
      const plausible = checkTimePlausibility(scan.atMs, known);
      if (plausible === 'implausible') {
        refusedTimes.push(scan.atMs);
        refusedAtMs = scan.atMs;
      } else if (plausible === 'plausible' && (known.checks === null || scan.atMs > known.checks.ms)) {
        known.checks = { ms: scan.atMs, recordedAtMs: scan.atMs };
        acceptedCheck = known.checks;
        floorMs = floorMs === null ? scan.atMs : Math.max(floorMs, scan.atMs);
      }
    });
    if (opts.record) {
      log.append(records);
      // After the checks are durable: evidence may lag its checks, never lead them.
      this.floor.recordChecks(acceptedCheck, refusedTimes, refusedAtMs, trustTimes);
    }
    return outcomes;
  }
}
