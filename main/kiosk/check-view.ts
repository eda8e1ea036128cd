// A decided check as the screen shows it: messages in both languages looked
// up here, so the renderer carries no copy of them.
import type { CheckOutcome } from '../contract/decision.js';
import type { CheckView, ScanSource } from '../contract/kiosk.js';
import { LANGS, reasonMessage, verdictWord, type Lang } from '../contract/messages.js';
import type { ReasonCode, Verdict } from '../contract/reasons.js';

function inEvery<T>(fn: (lang: Lang) => T): Record<Lang, T> {
  return Object.fromEntries(LANGS.map((l) => [l, fn(l)])) as Record<Lang, T>;
}

export function reasonView(code: ReasonCode, verdict: Verdict): CheckView['reasons'][number] {
  return { code, verdict, message: inEvery((l) => reasonMessage(code, l)) };
}

export function checkView(o: CheckOutcome, source: ScanSource): CheckView {
  return {
    checkId: o.checkId,
    atMs: o.atMs,
    verdict: o.verdict,
    verdictWord: inEvery((l) => verdictWord(o.verdict, l)),
    reasons: o.reasons.map((r) => reasonView(r.code, r.verdict)),
    issuer: o.issuer,
    issuerName: o.issuerName,
    status: o.status,
    maskedName: o.maskedName,
    issuerReason: o.issuerReason,
    temperatureC: o.temperatureC,
    source,
  };
}
