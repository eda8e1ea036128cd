// Everything technician mode says, once, in both operator languages: each
// message is a key with typed parameters, main sends the key (never a
// sentence) and the panel renders it in the operator's language, with times
// in the gate's zone on a 24-hour clock. A refusal says what is wrong and
// what to do next. zh-CN is written first and gives the shape; en is held to
// it key for key, so a message missing in either language does not compile.
//
// The labels a message names (settings, policy fields, policy values,
// self-test checks, device states, override reasons) live here too: the
// panel's forms and main's refusals use the same words.
import type { DeviceState } from './devices.js';
import type { Lang } from './messages.js';
import type { PinWeakness } from './pin-rule.js';
import type { TemperatureRule } from './policy.js';
import type { Verdict } from './reasons.js';

/** Both languages of one label. */
type Label = Readonly<Record<Lang, string>>;
const label = (zh: string, en: string): Label => ({ 'zh-CN': zh, en });

/** The settings a technician changes on the panel, by their configuration key. */
export const SETTING_LABELS = {
  'identity.gate': label('闸口名称', 'Gate name'),
  'identity.station': label('车站', 'Station'),
  'identity.timeZone': label('时区', 'Time zone'),
  'screen.operatorLang': label('操作员语言', 'Operator language'),
  'screen.holderLangs': label('旅客可选语言', 'Traveller languages offered'),
  // Admit is fixed at 2 s and a review is held until a guard acts: this is a refusal's time on screen.
  'screen.resultSeconds': label('拒绝结果显示秒数', 'Refusal shown for (s)'),
  'screen.sound': label('声音', 'Sound'),
  'camera.deviceId': label('摄像头', 'Camera'),
  'thermometer.path': label('测温仪串口', 'Thermometer port'),
  'thermometer.protocol': label('测温仪协议', 'Thermometer protocol'),
  'thermometer.baud': label('波特率', 'Baud'),
  'thermometer.calibration': label('测温仪校准', 'Thermometer calibration'),
  'scanner.serialPath': label('扫码器串口', 'Scanner serial port'),
  'scanner.terminator': label('扫码器结束符', 'Scanner terminator'),
  'scanner.hid': label('HID 扫码器', 'HID scanner'),
  'sync.endpoint': label('同步服务地址', 'Sync service address'),
  'gate.driver': label('闸机驱动', 'Gate driver'),
  'gate.path': label('闸机串口', 'Gate serial port'),
  'gate.hid': label('HID 继电器板', 'HID relay board'),
  'gate.hidSerial': label('继电器板序列号', 'Relay board serial'),
  'gate.channel': label('继电器通道', 'Relay channel'),
  'gate.address': label('OSDP 地址', 'OSDP address'),
  'gate.output': label('OSDP 输出', 'OSDP output'),
  'gate.baud': label('闸机波特率', 'Gate baud'),
  'gate.pulseMs': label('开闸脉冲（毫秒）', 'Open pulse (ms)'),
  'gate.mode': label('开闸方式', 'Gate mode'),
  'gate.openSeconds': label('常开秒数', 'Held open for (s)'),
  'gate.passSeconds': label('通行等待秒数', 'Time to pass (s)'),
  'gate.passageSensor': label('通行传感器', 'Passage sensor'),
  'gate.passageInput': label('通行传感器输入', 'Passage sensor input'),
  'gate.passageLine': label('通行传感器信号线', 'Passage sensor line'),
  'gate.passagePath': label('通行传感器串口', 'Passage sensor port'),
  'gate.passageNormallyClosed': label('通行传感器常闭', 'Passage sensor normally closed'),
  'gate.emergency': label('紧急输入', 'Emergency input'),
  'gate.emergencyInput': label('紧急输入编号', 'Emergency input number'),
  'gate.emergencyNormallyClosed': label('紧急输入常闭', 'Emergency input normally closed'),
  'gate.freePassage': label('紧急放行（闸机常开）', 'Free passage (gate held open)'),
} as const satisfies Record<string, Label>;
export type SettingKey = keyof typeof SETTING_LABELS;

/** A setting's label; a key this build does not know is shown as it is. */
export function settingLabel(key: string, lang: Lang): string {
  return Object.hasOwn(SETTING_LABELS, key) ? SETTING_LABELS[key as SettingKey][lang] : key;
}

/** The policy's fields as the technician's form shows them, in order. */
export const POLICY_FIELDS = [
  'temperature',
  'feverThresholdC',
  'onFever',
  'green',
  'yellow',
  'red',
  'acceptIssuers',
  'acceptFormats',
  'dccAccept',
  'maxCodeAgeSeconds',
  'clockSkewSeconds',
  'natMaxAgeHours',
  'trustMaxAgeDays',
  'antiPassbackSeconds',
  'unsyncedMaxAgeDays',
] as const;
export type PolicyField = (typeof POLICY_FIELDS)[number];

