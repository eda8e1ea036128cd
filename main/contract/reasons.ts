// Reason codes (spec §4, and formats.md §4): the stable identifiers that cross every boundary.
// Messages are looked up by code (see messages.ts); verdicts are derived here.

export type Verdict = 'admit' | 'review' | 'deny';

export const VERDICTS: readonly Verdict[] = ['admit', 'review', 'deny'];

/** In the spec's table order, which is also the order reasons are shown in. */
export const REASON_CODES = [
  'OK',
  'NOT_PHC',
  'MALFORMED',
  'TOO_LARGE',
  'FORMAT_NOT_ACCEPTED',
  'FORBIDDEN_HEADER',
  'UNSUPPORTED_ALG',
  'UNKNOWN_ISSUER',
  'ISSUER_NOT_ACCEPTED',
  'UNKNOWN_KEY',
  'KEY_REVOKED',
  'KEY_NOT_VALID_AT_ISSUE',
  'KEY_USAGE',
  'BAD_SIGNATURE',
  'REVOKED',
  'EXPIRED',
  'NOT_YET_VALID',
  'CODE_TOO_OLD',
  'STATUS_GREEN',
  'STATUS_YELLOW',
  'STATUS_RED',
  'TEST_POSITIVE',
  'FEVER',
  'TEMPERATURE_MISSING',
  'TEMPERATURE_IMPLAUSIBLE',
  'TEST_MISSING',
  'TEST_TOO_OLD',
  'TRUST_EXPIRED',
  'TRUST_STALE',
  'CLOCK_UNTRUSTED',
  'ALREADY_PASSED',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

/**
 * The verdict each reason carries, or 'policy' where the checkpoint policy
 * chooses it (onStatus, onFever). STATUS_GREEN is our extension: it appears
 * only when a policy maps green to something other than admit, so that such
 * a refusal is still explained.
 */
export const REASON_VERDICT: Readonly<Record<ReasonCode, Verdict | 'policy'>> = {
  OK: 'admit',
  NOT_PHC: 'deny',
  MALFORMED: 'deny',
  TOO_LARGE: 'deny',
  FORMAT_NOT_ACCEPTED: 'review',
  FORBIDDEN_HEADER: 'deny',
  UNSUPPORTED_ALG: 'deny',
  UNKNOWN_ISSUER: 'review',
  ISSUER_NOT_ACCEPTED: 'deny',
  UNKNOWN_KEY: 'deny',
  KEY_REVOKED: 'deny',
  KEY_NOT_VALID_AT_ISSUE: 'deny',
  KEY_USAGE: 'deny',
  BAD_SIGNATURE: 'deny',
  REVOKED: 'deny',
  EXPIRED: 'deny',
  NOT_YET_VALID: 'deny',
  CODE_TOO_OLD: 'deny',
  STATUS_GREEN: 'policy',
  STATUS_YELLOW: 'policy',
  STATUS_RED: 'policy',
  TEST_POSITIVE: 'deny',
  FEVER: 'policy',
  TEMPERATURE_MISSING: 'review',
  TEMPERATURE_IMPLAUSIBLE: 'review',
  TEST_MISSING: 'deny',
  TEST_TOO_OLD: 'deny',
  TRUST_EXPIRED: 'review',
  TRUST_STALE: 'review',
  CLOCK_UNTRUSTED: 'review',
  ALREADY_PASSED: 'deny',
};

export function isReasonCode(value: unknown): value is ReasonCode {
  return typeof value === 'string' && (REASON_CODES as readonly string[]).includes(value);
}

const SEVERITY: Readonly<Record<Verdict, number>> = { admit: 0, review: 1, deny: 2 };

/** deny > review > admit; the verdict of no reasons at all is admit. */
export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = 'admit';
  for (const v of verdicts) if (SEVERITY[v] > SEVERITY[worst]) worst = v;
  return worst;
}

export function compareReasonCodes(a: ReasonCode, b: ReasonCode): number {
  return REASON_CODES.indexOf(a) - REASON_CODES.indexOf(b);
}
