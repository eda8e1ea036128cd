// The fleet view's words, in Chinese and English (the kiosk's two
// languages, its words where they are the same things: 通行 · 核验 · 拒绝,
// 可信名单, 尾随). One catalog: a key missing from one language does not
// compile. The language is the operator's choice (a cookie), else the
// browser's Accept-Language, else Chinese.
import { isLang, type Lang } from '../../main/contract/messages.js';
import type { AlertKind, KioskState } from './summary.js';

const zh = {
  title: 'Sentinel 设备总览',
  loginTitle: '操作员登录',
  loginIntro: '请使用 sentinel central user add 创建的账户登录。',
  name: '用户名',
  password: '密码',
  login: '登录',
  loginRefused: '用户名或密码错误。连续输错 5 次密码后，账户将锁定 15 分钟。',
  formExpired: '此表单已失效或来自其他网站。请刷新页面后重试。',
  sessionEnded: '会话已结束，请重新登录。',
  loggedOut: '已退出登录。',
  loggedInAs: '当前用户',
  logout: '退出登录',
  language: '语言',
  kiosks: '终端',
  online: '在线',
  attention: '需处理',
  checks24h: '近24小时核验',
  admit: '通行',
  review: '核验',
  deny: '拒绝',
  notPassed: '未通过闸机',
  tailgates: '尾随',
  alerts: '警报',
  noAlerts: '无警报：所有终端均在线且正常。',
  kioskList: '终端列表',
  noKiosks: '尚无终端登记（sentinel central enroll-token）。',
  state: '状态',
  gate: '闸机',
  station: '车站',
  lastSeen: '最后联系',
  backlog: '待同步',
  appVersion: '版本',
  bundle: '可信名单',
  policy: '策略版本',
  clock: '时钟偏差',
  devices: '设备',
  thermometer: '测温仪',
  scanner: '扫码器',
  device: '终端编号',
  chartTitle: '各闸机每小时核验量（近24小时）',
  chartHint: '每根柱为一小时：通行（实心浅色）、核验（斜纹）、拒绝（深色）。',
  perGate: '闸机',
  hourAxis: '时',
  maxPerHour: '每小时最多',
  noChecks: '近24小时无核验记录',
  updated: '更新于',
  refreshEvery: '每30秒自动刷新',
  refreshFailed: '刷新失败，显示的仍是上次的数据',
  never: '从未',
  justNow: '刚刚',
  none: '–',
  oldest: '最早',
  ahead: '快',
  behind: '慢',
  seq: '序号',
  revokedNote: '已吊销的终端不再计入警报。',
  skip: '跳到警报',
} as const;

type Key = keyof typeof zh;

const en: Record<Key, string> = {
  title: 'Sentinel fleet',
  loginTitle: 'Operator login',
  loginIntro: 'Log in with an account made by sentinel central user add.',
  name: 'Name',
  password: 'Password',
  login: 'Log in',
  loginRefused: 'The name or password is wrong. After 5 wrong passwords in a row the account is locked for 15 minutes.',
  formExpired: 'This form has expired or came from another site. Reload the page and try again.',
  sessionEnded: 'Your session has ended. Please log in again.',
  loggedOut: 'You have logged out.',
  loggedInAs: 'Logged in as',
  logout: 'Log out',
  language: 'Language',
  kiosks: 'Kiosks',
  online: 'Online',
  attention: 'Need attention',
  checks24h: 'Checks, last 24 h',
  admit: 'Admit',
  review: 'Review',
  deny: 'Deny',
  notPassed: 'Not passed',
  tailgates: 'Tailgating',
  alerts: 'Alerts',
  noAlerts: 'No alerts: every kiosk is reporting and in order.',
  kioskList: 'Kiosks',
  noKiosks: 'No kiosk is enrolled yet (sentinel central enroll-token).',
  state: 'State',
  gate: 'Gate',
  station: 'Station',
  lastSeen: 'Last seen',
  backlog: 'Backlog',
  appVersion: 'Version',
  bundle: 'Trust list',
  policy: 'Policy',
  clock: 'Clock offset',
  devices: 'Devices',
  thermometer: 'Thermometer',
  scanner: 'Scanner',
  device: 'Device',
  chartTitle: 'Checks per gate per hour, last 24 h',
  chartHint: 'One bar an hour: admit (light, solid), review (striped), deny (dark).',
  perGate: 'Gate',
  hourAxis: 'h',
  maxPerHour: 'max per hour',
  noChecks: 'No checks in the last 24 hours',
  updated: 'Updated',
  refreshEvery: 'refreshes every 30 s',
  refreshFailed: 'Refresh failed: this is still the earlier data',
  never: 'never',
  justNow: 'just now',
  none: '–',
  oldest: 'oldest',
  ahead: 'ahead',
  behind: 'behind',
  seq: 'seq',
  revokedNote: 'Revoked kiosks raise no alerts.',
  skip: 'Skip to alerts',
};

