// The screen's words for verdicts and reasons: action first, sharing nothing,
// one line per cause, the traveller told only what they can do.
import { describe, expect, it } from 'vitest';
import { actionText, issuerReasonLine, LANGS, reasonAudience, reasonMessage, reasonsToShow, verdictAction, verdictWord } from '../../main/contract/messages.js';
import { REASON_CODES, VERDICTS, type ReasonCode, type Verdict } from '../../main/contract/reasons.js';
import { checkView } from '../../main/kiosk/check-view.js';
import type { CheckOutcome } from '../../main/contract/decision.js';

const reason = (code: ReasonCode, verdict: Verdict) => ({ code, verdict });

describe('verdict words', () => {
  it('are instructions that share no word: "通行" is not inside the refusal', () => {
    expect(VERDICTS.map((v) => verdictWord(v, 'zh-CN'))).toEqual(['请通行', '请等候工作人员', '请止步']);
    expect(VERDICTS.map((v) => verdictWord(v, 'en'))).toEqual(['Please go through', 'Please wait for staff', 'Please stop']);
    for (const lang of LANGS) {
      const [admit, review, deny] = VERDICTS.map((v) => verdictWord(v, lang).replace(/^请|^Please /, '')) as [string, string, string];
      const pairs: [string, string][] = [
        [admit, review],
        [admit, deny],
        [review, deny],
      ];
      for (const [a, b] of pairs) {
        expect(a.includes(b) || b.includes(a), `${lang}: ${a} / ${b}`).toBe(false);
      }
    }
  });
});

describe('reasons on the screen', () => {
  it('Chinese sentences use full-width punctuation and no Latin sentence', () => {
    for (const code of REASON_CODES) {
      const zh = reasonMessage(code, 'zh-CN');
      expect(zh, code).not.toMatch(/[,;:()]/);
      expect(zh, code).toMatch(/[。）]$/);
      expect(zh, code).not.toMatch(/[A-Za-z]{3,}/);
    }
    expect(reasonMessage('CODE_TOO_OLD', 'zh-CN')).toContain('过久');
    expect(reasonMessage('UNKNOWN_ISSUER', 'zh-CN')).toContain('无法识别');
  });

  it('one line per cause: an expired code that is also too old, a trust list both stale and expired', () => {
    const shown = reasonsToShow([reason('EXPIRED', 'deny'), reason('CODE_TOO_OLD', 'deny'), reason('TRUST_EXPIRED', 'review'), reason('TRUST_STALE', 'review'), reason('FEVER', 'deny')]);
    expect(shown.map((r) => r.code)).toEqual(['EXPIRED', 'TRUST_EXPIRED', 'FEVER']);
    // The more severe of one cause wins, whatever the order.
    expect(reasonsToShow([reason('TEST_TOO_OLD', 'review'), reason('TEST_MISSING', 'deny')]).map((r) => r.code)).toEqual(['TEST_MISSING']);
  });

  it('an instruction opens every review and refusal; an admit has none', () => {
    expect(verdictAction('admit', [reason('OK', 'admit')])).toBeNull();
    expect(verdictAction('deny', [reason('EXPIRED', 'deny')])).toBe('refreshCode');
    expect(verdictAction('deny', [reason('NOT_PHC', 'deny')])).toBe('showHealthCode');
    expect(verdictAction('review', [reason('STATUS_YELLOW', 'review')])).toBe('waitForStaff');
    // The refusal's own reason leads, not a review reason listed before it.
    expect(verdictAction('deny', [reason('UNKNOWN_ISSUER', 'review'), reason('FEVER', 'deny')])).toBe('staffMeasures');
    for (const lang of LANGS) for (const a of ['refreshCode', 'seeStaff', 'waitForStaff'] as const) expect(actionText(a, lang).length).toBeGreaterThan(4);
  });

  it('"stand at the thermometer" only while it works; the trust list and the clock are for staff', () => {
    expect(reasonAudience('TEMPERATURE_MISSING', { thermometerWorking: true })).toBe('traveller');
    expect(verdictAction('review', [reason('TEMPERATURE_MISSING', 'review')], { thermometerWorking: true })).toBe('standAtThermometer');
    expect(reasonAudience('TEMPERATURE_MISSING', { thermometerWorking: false })).toBe('staff');
    expect(verdictAction('review', [reason('TEMPERATURE_MISSING', 'review')], { thermometerWorking: false })).toBe('staffMeasures');
    expect(reasonMessage('TEMPERATURE_MISSING', 'en', { thermometerWorking: false })).not.toMatch(/stand/i);
    for (const code of ['TRUST_EXPIRED', 'TRUST_STALE', 'CLOCK_UNTRUSTED', 'BAD_SIGNATURE', 'UNKNOWN_KEY'] as const) expect(reasonAudience(code), code).toBe('staff');
    for (const code of ['EXPIRED', 'CODE_TOO_OLD', 'NOT_PHC', 'STATUS_RED'] as const) expect(reasonAudience(code), code).toBe('traveller');
  });

  it("the issuer's reason has its label and a full-width colon in Chinese", () => {
    expect(issuerReasonLine('密接', 'zh-CN')).toBe('赋码原因：密接');
    expect(issuerReasonLine('close contact', 'en')).toBe('Reason given by the issuer: close contact');
  });

  it('a check view keeps every code for the record and marks the one shown per cause', () => {
    const outcome = {
      checkId: 'c1',
      atMs: 0,
      verdict: 'deny',
      reasons: [reason('EXPIRED', 'deny'), reason('CODE_TOO_OLD', 'deny')],
      issuer: 'CN-ZJ',
      issuerName: null,
      status: 'green',
      maskedName: null,
      issuerReason: '密接',
      temperatureC: 36.5,
    } as unknown as CheckOutcome;
    const view = checkView(outcome, 'wedge', { thermometerWorking: true });
    expect(view.reasons.map((r) => [r.code, r.shown])).toEqual([
      ['EXPIRED', true],
      ['CODE_TOO_OLD', false],
    ]);
    expect(view.action).toEqual({ 'zh-CN': '请在手机上刷新健康码，再扫一次。', en: 'Refresh the code on your phone, then scan again.' });
    expect(view.issuerReasonLine).toEqual({ 'zh-CN': '赋码原因：密接', en: 'Reason given by the issuer: 密接' });
  });
});
