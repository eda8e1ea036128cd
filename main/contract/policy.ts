// The checkpoint policy (spec §3): its type, defaults and validation.
// A policy document may omit fields (they take the defaults) but may not
// carry unknown ones: a misspelt field silently ignored would weaken a gate.
import { CODE_FORMATS, DCC_TYPES, isIssuerId, type CodeFormat, type DccType } from './code.js';
import type { Verdict } from './reasons.js';

export type TemperatureRule = 'required' | 'optional' | 'off';

export interface Policy {
  acceptIssuers: string[];
  /** formats.md §4: the formats decided automatically; another is FORMAT_NOT_ACCEPTED (review). */
  acceptFormats: CodeFormat[];
  /** formats.md §4: the DCC certificate types accepted; another is ISSUER_NOT_ACCEPTED. */
  dccAccept: DccType[];
  onStatus: { green: Verdict; yellow: Verdict; red: Verdict };
  maxCodeAgeSeconds: number;
  clockSkewSeconds: number;
  temperature: TemperatureRule;
  feverThresholdC: number;
  onFever: Verdict;
  natMaxAgeHours: number | null;
  trustMaxAgeDays: number;
  antiPassbackSeconds: number;
  /**
   * Extension of spec §3: unsynced checks older than this many days are
   * dropped (with an audit event in the chain); null keeps them forever.
   * See main/log/retention.ts for the trade-off.
   */
  unsyncedMaxAgeDays: number | null;
}

const DEFAULTS: Policy = {
  acceptIssuers: ['*'],
  acceptFormats: ['phc1', 'dcc', 'shc'],
  dccAccept: ['v', 't', 'r'],
  onStatus: { green: 'admit', yellow: 'review', red: 'deny' },
  maxCodeAgeSeconds: 300,
  clockSkewSeconds: 60,
  temperature: 'required',
  feverThresholdC: 37.3,
  onFever: 'deny',
  natMaxAgeHours: null,
  trustMaxAgeDays: 7,
  antiPassbackSeconds: 0,
  unsyncedMaxAgeDays: 90,
};
export const DEFAULT_POLICY: Readonly<Policy> = Object.freeze(DEFAULTS);

/** Readings outside this band are not a person's temperature (spec §4). */
export const PLAUSIBLE_TEMPERATURE_C = { min: 30.0, max: 43.0 } as const;

export type PolicyResult = { ok: true; policy: Policy } | { ok: false; field: string; message: string };

class PolicyError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const VERDICT_SET = new Set(['admit', 'review', 'deny']);

function verdictField(value: unknown, field: string): Verdict {
  if (typeof value !== 'string' || !VERDICT_SET.has(value)) {
    throw new PolicyError(field, `${field} must be "admit", "review" or "deny"`);
  }
  return value as Verdict;
}

function numberField(value: unknown, field: string, min: number, max: number, integer: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new PolicyError(field, `${field} must be a number`);
  if (integer && !Number.isInteger(value)) throw new PolicyError(field, `${field} must be a whole number`);
  if (value < min || value > max) throw new PolicyError(field, `${field} must be between ${min} and ${max}`);
  return value;
}

/**
 * A list of distinct members of `choices`. Empty is allowed: no format (or no
 * DCC type) accepted automatically is a checkpoint where a guard sees every
 * such code, which is a choice a policy may make.
 */
function choiceList<T extends string>(value: unknown, field: string, choices: readonly T[]): T[] {
  const sentence = `${field} must be a list of ${choices.map((c) => `"${c}"`).join(', ')}`;
  if (!Array.isArray(value)) throw new PolicyError(field, sentence);
  for (const [i, v] of value.entries()) {
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) throw new PolicyError(`${field}[${i}]`, sentence);
    if (value.indexOf(v) !== i) throw new PolicyError(`${field}[${i}]`, `${field} lists "${v}" twice`);
  }
  return [...(value as T[])];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const DAY_S = 86_400;
