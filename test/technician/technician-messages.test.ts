// The technician's catalog: every message in both languages, zh-CN written
// in Chinese (no sentence of Latin letters only), parameters in place,
// times in the gate's zone on a 24-hour clock; and every English sentence
// the stores refuse with is matched to the message the panel shows.
import { describe, expect, it } from 'vitest';
import { computeCalibration, CalibrationRefused } from '../../drivers/thermometer/calibration.js';
import { ConfigValueError, DEFAULT_KIOSK_CONFIG, SETTABLE_KEYS, withSetting } from '../../main/contract/kiosk-config.js';
import { parsePolicy } from '../../main/contract/policy.js';
import {
  gateDay,
  gateTime,
  isTechnicianMessage,
  POLICY_FIELDS,
  POLICY_TEXT,
  SETTING_LABELS,
  TECHNICIAN_MESSAGE_KEYS,
  techMessage,
  technicianText,
  type TechnicianMessage,
} from '../../main/contract/technician-messages.js';
import { PolicyRefused } from '../../main/policy/policy-store.js';
import { calibrationRefusal, policyRefusal, settingRefusal } from '../../main/technician/relayed-refusals.js';
import { hasCjk, latinOnlySentences, notChinese } from './chinese-text.js';

/** One example of every message (the type makes it list every key). */
const EXAMPLES: { [M in TechnicianMessage as M['key']]: M['params'][] } = {
  sessionLocked: [{}],
  needsTechnicianPin: [{}],
  pinAlreadySet: [{}],
  weakPin: [{ weakness: 'format' }, { weakness: 'repeated' }, { weakness: 'run' }],
  settingRefused: [
    ...(['tooLong', 'timeZone', 'language', 'languages', 'seconds', 'yesNo', 'protocol', 'baud', 'terminator', 'hid', 'url', 'https', 'credentials', 'notSettable'] as const).map((problem) => ({
      setting: 'thermometer.baud',
      problem,
    })),
    ...(
      [
        'choice',
        'serialPort',
        'relayHid',
        'boardSerial',
        'relay',
        'osdpAddress',
        'inputNumber',
        'gateBaud',
        'pulseMs',
        'openSeconds',
        'osdpBaud',
        'portNeeded',
        'needsOsdp',
        'samePort',
        'sameInput',
      ] as const
    ).map((problem) => ({ setting: 'gate.path', problem })),
  ],
  settingsSaved: [{ settings: ['identity.gate', 'screen.resultSeconds', 'sync.endpoint'] }],
  settingsUnchanged: [{}],
  policyRefused: [
    { field: 'feverThresholdC', problem: 'range', min: 35, max: 42 },
    { field: 'onStatus.red', problem: 'verdict' },
    { field: 'temperature', problem: 'temperatureRule' },
    { field: 'acceptIssuers[0]', problem: 'issuers' },
    { field: 'maxCodeAgeSeconds', problem: 'wholeNumber' },
    { field: 'trustMaxAgeDays', problem: 'number' },
    { field: 'colour', problem: 'unknownField' },
    { field: '(document)', problem: 'document' },
  ],
  policySaved: [{ version: 4 }],
  noMainScanner: [{}],
  checkpointUnavailable: [{}],
  discoveryUnavailable: [{}],
  discoveryIncomplete: [{ note: 'HID devices could not be listed (EACCES)' }],
  calibrationNoModule: [{}],
  calibrationRunning: [{}],
  calibrationRefused: [{ problem: 'reference' }, { problem: 'by' }, { problem: 'tooFew', got: 1, wanted: 3, seconds: 30 }, { problem: 'spread', spreadC: 0.5 }, { problem: 'offset', offsetC: 2.8 }],
  calibrated: [{ offsetC: 0.3, dueAtMs: Date.UTC(2027, 0, 1) }],
  fileUnreadable: (['missing', 'not-a-file', 'too-large', 'unreadable'] as const).flatMap((problem) => [
    { what: 'bundle' as const, file: '/media/usb/bundle.jws', problem },
    { what: 'rootKey' as const, file: '/media/usb/root.jwk', problem },
  ]),
  rootKeyUnusable: [{}],
  rootFingerprintNeeded: [{ kid: 'root-2027' }],
  bundleRefused: (['malformed', 'forbidden-header', 'foreign-root', 'bad-signature', 'private-key', 'bad-key', 'expired', 'rollback', 'unusable'] as const).map((problem) => ({ problem })),
  bundleInstalled: [
    { seq: 12, pinnedRoots: [] },
    { seq: 13, pinnedRoots: ['root-2027'] },
  ],
  bundleFilesNone: [{}],
  bundleChooseFile: [{}],
  checkNotFound: [{}],
  overrideOnlyReview: [{ verdict: 'admit' }, { verdict: 'deny' }],
  overrideAlreadyDecided: [{}],
  overrideReasonNeeded: [{}],
  floorNoEvidence: [{ source: 'bundle' }, { source: 'checks' }, { source: 'server' }],
  clockSetFailed: (['notInstalled', 'permission', 'ntp', 'other'] as const).map((problem) => ({ problem })),
  clockBadTime: [{}],
  floorLowered: [{ floorMs: Date.UTC(2026, 11, 2, 4, 41, 16) }, { floorMs: null }],
  clockSet: [{ clockMs: Date.UTC(2026, 11, 2, 4, 41, 16) }],
  syncReachable: [{ pending: 3 }],
  syncUnreachable: [{ pending: 3 }],
  syncUnusable: [
    { reason: 'the sync endpoint must use https', https: true },
    { reason: 'Invalid URL', https: false },
  ],
  enrolled: [
    { endpoint: 'https://central.example/', receipts: true },
    { endpoint: 'https://central.example/', receipts: false },
  ],
  enrollRefused: [
    { problem: 'notACode', detail: '' },
    { problem: 'url', detail: 'plain http off loopback' },
    { problem: 'refused', detail: 'HTTP 401, token-used' },
    { problem: 'unreachable', detail: 'ECONNREFUSED' },
  ],
  gateTested: [{ outcome: 'opened' }, { outcome: 'noGate' }, { outcome: 'freePassage' }, { outcome: 'busy' }, { outcome: 'noAnswer' }],
  exportNoDrive: [{}],
  exportNotRemovable: [{ dir: '/tmp/export' }],
  exportCannotWrite: [{ dir: '/media/usb', code: 'EROFS' }],
  exportChooseDrive: [{}],
  exportUnavailable: [{}],
  exported: [{ checks: 12, folder: '/media/usb/sentinel-export-2026-12-02T04-41-16-000Z' }],
  checkFailed: [{ code: 'ENOENT', detail: "ENOENT: no such file or directory, open '/var/lib/sentinel/x'" }],
  dataDirWritable: [{ dir: '/var/lib/sentinel' }],
  diskFree: [
    { mb: 812, low: false },
    { mb: 80, low: true },
  ],
  databaseIntegrity: [{ result: 'ok' }, { result: 'row 3 missing from index' }],
  chainIntact: [{ entries: 40 }],
  chainBroken: [{ problem: 'entry 7 does not chain to entry 6' }],
  policyVersion: [{ version: 2 }],
  trustMissing: [{}],
  trustExpired: [{ seq: 9 }],
  trustAge: [
    { seq: 9, days: 1.2, stale: false },
    { seq: 9, days: 9.5, stale: true },
  ],
  clockReading: [
    { nowMs: Date.UTC(2026, 11, 2, 4, 41, 16), floorMs: Date.UTC(2026, 11, 1), trusted: true },
    { nowMs: Date.UTC(2026, 11, 2, 4, 41, 16), floorMs: null, trusted: false },
  ],
  deviceId: [{ deviceId: 'kiosk-7f3a' }],
  decoderOk: [{ ms: 12.3 }],
  decoderFailed: [{}],
  thermometerNone: [{}],
  thermometerSimulated: [{}],
  thermometerRate: [
    { fps: 9.5, checksumErrors: 0, calibration: 'never', calibratedAtMs: null },
    { fps: 9.5, checksumErrors: 1, calibration: 'overdue', calibratedAtMs: Date.UTC(2026, 9, 1) },
    { fps: 9.5, checksumErrors: 0, calibration: 'ok', calibratedAtMs: Date.UTC(2026, 10, 20) },
  ],
  thermometerSilent: [{ port: '/dev/ttyUSB0', fps: 0, checksumErrors: 14 }],
  thermometerNoCounters: [{ state: 'offline' }],
  thermometerNotRunning: [{ state: null }, { state: 'offline' }],
  scannerNone: [{}],
  scannerMissing: [{ port: '/dev/ttyACM0' }],
  scannerPresent: [{ device: '0c2e:0b61' }],
  scannersRunning: [{ count: 1 }, { count: 2 }],
  syncNone: [{}],
  requestFailed: [{ code: 'INTERNAL' }],
};

