// A decided check as the screen shows it: messages in both languages looked
// up here, so the renderer carries no copy of them.
import type { CheckOutcome } from '../contract/decision.js';
import type { CheckView, ScanSource } from '../contract/kiosk.js';
import {
  actionText,
  credentialKindWord,
  issuerReasonLine,
  LANGS,
  reasonAudience,
  reasonMessage,
  reasonsToShow,
  verdictAction,
  verdictWord,
  type Lang,
  type ReasonContext,
} from '../contract/messages.js';
import type { ReasonCode, Verdict } from '../contract/reasons.js';

function inEvery<T>(fn: (lang: Lang) => T): Record<Lang, T> {
  return Object.fromEntries(LANGS.map((l) => [l, fn(l)])) as Record<Lang, T>;
}

export function reasonView(code: ReasonCode, verdict: Verdict, ctx?: ReasonContext, shown = true): CheckView['reasons'][number] {
  return { code, verdict, message: inEvery((l) => reasonMessage(code, l, ctx)), audience: reasonAudience(code, ctx), shown };
}

/** `ctx`: what the kiosk knew when it decided (without it, every reason reads as if the devices worked). */
export function checkView(o: CheckOutcome, source: ScanSource, ctx?: ReasonContext): CheckView {
  const shown = new Set(reasonsToShow(o.reasons));
  const action = verdictAction(
    o.verdict,
    o.reasons.filter((r) => shown.has(r)),
    ctx,
  );
  return {
    checkId: o.checkId,
    atMs: o.atMs,
    verdict: o.verdict,
    verdictWord: inEvery((l) => verdictWord(o.verdict, l)),
    action: action === null ? null : inEvery((l) => actionText(action, l)),
    reasons: o.reasons.map((r) => reasonView(r.code, r.verdict, ctx, shown.has(r))),
    format: o.format,
    issuer: o.issuer,
    issuerName: o.issuerName,
    status: o.status,
    credentialKind: o.credentialKind,
    credentialKindWord: o.credentialKind === null ? null : inEvery((l) => credentialKindWord(o.credentialKind!, l)),
    maskedName: o.maskedName,
    issuerReason: o.issuerReason,
    issuerReasonLine: o.issuerReason === null ? null : inEvery((l) => issuerReasonLine(o.issuerReason!, l)),
    temperatureC: o.temperatureC,
    source,
  };
}
