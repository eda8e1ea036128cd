// How a decided check is printed: one readable line for people, one JSON
// object for machines (spec §5 `verify --json`).
import type { CheckOutcome } from '../contract/decision.js';
import { reasonMessage, verdictWord, type Lang } from '../contract/messages.js';

// Batches print tens of thousands of lines: reuse what repeats.
let lastAtMs = NaN;
let lastAtIso = '';
function isoOf(ms: number): string {
  if (ms !== lastAtMs) {
    lastAtMs = ms;
    lastAtIso = new Date(ms).toISOString();
  }
  return lastAtIso;
}

export function outcomeJson(o: CheckOutcome, lang: Lang, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ...extra,
    verdict: o.verdict,
    format: o.format,
    reasons: o.reasons.map((r) => ({ code: r.code, message: reasonMessage(r.code, lang), verdict: r.verdict })),
    issuer: o.issuer,
    issuerName: o.issuerName,
    status: o.status,
    kind: o.credentialKind,
    kid: o.kid,
    checkId: o.checkId,
    at: isoOf(o.atMs),
    temperature: o.temperatureC,
    name: o.maskedName,
    issuerReason: o.issuerReason,
    bundleSeq: o.bundleSeq,
    policyVersion: o.policyVersion,
    clock: o.clockState,
  });
}

export function outcomeLine(o: CheckOutcome, lang: Lang, prefix = ''): string {
  const word = `${o.verdict.toUpperCase()} ${verdictWord(o.verdict, lang)}`;
  const who = [
    o.issuerName ? `${lang === 'zh-CN' ? o.issuerName.zh : o.issuerName.en} ${o.issuer}` : o.issuer,
    o.format === 'phc1' || o.format === null ? null : o.format.toUpperCase(),
    o.credentialKind,
    o.status,
    o.maskedName,
    o.temperatureC === null ? null : `${o.temperatureC.toFixed(1)}°C`,
  ]
    .filter((s): s is string => s !== null)
    .join(', ');
  const reasons = o.reasons.map((r) => `${r.code}: ${reasonMessage(r.code, lang)}`).join(' ');
  const rsn = o.issuerReason ? ` (${o.issuerReason})` : '';
  return `${prefix}${word} — ${reasons}${rsn}${who ? ` [${who}]` : ''}${o.checkId ? ` check ${o.checkId}` : ''}`;
}