const DAY_MS = DAY_S * 1000;
/** The shortest bound on unsynced checks a policy may set. */
const UNSYNCED_MIN_DAYS = 7;

/** Validates a policy document; missing fields take the spec's defaults. */
export function parsePolicy(doc: unknown): PolicyResult {
  try {
    return { ok: true, policy: readPolicy(doc) };
  } catch (err) {
    if (err instanceof PolicyError) return { ok: false, field: err.field, message: err.message };
    throw err;
  }
}

function readPolicy(doc: unknown): Policy {
  if (!isPlainObject(doc)) throw new PolicyError('(document)', 'the policy must be a JSON object');
  const known = new Set(Object.keys(DEFAULT_POLICY));
  for (const key of Object.keys(doc)) {
    if (!known.has(key)) throw new PolicyError(key, `${key} is not a policy field`);
  }
  const policy: Policy = structuredClone({ ...DEFAULT_POLICY }) as Policy;

  if ('acceptIssuers' in doc) {
    const list = doc.acceptIssuers;
    if (!Array.isArray(list) || list.length === 0 || list.length > 200) {
      throw new PolicyError('acceptIssuers', 'acceptIssuers must be a list of 1 to 200 issuer ids, or ["*"]');
    }
    for (const [i, id] of list.entries()) {
      if (typeof id !== 'string' || (id !== '*' && !isIssuerId(id))) {
        throw new PolicyError(`acceptIssuers[${i}]`, `acceptIssuers[${i}] must be "*" or an issuer id such as "CN-ZJ", "DCC-AT" or an SMART Health Card issuer's https URL`);
      }
    }
    policy.acceptIssuers = [...(list as string[])];
  }
  if ('acceptFormats' in doc) policy.acceptFormats = choiceList(doc.acceptFormats, 'acceptFormats', CODE_FORMATS);
  if ('dccAccept' in doc) policy.dccAccept = choiceList(doc.dccAccept, 'dccAccept', DCC_TYPES);
  if ('onStatus' in doc) {
    const on = doc.onStatus;
    if (!isPlainObject(on)) throw new PolicyError('onStatus', 'onStatus must be an object with green, yellow and red');
    for (const key of Object.keys(on)) {
      if (key !== 'green' && key !== 'yellow' && key !== 'red') {
        throw new PolicyError(`onStatus.${key}`, `onStatus.${key} is not a health status`);
      }
      policy.onStatus[key] = verdictField(on[key], `onStatus.${key}`);
    }
  }
  if ('maxCodeAgeSeconds' in doc) {
    policy.maxCodeAgeSeconds = numberField(doc.maxCodeAgeSeconds, 'maxCodeAgeSeconds', 1, 365 * DAY_S, true);
  }
  if ('clockSkewSeconds' in doc) {
    policy.clockSkewSeconds = numberField(doc.clockSkewSeconds, 'clockSkewSeconds', 0, 3600, true);
  }
  if ('temperature' in doc) {
    const t = doc.temperature;
    if (t !== 'required' && t !== 'optional' && t !== 'off') {
      throw new PolicyError('temperature', 'temperature must be "required", "optional" or "off"');
    }
    policy.temperature = t;
  }
  if ('feverThresholdC' in doc) {
    policy.feverThresholdC = numberField(doc.feverThresholdC, 'feverThresholdC', 35, 42, false);
  }
  if ('onFever' in doc) policy.onFever = verdictField(doc.onFever, 'onFever');
  if ('natMaxAgeHours' in doc) {
    policy.natMaxAgeHours = doc.natMaxAgeHours === null ? null : numberField(doc.natMaxAgeHours, 'natMaxAgeHours', 1, 24 * 365, false);
  }
  if ('trustMaxAgeDays' in doc) {
    policy.trustMaxAgeDays = numberField(doc.trustMaxAgeDays, 'trustMaxAgeDays', 1, 3650, false);
  }
  if ('antiPassbackSeconds' in doc) {
    policy.antiPassbackSeconds = numberField(doc.antiPassbackSeconds, 'antiPassbackSeconds', 0, 7 * DAY_S, true);
  }
  if ('unsyncedMaxAgeDays' in doc) {
    // At least a week: a shorter bound would drop checks over an ordinary outage (a long weekend).
    policy.unsyncedMaxAgeDays = doc.unsyncedMaxAgeDays === null ? null : numberField(doc.unsyncedMaxAgeDays, 'unsyncedMaxAgeDays', UNSYNCED_MIN_DAYS, 3650, true);
  }
  return policy;
}