const CATALOG: Record<Lang, Record<Key, string>> = { 'zh-CN': zh, en };

export function t(lang: Lang, key: Key): string {
  return CATALOG[lang][key];
}

export const LANGS: readonly Lang[] = ['zh-CN', 'en'];
export const LANG_NAMES: Record<Lang, string> = { 'zh-CN': '中文', en: 'English' };

/** The language of a request: the operator's choice (cookie), else the first of Accept-Language we speak, else Chinese. */
export function requestLang(chosen: string | undefined, acceptLanguage: string | undefined): Lang {
  if (chosen !== undefined && isLang(chosen)) return chosen;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((r) => r.tag !== '' && Number.isFinite(r.q) && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranked) {
    if (r.tag === 'zh' || r.tag.startsWith('zh-')) return 'zh-CN';
    if (r.tag === 'en' || r.tag.startsWith('en-')) return 'en';
  }
  return 'zh-CN';
}

function unit(lang: Lang, n: number, zhUnit: string, enUnit: string): string {
  return lang === 'zh-CN' ? `${n}${zhUnit}` : `${n} ${enUnit}`;
}

/** A length of time in words, to the unit that matters: "3 min", "2 h", "5 d"; "45秒", "3小时". */
export function duration(lang: Lang, ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return unit(lang, s, '秒', 's');
  const min = Math.floor(s / 60);
  if (min < 60) return unit(lang, min, '分钟', 'min');
  const h = Math.floor(min / 60);
  if (h < 48) return unit(lang, h, '小时', 'h');
  return unit(lang, Math.floor(h / 24), '天', 'd');
}

/** "3 min ago" / "3分钟前"; under 10 s, "just now". */
export function ago(lang: Lang, ms: number): string {
  if (ms < 10_000) return t(lang, 'justNow');
  return lang === 'zh-CN' ? `${duration(lang, ms)}前` : `${duration(lang, ms)} ago`;
}

/** A clock offset: "+75 s ahead" / "快75秒"; under a second, "0 s". */
export function offset(lang: Lang, ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return lang === 'zh-CN' ? '0秒' : '0 s';
  return lang === 'zh-CN' ? `${ms > 0 ? t(lang, 'ahead') : t(lang, 'behind')}${duration(lang, abs)}` : `${duration(lang, abs)} ${ms > 0 ? t(lang, 'ahead') : t(lang, 'behind')}`;
}

export const STATE_WORDS: Record<KioskState, Record<Lang, string>> = {
  ok: { 'zh-CN': '正常', en: 'OK' },
  warning: { 'zh-CN': '注意', en: 'Warning' },
  critical: { 'zh-CN': '警报', en: 'Alert' },
  revoked: { 'zh-CN': '已吊销', en: 'Revoked' },
};

