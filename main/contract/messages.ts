// Plain sentences for every reason code and verdict, in the operator's and
// the holder's languages. Looked up by code, never stored with a check.
import type { CredentialKind } from './code.js';
import { worstVerdict, type ReasonCode, type Verdict } from './reasons.js';

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];

export function isLang(value: unknown): value is Lang {
  return value === 'zh-CN' || value === 'en';
}

/** Who can act on a reason: the traveller (refresh the code, stand at the thermometer) or staff (the trust list, the clock, a forgery). */
export type Audience = 'traveller' | 'staff';

/** The one instruction a review or a refusal opens with: what the traveller does next. */
export type Action = 'refreshCode' | 'showHealthCode' | 'standAtThermometer' | 'staffMeasures' | 'measureAgain' | 'waitForStaff' | 'seeStaff';

const ACTIONS: Readonly<Record<Lang, Readonly<Record<Action, string>>>> = {
  en: {
    refreshCode: 'Refresh the code on your phone, then scan again.',
    showHealthCode: 'Show your health code, not another QR code.',
    standAtThermometer: 'Stand in front of the thermometer, then scan again.',
    staffMeasures: 'Please step aside: staff will take your temperature.',
    measureAgain: 'Face the thermometer, then scan again.',
    waitForStaff: 'Please wait here: staff will check your code.',
    seeStaff: 'Please speak to a member of staff.',
  },
  'zh-CN': {
    refreshCode: '请在手机上刷新健康码，再扫一次。',
    showHealthCode: '请出示健康码，不要出示其他二维码。',
    standAtThermometer: '请站到测温仪前，再扫一次码。',
    staffMeasures: '请到一旁稍候，工作人员将为您测温。',
    measureAgain: '请正对测温仪，再扫一次码。',
    waitForStaff: '请在此等候，工作人员将为您核验。',
    seeStaff: '请联系工作人员。',
  },
};

/**
 * One cause, one line on the screen: codes of the same cause (an expired
 * code that is also too old; a trust list both stale and expired) show
 * as the first of them, so a traveller never reads "refresh" twice.
 */
type Cause = 'format' | 'issuer' | 'signature' | 'codeTime' | 'status' | 'temperature' | 'test' | 'trust' | 'clock' | 'passback' | 'ok';

interface ReasonText {
  audience: Audience;
  cause: Cause;
  /** Null for OK: an admit needs no instruction. */
  action: Action | null;
  text: Readonly<Record<Lang, string>>;
}

const r = (audience: Audience, cause: Cause, action: Action | null, en: string, zh: string): ReasonText => ({ audience, cause, action, text: { en, 'zh-CN': zh } });