/**
 * How long before unsynced checks are dropped the status bar warns: two
 * weeks, time for someone to notice on an ordinary round of the
 * checkpoints and get the kiosk synced (network fixed, or taken to one)
 * before a single check is lost. A bound shorter than that warns as soon
 * as anything is pending — on such a kiosk every unsynced check is at risk.
 */
export const UNSYNCED_WARN_DAYS = 14;

export interface UnsyncedPurgeOutlook {
  /** When the policy's bound reaches the oldest unsynced check, ms; null when nothing is pending or the policy keeps them forever. */
  purgeAtMs: number | null;
  /** From when the warning shows, ms (null like purgeAtMs). */
  warnFromMs: number | null;
  /** Show it now: unsynced checks will be dropped within UNSYNCED_WARN_DAYS (or already are due). */
  warn: boolean;
  /**
   * When the drop can actually come, ms (null like purgeAtMs): purgeAtMs,
   * but never sooner than UNSYNCED_WARN_DAYS after the warning was first
   * recorded (`warnedSinceMs`; when none is recorded yet, from now or from
   * warnFromMs, whichever is later). What the status bar should show.
   */
  effectivePurgeAtMs: number | null;
}

/**
 * What the status bar needs to warn long before unsynced checks are
 * dropped: pure, time as a parameter.
 *
 * `oldestUnsyncedAtMs` is CheckLog.oldestUnsyncedAtMs(): the earliest
 * time among unsynced checks logged at a trusted clock — the ones, and the
 * order, retention drops by (a check logged while the clock was untrusted
 * is never dropped by its time). `warnedSinceMs` is
 * CheckLog.unsyncedWarnedSinceMs(policy.unsyncedMaxAgeDays): when
 * retention first recorded this warning as due, under this bound.
 *
 * purgeAtMs is the earliest the bound allows; applyRetention drops nothing
 * until the warning has stood UNSYNCED_WARN_DAYS of kiosk time
 * (effectivePurgeAtMs), and unsynced checks once a day at most, so the
 * drop comes within a day after that.
 */
export function unsyncedPurgeOutlook(oldestUnsyncedAtMs: number | null, policy: Pick<Policy, 'unsyncedMaxAgeDays'>, nowMs: number, warnedSinceMs: number | null = null): UnsyncedPurgeOutlook {
  if (oldestUnsyncedAtMs === null || policy.unsyncedMaxAgeDays === null) return { purgeAtMs: null, warnFromMs: null, warn: false, effectivePurgeAtMs: null };
  const purgeAtMs = oldestUnsyncedAtMs + policy.unsyncedMaxAgeDays * DAY_MS;
  const warnFromMs = purgeAtMs - UNSYNCED_WARN_DAYS * DAY_MS;
  const warn = nowMs >= warnFromMs;
  // A record from a clock that was ahead (later than now) is started again, as retention does.
  const since = warn ? (warnedSinceMs !== null && warnedSinceMs <= nowMs ? warnedSinceMs : nowMs) : warnFromMs;
  return { purgeAtMs, warnFromMs, warn, effectivePurgeAtMs: Math.max(purgeAtMs, since + UNSYNCED_WARN_DAYS * DAY_MS) };
}
