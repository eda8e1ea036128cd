// The screen's own words (the reasons' sentences come from main with each check).
import type { Lang } from '../../main/contract/messages.js';

const TEXT = {
  'zh-CN': {
    ready: '请出示健康码',
    readyHint: '将手机上的健康码对准摄像头，或在扫码器上扫码',
    checking: '正在核验…',
    switchLang: 'English',
    noPin: '未设置技术员 PIN',
    scansDropped: '扫码过快，已丢弃',
    unsyncedPurge: '未同步记录将被删除，自',
    cameraLost: '摄像头不可用',
    cameraLostHint: '请在扫码器上扫码',
    noInputLeft: '请联系工作人员',
    cameraStarting: '正在打开摄像头…',
    online: '在线',
    offline: '离线',
    syncOff: '未配置同步',
    pending: '待同步',
    lastSync: '上次同步',
    backlogOld: '最早未同步',
    receiptsUnpinned: '无回执，请重新注册',
    trust: '可信名单',
    trustMissing: '无可信名单',
    trustStale: '需更新',
    trustExpired: '已过期',
    clock: '时钟',
    clockBad: '时钟异常',
    thermometer: '体温',
    thermoSim: '模拟',
    thermoOffline: '测温仪离线',
    calibrationDue: '需校准',
    override: '人工决定',
    overridden: '已人工决定',
    overrideAdmit: '人工放行',
    overrideDeny: '人工拒绝',
    seeStaff: '请联系工作人员',
    forStaff: '工作人员',
    camera: '摄像头',
    scanner: '扫码器',
    scannerOffline: '扫码器离线',
    today: '今日',
    admitted: '通行',
    reviewed: '核验',
    denied: '拒绝',
    simulated: '演示模式：体温为模拟数据',
    service: '服务连接中断',
    gateReady: '闸机 ✓',
    gateOpen: '闸机已开',
    gateOutOfOrder: '闸机故障，请人工放行',
    gateFreePassage: '紧急放行中',
    tailgates: '尾随',
    notPassed: '未通过',
    notPassedAlert: '请注意：有旅客获准通行后未通过闸机（该记录已作废）。准予时间',
    issuer: '发码方',
    credential: '证明类型',
    temperature: '体温',
  },
  en: {
    ready: 'Show your health code',
    readyHint: 'Hold the QR code on your phone up to the camera, or scan it on the scanner',
    checking: 'Checking…',
    switchLang: '中文',
    noPin: 'No technician PIN set',
    scansDropped: 'scans too fast, dropped',
    unsyncedPurge: 'unsynced checks deleted from',
    cameraLost: 'Camera unavailable',
    cameraLostHint: 'Scan your code on the scanner',
    noInputLeft: 'Please see staff',
    cameraStarting: 'Starting the camera…',
    online: 'Online',
    offline: 'Offline',
    syncOff: 'Sync not set up',
    pending: 'to sync',
    lastSync: 'last sync',
    backlogOld: 'oldest unsynced',
    receiptsUnpinned: 're-enroll for receipts',
    trust: 'Trust list',
    trustMissing: 'No trust list',
    trustStale: 'update needed',
    trustExpired: 'expired',
    clock: 'Clock',
    clockBad: 'Clock wrong',
    thermometer: 'Thermometer',
    thermoSim: 'simulated',
    thermoOffline: 'Thermometer offline',
    calibrationDue: 'calibration due',
    override: 'Guard decision',
    overridden: 'Decided by a guard',
    overrideAdmit: 'Admitted by staff',
    overrideDeny: 'Refused by staff',
    seeStaff: 'Please see staff',
    forStaff: 'For staff',
    camera: 'Camera',
    scanner: 'Scanner',
    scannerOffline: 'Scanner offline',
    today: 'Today',
    admitted: 'admitted',
    reviewed: 'reviewed',
    denied: 'denied',
    simulated: 'Demo mode: temperatures are simulated',
    service: 'Lost contact with the kiosk service',
    gateReady: 'Gate ✓',
    gateOpen: 'Gate open',
    gateOutOfOrder: 'Gate out of order: open it by hand',
    gateFreePassage: 'Free passage',
    tailgates: 'tailgating',
    notPassed: 'not passed',
    notPassedAlert: 'Note: a traveller admitted did not pass the gate (that check is annulled). Admitted at',
    issuer: 'Issuer',
    credential: 'Certificate',
    temperature: 'Temperature',
  },
} as const satisfies Record<Lang, Record<string, string>>;

export type TextKey = keyof (typeof TEXT)['en'];

export function t(lang: Lang, key: TextKey): string {
  return TEXT[lang][key];
}

/** How old the trust list is, in words a guard reads at a glance: "10天前", "3 h ago". */
export function ago(lang: Lang, seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const days = Math.floor(seconds / 86_400);
  if (lang === 'zh-CN') return hours < 1 ? '刚更新' : days < 1 ? `${hours}小时前` : `${days}天前`;
  return hours < 1 ? 'just updated' : days < 1 ? `${hours} h ago` : days === 1 ? '1 day ago' : `${days} days ago`;
}

/** Today's counts in words: "今日 通行 1 · 核验 0 · 拒绝 0". */
export function todayLine(lang: Lang, today: { admit: number; review: number; deny: number }): string {
  const sep = lang === 'zh-CN' ? ' ' : ': ';
  return `${t(lang, 'today')}${sep}${t(lang, 'admitted')} ${today.admit} · ${t(lang, 'reviewed')} ${today.review} · ${t(lang, 'denied')} ${today.deny}`;
}

export function otherLang(lang: Lang): Lang {
  return lang === 'zh-CN' ? 'en' : 'zh-CN';
}