const every = (): TechnicianMessage[] => Object.entries(EXAMPLES).flatMap(([key, list]) => (list as object[]).map((params) => ({ key, params }) as TechnicianMessage));

describe('the technician catalog', () => {
  it('has every key in both languages, each a sentence of its own', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...TECHNICIAN_MESSAGE_KEYS].sort());
    for (const m of every()) {
      const zh = technicianText(m, 'zh-CN', 'Asia/Shanghai');
      const en = technicianText(m, 'en', 'Asia/Shanghai');
      expect(zh.trim(), m.key).not.toBe('');
      expect(en.trim(), m.key).not.toBe('');
      expect(zh, m.key).not.toBe(en);
      expect(zh, m.key).not.toMatch(/undefined|NaN|\[object/);
      expect(en, m.key).not.toMatch(/undefined|NaN|\[object/);
    }
  });

  it('writes zh-CN in Chinese: CJK in every message, no sentence of Latin letters only, full-width punctuation', () => {
    for (const m of every()) {
      const zh = technicianText(m, 'zh-CN', 'Asia/Shanghai');
      expect(notChinese(zh), `${m.key}: ${zh}`).toBeNull();
      // Full-width punctuation between Chinese words: no ASCII comma, colon or parenthesis after a CJK character.
      expect(zh, `${m.key}: ${zh}`).not.toMatch(/[\u4e00-\u9fff][,:;()]/);
    }
    // Labels the panel shows beside its fields are Chinese too.
    for (const key of Object.keys(SETTING_LABELS) as (keyof typeof SETTING_LABELS)[]) expect(hasCjk(SETTING_LABELS[key]['zh-CN']), key).toBe(true);
    for (const f of POLICY_FIELDS) expect(POLICY_TEXT['zh-CN'][f].every(hasCjk), f).toBe(true);
  });

  it('tells a Latin-only sentence from identifiers a Chinese technician reads as they are', () => {
    expect(latinOnlySentences('bundle refused: the bundle has expired')).not.toEqual([]);
    expect(latinOnlySentences('PIN 错误，还可尝试 4 次。')).toEqual([]);
    expect(latinOnlySentences('请在本机控制台运行 sentinel config set-pin。')).toEqual([]);
    expect(latinOnlySentences('/media/usb 不在U盘上（ENOENT）。')).toEqual([]);
    expect(latinOnlySentences('已锁定至 4:41:16 AM')).toEqual([]);
    expect(notChinese('Baud must be a baud rate')).not.toBeNull();
  });

  it('puts the parameters in their place and names settings and fields by their labels', () => {
    expect(technicianText(techMessage('exportNotRemovable', { dir: '/tmp/out' }), 'zh-CN', 'UTC')).toBe('/tmp/out 不在U盘上，请从下方选择一个U盘。');
    expect(technicianText(techMessage('exportNoDrive', {}), 'zh-CN', 'UTC')).toBe('未找到U盘，请检查U盘是否已插入。');
    expect(technicianText(techMessage('exportNoDrive', {}), 'en', 'UTC')).toBe('No USB drive found: check that the drive is plugged in.');
    expect(technicianText(techMessage('settingsSaved', { settings: ['identity.gate', 'screen.resultSeconds'] }), 'zh-CN', 'UTC')).toBe('已保存并立即生效：闸口名称、拒绝结果显示秒数。');
    expect(technicianText(techMessage('settingsSaved', { settings: ['identity.gate', 'screen.resultSeconds'] }), 'en', 'UTC')).toBe('Saved, in force now: Gate name, Refusal shown for (s).');
    expect(technicianText(techMessage('policyRefused', { field: 'feverThresholdC', problem: 'range', min: 35, max: 42 }), 'zh-CN', 'UTC')).toBe(
      '策略项「发热阈值（°C）」须在 35 至 42 之间，请修改后再保存。',
    );
    expect(technicianText(techMessage('settingRefused', { setting: 'thermometer.baud', problem: 'baud' }), 'zh-CN', 'UTC')).toContain('「波特率」须为 300 至 4000000 之间的整数');
    expect(technicianText(techMessage('rootFingerprintNeeded', { kid: 'root-2027' }), 'zh-CN', 'UTC')).toContain('root-2027');
  });

  it('shows times in the gate’s zone on a 24-hour clock, never in UTC nor with AM/PM', () => {
    const at = Date.UTC(2026, 11, 2, 4, 41, 16);
    expect(gateTime(at, 'Asia/Shanghai')).toBe('12:41:16');
    expect(gateTime(at, 'UTC')).toBe('04:41:16');
    expect(gateTime(Date.UTC(2026, 11, 2, 15, 5, 9), 'Asia/Shanghai')).toBe('23:05:09');
    expect(gateTime(Date.UTC(2026, 11, 2, 16, 0, 0), 'Asia/Shanghai')).toBe('00:00:00');
    expect(gateDay(Date.UTC(2026, 11, 2, 16, 0, 0), 'Asia/Shanghai')).toBe('2026-12-03');
    expect(technicianText(techMessage('clockSet', { clockMs: at }), 'zh-CN', 'Asia/Shanghai')).toBe('已保存：本机时钟为 2026-12-02 12:41:16。');
    expect(technicianText(techMessage('clockReading', { nowMs: at, floorMs: null, trusted: true }), 'en', 'Europe/Berlin')).toBe('now 2026-12-02 05:41:16, time floor none');
    for (const m of every()) expect(technicianText(m, 'en', 'Asia/Shanghai'), m.key).not.toMatch(/\b[AP]M\b/);
    // A zone this build does not know (a setting being fixed) still renders, in UTC.
    expect(technicianText(techMessage('clockSet', { clockMs: at }), 'en', 'Mars/Olympus')).toBe('Saved: kiosk clock 2026-12-02 04:41:16.');
  });

  it('knows its own messages when they come back over the IPC', () => {
    expect(isTechnicianMessage(techMessage('exportNoDrive', {}))).toBe(true);
    expect(isTechnicianMessage({ key: 'constructor', params: {} })).toBe(false);
    expect(isTechnicianMessage({ key: 'noSuchKey', params: {} })).toBe(false);
    expect(isTechnicianMessage('exportNoDrive')).toBe(false);
  });
});