/** Each policy field's label and what it means at the gate (spec §3). */
export const POLICY_TEXT: Readonly<Record<Lang, Readonly<Record<PolicyField, readonly [label: string, meaning: string]>>>> = {
  'zh-CN': {
    temperature: ['体温', '必须测温：没有读数则交人工核验；有读数才判断：没有读数不影响结果；不测温：不测量体温'],
    feverThresholdC: ['发热阈值（°C）', '体温达到或超过此值即为发热'],
    onFever: ['发热时', '发热时的结果：放行、交人工核验或拒绝通行'],
    green: ['绿码', '绿码的结果'],
    yellow: ['黄码', '黄码的结果（通常交人工核验）'],
    red: ['红码', '红码的结果（通常拒绝通行）'],
    acceptIssuers: ['接受的发码方', '发码方编号，用逗号分隔（省份如 CN-ZJ，欧盟国家如 DCC-AT，SMART 健康卡签发方的 https 地址）；* 表示可信名单中的全部发码方'],
    acceptFormats: ['自动受理的格式', 'phc1（健康码）、dcc（欧盟数字新冠证书）、shc（SMART 健康卡），用逗号分隔；其他格式交人工核验'],
    dccAccept: ['受理的欧盟证书类型', 'v（疫苗接种）、t（检测）、r（康复），用逗号分隔；其他类型拒绝通行'],
    maxCodeAgeSeconds: ['码的最长有效秒数', '生成超过此秒数的码被拒绝（防止旧截图）'],
    clockSkewSeconds: ['允许的时钟偏差（秒）', '本机与手机时钟可相差的秒数'],
    natMaxAgeHours: ['核酸检测最长小时数', '要求此小时数内的检测；留空表示不要求检测'],
    trustMaxAgeDays: ['可信名单最长天数', '超过此天数未更新名单，所有检查交人工核验'],
    antiPassbackSeconds: ['防重复通行（秒）', '同一人在此秒数内不能再次通行；0 表示关闭'],
    unsyncedMaxAgeDays: ['未同步记录最长保留天数', '从未同步到中心的记录超过此天数即删除（删除前两周状态栏提醒，并记入审计）；留空表示永久保留'],
  },
  en: {
    temperature: ['Temperature', 'Required: a check without a reading goes to a guard; if measured: a missing reading does not count; off: not measured'],
    feverThresholdC: ['Fever threshold (°C)', 'A reading at or above this is a fever'],
    onFever: ['On a fever', 'What a fever means: admit, review by a guard, or deny'],
    green: ['Green code', 'What a green code means'],
    yellow: ['Yellow code', 'What a yellow code means (usually a guard looks)'],
    red: ['Red code', 'What a red code means (usually denied)'],
    acceptIssuers: [
      'Issuers accepted',
      "Issuer ids, comma-separated (provinces such as CN-ZJ, EU countries such as DCC-AT, a SMART Health Card issuer's https address); * accepts every issuer in the trust list",
    ],
    acceptFormats: ['Formats decided automatically', 'phc1 (health code), dcc (EU Digital COVID Certificate), shc (SMART Health Card), comma-separated; any other goes to a guard'],
    dccAccept: ['EU certificate types accepted', 'v (vaccination), t (test), r (recovery), comma-separated; any other is denied'],
    maxCodeAgeSeconds: ['Code maximum age (s)', 'A code generated longer ago than this is refused (an old screenshot)'],
    clockSkewSeconds: ['Clock tolerance (s)', "How far the kiosk's clock and a phone's may disagree"],
    natMaxAgeHours: ['Test maximum age (h)', 'A test no older than this is required; empty: no test required'],
    trustMaxAgeDays: ['Trust list maximum age (days)', 'Past this age without a new trust list, every check goes to a guard'],
    antiPassbackSeconds: ['Anti-passback (s)', 'The same person may not pass again within this time; 0: off'],
    unsyncedMaxAgeDays: [
      'Unsynced checks kept (days)',
      'Checks never synced to the central service are deleted past this age (the status bar warns two weeks before; the deletion is audited); empty: kept forever',
    ],
  },
};

/** A policy field as main names it ("onStatus.red", "acceptIssuers[2]") to the form's field, or null. */
export function policyFieldOf(name: string): PolicyField | null {
  const field = name.replace(/^onStatus\./, '').replace(/\[\d+\]$/, '');
  return (POLICY_FIELDS as readonly string[]).includes(field) ? (field as PolicyField) : null;
}

/** The values a policy's choices take, shown by their labels (the stored values stay English words). */
export const TEMPERATURE_RULE_LABELS: Readonly<Record<TemperatureRule, Label>> = {
  required: label('必须测温', 'Required'),
  optional: label('有读数才判断', 'If measured'),
  off: label('不测温', 'Off'),
};
export const VERDICT_LABELS: Readonly<Record<Verdict, Label>> = {
  admit: label('放行', 'Admit'),
  review: label('交人工核验', 'Review by a guard'),
  deny: label('拒绝通行', 'Deny'),
};

/** A device's state in words. */
export const DEVICE_STATE_LABELS: Readonly<Record<DeviceState, Label>> = {
  ok: label('正常', 'working'),
  offline: label('离线', 'offline'),
  simulated: label('模拟', 'simulated'),
  none: label('未配置', 'not configured'),
};

/** The self-test's checks, in the order they run. */
export const SELF_TEST_CHECKS = ['dataDir', 'diskSpace', 'database', 'chain', 'policy', 'trust', 'clock', 'deviceKey', 'decoder', 'thermometer', 'scanner', 'sync'] as const;
export type SelfTestCheck = (typeof SELF_TEST_CHECKS)[number];
export const SELF_TEST_LABELS: Readonly<Record<SelfTestCheck, Label>> = {
  dataDir: label('数据目录', 'data directory'),
  diskSpace: label('磁盘空间', 'disk space'),
  database: label('数据库完整性', 'database integrity'),
  chain: label('核验记录链', 'check log chain'),
  policy: label('检查点策略', 'policy'),
  trust: label('可信名单', 'trust bundle'),
  clock: label('时钟', 'clock'),
  deviceKey: label('设备密钥', 'device key'),
  decoder: label('二维码解码（测试卡）', 'QR decoder (test card)'),
  thermometer: label('测温仪', 'thermometer'),
  scanner: label('扫码器', 'scanner'),
  sync: label('同步服务', 'sync service'),
};

export type CheckState = 'ok' | 'warn' | 'fail' | 'skipped';

/** One line of the self-test as the panel shows it: which check, its state, what it says. */
export interface SelfTestLine {
  check: SelfTestCheck;
  state: CheckState;
  says: TechnicianMessage;
}
export const CHECK_STATE_LABELS: Readonly<Record<CheckState, Label>> = {
  ok: label('正常', 'OK'),
  warn: label('注意', 'WARN'),
  fail: label('故障', 'FAIL'),
  skipped: label('未检查', 'SKIPPED'),
};

/** The reasons a guard picks for an override; "other" alone takes typed words. */
export const OVERRIDE_PRESETS = ['paperCertificate', 'staffMeasured', 'checkedByHand', 'supervisorOrder', 'other'] as const;
export type OverridePreset = (typeof OVERRIDE_PRESETS)[number];
export const OVERRIDE_PRESET_LABELS: Readonly<Record<OverridePreset, Label>> = {
  paperCertificate: label('已查验纸质证明', 'Paper certificate checked'),
  staffMeasured: label('工作人员已复测体温', 'Temperature measured again by staff'),
  checkedByHand: label('已人工核对健康码', 'Health code checked by hand'),
  supervisorOrder: label('值班负责人指示', "On the duty supervisor's instruction"),
  other: label('其他（请填写）', 'Other (type the reason)'),
};
/** An override's reason: a preset, or "other" with the guard's words. */
export type OverrideReason = { preset: Exclude<OverridePreset, 'other'> } | { preset: 'other'; text: string };
export const OVERRIDE_TEXT_CHARS = { min: 3, max: 200 } as const;