export const DEVICE_STATE_WORDS: Record<string, Record<Lang, string>> = {
  ok: { 'zh-CN': '正常', en: 'OK' },
  offline: { 'zh-CN': '故障', en: 'out of order' },
  simulated: { 'zh-CN': '模拟', en: 'simulated' },
  none: { 'zh-CN': '无', en: 'none' },
  ready: { 'zh-CN': '就绪', en: 'ready' },
  open: { 'zh-CN': '开启', en: 'open' },
  'out-of-order': { 'zh-CN': '故障', en: 'out of order' },
  'free-passage': { 'zh-CN': '紧急放行', en: 'free passage' },
};

/** Said to a login refused while too many hashings wait (passwords.ts), in the page's language. */
export const LOGINS_BUSY: Record<Lang, string> = {
  'zh-CN': '登录请求过多，请稍后重试。',
  en: 'Too many logins at once. Try again in a moment.',
};

/** The stored alerts' kinds this view has words for; any other is shown as its kind. */
const STORED_WORDS: Record<string, Record<Lang, string>> = {
  'chain-rewritten': { 'zh-CN': '日志链被改写：终端上已同步的记录与服务端不符', en: 'Log chain rewritten: the kiosk’s synced history no longer matches the service’s' },
  'chain-truncated': { 'zh-CN': '日志链被截断：终端上已同步的记录缺失', en: 'Log chain truncated: synced history is missing on the kiosk' },
  'checks-held-back': {
    'zh-CN': '有记录无法入库：终端会重发，其余记录照常同步（见 sentinel central alerts）',
    en: 'Records the service cannot store: the kiosk keeps resending them, the rest sync as usual (see sentinel central alerts)',
  },
};

export interface AlertText {
  kind: AlertKind;
  storedKind?: string;
  value?: number;
  bundleSeq?: number;
}

/** An alert in one sentence a controller can act on. */
export function alertText(lang: Lang, a: AlertText): string {
  const zhLang = lang === 'zh-CN';
  const v = a.value ?? 0;
  const seq = a.bundleSeq === undefined ? '' : zhLang ? `（序号 ${a.bundleSeq}）` : ` (seq ${a.bundleSeq})`;
  switch (a.kind) {
    case 'silent':
      return zhLang ? `已${duration(lang, v)}未联系` : `Silent for ${duration(lang, v)}`;
    case 'never-seen':
      return zhLang ? `登记${duration(lang, v)}后从未同步` : `Never synced since it was enrolled ${duration(lang, v)} ago`;
    case 'no-bundle':
      return zhLang ? '无可信名单：无法验证健康码' : 'No trust list: it cannot verify codes';
    case 'bundle-expired':
      return zhLang ? `可信名单已过期${duration(lang, v)}${seq}` : `Trust list expired ${duration(lang, v)} ago${seq}`;
    case 'bundle-expiring':
      return zhLang ? `可信名单将在${duration(lang, v)}后过期${seq}` : `Trust list expires in ${duration(lang, v)}${seq}`;
    case 'bundle-stale':
      return zhLang ? `可信名单已${duration(lang, v)}未更新${seq}` : `Trust list is ${duration(lang, v)} old${seq}`;
    case 'clock-off':
      return zhLang ? `时钟偏差：${offset(lang, v)}` : `Clock off: ${offset(lang, v)}`;
    case 'thermometer-offline':
      return zhLang ? '测温仪故障' : 'Thermometer out of order';
    case 'scanner-offline':
      return zhLang ? '扫码器故障' : 'Scanner out of order';
    case 'gate-out-of-order':
      return zhLang ? '闸机故障，需人工放行' : 'Gate out of order: staff must open it by hand';
    case 'gate-free-passage':
      return zhLang ? '闸机处于紧急放行' : 'Gate held open (free passage)';
    case 'stored': {
      const words = a.storedKind === undefined ? undefined : STORED_WORDS[a.storedKind];
      return words ? words[lang] : (zhLang ? '服务端警报：' : 'Service alert: ') + (a.storedKind ?? '?');
    }
  }
}

/** A whole number in the language's grouping: 12,345. */
export function count(lang: Lang, n: number): string {
  return new Intl.NumberFormat(lang === 'zh-CN' ? 'zh-CN' : 'en-GB').format(n);
}
