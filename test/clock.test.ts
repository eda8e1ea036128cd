// The clock and the time floor (spec §4): a clock behind the floor is
// judged at the floor, which proves "too late" and never "too early".
// Time is injected everywhere.
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type Policy } from '../main/contract/policy.js';
import type { Decision } from '../main/contract/decision.js';
import type { ReasonCode } from '../main/contract/reasons.js';
import { decide } from '../main/decide/decide.js';
import { verifyCode } from '../main/verify/code.js';
import { DAY, T0, code, makeWorld, type World } from './helpers/world.js';

const HOUR = 3600;

let w: World;
beforeAll(async () => {
  w = await makeWorld(); // bundle iat T0 − 1 day, exp T0 + 30 days
});

const codes = (d: Decision): ReasonCode[] => d.reasons.map((r) => r.code);

async function judge(text: string, c: { nowS: number; floorS: number | null; policy?: Partial<Policy>; lastAdmittedS?: number | null }): Promise<Decision> {
  return decide(await verifyCode(text, w.trust), {
    nowS: c.nowS,
    policy: { ...structuredClone(DEFAULT_POLICY), ...c.policy } as Policy,
    temperatureC: 36.6,
    trust: { iat: w.trust.info.iat, exp: w.trust.info.exp },
    timeFloorS: c.floorS,
    lastAdmittedS: c.lastAdmittedS ?? null,
  });
}

describe('decide: a clock behind the floor proves "too late", never "too early"', () => {
  // A dead RTC battery: the kiosk's clock is three days behind; the floor is its last check, an hour ago.
  const behind = { nowS: T0 - 3 * DAY, floorS: T0 - HOUR };

  it('a code issued a minute ago (true time) is reviewed CLOCK_UNTRUSTED, not denied NOT_YET_VALID; one expired at the floor is still denied', async () => {
    const fresh = await judge(await code(w.zj, { iat: T0 - 60, exp: T0 + HOUR }), behind);
    expect({ verdict: fresh.verdict, reasons: codes(fresh) }).toEqual({ verdict: 'review', reasons: ['CLOCK_UNTRUSTED'] });
    const withNbf = await judge(await code(w.zj, { iat: T0 - 60, nbf: T0 - 60, exp: T0 + HOUR }), behind);
    expect(codes(withNbf)).toEqual(['CLOCK_UNTRUSTED']);
    // Expired before the floor: the floor is a lower bound of the true time, so this is proven.
    const expired = await judge(await code(w.zj, { iat: T0 - 3 * HOUR, exp: T0 - 2 * HOUR }), { ...behind, policy: { maxCodeAgeSeconds: 86_400 } });
    expect({ verdict: expired.verdict, reasons: codes(expired) }).toEqual({ verdict: 'deny', reasons: ['EXPIRED', 'CLOCK_UNTRUSTED'] });
  });

  it('too old at the floor is still proven (CODE_TOO_OLD, TEST_TOO_OLD), beside a fresh code that is not', async () => {
    const policy = { natMaxAgeHours: 24 };
    const old = await judge(await code(w.zj, { iat: T0 - HOUR - 600, exp: T0 + HOUR, nat: T0 - 26 * HOUR }), { ...behind, policy });
    expect({ verdict: old.verdict, reasons: codes(old) }).toEqual({ verdict: 'deny', reasons: ['CODE_TOO_OLD', 'TEST_TOO_OLD', 'CLOCK_UNTRUSTED'] });
    const fresh = await judge(await code(w.zj, { iat: T0 - 30, exp: T0 + HOUR, nat: T0 - 2 * HOUR }), { ...behind, policy });
    expect(codes(fresh)).toEqual(['CLOCK_UNTRUSTED']);
  });

  it('anti-passback: an untrusted clock cannot prove "passed within N seconds"; neither can a pass logged in the future', async () => {
    const green = await code(w.zj, { iat: T0 - 30 });
    const policy = { antiPassbackSeconds: 120 };
    // Untrusted: judged at the floor, the last pass looks 10 s old — but the true time is unbounded above.
    const untrusted = await judge(green, { ...behind, policy, lastAdmittedS: T0 - HOUR - 10 });
    expect({ verdict: untrusted.verdict, reasons: codes(untrusted) }).toEqual({ verdict: 'review', reasons: ['CLOCK_UNTRUSTED'] });
    // Trusted clock, a pass logged an hour "ahead" (a clock that ran fast): no proof of a passback.
    expect(codes(await judge(green, { nowS: T0, floorS: null, policy, lastAdmittedS: T0 + HOUR }))).toEqual(['OK']);
    // Within the skew it still counts, and so does a pass in the past.
    expect(codes(await judge(green, { nowS: T0, floorS: null, policy, lastAdmittedS: T0 + 30 }))).toEqual(['ALREADY_PASSED']);
    expect(codes(await judge(green, { nowS: T0, floorS: null, policy, lastAdmittedS: T0 - 60 }))).toEqual(['ALREADY_PASSED']);
  });

  it('key validity needs no clock: a key used outside its window is refused whatever the clock, and a trusted clock still denies a code from the future', async () => {
    const early = await judge(await code(w.zjFuture, { kid: 'zj-2027-1', iat: T0 - 60 }), behind);
    expect(codes(early)).toEqual(['KEY_NOT_VALID_AT_ISSUE']);
    const future = await judge(await code(w.zj, { iat: T0 + 600, exp: T0 + HOUR }), { nowS: T0, floorS: T0 - HOUR });
    expect(codes(future)).toEqual(['NOT_YET_VALID']);
    // …and the same code with the clock three days behind its floor: only a guard can tell.
    expect(codes(await judge(await code(w.zj, { iat: T0 + 600, exp: T0 + HOUR }), behind))).toEqual(['CLOCK_UNTRUSTED']);
  });
});
