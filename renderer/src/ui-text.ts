// The screen's own words (the reasons' sentences come from main with each check).
import type { Lang } from '../../main/contract/messages.js';

const TEXT = {
  'zh-CN': {
    ready: '请出示健康码',
    readyHint: '将手机二维码对准摄像头，或在扫码器上扫码',
    checking: '正在核验…',
    switchLang: 'English',
    noPin: '未设置技术员 PIN',
    scansDropped: '扫码过快，已丢弃',
    cameraLost: '摄像头不可用',
    cameraLostHint: '请使用扫码器，或联系工作人员',
    cameraStarting: '正在打开摄像头…',
    online: '在线',
    offline: '离线',
    pending: '待同步',
    lastSync: '上次同步',
    backlogOld: '最早未同步',
    trust: '名单',
    trustMissing: '无名单',
    clock: '时钟',
    clockBad: '时钟异常',
    thermometer: '体温',
    thermoSim: '模拟',
    thermoOffline: '测温仪离线',
    calibrationDue: '需校准',
    override: '人工决定',
    overridden: '已人工决定',
    camera: '摄像头',
    scanner: '扫码器',
    scannerOffline: '扫码器离线',
    today: '今日',
    admitted: '通行',
    reviewed: '核验',
    denied: '拒绝',
    simulated: '演示模式：体温为模拟数据',
    service: '服务连接中断',
    issuer: '发码方',
    temperature: '体温',
  },
  en: {
    ready: 'Show your health code',
    readyHint: 'Hold the QR code on your phone up to the camera, or scan it on the scanner',
    checking: 'Checking…',
    switchLang: '中文',
    noPin: 'No technician PIN set',
    scansDropped: 'scans too fast, dropped',
    cameraLost: 'Camera unavailable',
    cameraLostHint: 'Use the scanner, or ask a member of staff',
    cameraStarting: 'Starting the camera…',
    online: 'Online',
    offline: 'Offline',
    pending: 'to sync',
    lastSync: 'last sync',
    backlogOld: 'oldest unsynced',
    trust: 'Trust list',
    trustMissing: 'No trust list',
    clock: 'Clock',
    clockBad: 'Clock wrong',
    thermometer: 'Thermometer',
    thermoSim: 'simulated',
    thermoOffline: 'Thermometer offline',
    calibrationDue: 'calibration due',
    override: 'Guard decision',
    overridden: 'Decided by a guard',
    camera: 'Camera',
    scanner: 'Scanner',
    scannerOffline: 'Scanner offline',
    today: 'Today',
    admitted: 'admitted',
    reviewed: 'review',
    denied: 'denied',
    simulated: 'Demo mode: temperatures are simulated',
    service: 'Lost contact with the kiosk service',
    issuer: 'Issuer',
    temperature: 'Temperature',
  },
} as const satisfies Record<Lang, Record<string, string>>;

export type TextKey = keyof (typeof TEXT)['en'];

export function t(lang: Lang, key: TextKey): string {
  return TEXT[lang][key];
}

export function otherLang(lang: Lang): Lang {
  return lang === 'zh-CN' ? 'en' : 'zh-CN';
}