describe("the stores' English refusals, as the panel says them", () => {
  const BAD: Record<string, unknown> = {
    'identity.gate': 'x'.repeat(65),
    'identity.station': 7,
    'identity.timeZone': 'Mars/Olympus',
    'screen.operatorLang': 'fr',
    'screen.holderLangs': [],
    'screen.resultSeconds': 0,
    'screen.sound': 'yes',
    'camera.deviceId': 7,
    'thermometer.path': 'x'.repeat(257),
    'thermometer.protocol': 'modbus',
    'thermometer.baud': 100,
    'scanner.serialPath': 7,
    'scanner.terminator': 'TAB',
    'scanner.hid': 'scanner',
    'sync.endpoint': 'not a url',
    'gate.driver': 'relay',
    'gate.path': '',
    'gate.hid': 'relay',
    'gate.hidSerial': 'x'.repeat(17),
    'gate.channel': 9,
    'gate.address': 127,
    'gate.output': 256,
    'gate.baud': 100,
    'gate.pulseMs': 20,
    'gate.mode': 'toggle',
    'gate.openSeconds': 0,
    'gate.passSeconds': 121,
    'gate.passageSensor': 'beam',
    'gate.passageInput': -1,
    'gate.passageLine': 'rts',
    'gate.passagePath': 7,
    'gate.passageNormallyClosed': 'yes',
    'gate.emergency': 'alarm',
    'gate.emergencyInput': 1.5,
    'gate.emergencyNormallyClosed': null,
    'gate.freePassage': 'on',
  };

  it('names each setting and its rule', () => {
    expect(Object.keys(BAD).sort()).toEqual([...SETTABLE_KEYS].sort());
    const problems: Record<string, string> = {};
    for (const [key, value] of Object.entries(BAD)) {
      let err: unknown;
      try {
        withSetting(structuredClone(DEFAULT_KIOSK_CONFIG), key, value);
      } catch (e) {
        err = e;
      }
      expect(err, key).toBeInstanceOf(ConfigValueError);
      const says = settingRefusal(err as ConfigValueError);
      expect(says, key).toMatchObject({ key: 'settingRefused', params: { setting: key } });
      problems[key] = (says.params as { problem: string }).problem;
      expect(notChinese(technicianText(says, 'zh-CN', 'UTC')), key).toBeNull();
    }
    expect(problems).toMatchObject({ 'thermometer.baud': 'baud', 'identity.timeZone': 'timeZone', 'screen.resultSeconds': 'seconds', 'sync.endpoint': 'url', 'scanner.hid': 'hid' });
    expect(problems).toMatchObject({
      'gate.driver': 'choice',
      'gate.path': 'serialPort',
      'gate.hid': 'relayHid',
      'gate.hidSerial': 'boardSerial',
      'gate.channel': 'relay',
      'gate.address': 'osdpAddress',
      'gate.output': 'inputNumber',
      'gate.baud': 'gateBaud',
      'gate.pulseMs': 'pulseMs',
      'gate.openSeconds': 'openSeconds',
      'gate.passSeconds': 'seconds',
      'gate.passageNormallyClosed': 'yesNo',
    });
    const sync = (value: string): string => {
      try {
        withSetting(structuredClone(DEFAULT_KIOSK_CONFIG), 'sync.endpoint', value);
      } catch (e) {
        return (settingRefusal(e as ConfigValueError).params as { problem: string }).problem;
      }
      return 'accepted';
    };
    expect([sync('http://10.0.0.5/'), sync('https://u:p@sync.example/'), sync('ftp://sync.example/')]).toEqual(['https', 'credentials', 'https']);
    expect(settingRefusal(new ConfigValueError('technician.pinHash', 'technician.pinHash is set by its own command, not by config set')).params).toMatchObject({ problem: 'notSettable' });
  });

  it("names the gate setting at fault when the gate's settings disagree", () => {
    type Gate = (typeof DEFAULT_KIOSK_CONFIG)['gate'];
    const refused = (gate: Partial<Gate>, key: string, value: unknown) => {
      const config = { ...structuredClone(DEFAULT_KIOSK_CONFIG), gate: { ...DEFAULT_KIOSK_CONFIG.gate, ...gate } };
      try {
        withSetting(config, key, value);
      } catch (e) {
        const says = settingRefusal(e as ConfigValueError);
        expect(notChinese(technicianText(says, 'zh-CN', 'UTC')), key).toBeNull();
        return says.params;
      }
      throw new Error(`accepted ${key}`);
    };
    const osdp = { driver: 'osdp', path: '/dev/ttyUSB0' } as const;
    expect(refused({}, 'gate.driver', 'lcus')).toEqual({ setting: 'gate.path', problem: 'portNeeded' });
    expect(refused({ driver: 'lcus', path: '/dev/ttyUSB0' }, 'gate.path', null)).toEqual({ setting: 'gate.path', problem: 'portNeeded' });
    expect(refused(osdp, 'gate.baud', 300)).toEqual({ setting: 'gate.baud', problem: 'osdpBaud' });
    expect(refused({ driver: 'lcus', path: '/dev/ttyUSB0' }, 'gate.passageSensor', 'beam')).toEqual({ setting: 'gate.passageSensor', problem: 'choice' });
    expect(refused({ driver: 'lcus', path: '/dev/ttyUSB0' }, 'gate.passageSensor', 'osdp-input')).toEqual({ setting: 'gate.passageSensor', problem: 'needsOsdp' });
    expect(refused({ driver: 'lcus', path: '/dev/ttyUSB0' }, 'gate.emergency', 'osdp-input')).toEqual({ setting: 'gate.emergency', problem: 'needsOsdp' });
    expect(refused({ driver: 'lcus', path: '/dev/ttyUSB0' }, 'gate.passageSensor', 'modem-line')).toEqual({ setting: 'gate.passagePath', problem: 'portNeeded' });
    expect(refused({ driver: 'lcus', path: '/dev/ttyUSB0', passageSensor: 'modem-line', passagePath: '/dev/ttyUSB1' }, 'gate.passagePath', '/dev/ttyUSB0')).toEqual({
      setting: 'gate.passagePath',
      problem: 'samePort',
    });
    expect(refused({ ...osdp, passageSensor: 'osdp-input', passageInput: 2, emergency: 'osdp-input', emergencyInput: 1 }, 'gate.emergencyInput', 2)).toEqual({
      setting: 'gate.emergencyInput',
      problem: 'sameInput',
    });
    expect(technicianText(techMessage('settingRefused', { setting: 'gate.path', problem: 'portNeeded' }), 'zh-CN', 'UTC')).toMatch(/^「闸机串口」须填写串口/);
  });

  it('names each policy field and its rule', () => {
    const refusal = (doc: unknown) => {
      const r = parsePolicy(doc);
      if (r.ok) throw new Error(`accepted ${JSON.stringify(doc)}`);
      return policyRefusal(new PolicyRefused(r.field, r.message));
    };
    expect(refusal({ feverThresholdC: 99 })).toEqual({ key: 'policyRefused', params: { field: 'feverThresholdC', problem: 'range', min: 35, max: 42 } });
    expect(refusal({ maxCodeAgeSeconds: 1.5 }).params).toMatchObject({ problem: 'wholeNumber' });
    expect(refusal({ trustMaxAgeDays: null }).params).toMatchObject({ problem: 'number' });
    expect(refusal({ onFever: 'maybe' }).params).toMatchObject({ problem: 'verdict' });
    expect(refusal({ onStatus: { red: 'ok' } }).params).toMatchObject({ field: 'onStatus.red', problem: 'verdict' });
    expect(refusal({ temperature: 'sometimes' }).params).toMatchObject({ problem: 'temperatureRule' });
    expect(refusal({ acceptIssuers: ['not an id'] }).params).toMatchObject({ field: 'acceptIssuers[0]', problem: 'issuers' });
    expect(refusal({ colour: 'red' }).params).toMatchObject({ problem: 'unknownField' });
    expect(technicianText(refusal({ onStatus: { red: 'ok' } }), 'zh-CN', 'UTC')).toBe('策略项「红码」请选择放行、交人工核验或拒绝通行。');
  });

  it('says why a calibration was refused', () => {
    const refused = (input: Partial<Parameters<typeof computeCalibration>[0]>) => {
      try {
        computeCalibration({ referenceC: 36.5, readingsC: [36.2, 36.2, 36.2], by: 'Li', atMs: 0, ...input });
      } catch (e) {
        return calibrationRefusal(e as CalibrationRefused).params;
      }
      throw new Error('accepted');
    };
    expect(refused({ referenceC: 50 })).toEqual({ problem: 'reference' });
    expect(refused({ by: ' ' })).toEqual({ problem: 'by' });
    expect(refused({ readingsC: [36.2] })).toEqual({ problem: 'tooFew', got: 1, wanted: 3, seconds: 30 });
    expect(refused({ readingsC: [36.1, 36.6, 36.2] })).toEqual({ problem: 'spread', spreadC: 0.5 });
    expect(refused({ referenceC: 39 })).toEqual({ problem: 'offset', offsetC: 2.8 });
    expect(calibrationRefusal(new CalibrationRefused('only 1 of 3 stable readings within 30 s: is the module aimed at the reference?')).params).toEqual({
      problem: 'tooFew',
      got: 1,
      wanted: 3,
      seconds: 30,
    });
  });
});