/** A trust bundle's refusal, as main's trust store gives it (main/verify/trust.ts BundleProblem), or unusable otherwise. */
export type BundleRefusal = 'malformed' | 'forbidden-header' | 'foreign-root' | 'bad-signature' | 'private-key' | 'bad-key' | 'expired' | 'rollback' | 'unusable';
/** Why a file named on the panel was not read. */
export type FileProblem = 'missing' | 'not-a-file' | 'too-large' | 'unreadable';

/** What is wrong with a setting's value; one per rule the configuration checks (the gate's last six: its settings together). */
export type SettingProblem =
  | 'tooLong'
  | 'timeZone'
  | 'language'
  | 'languages'
  | 'seconds'
  | 'yesNo'
  | 'protocol'
  | 'baud'
  | 'terminator'
  | 'hid'
  | 'url'
  | 'https'
  | 'credentials'
  | 'notSettable'
  | 'choice'
  | 'serialPort'
  | 'relayHid'
  | 'boardSerial'
  | 'relay'
  | 'osdpAddress'
  | 'inputNumber'
  | 'gateBaud'
  | 'pulseMs'
  | 'openSeconds'
  | 'osdpBaud'
  | 'portNeeded'
  | 'needsOsdp'
  | 'samePort'
  | 'sameInput';
/** What is wrong with a policy field's value. */
export type PolicyProblem = 'number' | 'wholeNumber' | 'range' | 'verdict' | 'temperatureRule' | 'issuers' | 'choices' | 'unknownField' | 'document';
/** Why a calibration was refused. */
export type CalibrationProblem = 'reference' | 'by' | 'tooFew' | 'spread' | 'offset';
/** Why an enrollment did not happen: not an enrollment code, a URL sync refuses, the service said no, or it was not reached. */
export type EnrollProblem = 'notACode' | 'url' | 'refused' | 'unreachable';
/** What a technician's Test open found (main/kiosk/gate-control.ts). */
export type GateTestOutcome = 'opened' | 'noGate' | 'freePassage' | 'busy' | 'noAnswer';
/** Why the clock could not be set. */
export type ClockSetProblem = 'notInstalled' | 'permission' | 'ntp' | 'other';
/** The time evidence the floor can be lowered to. */
export type EvidenceSource = 'bundle' | 'checks' | 'server';

/** What the catalog's sentences format with: the operator's language and the gate's zone. */
export interface Wording {
  lang: Lang;
  /** HH:MM:SS, 24-hour, in the gate's zone. */
  time(ms: number): string;
  /** YYYY-MM-DD in the gate's zone. */
  day(ms: number): string;
  /** YYYY-MM-DD HH:MM:SS in the gate's zone. */
  dateTime(ms: number): string;
}

const parts = (ms: number, timeZone: string): Record<string, string> => {
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  return Object.fromEntries(fmt.formatToParts(ms).map((p) => [p.type, p.value]));
};

/** A time of day at the gate, 24-hour ("12:41:16"): the same in both languages, as a gate's clocks show it. */
export function gateTime(ms: number, timeZone: string): string {
  const p = parts(ms, timeZone);
  return `${p.hour}:${p.minute}:${p.second}`;
}

