// Plain sentences for every reason code and verdict, in the operator's and
// the holder's languages. Looked up by code, never stored with a check.
import type { ReasonCode, Verdict } from './reasons.js';

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];

export function isLang(value: unknown): value is Lang {
  return value === 'zh-CN' || value === 'en';
}

const REASON_MESSAGES: Readonly<Record<Lang, Readonly<Record<ReasonCode, string>>>> = {
  en: {
    OK: 'All checks passed.',
    NOT_PHC: 'This is not a health code (it may be a web link or a payment code).',
    MALFORMED: 'The health code is damaged or incomplete and cannot be read.',
    TOO_LARGE: 'The code is too long to be a health code.',
    FORBIDDEN_HEADER: 'The code carries settings a genuine health code never has.',
    UNSUPPORTED_ALG: 'The code is signed in a way that is not allowed.',
    UNKNOWN_ISSUER: 'The issuing province is not recognised here. A guard must check the code.',
    ISSUER_NOT_ACCEPTED: 'Codes from this province are not accepted at this checkpoint.',
    UNKNOWN_KEY: 'The code was signed with a key this checkpoint does not know.',
    KEY_REVOKED: 'The key that signed this code has been withdrawn.',
    KEY_NOT_VALID_AT_ISSUE: "The code was signed outside the signing key's period of validity.",
    BAD_SIGNATURE: 'The signature does not match: the code may be forged or altered.',
    EXPIRED: 'The health code has expired. Please refresh it on your phone.',
    NOT_YET_VALID: 'The health code is not valid yet.',
    CODE_TOO_OLD: 'The code was issued too long ago (a screenshot?). Please refresh it on your phone.',
    STATUS_GREEN: 'Green status is not enough at this checkpoint.',
    STATUS_YELLOW: 'Health status is yellow.',
    STATUS_RED: 'Health status is red.',
    FEVER: 'Body temperature is at or above the fever threshold.',
    TEMPERATURE_MISSING: 'No temperature was taken. Please stand in front of the thermometer.',
    TEMPERATURE_IMPLAUSIBLE: 'The temperature reading is not plausible. Please measure again.',
    TEST_MISSING: 'A nucleic-acid test result is required and the code has none.',
    TEST_TOO_OLD: 'The last nucleic-acid test is too old for this checkpoint.',
    TRUST_EXPIRED: "This kiosk's list of trusted issuers has expired. A guard must check.",
    TRUST_STALE: "This kiosk's list of trusted issuers is out of date. A guard must check.",
    CLOCK_UNTRUSTED: "This kiosk's clock is wrong. A guard must check.",
    ALREADY_PASSED: 'This code has already been used to pass a moment ago.',
  },
  'zh-CN': {
    OK: '全部检查通过。',
    NOT_PHC: '这不是健康码（可能是网址或付款码）。',
    MALFORMED: '健康码已损坏或不完整，无法读取。',
    TOO_LARGE: '内容过长，不是健康码。',
    FORBIDDEN_HEADER: '此码含有正规健康码不会有的设置。',
    UNSUPPORTED_ALG: '此码的签名方式不被允许。',
    UNKNOWN_ISSUER: '本机不认识发码省份，请工作人员核验。',
    ISSUER_NOT_ACCEPTED: '本检查点不接受该省份的健康码。',
    UNKNOWN_KEY: '此码的签名密钥本机不认识。',
    KEY_REVOKED: '签发此码的密钥已被撤销。',
    KEY_NOT_VALID_AT_ISSUE: '此码的签发时间不在签名密钥的有效期内。',
    BAD_SIGNATURE: '签名不符：此码可能是伪造或被篡改的。',
    EXPIRED: '健康码已过期，请在手机上刷新。',
    NOT_YET_VALID: '健康码尚未生效。',
    CODE_TOO_OLD: '此码生成时间过早（可能是截图），请在手机上刷新。',
    STATUS_GREEN: '本检查点仅凭绿码不能通行。',
    STATUS_YELLOW: '健康状态为黄码。',
    STATUS_RED: '健康状态为红码。',
    FEVER: '体温达到或超过发热标准。',
    TEMPERATURE_MISSING: '未测量体温，请站到测温仪前。',
    TEMPERATURE_IMPLAUSIBLE: '体温读数异常，请重新测量。',
    TEST_MISSING: '需要核酸检测结果，此码没有。',
    TEST_TOO_OLD: '最近一次核酸检测时间过久。',
    TRUST_EXPIRED: '本机的可信发码方名单已过期，请工作人员核验。',
    TRUST_STALE: '本机的可信发码方名单未及时更新，请工作人员核验。',
    CLOCK_UNTRUSTED: '本机时钟不准，请工作人员核验。',
    ALREADY_PASSED: '此码刚刚已用于通行。',
  },
};

const VERDICT_WORDS: Readonly<Record<Lang, Readonly<Record<Verdict, string>>>> = {
  en: { admit: 'Admit', review: 'Guard check', deny: 'Denied' },
  'zh-CN': { admit: '通行', review: '人工核验', deny: '禁止通行' },
};

export function reasonMessage(code: ReasonCode, lang: Lang): string {
  return REASON_MESSAGES[lang][code];
}

export function verdictWord(verdict: Verdict, lang: Lang): string {
  return VERDICT_WORDS[lang][verdict];
}
