// Deciding codes of every format (formats.md §1–4) from their verification:
// the rules the spec makes format-specific (acceptFormats, dccAccept, no
// maximum code age for a DCC or an SHC, TEST_POSITIVE) and the ones it
// shares (expiry, issuer acceptance, the clock), on verifications made here
// so that each rule is seen alone.
import { describe, expect, it } from 'vitest';
import type { CodeFormat } from '../../main/contract/code.js';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../main/contract/policy.js';
import { decide, type CheckCircumstances } from '../../main/decide/decide.js';
import type { CodeVerification, Credential } from '../../main/verify/verification.js';
import { maskFamilyName } from '../../main/verify/verification.js';

const NOW = 1_750_000_000;
const DAY = 86_400;

function credential(format: CodeFormat, over: Partial<Credential> = {}): Credential {
  return {
    format,
    issuer: format === 'dcc' ? 'DCC-AT' : format === 'shc' ? 'https://issuer.example' : 'CN-ZJ',
    holderScope: 'scope',
    holderSubject: 'subject',
    status: 'green',
    issuedAt: NOW - 200 * DAY,
    notBefore: null,
    expires: NOW + 100 * DAY,
    testedAt: null,
    maskedName: 'M*',
    issuerReason: null,
    kind: format === 'dcc' ? 'vaccination' : null,
    dccType: format === 'dcc' ? 'v' : null,
    ...over,
  };
}

function verified(format: CodeFormat, over: Partial<Credential> = {}, reasons: CodeVerification['reasons'] = []): CodeVerification {
  const c = credential(format, over);
  return { outcome: 'verified', reasons, format, issuer: c.issuer, issuerName: null, kid: 'k', alg: 'ES256', credential: c };
}

function policy(doc: Record<string, unknown>): Policy {
  const r = parsePolicy(doc);
  if (!r.ok) throw new Error(r.message);
  return r.policy;
}

function judge(v: CodeVerification, c: Partial<CheckCircumstances> = {}) {
  const d = decide(v, { nowS: NOW, policy: { ...DEFAULT_POLICY, temperature: 'off' }, temperatureC: null, trust: null, timeFloorS: null, lastAdmittedS: null, ...c });
  return { verdict: d.verdict, codes: d.reasons.map((r) => r.code) };
}

describe('a long-lived document: no maximum code age', () => {
  it('a DCC or an SHC issued 200 days ago is admitted; a PHC1 code that old is CODE_TOO_OLD', () => {
    expect(judge(verified('dcc'))).toEqual({ verdict: 'admit', codes: ['OK'] });
    expect(judge(verified('shc'))).toEqual({ verdict: 'admit', codes: ['OK'] });
    expect(judge(verified('phc1')).codes).toContain('CODE_TOO_OLD');
  });
  it('an SHC without exp never expires; with exp it does, after the skew', () => {
    expect(judge(verified('shc', { expires: null })).verdict).toBe('admit');
    expect(judge(verified('shc', { expires: NOW - 60 })).codes).toEqual(['EXPIRED']);
    expect(judge(verified('shc', { expires: NOW - 59 })).verdict).toBe('admit');
  });
  it('issued in the future beyond the skew is NOT_YET_VALID, for a DCC (iat) and an SHC (nbf)', () => {
    expect(judge(verified('dcc', { issuedAt: NOW + 61 })).codes).toEqual(['NOT_YET_VALID']);
    expect(judge(verified('shc', { issuedAt: NOW + 60 })).verdict).toBe('admit');
  });
  it('the PHC1 test rule does not ask a DCC for a nucleic-acid test', () => {
    const p = { ...DEFAULT_POLICY, temperature: 'off' as const, natMaxAgeHours: 48 };
    expect(judge(verified('dcc'), { policy: p }).verdict).toBe('admit');
    expect(judge(verified('phc1', { issuedAt: NOW }), { policy: p }).codes).toEqual(['TEST_MISSING']);
  });
});