/** A date at the gate ("2026-12-02"). */
export function gateDay(ms: number, timeZone: string): string {
  const p = parts(ms, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

function wording(lang: Lang, timeZone: string): Wording {
  // A zone this build's Intl does not know (a bad setting being fixed) must not take the message with it.
  const zone = ((): string => {
    try {
      new Intl.DateTimeFormat('en', { timeZone });
      return timeZone;
    } catch {
      return 'UTC';
    }
  })();
  return { lang, time: (ms) => gateTime(ms, zone), day: (ms) => gateDay(ms, zone), dateTime: (ms) => `${gateDay(ms, zone)} ${gateTime(ms, zone)}` };
}

const zhSetting = (key: string): string => `「${settingLabel(key, 'zh-CN')}」`;
/** A policy field's label; a name this build does not know is shown as it is. */
export function policyFieldLabel(name: string, lang: Lang): string {
  const field = policyFieldOf(name);
  return field ? POLICY_TEXT[lang][field][0] : name;
}
const zhPolicy = (field: string): string => `策略项「${policyFieldLabel(field, 'zh-CN')}」`;
const n1 = (x: number): string => x.toFixed(1);
const n2 = (x: number): string => x.toFixed(2);
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

const ZH_ENROLL: Record<EnrollProblem, string> = {
  notACode: '这不是注册码：请扫描 sentinel central enroll-token --png 生成的二维码，或输入“地址 令牌”。',
  url: '注册码中的地址不可用：须使用 https（只有本机地址可用 http）。',
  refused: '中心服务拒绝注册：令牌可能已用过或已过期，请生成新的令牌。',
  unreachable: '无法连接中心服务，未作任何更改。请检查网络后重试。',
};
const EN_ENROLL: Record<EnrollProblem, string> = {
  notACode: "That is not an enrollment code: scan the QR that 'sentinel central enroll-token --png' makes, or type the URL and the token.",
  url: "The code's address cannot be used: it must be https (plain http only to this machine).",
  refused: 'The central service refused the enrollment: the token may be used or expired; make a new one.',
  unreachable: 'The central service could not be reached; nothing was changed. Check the network and try again.',
};

const ZH_GATE_TEST: Record<GateTestOutcome, string> = {
  opened: '闸机已打开，设备已确认。',
  noGate: '本机未配置闸机：请先选择驱动并保存。',
  freePassage: '紧急放行中，闸机已常开，无需测试。',
  busy: '闸机正在为旅客开启，请稍后再试。',
  noAnswer: '闸机没有确认开启（故障）：请检查接线、串口、地址和继电器通道。',
};
const EN_GATE_TEST: Record<GateTestOutcome, string> = {
  opened: 'The gate opened; the device confirmed it.',
  noGate: 'This kiosk drives no gate: choose a driver and save first.',
  freePassage: 'Free passage holds the gate open: nothing to test.',
  busy: 'The gate is opening for a traveller: try again in a moment.',
  noAnswer: 'The gate did not confirm the open (out of order): check the wiring, port, address and relay channel.',
};

const ZH_SETTING_PROBLEMS: Record<SettingProblem, string> = {
  tooLong: '文字过长，请缩短后再保存。',
  timeZone: '不是有效的时区，请填写 IANA 时区名称，如 Asia/Shanghai。',
  language: '请选择中文或 English。',
  languages: '请至少选择一种语言。',
  seconds: '须为 1 至 120 之间的整数秒，请重新填写。',
  yesNo: '请选择开或关。',
  protocol: '请从列表中选择协议。',
  baud: '须为 300 至 4000000 之间的整数（如 9600），或留空使用协议默认值。',
  terminator: '请选择 CR、LF 或 CRLF。',
  hid: '须为十六进制的 VID:PID（如 0c2e:0b61），或选择「（无）」。',
  url: '不是有效的网址，请检查拼写。',
  https: '须使用 https（只有本机地址 127.0.0.1、::1 或 localhost 可用 http）。',
  credentials: '网址中不能含用户名或密码，请删去。',
  notSettable: '不能在此处更改。',
  choice: '请从列表中选择。',
  serialPort: '须为串口路径（如 /dev/ttyUSB0），最多 256 个字符，或留空。',
  relayHid: '须为十六进制的 VID:PID（如 16c0:05df），或留空使用 USBRelay 继电器板。',
  boardSerial: '须为继电器板的序列号（最多 16 个可打印字符，如 ABCDE），或留空。',
  relay: '须为 1 至 8 之间的继电器编号。',
  osdpAddress: '须为 0 至 126 之间的 OSDP 地址。',
  inputNumber: '须为 0 至 255 之间的编号。',
  gateBaud: '须为 300 至 4000000 之间的整数（如 9600），或留空使用 9600。',
  pulseMs: '须为 50 至 10000 之间的整数毫秒。',
  openSeconds: '须为 1 至 600 之间的整数秒。',
  osdpBaud: '须为 OSDP 允许的波特率：9600、19200、38400、57600、115200 或 230400。',
  portNeeded: '须填写串口（如 /dev/ttyUSB0）：所选的驱动或传感器需要它。请先填写，再选择驱动或传感器。',
  needsOsdp: '使用 OSDP 模块的输入时，闸机驱动须为 OSDP：请先选择 OSDP，或改选其他方式。',
  samePort: '须与闸机串口不同：每个串口只能由一个驱动打开。',
  sameInput: '须与通行传感器的输入不同。',
};
const EN_SETTING_PROBLEMS: Record<SettingProblem, string> = {
  tooLong: 'is too long: shorten it and save again.',
  timeZone: 'is not a time zone: type an IANA zone such as Asia/Shanghai.',
  language: 'must be 中文 or English.',
  languages: 'needs at least one language.',
  seconds: 'must be a whole number of seconds from 1 to 120.',
  yesNo: 'must be on or off.',
  protocol: 'must be a protocol from the list.',
  baud: 'must be a whole number from 300 to 4000000 (such as 9600), or empty for the protocol default.',
  terminator: 'must be CR, LF or CRLF.',
  hid: 'must be VID:PID in hex (such as 0c2e:0b61), or (none).',
  url: 'is not a web address: check its spelling.',
  https: 'must use https (plain http only to 127.0.0.1, ::1 or localhost).',
  credentials: 'must not carry a user name or password: remove them.',
  notSettable: 'cannot be changed here.',
  choice: 'must be one from the list.',
  serialPort: 'must be a serial port (such as /dev/ttyUSB0) of at most 256 characters, or empty.',
  relayHid: 'must be VID:PID in hex (such as 16c0:05df), or empty for a USBRelay board.',
  boardSerial: "must be the board's serial (at most 16 printable characters, such as ABCDE), or empty.",
  relay: 'must be a relay number from 1 to 8.',
  osdpAddress: 'must be an OSDP address from 0 to 126.',
  inputNumber: 'must be a number from 0 to 255.',
  gateBaud: 'must be a whole number from 300 to 4000000 (such as 9600), or empty for 9600.',
  pulseMs: 'must be a whole number of milliseconds from 50 to 10000.',
  openSeconds: 'must be a whole number of seconds from 1 to 600.',
  osdpBaud: 'must be one OSDP allows: 9600, 19200, 38400, 57600, 115200 or 230400.',
  portNeeded: 'must name a serial port (such as /dev/ttyUSB0): the driver or sensor chosen needs one. Fill it in first, then choose the driver or sensor.',
  needsOsdp: 'from an OSDP module needs the gate driver OSDP: choose OSDP first, or another sensor.',
  samePort: "must be another port than the gate's own (each port is opened by one driver).",
  sameInput: "must be another input than the passage sensor's.",
};

const ZH_BUNDLE: Record<BundleRefusal, string> = {
  malformed: '名单文件已损坏或格式不对，请重新拷贝名单文件后再导入。',
  'forbidden-header': '名单文件含有不允许的设置，已拒绝。请向可信名单管理方索取正确的文件。',
  'foreign-root': '名单不是由本机信任的根密钥签发的。如需信任新的根密钥，请同时选择根密钥文件并输入其指纹。',
  'bad-signature': '名单签名不符，文件可能被篡改。请重新拷贝名单文件后再导入。',
  'private-key': '名单中含有私钥，已拒绝。请联系可信名单管理方。',
  'bad-key': '名单中的密钥无效，已拒绝。请联系可信名单管理方。',
  expired: '该名单已过期，请导入更新的名单。',
  rollback: '该名单不比已安装的名单新，请导入更新的名单。',
  unusable: '名单无法使用，请重新拷贝名单文件后再导入。',
};
const EN_BUNDLE: Record<BundleRefusal, string> = {
  malformed: 'the bundle file is damaged or not a bundle: copy it again and import it again.',
  'forbidden-header': 'the bundle carries settings a bundle may not have: ask the trust operator for a proper file.',
  'foreign-root': 'the bundle is not signed by a root this kiosk trusts: to trust a new root, choose its key file and type its fingerprint.',
  'bad-signature': 'the signature does not match (the file may have been altered): copy it again and import it again.',
  'private-key': 'the bundle holds a private key: ask the trust operator.',
  'bad-key': 'the bundle holds an unusable key: ask the trust operator.',
  expired: 'the bundle has expired: import a newer one.',
  rollback: 'the bundle is not newer than the one installed: import a newer one.',
  unusable: 'the bundle cannot be used: copy it again and import it again.',
};

const ZH_FILE: Record<FileProblem, string> = {
  missing: '不存在。请检查U盘是否已插入、路径是否正确。',
  'not-a-file': '不是文件（可能是文件夹），请选择文件。',
  'too-large': '过大，不是名单文件。请检查所选文件。',
  unreadable: '无法读取，请检查U盘后重试。',
};
const EN_FILE: Record<FileProblem, string> = {
  missing: 'does not exist: check that the USB drive is plugged in and the path is right.',
  'not-a-file': 'is not a file (a folder?): choose a file.',
  'too-large': 'is too large to be one: check the file chosen.',
  unreadable: 'cannot be read: check the USB drive and try again.',
};

const ZH_WEAK: Record<PinWeakness, string> = {
  format: 'PIN 须为 6–12 位数字，请重新输入。',
  repeated: 'PIN 不能全是同一个数字，请换一个。',
  run: 'PIN 不能是连续的数字（如 123456、654321），请换一个。',
};
const EN_WEAK: Record<PinWeakness, string> = {
  format: 'A PIN is 6 to 12 digits: enter another.',
  repeated: 'A PIN may not be one digit repeated: choose another.',
  run: 'A PIN may not be a run like 123456 or 654321: choose another.',
};

const ZH_SOURCE: Record<EvidenceSource, string> = { bundle: '可信名单签发时间', checks: '核验记录', server: '中心服务' };
const EN_SOURCE: Record<EvidenceSource, string> = { bundle: 'trust list', checks: 'logged checks', server: 'central service' };

const zhCalibration = (reason: 'never' | 'overdue' | 'ok', atMs: number | null, w: Wording): string =>
  reason === 'never' ? '从未校准，请在「测温仪校准」中校准。' : reason === 'overdue' ? '校准已过期，请在「测温仪校准」中重新校准。' : `已于 ${w.day(atMs ?? 0)} 校准。`;
const enCalibration = (reason: 'never' | 'overdue' | 'ok', atMs: number | null, w: Wording): string =>
  reason === 'never' ? 'never calibrated' : reason === 'overdue' ? 'calibration overdue' : `calibrated ${w.day(atMs ?? 0)}`;

const ZH_CN = {
  // The session.
  sessionLocked: () => '技术人员模式已锁定，请重新输入 PIN。',
  needsTechnicianPin: () => '此操作需要技术人员 PIN，请退出后用技术人员 PIN 重新进入。',
  pinAlreadySet: () => '已设置过 PIN，不能在此更改。如需更改，请在本机控制台运行 sentinel config set-pin。',
  weakPin: (p: { weakness: PinWeakness }) => ZH_WEAK[p.weakness],

  // Settings and the policy.
  settingRefused: (p: { setting: string; problem: SettingProblem }) => `${zhSetting(p.setting)}${ZH_SETTING_PROBLEMS[p.problem]}`,
  settingsSaved: (p: { settings: string[] }) => `已保存并立即生效：${p.settings.map((k) => settingLabel(k, 'zh-CN')).join('、')}。`,
  settingsUnchanged: () => '没有更改。',
  policyRefused: (p: { field: string; problem: PolicyProblem; min?: number; max?: number }) => {
    const what = zhPolicy(p.field);
    switch (p.problem) {
      case 'number':
        return `${what}须为数字，请填写后再保存。`;
      case 'wholeNumber':
        return `${what}须为整数，请修改后再保存。`;
      case 'range':
        return `${what}须在 ${p.min} 至 ${p.max} 之间，请修改后再保存。`;
      case 'verdict':
        return `${what}请选择放行、交人工核验或拒绝通行。`;
      case 'temperatureRule':
        return `${what}请选择必须测温、有读数才判断或不测温。`;
      case 'issuers':
        return `${what}须为发码方编号（如 CN-ZJ、DCC-AT 或 https 地址），用逗号分隔；或填 * 表示全部。`;
      case 'choices':
        return `${what}只能填说明中列出的值，用逗号分隔，每个只写一次。`;
      case 'unknownField':
        return `${what}不是本机认识的策略项，请联系维护人员。`;
      case 'document':
        return '策略格式不对，请重新打开技术人员模式后再试。';
    }
  },
  policySaved: (p: { version: number }) => `已保存：检查点策略第 ${p.version} 版，已立即生效。`,

  // Devices and the scanner test.
  noMainScanner: () => '未配置串口或 HID 扫码器（键盘式扫码器直接在本屏输入）。',
  checkpointUnavailable: () => '此处无法使用核验功能，请在运行中的检查机上测试。',
  discoveryUnavailable: () => '此处无法列出设备，请直接输入串口路径。',
  discoveryIncomplete: (_p: { note: string }) => '部分设备未能列出，可直接输入串口路径。',

  // Calibration.
  calibrationNoModule: () => '没有可校准的测温模块（模拟测温仪无需校准）。请先在「设备」中接好测温仪。',
  calibrationRunning: () => '校准正在进行，请等它完成。',
  calibrationRefused: (p: { problem: CalibrationProblem; got?: number; wanted?: number; seconds?: number; spreadC?: number; offsetC?: number }) => {
    switch (p.problem) {
      case 'reference':
        return '参考温度须在 30–43 °C 之间，请重新输入。';
      case 'by':
        return '请填写校准人。';
      case 'tooFew':
        return `${p.seconds} 秒内只读到 ${p.got}/${p.wanted} 个稳定读数。请将测温仪对准参考热源后重试。`;
      case 'spread':
        return `读数波动 ${n2(p.spreadC ?? 0)} °C，超过 0.3 °C。请保持测温仪稳定对准参考热源后重试。`;
      case 'offset':
        return `测温仪偏差 ${n2(p.offsetC ?? 0)} °C，超过 ±1.5 °C，需要维修而不是校准。请联系维修人员。`;
    }
  },
  calibrated: (p: { offsetC: number; dueAtMs: number }, w: Wording) => `校准完成：偏差 ${signed(p.offsetC)} °C，下次校准日期 ${w.day(p.dueAtMs)}。`,

  // The trust list.
  fileUnreadable: (p: { what: 'bundle' | 'rootKey'; file: string; problem: FileProblem }) => `${p.what === 'bundle' ? '名单文件' : '根密钥文件'} ${p.file} ${ZH_FILE[p.problem]}`,
  rootKeyUnusable: () => '根密钥文件不是有效的公钥，请向可信名单管理方索取正确的根密钥文件。',
  rootFingerprintNeeded: (p: { kid: string }) => `要信任新的根密钥 ${p.kid}，请输入其指纹的前 12 位（见可信名单管理方的通知函）。`,
  bundleRefused: (p: { problem: BundleRefusal }) => `名单未导入：${ZH_BUNDLE[p.problem]}`,
  bundleInstalled: (p: { seq: number; pinnedRoots: string[] }) => `已导入可信名单 #${p.seq}${p.pinnedRoots.length ? `，并信任新的根密钥 ${p.pinnedRoots.join('、')}` : ''}。`,
  bundleFilesNone: () => 'U盘上未找到名单文件（.jws），请检查U盘是否已插入。',
  bundleChooseFile: () => '请先选择名单文件。',

  // A guard's decision.
  checkNotFound: () => '找不到这条核验记录，请让旅客重新扫码。',
  overrideOnlyReview: (p: { verdict: Verdict }) => `只有待人工核验的结果才能人工决定（这条结果为「${VERDICT_LABELS[p.verdict]['zh-CN']}」）。`,
  overrideAlreadyDecided: () => '这条核验已由工作人员决定过，不能再改。',
  overrideReasonNeeded: () => `请选择理由；选择「其他」时请填写理由（${OVERRIDE_TEXT_CHARS.min}–${OVERRIDE_TEXT_CHARS.max} 个字）。`,

  // The clock.
  floorNoEvidence: (p: { source: EvidenceSource }) => `还没有「${ZH_SOURCE[p.source]}」的时间证据，无法降至此处。请选择其他来源或「本机时钟（现在）」。`,
  clockSetFailed: (p: { problem: ClockSetProblem }) =>
    ({
      notInstalled: '本机无法设置时钟（未安装 timedatectl），请联系维护人员。',
      permission: '没有设置时钟的权限，请联系维护人员为检查机授权。',
      ntp: '自动对时已开启，无法手动设置。请先关闭自动对时，或修复时间服务器。',
      other: '无法设置时钟，请导出诊断信息并联系维护人员。',
    })[p.problem],
  clockBadTime: () => '请输入带时区的时间，如 2026-12-01T08:00:00+08:00。',
  floorLowered: (p: { floorMs: number | null }, w: Wording) => `已保存：时间下限为 ${p.floorMs === null ? '无' : w.dateTime(p.floorMs)}。`,
  clockSet: (p: { clockMs: number }, w: Wording) => `已保存：本机时钟为 ${w.dateTime(p.clockMs)}。`,

  // The sync service.
  syncReachable: (p: { pending: number }) => `可以连接；${p.pending} 条记录待同步。`,
  syncUnreachable: (p: { pending: number }) => `无法连接，请检查网络和地址；${p.pending} 条记录待同步。`,
  syncUnusable: (p: { reason: string; https: boolean }) => (p.https ? '该地址不可用：须使用 https（只有本机地址可用 http）。' : '该地址不可用，请检查地址是否正确。'),

  // The gate's Test open.
  gateTested: (p: { outcome: GateTestOutcome }) => ZH_GATE_TEST[p.outcome],

  // Enrollment with the central service.
  enrolled: (p: { endpoint: string; receipts: boolean }) =>
    `已注册到中心服务 ${p.endpoint}，同步地址已改为该地址。${p.receipts ? '已固定服务密钥：只有其签名回执确认的记录才算已同步。' : '该服务不提供回执：记录以其答复为准。'}`,
  // The service's own reason is English: the Chinese sentence says what to do without it (the journal keeps it).
  enrollRefused: (p: { problem: EnrollProblem; detail: string }) => ZH_ENROLL[p.problem],

  // Export.
  exportNoDrive: () => '未找到U盘，请检查U盘是否已插入。',
  exportNotRemovable: (p: { dir: string }) => `${p.dir} 不在U盘上，请从下方选择一个U盘。`,
  exportCannotWrite: (p: { dir: string; code: string }) => `无法写入 ${p.dir}（${p.code}），请检查U盘是否写保护或已满。`,
  exportChooseDrive: () => '请先从下方选择一个U盘。',
  exportUnavailable: () => '此处无法导出，请在本机控制台运行 sentinel export。',
  exported: (p: { checks: number; folder: string }) => `已导出诊断信息和 ${p.checks} 条核验记录到 ${p.folder}。`,

  // The self-test's lines.
  checkFailed: (p: { code: string; detail: string }) => `检查出错（${p.code}），请导出诊断信息并联系维护人员。`,
  dataDirWritable: (p: { dir: string }) => `${p.dir} 可写。`,
  diskFree: (p: { mb: number; low: boolean }) => `剩余 ${p.mb} MB${p.low ? '，空间不足。请导出记录后联系维护人员清理。' : '。'}`,
  databaseIntegrity: (p: { result: string }) => (p.result === 'ok' ? '数据库完整。' : `数据库损坏（${p.result}），请导出诊断信息并联系维护人员。`),
  chainIntact: (p: { entries: number }) => `${p.entries} 条记录链接完整。`,
  chainBroken: (_p: { problem: string }) => '记录链断裂，请导出诊断信息并联系维护人员。',
  policyVersion: (p: { version: number }) => `第 ${p.version} 版。`,
  trustMissing: () => '未安装可信名单，请在「可信名单」中从U盘导入。',
  trustExpired: (p: { seq: number }) => `名单 #${p.seq} 已过期，请从U盘导入新的名单。`,
  trustAge: (p: { seq: number; days: number; stale: boolean }) => `名单 #${p.seq}，签发于 ${n1(p.days)} 天前${p.stale ? '，已超过策略允许的天数，请更新。' : '。'}`,
  clockReading: (p: { nowMs: number; floorMs: number | null; trusted: boolean }, w: Wording) =>
    `本机时间 ${w.dateTime(p.nowMs)}，时间下限 ${p.floorMs === null ? '无' : w.dateTime(p.floorMs)}${p.trusted ? '。' : '。本机时钟落后于时间下限，请在「时钟」中校正。'}`,
  deviceId: (p: { deviceId: string }) => `设备编号 ${p.deviceId}。`,
  decoderOk: (p: { ms: number }) => `测试卡解码成功，用时 ${n1(p.ms)} 毫秒。`,
  decoderFailed: () => '测试卡未能解码，请导出诊断信息并联系维护人员。',
  thermometerNone: () => '未配置测温仪，请在「设备」中选择测温仪串口。',
  thermometerSimulated: () => '正在使用模拟测温仪（演示模式），读数不是真实体温。请在「设备」中接入测温仪。',
  thermometerRate: (p: { fps: number; checksumErrors: number; calibration: 'never' | 'overdue' | 'ok'; calibratedAtMs: number | null }, w: Wording) =>
    `每秒 ${n1(p.fps)} 帧，校验错误 ${p.checksumErrors} 个；${zhCalibration(p.calibration, p.calibratedAtMs, w)}`,
  thermometerSilent: (p: { port: string; fps: number; checksumErrors: number }) => `${p.port} 没有有效数据（每秒 ${n1(p.fps)} 帧，校验错误 ${p.checksumErrors} 个）。请检查串口、协议和波特率。`,
  thermometerNoCounters: (p: { state: DeviceState }) => `测温仪${DEVICE_STATE_LABELS[p.state]['zh-CN']}，驱动尚未报告数据。请稍候再自检。`,
  thermometerNotRunning: (p: { state: DeviceState | null }) => `测温仪未在运行（${p.state === null ? '未启动' : DEVICE_STATE_LABELS[p.state]['zh-CN']}），请检查连接后在「设备」中重新保存。`,
  scannerNone: () => '未配置串口或 HID 扫码器（摄像头和键盘式扫码器无需配置）。',
  scannerMissing: (p: { port: string }) => `${p.port} 不存在，请检查扫码器是否已插好。`,
  scannerPresent: (p: { device: string }) => `${p.device} 已连接；可在「设备」中用「测试扫描」试扫。`,
  scannersRunning: (p: { count: number }) => `${p.count} 台串口或 HID 扫码器在运行；可在「设备」中用「测试扫描」试扫。`,
  syncNone: () => '未配置同步服务地址。',

  // Whatever main answered without a key of its own (a kiosk of another version, an internal error).
  requestFailed: (p: { code: string }) => `操作未完成（${p.code}），请重试；如仍不成功，请导出诊断信息并联系维护人员。`,
};

/** The zh-CN table's keys and parameters, each answering a string (not the literal zh-CN happens to return). */
type Catalog = { [K in keyof typeof ZH_CN]: (typeof ZH_CN)[K] extends (...args: infer A) => string ? (...args: A) => string : never };
export type TechnicianMessageKey = keyof Catalog;
type ParamsOf<K extends TechnicianMessageKey> = Parameters<Catalog[K]> extends [infer P, ...unknown[]] ? P : Record<string, never>;

/** One thing technician mode says: a key and its parameters (what crosses the IPC; rendered on the panel). */
export type TechnicianMessage = { [K in TechnicianMessageKey]: { key: K; params: ParamsOf<K> } }[TechnicianMessageKey];

const EN: Catalog = {
  sessionLocked: () => 'Technician mode is locked: enter the PIN.',
  needsTechnicianPin: () => 'This needs the technician PIN: exit and enter again with the technician PIN.',
  pinAlreadySet: () => "A PIN is already set and cannot be changed here: change it with sentinel config set-pin on the kiosk's console.",
  weakPin: (p) => EN_WEAK[p.weakness],

  settingRefused: (p) => `${settingLabel(p.setting, 'en')} ${EN_SETTING_PROBLEMS[p.problem]}`,
  settingsSaved: (p) => `Saved, in force now: ${p.settings.map((k) => settingLabel(k, 'en')).join(', ')}.`,
  settingsUnchanged: () => 'Nothing changed.',
  policyRefused: (p) => {
    const what = policyFieldLabel(p.field, 'en');
    switch (p.problem) {
      case 'number':
        return `${what} must be a number: fill it in and save again.`;
      case 'wholeNumber':
        return `${what} must be a whole number: correct it and save again.`;
      case 'range':
        return `${what} must be between ${p.min} and ${p.max}: correct it and save again.`;
      case 'verdict':
        return `${what}: choose admit, review by a guard, or deny.`;
      case 'temperatureRule':
        return `${what}: choose required, if measured, or off.`;
      case 'issuers':
        return `${what} must be issuer ids such as CN-ZJ, DCC-AT or an https address, comma-separated, or * for all.`;
      case 'choices':
        return `${what} takes only the values its help lists, comma-separated, each once.`;
      case 'unknownField':
        return `${what} is not a policy field this kiosk knows: call maintenance.`;
      case 'document':
        return 'The policy is not in the right form: open technician mode again and retry.';
    }
  },
  policySaved: (p) => `Saved: policy version ${p.version}, in force now.`,

  noMainScanner: () => 'no serial or HID scanner is configured (a keyboard-wedge scanner types into the kiosk screen itself)',
  checkpointUnavailable: () => 'The checkpoint is not available here: test on a running kiosk.',
  discoveryUnavailable: () => 'Devices cannot be listed here: type the port path.',
  discoveryIncomplete: (p) => `Some devices could not be listed (${p.note}): type the port path.`,

  calibrationNoModule: () => 'No thermometer module to calibrate (a simulated one has nothing to correct): connect the thermometer under Devices first.',
  calibrationRunning: () => 'A calibration is already running: wait for it to finish.',
  calibrationRefused: (p) => {
    switch (p.problem) {
      case 'reference':
        return 'The reference must be a body-range temperature (30–43 °C): type it again.';
      case 'by':
        return 'Type who calibrates.';
      case 'tooFew':
        return `Only ${p.got} of ${p.wanted} stable readings within ${p.seconds} s: aim the module at the reference and try again.`;
      case 'spread':
        return `The readings spread ${n2(p.spreadC ?? 0)} °C (more than 0.3): hold the module steady on the reference and try again.`;
      case 'offset':
        return `The module is ${n2(p.offsetC ?? 0)} °C off: beyond ±1.5 °C it needs repair, not calibration. Call maintenance.`;
    }
  },
  calibrated: (p, w) => `Calibrated: offset ${signed(p.offsetC)} °C, due again ${w.day(p.dueAtMs)}.`,

  fileUnreadable: (p) => `The ${p.what === 'bundle' ? 'bundle file' : 'root key file'} ${p.file} ${EN_FILE[p.problem]}`,
  rootKeyUnusable: () => 'The root key file is not a usable public key: ask the trust operator for the right file.',
  rootFingerprintNeeded: (p) => `To pin root ${p.kid}, type the first 12 characters of its fingerprint (from the trust operator's letter).`,
  bundleRefused: (p) => `Bundle refused: ${EN_BUNDLE[p.problem]}`,
  bundleInstalled: (p) => `Saved: trust list #${p.seq}${p.pinnedRoots.length ? `, and the new root ${p.pinnedRoots.join(', ')} pinned` : ''}.`,
  bundleFilesNone: () => 'No bundle file (.jws) found on the USB drives: check that the drive is plugged in.',
  bundleChooseFile: () => 'Choose a bundle file first.',

  checkNotFound: () => 'No such check: ask the traveller to scan again.',
  overrideOnlyReview: (p) => `Only a review can be decided by a guard (this check is ${VERDICT_LABELS[p.verdict].en.toLowerCase()}).`,
  overrideAlreadyDecided: () => 'This check has already been decided by a guard and cannot be changed.',
  overrideReasonNeeded: () => `Choose a reason; with Other, type it (${OVERRIDE_TEXT_CHARS.min} to ${OVERRIDE_TEXT_CHARS.max} characters).`,

  floorNoEvidence: (p) => `There is no ${EN_SOURCE[p.source]} evidence to lower the floor to: choose another source, or the kiosk clock (now).`,
  clockSetFailed: (p) =>
    ({
      notInstalled: 'The clock cannot be set here (timedatectl is not installed): call maintenance.',
      permission: 'Not permitted to set the clock: ask maintenance to allow it on this kiosk.',
      ntp: 'Automatic time synchronisation is on: turn it off, or fix the time server, then set the clock.',
      other: 'The clock could not be set: export the diagnostics and call maintenance.',
    })[p.problem],
  clockBadTime: () => 'Type the time with its zone, such as 2026-12-01T08:00:00+08:00.',
  floorLowered: (p, w) => `Saved: time floor ${p.floorMs === null ? 'none' : w.dateTime(p.floorMs)}.`,
  clockSet: (p, w) => `Saved: kiosk clock ${w.dateTime(p.clockMs)}.`,

  syncReachable: (p) => `reachable; ${p.pending} checks pending`,
  syncUnreachable: (p) => `not reachable; ${p.pending} checks pending`,
  syncUnusable: (p) => `not usable: ${p.reason}`,

  gateTested: (p) => EN_GATE_TEST[p.outcome],

  enrolled: (p) =>
    `Enrolled with the central service at ${p.endpoint}; the sync address is now that one. ${p.receipts ? "The service's key is pinned: a check counts as synced only on a receipt it signed." : 'The service gives no receipts: checks are synced on its word.'}`,
  enrollRefused: (p) => EN_ENROLL[p.problem] + (p.detail ? ` (${p.detail})` : ''),

  exportNoDrive: () => 'No USB drive found: check that the drive is plugged in.',
  exportNotRemovable: (p) => `${p.dir} is not on a USB drive: choose one of the drives listed.`,
  exportCannotWrite: (p) => `Cannot write to ${p.dir} (${p.code}): check that the drive is not write-protected or full.`,
  exportChooseDrive: () => 'Choose a USB drive below first.',
  exportUnavailable: () => "Export is not available here: run sentinel export on the kiosk's console.",
  exported: (p) => `Exported the diagnostics and ${p.checks} check${p.checks === 1 ? '' : 's'} to ${p.folder}.`,

  checkFailed: (p) => p.detail,
  dataDirWritable: (p) => `${p.dir} is writable`,
  diskFree: (p) => `${p.mb} MB free${p.low ? ': too little, export the log and call maintenance' : ''}`,
  databaseIntegrity: (p) => `quick_check: ${p.result}`,
  chainIntact: (p) => `${p.entries} entries chained`,
  chainBroken: (p) => p.problem,
  policyVersion: (p) => `version ${p.version}`,
  trustMissing: () => 'no trust bundle installed: import one under Trust list',
  trustExpired: (p) => `seq ${p.seq} expired: import a newer bundle`,
  trustAge: (p) => `seq ${p.seq}, ${n1(p.days)} days old${p.stale ? ': older than the policy allows, update it' : ''}`,
  clockReading: (p, w) => `now ${w.dateTime(p.nowMs)}, time floor ${p.floorMs === null ? 'none' : w.dateTime(p.floorMs)}${p.trusted ? '' : ': the clock is behind the floor, correct it under Clock'}`,
  deviceId: (p) => `device id ${p.deviceId}`,
  decoderOk: (p) => `decoded in ${n1(p.ms)} ms`,
  decoderFailed: () => 'the test card did not decode',
  thermometerNone: () => 'no thermometer configured',
  thermometerSimulated: () => "a simulated thermometer is running (demo): its readings are no one's temperature",
  thermometerRate: (p, w) => `${n1(p.fps)} frames/s, ${p.checksumErrors} checksum errors; ${enCalibration(p.calibration, p.calibratedAtMs, w)}`,
  thermometerSilent: (p) => `no valid frames from ${p.port} (${n1(p.fps)} frames/s, ${p.checksumErrors} checksum errors): check the port, protocol and baud`,
  thermometerNoCounters: (p) => `the kiosk's thermometer is ${DEVICE_STATE_LABELS[p.state].en}; its drivers have reported no counters yet`,
  thermometerNotRunning: (p) => `the kiosk's thermometer is ${p.state === null ? 'not running' : DEVICE_STATE_LABELS[p.state].en}: check the connection and save Devices again`,
  scannerNone: () => 'no serial or HID scanner configured (the camera and wedge scanners need none)',
  scannerMissing: (p) => `${p.port} is not there: check that the scanner is plugged in`,
  scannerPresent: (p) => `${p.device} present; Test scan (technician screen, Devices) reads a code through it`,
  scannersRunning: (p) => `${p.count} serial or HID scanner${p.count === 1 ? '' : 's'} running; Test scan (technician screen, Devices) reads a code through ${p.count === 1 ? 'it' : 'them'}`,
  syncNone: () => 'no sync endpoint configured',

  requestFailed: (p) => `Not done (${p.code}): try again; if it fails again, export the diagnostics and call maintenance.`,
};

const CATALOG: Readonly<Record<Lang, Catalog>> = { 'zh-CN': ZH_CN, en: EN };

/** A message with its key's parameters (checked by the compiler). */
export function techMessage<K extends TechnicianMessageKey>(key: K, params: ParamsOf<K>): TechnicianMessage {
  return { key, params } as TechnicianMessage;
}

/** Whether a value that crossed the IPC is a message this build can render. */
export function isTechnicianMessage(value: unknown): value is TechnicianMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { key, params } = value as { key?: unknown; params?: unknown };
  return typeof key === 'string' && Object.hasOwn(ZH_CN, key) && typeof params === 'object' && params !== null;
}

/** A message in `lang`, its times in the gate's `timeZone`. */
export function technicianText(message: TechnicianMessage, lang: Lang, timeZone: string): string {
  const render = CATALOG[lang][message.key] as (params: unknown, w: Wording) => string;
  return render(message.params, wording(lang, timeZone));
}

/** Every key, for the tests that hold both languages to the catalog. */
export const TECHNICIAN_MESSAGE_KEYS = Object.keys(ZH_CN) as TechnicianMessageKey[];