const REASONS: Readonly<Record<ReasonCode, ReasonText>> = {
  OK: r('traveller', 'ok', null, 'All checks passed.', '全部检查通过。'),
  NOT_PHC: r('traveller', 'format', 'showHealthCode', 'This is not a health code this kiosk knows (it may be a web link or a payment code).', '这不是本机能识别的健康码（可能是网址或付款码）。'),
  MALFORMED: r('traveller', 'format', 'refreshCode', 'The health code is damaged or incomplete and cannot be read.', '健康码已损坏或不完整，无法读取。'),
  TOO_LARGE: r('traveller', 'format', 'showHealthCode', 'The code is too long to be a health code.', '内容过长，不是健康码。'),
  FORMAT_NOT_ACCEPTED: r(
    'staff',
    'format',
    'waitForStaff',
    'This kind of health certificate is not accepted automatically here. A guard must check it.',
    '本检查点不自动受理此类健康证明，请工作人员核验。',
  ),
  FORBIDDEN_HEADER: r('staff', 'format', 'seeStaff', 'The code carries settings a genuine health code never has.', '此码含有正规健康码不会有的设置。'),
  UNSUPPORTED_ALG: r('staff', 'signature', 'seeStaff', 'The code is signed in a way that is not allowed.', '此码的签名方式不被允许。'),
  UNKNOWN_ISSUER: r('staff', 'issuer', 'waitForStaff', 'The issuing province is not recognised here. A guard must check the code.', '本机无法识别发码省份，请工作人员核验。'),
  ISSUER_NOT_ACCEPTED: r('traveller', 'issuer', 'seeStaff', 'Codes from this issuer, or of this kind, are not accepted at this checkpoint.', '本检查点不接受该发码方或此类的健康码。'),
  UNKNOWN_KEY: r('staff', 'signature', 'seeStaff', 'The code was signed with a key this checkpoint does not know.', '此码的签名密钥本机无法识别。'),
  KEY_REVOKED: r('staff', 'signature', 'seeStaff', 'The key that signed this code has been withdrawn.', '签发此码的密钥已被撤销。'),
  KEY_NOT_VALID_AT_ISSUE: r('staff', 'signature', 'seeStaff', "The code was signed outside the signing key's period of validity.", '此码的签发时间不在签名密钥的有效期内。'),
  KEY_USAGE: r('staff', 'signature', 'seeStaff', 'The signer of this certificate may not sign this kind of certificate.', '此证书的签发方无权签发此类证书。'),
  BAD_SIGNATURE: r('staff', 'signature', 'seeStaff', 'The signature does not match: the code may be forged or altered.', '签名不符：此码可能是伪造或被篡改的。'),
  REVOKED: r('traveller', 'signature', 'seeStaff', 'This health certificate has been withdrawn by its issuer.', '此健康证明已被签发方撤销。'),
  EXPIRED: r('traveller', 'codeTime', 'refreshCode', 'The health code has expired.', '健康码已过期。'),
  NOT_YET_VALID: r('traveller', 'codeTime', 'seeStaff', 'The health code is not valid yet.', '健康码尚未生效。'),
  CODE_TOO_OLD: r('traveller', 'codeTime', 'refreshCode', 'The code was generated too long ago (a screenshot?).', '此码生成时间过久（可能是截图）。'),
  STATUS_GREEN: r('traveller', 'status', 'seeStaff', 'A green code alone is not enough at this checkpoint.', '本检查点仅凭绿码不能通行。'),
  STATUS_YELLOW: r('traveller', 'status', 'waitForStaff', 'Health status is yellow.', '健康状态为黄码。'),
  STATUS_RED: r('traveller', 'status', 'seeStaff', 'Health status is red.', '健康状态为红码。'),
  TEST_POSITIVE: r('traveller', 'status', 'seeStaff', 'The certificate records a positive test result.', '此证明记录的检测结果为阳性。'),
  FEVER: r('traveller', 'temperature', 'staffMeasures', 'Body temperature is at or above the fever threshold.', '体温达到或超过发热标准。'),
  TEMPERATURE_MISSING: r('traveller', 'temperature', 'standAtThermometer', 'No temperature was taken.', '未测得体温。'),
  TEMPERATURE_IMPLAUSIBLE: r('traveller', 'temperature', 'measureAgain', 'The temperature reading is not plausible.', '体温读数异常。'),
  TEST_MISSING: r('traveller', 'test', 'seeStaff', 'A nucleic-acid test result is required and the code has none.', '需要核酸检测结果，此码没有。'),
  TEST_TOO_OLD: r('traveller', 'test', 'seeStaff', 'The last nucleic-acid test is too old for this checkpoint.', '最近一次核酸检测时间过久。'),
  TRUST_EXPIRED: r('staff', 'trust', 'waitForStaff', "This kiosk's list of trusted issuers has expired: update it. A guard must check.", '本机的可信发码方名单已过期，需更新；请工作人员核验。'),
  TRUST_STALE: r('staff', 'trust', 'waitForStaff', "This kiosk's list of trusted issuers is out of date: update it. A guard must check.", '本机的可信发码方名单未及时更新；请工作人员核验。'),
  CLOCK_UNTRUSTED: r('staff', 'clock', 'waitForStaff', "This kiosk's clock is wrong. A guard must check.", '本机时钟不准，请工作人员核验。'),
  ALREADY_PASSED: r('traveller', 'passback', 'seeStaff', 'This code has already been used to pass a moment ago.', '此码刚刚已用于通行。'),
};

/**
 * TEMPERATURE_MISSING while the thermometer is offline is not the
 * traveller's to fix: standing in front of a dead module helps nobody.
 */
const THERMOMETER_DOWN: ReasonText = r('staff', 'temperature', 'staffMeasures', 'The thermometer is not working: no temperature was taken.', '测温仪不可用，未测得体温。');

/** What the kiosk knew at the decision that changes who a reason is for. */
export interface ReasonContext {
  thermometerWorking: boolean;
}

function reasonText(code: ReasonCode, ctx?: ReasonContext): ReasonText {
  return code === 'TEMPERATURE_MISSING' && ctx && !ctx.thermometerWorking ? THERMOMETER_DOWN : REASONS[code];
}

export function reasonMessage(code: ReasonCode, lang: Lang, ctx?: ReasonContext): string {
  return reasonText(code, ctx).text[lang];
}