describe('acceptFormats and dccAccept', () => {
  it('a format the policy does not accept goes to a guard (FORMAT_NOT_ACCEPTED, review)', () => {
    const p = { ...policy({ acceptFormats: ['phc1'] }), temperature: 'off' as const };
    expect(judge(verified('dcc'), { policy: p })).toEqual({ verdict: 'review', codes: ['FORMAT_NOT_ACCEPTED'] });
    expect(judge(verified('shc'), { policy: p })).toEqual({ verdict: 'review', codes: ['FORMAT_NOT_ACCEPTED'] });
    expect(judge(verified('phc1', { issuedAt: NOW }), { policy: p }).verdict).toBe('admit');
  });
  it('a forged code of a format not accepted is still denied for what it is', () => {
    const p = { ...policy({ acceptFormats: ['phc1'] }), temperature: 'off' as const };
    const forged: CodeVerification = { ...verified('dcc'), outcome: 'refused', reasons: ['BAD_SIGNATURE'] };
    expect(judge(forged, { policy: p })).toEqual({ verdict: 'deny', codes: ['BAD_SIGNATURE'] });
  });
  it('a DCC type not in dccAccept is ISSUER_NOT_ACCEPTED (deny)', () => {
    const p = { ...policy({ dccAccept: ['v', 'r'] }), temperature: 'off' as const };
    expect(judge(verified('dcc', { dccType: 't', kind: 'test' }), { policy: p })).toEqual({ verdict: 'deny', codes: ['ISSUER_NOT_ACCEPTED'] });
    expect(judge(verified('dcc'), { policy: p }).verdict).toBe('admit');
  });
  it('an issuer not accepted and a DCC type not accepted are one ISSUER_NOT_ACCEPTED, not two', () => {
    const p = { ...policy({ acceptIssuers: ['CN-ZJ'], dccAccept: ['v'] }), temperature: 'off' as const };
    expect(judge(verified('dcc', { dccType: 't', kind: 'test' }), { policy: p })).toEqual({ verdict: 'deny', codes: ['ISSUER_NOT_ACCEPTED'] });
  });
  it('acceptIssuers names a DCC entry or an SHC issuer URL', () => {
    const p = { ...policy({ acceptIssuers: ['CN-ZJ', 'https://issuer.example'] }), temperature: 'off' as const };
    expect(judge(verified('shc'), { policy: p }).verdict).toBe('admit');
    expect(judge(verified('dcc'), { policy: p }).codes).toEqual(['ISSUER_NOT_ACCEPTED']);
  });
  it('a positive test is TEST_POSITIVE (deny), whatever the policy says of green', () => {
    expect(judge(verified('dcc', { status: null, dccType: 't', kind: 'test' }, ['TEST_POSITIVE']))).toEqual({ verdict: 'deny', codes: ['TEST_POSITIVE'] });
  });
  it('the temperature rules apply to every format', () => {
    const p = { ...DEFAULT_POLICY };
    expect(judge(verified('dcc'), { policy: p, temperatureC: 38.2 }).codes).toEqual(['FEVER']);
    expect(judge(verified('shc'), { policy: p }).codes).toEqual(['TEMPERATURE_MISSING']);
  });
  it('a clock behind the floor reviews a DCC as it does a PHC1 code', () => {
    expect(judge(verified('dcc'), { nowS: NOW - 3 * DAY, timeFloorS: NOW })).toEqual({ verdict: 'review', codes: ['CLOCK_UNTRUSTED'] });
  });
});

describe('the policy document', () => {
  it('defaults to every format and every DCC type (formats.md §4)', () => {
    expect(DEFAULT_POLICY.acceptFormats).toEqual(['phc1', 'dcc', 'shc']);
    expect(DEFAULT_POLICY.dccAccept).toEqual(['v', 't', 'r']);
  });
  it.each([
    [{ acceptFormats: ['pdf'] }, 'acceptFormats[0]'],
    [{ acceptFormats: 'dcc' }, 'acceptFormats'],
    [{ acceptFormats: ['dcc', 'dcc'] }, 'acceptFormats[1]'],
    [{ dccAccept: ['x'] }, 'dccAccept[0]'],
    [{ acceptIssuers: ['http://issuer.example'] }, 'acceptIssuers[0]'],
    [{ acceptIssuers: ['https://'] }, 'acceptIssuers[0]'],
  ])('refuses %j naming %s', (doc, field) => {
    const r = parsePolicy(doc);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.field).toBe(field);
  });
  it('takes an empty list: every such code then goes to a guard', () => {
    const r = parsePolicy({ acceptFormats: [], dccAccept: [] });
    expect(r.ok && r.policy.acceptFormats).toEqual([]);
  });
});

describe('the masked name', () => {
  it('is the first character of the family name and a star, whole code points', () => {
    expect(maskFamilyName('Mustermann')).toBe('M*');
    expect(maskFamilyName('  Øster')).toBe('Ø*');
    expect(maskFamilyName('𠮷野')).toBe('𠮷*');
    expect(maskFamilyName('')).toBeNull();
    expect(maskFamilyName(42)).toBeNull();
  });
});