export function reasonAudience(code: ReasonCode, ctx?: ReasonContext): Audience {
  return reasonText(code, ctx).audience;
}

export function actionText(action: Action, lang: Lang): string {
  return ACTIONS[lang][action];
}

/**
 * The reasons a screen shows, one per cause (the most severe of each, then
 * the first in spec order), in the order given. The check and its log keep
 * every code; this only keeps the screen from saying one thing twice.
 */
export function reasonsToShow<T extends { code: ReasonCode; verdict: Verdict }>(reasons: readonly T[]): T[] {
  const best = new Map<Cause, T>();
  for (const reason of reasons) {
    const cause = REASONS[reason.code].cause;
    const held = best.get(cause);
    if (!held || worstVerdict([held.verdict, reason.verdict]) !== held.verdict) best.set(cause, reason);
  }
  return reasons.filter((reason) => best.get(REASONS[reason.code].cause) === reason);
}

/**
 * The instruction a review or a refusal opens with: the action of the first
 * shown reason that carries the verdict (null for an admit).
 */
export function verdictAction(verdict: Verdict, reasons: readonly { code: ReasonCode; verdict: Verdict }[], ctx?: ReasonContext): Action | null {
  if (verdict === 'admit') return null;
  const leading = reasons.find((reason) => reason.verdict === verdict);
  return (leading && reasonText(leading.code, ctx).action) ?? (verdict === 'review' ? 'waitForStaff' : 'seeStaff');
}

/**
 * Action first, sharing no word: a glance tells "go" from "stop" even when
 * half the text is missed ("通行" inside "禁止通行" could not).
 */
const VERDICT_WORDS: Readonly<Record<Lang, Readonly<Record<Verdict, string>>>> = {
  en: { admit: 'Please go through', review: 'Please wait for staff', deny: 'Please stop' },
  'zh-CN': { admit: '请通行', review: '请等候工作人员', deny: '请止步' },
};

export function verdictWord(verdict: Verdict, lang: Lang): string {
  return VERDICT_WORDS[lang][verdict];
}

const ISSUER_REASON_LABEL: Readonly<Record<Lang, string>> = { en: 'Reason given by the issuer', 'zh-CN': '赋码原因' };

/** The issuer's own words about a code (a free text from the code), with its label: "赋码原因：密接". */
export function issuerReasonLine(text: string, lang: Lang): string {
  return lang === 'zh-CN' ? `${ISSUER_REASON_LABEL[lang]}：${text}` : `${ISSUER_REASON_LABEL[lang]}: ${text}`;
}

const CREDENTIAL_KINDS_TEXT: Readonly<Record<Lang, Readonly<Record<CredentialKind, string>>>> = {
  en: { vaccination: 'Vaccination', test: 'Test', recovery: 'Recovery', immunization: 'Immunization', laboratory: 'Laboratory result' },
  'zh-CN': { vaccination: '疫苗接种', test: '检测', recovery: '康复', immunization: '免疫接种', laboratory: '实验室检测结果' },
};

/** A DCC's or an SHC's kind in words, for the guard (formats.md §2–3). */
export function credentialKindWord(kind: CredentialKind, lang: Lang): string {
  return CREDENTIAL_KINDS_TEXT[lang][kind];
}

/** A card in several QR codes, while its parts are collected (formats.md §3). */
export function partialScanMessage(index: number, total: number, missing: readonly number[], lang: Lang): string {
  const next = missing.join(lang === 'zh-CN' ? '、' : ', ');
  return lang === 'zh-CN' ? `已读取第 ${index} 部分，共 ${total} 部分。请扫描第 ${next} 部分。` : `Part ${index} of ${total} read. Scan part${missing.length > 1 ? 's' : ''} ${next}.`;
}

/** What an admitted traveller is told when the gate cannot open for them by itself (issue 15). */
export type GateNote = 'outOfOrder' | 'freePassage';

const GATE_NOTES: Readonly<Record<Lang, Readonly<Record<GateNote, string>>>> = {
  en: { outOfOrder: 'The gate is out of order: please wait, staff will let you through.', freePassage: 'Free passage: the gate is open, walk through.' },
  'zh-CN': { outOfOrder: '闸机故障，请稍候，工作人员将为您放行。', freePassage: '紧急放行：闸机已打开，请直接通过。' },
};

export function gateNoteText(note: GateNote, lang: Lang): string {
  return GATE_NOTES[lang][note];
}
