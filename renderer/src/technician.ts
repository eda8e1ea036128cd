// Technician mode on the screen: a hidden way in (Ctrl+Alt+T, or a long press
// in the top-right corner), a PIN pad, and a panel to run the self-test,
// change settings and the policy, and export. Main checks the PIN, the
// lockout, the idle exit and every change; this only asks and shows.
import type { ClockView, CodeTest, KioskApi, SelfTestItemView, SettingUpdate, TechnicianState } from '../../main/contract/kiosk.js';
import type { Lang } from '../../main/contract/messages.js';
import { Camera } from './camera.js';
import { WedgeDetector } from './wedge.js';

const TEXT = {
  'zh-CN': {
    title: '技术人员模式',
    pinPrompt: '请输入 PIN',
    wrong: (n: number) => `PIN 错误，还可尝试 ${n} 次`,
    locked: (t: string) => `错误次数过多，已锁定至 ${t}`,
    firstPinPrompt: '首次设置：请输入新的技术员 PIN（6–12 位数字）',
    firstPinAgain: '请再输入一次同样的数字以确认',
    noPin: '尚未设置 PIN：请用 sentinel config set-pin 设置，或接上键盘按 Ctrl+Alt+T',
    tooFast: '请稍候再试',
    pinMismatch: '两次输入不一致，请重新开始',
    selftest: '自检',
    run: '运行自检',
    settings: '设置',
    resultSeconds: '结果显示秒数',
    sound: '声音',
    gate: '闸口名称',
    station: '车站',
    timeZone: '时区',
    holderLangs: '旅客可选语言',
    syncEndpoint: '同步服务地址',
    testSync: '测试连接',
    operatorLang: '操作员语言',
    save: '保存',
    policy: '检查点策略',
    exportTitle: '导出（诊断与日志）',
    clockTitle: '时钟与时间下限',
    clockNow: '本机时钟',
    clockFloor: '时间下限',
    clockTrusted: '可信',
    clockBehind: '落后于下限',
    evidenceBundle: '可信名单签发时间',
    evidenceChecks: '核验记录',
    evidenceServer: '中心服务',
    evidenceRefused: '已拒绝的时间证据',
    lowerFloorTo: '将时间下限降至',
    floorNow: '本机时钟（现在）',
    setClock: '设置时钟',
    clockAt: '时间（含时区），如 2026-12-01T08:00:00+08:00',
    resetFloorToo: '同时将时间下限降至新时钟',
    exportDir: '导出到文件夹',
    exportDo: '导出',
    exported: (n: number, folder: string) => `已导出诊断信息和 ${n} 条检查记录到 ${folder}`,
    exit: '退出',
    saved: '已保存',
    trust: '可信名单',
    restartNote: '已立即生效',
    unchanged: '没有更改',
    scannerTest: '测试扫描',
    scannerWaiting: (s: number) => `请在 ${s} 秒内用扫描枪扫描测试卡或健康码…`,
    scannerNothing: (n: number) => (n === 0 ? '未收到扫描（未配置串口或 HID 扫描枪；键盘式扫描枪直接在本屏输入）' : `${n} 台扫描枪均未收到扫描`),
    cameraTest: '摄像头测试：把测试卡对准摄像头',
    cameraItem: '摄像头（本屏）',
    cameraItemOk: '已读到测试卡',
    cameraItemHint: '5 秒内未读到测试卡：把测试卡（sentinel demo-code --test-card --png）对准摄像头后重新自检',
    testCard: (via: string) => `${via}：已读到测试卡 ✓`,
    codeRead: (via: string, n: number, verdict: string, reasons: string) => `${via}：读到 ${n} 个字符的码 → ${verdict}${reasons ? `（${reasons}）` : ''}（测试，不记录）`,
    viaScanner: '扫描枪',
    viaCamera: '摄像头',
    viaWedge: '键盘式扫描枪',
    bundleFile: '名单文件路径',
    rootFile: '根密钥文件（可选）',
    fingerprint: '根密钥指纹前 12 位',
    importBundle: '导入名单',
    validUntil: '有效至',
    revoked: '已吊销',
    devices: '设备',
    camera: '摄像头',
    cameraNone: '（默认）',
    thermometer: '体温计串口',
    protocol: '协议',
    baud: '波特率（空 = 协议默认）',
    scannerSerial: '扫码器串口',
    terminator: '结束符',
    scannerHid: 'HID 扫码器',
    none: '（无）',
    live: (s: string) => `体温计：${s}`,
    counters: (frames: number, bad: number, resyncs: number) => `${frames} 帧，校验错误 ${bad}，重同步 ${resyncs}`,
    calibration: '体温计校准',
    referenceC: '参考温度 (°C)',
    calibratedBy: '校准人',
    calibrate: '开始校准',
    calibrating: '请将测温模块对准参考热源并保持不动，正在读取 3 个稳定读数…',
    calibrated: (offset: string, due: string) => `校准完成：偏差 ${offset} °C，下次校准 ${due}`,
    calibrationDue: (due: string) => `下次校准：${due}`,
    overrideTitle: '人工核验决定',
    overrideReason: '理由（必填）',
    overrideAdmit: '准予通行',
    overrideDeny: '禁止通行',
  },
  en: {
    title: 'Technician mode',
    pinPrompt: 'Enter the PIN',
    wrong: (n: number) => `Wrong PIN: ${n} tries left`,
    locked: (t: string) => `Too many wrong PINs: locked until ${t}`,
    firstPinPrompt: 'First start: type the new technician PIN (6–12 digits)',
    firstPinAgain: 'Type the same digits again to confirm',
    noPin: 'No PIN is set: set one with sentinel config set-pin, or press Ctrl+Alt+T on a keyboard',
    tooFast: 'Wait a moment, then try again',
    pinMismatch: 'The two entries differ: start again',
    selftest: 'Self-test',
    run: 'Run the self-test',
    settings: 'Settings',
    resultSeconds: 'Result shown for (seconds)',
    sound: 'Sound',
    gate: 'Gate name',
    station: 'Station',
    timeZone: 'Time zone',
    holderLangs: 'Traveller languages offered',
    syncEndpoint: 'Sync service address',
    testSync: 'Test connection',
    operatorLang: 'Operator language',
    save: 'Save',
    policy: 'Checkpoint policy',
    exportTitle: 'Export (diagnostics and log)',
    clockTitle: 'Clock and time floor',
    clockNow: 'Kiosk clock',
    clockFloor: 'Time floor',
    clockTrusted: 'trusted',
    clockBehind: 'behind the floor',
    evidenceBundle: 'trust list issued',
    evidenceChecks: 'logged checks',
    evidenceServer: 'central service',
    evidenceRefused: 'refused evidence',
    lowerFloorTo: 'Lower the floor to',
    floorNow: 'the kiosk clock (now)',
    setClock: 'Set the clock',
    clockAt: 'Time with its zone, e.g. 2026-12-01T08:00:00+08:00',
    resetFloorToo: 'and lower the floor to it',
    exportDir: 'Export to folder',
    exportDo: 'Export',
    exported: (n: number, folder: string) => `Exported the diagnostics and ${n} check${n === 1 ? '' : 's'} to ${folder}`,
    exit: 'Exit',
    saved: 'Saved',
    trust: 'Trust list',
    restartNote: 'in force now',
    unchanged: 'Nothing changed',
    scannerTest: 'Test scan',
    scannerWaiting: (s: number) => `Scan the test card or a code with the scanner within ${s} s…`,
    scannerNothing: (n: number) => (n === 0 ? 'No scan came (no serial or HID scanner is configured; a keyboard-wedge scanner types here)' : `No scan came from the ${n === 1 ? 'scanner' : `${n} scanners`}`),
    cameraTest: 'Camera test: hold the test card up to the camera',
    cameraItem: 'camera (this screen)',
    cameraItemOk: 'the test card was read through the kiosk decoder',
    cameraItemHint: 'no test card seen within 5 s: hold the test card (sentinel demo-code --test-card --png) up to the camera and run the self-test again',
    testCard: (via: string) => `${via}: test card read ✓`,
    codeRead: (via: string, n: number, verdict: string, reasons: string) => `${via}: read a code of ${n} characters → ${verdict}${reasons ? ` (${reasons})` : ''} (a test, not logged)`,
    viaScanner: 'Scanner',
    viaCamera: 'Camera',
    viaWedge: 'Keyboard-wedge scanner',
    bundleFile: 'Bundle file',
    rootFile: 'Root key file (optional)',
    fingerprint: 'Root fingerprint, first 12 characters',
    importBundle: 'Import the bundle',
    validUntil: 'valid until',
    revoked: 'revoked',
    devices: 'Devices',
    camera: 'Camera',
    cameraNone: '(default)',
    thermometer: 'Thermometer port',
    protocol: 'Protocol',
    baud: 'Baud (empty = protocol default)',
    scannerSerial: 'Scanner serial port',
    terminator: 'Terminator',
    scannerHid: 'HID scanner',
    none: '(none)',
    live: (s: string) => `Thermometer: ${s}`,
    counters: (frames: number, bad: number, resyncs: number) => `${frames} frames, ${bad} checksum errors, ${resyncs} resyncs`,
    calibration: 'Thermometer calibration',
    referenceC: 'Reference temperature (°C)',
    calibratedBy: 'Calibrated by',
    calibrate: 'Calibrate',
    calibrating: 'Hold the module steady on the reference: taking 3 stable readings…',
    calibrated: (offset: string, due: string) => `Calibrated: offset ${offset} °C, due again ${due}`,
    calibrationDue: (due: string) => `Next calibration: ${due}`,
    overrideTitle: 'Guard decision',
    overrideReason: 'Reason (required)',
    overrideAdmit: 'Admit',
    overrideDeny: 'Deny',
  },
} as const;

type PolicyField = 'temperature' | 'feverThresholdC' | 'onFever' | 'green' | 'yellow' | 'red' | 'acceptIssuers' | 'maxCodeAgeSeconds' | 'clockSkewSeconds' | 'natMaxAgeHours' | 'trustMaxAgeDays' | 'antiPassbackSeconds' | 'unsyncedMaxAgeDays';

/** Each policy field's label and what it means at the gate (spec §3). */
const POLICY_TEXT: Record<Lang, Record<PolicyField, [string, string]>> = {
  'zh-CN': {
    temperature: ['体温', 'required：必须测温，没有读数交人工核验；optional：有读数才判断；off：不测温'],
    feverThresholdC: ['发热阈值 (°C)', '体温达到或超过此值即为发热'],
    onFever: ['发热时', '发热的结果：admit 通行 / review 人工核验 / deny 禁止'],
    green: ['绿码', '绿码的结果'],
    yellow: ['黄码', '黄码的结果（通常交人工核验）'],
    red: ['红码', '红码的结果（通常禁止通行）'],
    acceptIssuers: ['接受的发码省份', '省份编号，用逗号分隔；* 表示可信名单中的全部'],
    maxCodeAgeSeconds: ['码的最长有效秒数', '生成超过此秒数的码被拒绝（防止旧截图）'],
    clockSkewSeconds: ['允许的时钟偏差（秒）', '本机与手机时钟可相差的秒数'],
    natMaxAgeHours: ['核酸检测最长小时数', '要求此小时数内的检测；留空表示不要求检测'],
    trustMaxAgeDays: ['可信名单最长天数', '超过此天数未更新名单，所有检查交人工核验'],
    antiPassbackSeconds: ['防重复通行（秒）', '同一人在此秒数内不能再次通行；0 表示关闭'],
    unsyncedMaxAgeDays: ['未同步记录最长保留天数', '从未同步到中心的记录超过此天数即删除（删除前两周状态栏提醒，并记入审计）；留空表示永久保留'],
  },
  en: {
    temperature: ['Temperature', 'required: a check without a reading goes to a guard; optional: a reading is judged when there is one; off: not measured'],
    feverThresholdC: ['Fever threshold (°C)', 'A reading at or above this is a fever'],
    onFever: ['On a fever', 'What a fever means: admit, review (a guard looks) or deny'],
    green: ['Green code', 'What a green code means'],
    yellow: ['Yellow code', 'What a yellow code means (usually a guard looks)'],
    red: ['Red code', 'What a red code means (usually denied)'],
    acceptIssuers: ['Provinces accepted', 'Issuer ids, comma-separated; * accepts every province in the trust list'],
    maxCodeAgeSeconds: ['Code maximum age (s)', 'A code generated longer ago than this is refused (an old screenshot)'],
    clockSkewSeconds: ['Clock tolerance (s)', 'How far the kiosk\'s clock and a phone\'s may disagree'],
    natMaxAgeHours: ['Test maximum age (h)', 'A test no older than this is required; empty: no test required'],
    trustMaxAgeDays: ['Trust list maximum age (days)', 'Past this age without a new trust list, every check goes to a guard'],
    antiPassbackSeconds: ['Anti-passback (s)', 'The same person may not pass again within this time; 0: off'],
    unsyncedMaxAgeDays: ['Unsynced checks kept (days)', 'Checks never synced to the central service are deleted past this age (the status bar warns two weeks before; the deletion is audited); empty: kept forever'],
  },
};

/**
 * A keyboard-wedge scanner's next scan while the technician panel is open
 * (its keys would otherwise type into the panel's inputs); null when none
 * comes within `ms`.
 */
function wedgeScan(ms: number): { text: Promise<string | null>; stop(): void } {
  const wedge = new WedgeDetector();
  let settle: (text: string | null) => void = () => undefined;
  const text = new Promise<string | null>((resolve) => (settle = resolve));
  const onKey = (e: KeyboardEvent): void => {
    const scanned = wedge.key(e.key, e.timeStamp || performance.now());
    if (wedge.inBurst || scanned !== null) e.preventDefault();
    if (scanned !== null) done(scanned);
  };
  const timer = setTimeout(() => done(null), ms);
  const done = (value: string | null): void => {
    clearTimeout(timer);
    document.removeEventListener('keydown', onKey, { capture: true });
    settle(value);
  };
  document.addEventListener('keydown', onKey, { capture: true });
  return { text, stop: () => done(null) };
}

/** The first of `promises` to give a value, or null once all have given none. */
function firstOf<T>(promises: Promise<T | null>[]): Promise<T | null> {
  return new Promise((resolve) => {
    let left = promises.length;
    for (const p of promises) {
      void p.then((value) => {
        left--;
        if (value !== null) resolve(value);
        else if (left === 0) resolve(null);
      });
    }
  });
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The thermometer protocols main accepts (kept equal to main's list by a test). */
/** The self-test's camera item: a test card read this recently passes; otherwise it waits this long for one. */
const CAMERA_TEST_FRESH_MS = 60_000;
const CAMERA_TEST_WAIT_MS = 5000;

export const THERMOMETER_PROTOCOL_CHOICES = ['gy-mcu90614', 'lu90614', 'idc50', 'ascii'] as const;

export interface TechnicianMode {
  /** True while the PIN pad or the panel covers the screen: what the camera reads then is not a traveller's. */
  isOpen(): boolean;
  /** A supervisor overrides a review verdict: PIN, then admit or deny with a reason. */
  override(checkId: string, done: (verdict: 'admit' | 'deny', role: string) => void): void;
}

/**
 * `pinSet` tells whether any PIN exists. Without one, a tap opens nothing:
 * the first PIN is set only from a keyboard's Ctrl+Alt+T (a physical step a
 * traveller at the touchscreen cannot take) or by provisioning.
 */
export function installTechnicianMode(kiosk: KioskApi, lang: () => Lang, pinSet: () => boolean): TechnicianMode {
  const overlay = el('div', { id: 'technician', 'data-testid': 'technician', role: 'dialog', 'aria-modal': 'true', hidden: '' });
  document.body.append(overlay);
  const corner = el('div', { id: 'tech-corner', 'aria-hidden': 'true' });
  document.body.append(corner);
  let idleTimer: ReturnType<typeof setTimeout> | null = null;
  let liveTimer: ReturnType<typeof setInterval> | null = null;
  // The camera preview (and its decoder) is released whenever the panel goes away.
  let preview: Camera | null = null;
  /** A keyboard-wedge test scan listening, stopped when the panel goes away. */
  let stopWedgeTest: (() => void) | null = null;
  /** When the devices preview last read the test card (the self-test's camera item). */
  let lastTestCardAt = 0;
  const stopPreview = (): void => {
    preview?.dispose();
    preview = null;
  };
  let idleMs = 120_000;

  const close = (): void => {
    stopPreview();
    stopWedgeTest?.();
    if (liveTimer) clearInterval(liveTimer);
    liveTimer = null;
    overlay.hidden = true;
    overlay.replaceChildren();
    if (idleTimer) clearTimeout(idleTimer);
    void kiosk.technician.lock();
  };
  const touch = (): void => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(close, idleMs);
  };

  /**
   * The PIN pad. 'first' (only from a keyboard, only while no PIN exists)
   * takes a new technician PIN twice; 'unlock' checks one.
   */
  const showPinPad = (then: () => Promise<void> | void = () => showPanel(), mode: 'unlock' | 'first' = 'unlock'): void => {
    const T = TEXT[lang()];
    overlay.hidden = false;
    overlay.replaceChildren();
    let pin = '';
    // First start: the digits entered once, waiting to be confirmed.
    let firstPin: string | null = null;
    const prompt = el('p', { 'data-testid': 'pin-prompt' }, mode === 'first' ? T.firstPinPrompt : T.pinPrompt);
    const dots = el('output', { 'data-testid': 'pin-dots', 'aria-live': 'polite' });
    const message = el('p', { 'data-testid': 'pin-message', role: 'alert' });
    const pad = el('div', { class: 'pin-pad' });
    const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '⌫', '0', 'OK'];
    const submitPin = async (entered: string): Promise<void> => {
      if (mode === 'first') {
        if (firstPin === null) {
          firstPin = entered;
          prompt.textContent = T.firstPinAgain;
          message.textContent = '';
          return;
        }
        const matches = entered === firstPin;
        firstPin = null;
        prompt.textContent = T.firstPinPrompt;
        if (!matches) {
          message.textContent = T.pinMismatch;
          return;
        }
      }
      let r = mode === 'first' ? await kiosk.technician.setFirstPin(entered) : await kiosk.technician.unlock(entered);
      // Main takes one attempt a second per screen: a quick typist's PIN waits its turn rather than being lost.
      for (let tries = 0; mode === 'unlock' && r.ok && r.value.result === 'too-fast' && tries < 5; tries++) {
        const wait = r.value.retryAfterMs;
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 5000)));
        r = await kiosk.technician.unlock(entered);
      }
      if (!r.ok) message.textContent = r.error.message;
      else if (r.value.result === 'ok') {
        idleMs = r.value.idleMs;
        await then();
      } else if (r.value.result === 'wrong') message.textContent = T.wrong(r.value.remaining);
      else if (r.value.result === 'locked') message.textContent = T.locked(new Date(r.value.untilMs).toLocaleTimeString());
      else if (r.value.result === 'too-fast') message.textContent = T.tooFast;
      else message.textContent = T.noPin;
    };
    for (const k of keys) {
      const b = el('button', { type: 'button', 'data-testid': k === 'OK' ? 'pin-ok' : k === '⌫' ? 'pin-back' : `pin-key-${k}`, 'aria-label': k === '⌫' ? 'delete' : k }, k);
      b.addEventListener('click', async () => {
        if (k === '⌫') pin = pin.slice(0, -1);
        else if (k !== 'OK') pin = (pin + k).slice(0, 12);
        else {
          const entered = pin;
          pin = '';
          dots.textContent = '';
          await submitPin(entered);
          return;
        }
        dots.textContent = '•'.repeat(pin.length);
      });
      pad.append(b);
    }
    const exit = el('button', { type: 'button', 'data-testid': 'tech-exit', class: 'tech-exit' }, T.exit);
    exit.addEventListener('click', close);
    overlay.append(el('h2', {}, T.title), prompt, dots, pad, message, exit);
  };

  const showPanel = async (): Promise<void> => {
    const T = TEXT[lang()];
    const got = await kiosk.technician.state();
    if (!got.ok) {
      showPinPad();
      return;
    }
    const state: TechnicianState = got.value;
    stopPreview();
    overlay.replaceChildren();
    touch();
    overlay.addEventListener('pointerdown', touch);
    overlay.addEventListener('keydown', touch);
    const panel = el('div', { 'data-testid': 'tech-panel', class: 'tech-panel' });
    const message = el('p', { 'data-testid': 'tech-message', role: 'status' });
    const say = (text: string): void => {
      message.textContent = text;
    };
    /** A form saved as one change: main validates it all, then it is in force at once. */
    const saveAll = async (changes: [string, unknown][]): Promise<void> => {
      const r = await kiosk.technician.updateConfig(changes.map(([key, value]): SettingUpdate => ({ key, value })));
      if (!r.ok) return say(r.error.message);
      say(r.value.changed.length === 0 ? T.unchanged : `${T.saved} (${r.value.changed.map((c) => c.key).join(', ')}): ${T.restartNote}`);
    };
    const describeTest = (via: string, test: CodeTest): string =>
      test.testCard ? T.testCard(via) : T.codeRead(via, test.length, test.view.verdictWord[lang()], test.view.reasons.map((x) => x.code).join(', '));

    // Self-test
    const selftest = el('section', { 'aria-labelledby': 'tech-selftest-title' });
    const list = el('ul', { class: 'selftest' });
    const run = el('button', { type: 'button', 'data-testid': 'tech-selftest-run' }, T.run);
    run.addEventListener('click', async () => {
      touch();
      const r = await kiosk.technician.selftest();
      list.replaceChildren();
      if (!r.ok) return say(r.error.message);
      const show = (item: SelfTestItemView): void => {
        list.append(el('li', { 'data-testid': 'selftest-item', 'data-state': item.state }, `${item.state.toUpperCase()} · ${item.name}: ${item.detail}`));
      };
      for (const item of r.value) show(item);
      // The camera is this screen's: the devices preview decodes what it sees; the test card held up passes.
      const since = Date.now() - CAMERA_TEST_FRESH_MS;
      for (let waited = 0; lastTestCardAt < since && waited < CAMERA_TEST_WAIT_MS; waited += 250) await new Promise((ok) => setTimeout(ok, 250));
      show(lastTestCardAt >= since ? { name: T.cameraItem, state: 'ok', detail: T.cameraItemOk } : { name: T.cameraItem, state: 'warn', detail: T.cameraItemHint });
    });
    selftest.append(el('h3', { id: 'tech-selftest-title' }, T.selftest), run, list);

    // Settings
    const cfg = state.config;
    const settings = el('section');
    const textInput = (id: string, label: string, value: string, placeholder = ''): HTMLInputElement => el('input', { type: 'text', value, 'data-testid': `set-${id}`, 'aria-label': label, placeholder, maxlength: '256' });
    const gate = textInput('gate', T.gate, cfg.identity.gate);
    const station = textInput('station', T.station, cfg.identity.station);
    const timeZone = textInput('timeZone', T.timeZone, cfg.identity.timeZone, 'Asia/Shanghai');
    const operatorLang = el('select', { 'data-testid': 'set-operatorLang', 'aria-label': T.operatorLang });
    const langs: Lang[] = ['zh-CN', 'en'];
    for (const l of langs) operatorLang.append(el('option', { value: l }, l === 'en' ? 'English' : '中文'));
    operatorLang.value = cfg.screen.operatorLang;
    const holderBoxes = langs.map((l) => {
      const box = el('input', { type: 'checkbox', 'data-testid': `set-holderLang-${l}`, 'aria-label': `${T.holderLangs}: ${l}` });
      box.checked = cfg.screen.holderLangs.includes(l);
      return { l, box };
    });
    const seconds = el('input', { type: 'number', min: '1', max: '120', value: String(cfg.screen.resultSeconds), 'data-testid': 'set-resultSeconds', 'aria-label': T.resultSeconds });
    const sound = el('input', { type: 'checkbox', 'data-testid': 'set-sound', 'aria-label': T.sound });
    sound.checked = cfg.screen.sound;
    const endpoint = textInput('syncEndpoint', T.syncEndpoint, cfg.sync.endpoint ?? '', 'https://sync.example/');
    const testSync = el('button', { type: 'button', 'data-testid': 'tech-sync-test' }, T.testSync);
    testSync.addEventListener('click', async () => {
      touch();
      if (!endpoint.value) return;
      testSync.disabled = true;
      const r = await kiosk.technician.testSync(endpoint.value);
      testSync.disabled = false;
      say(r.ok ? `${T.syncEndpoint}: ${r.value.detail}` : r.error.message);
    });
    const saveSettings = el('button', { type: 'button', 'data-testid': 'tech-save-settings' }, T.save);
    saveSettings.addEventListener('click', async () => {
      touch();
      // Each setting is validated in main, which names the one it refuses.
      const changes: [string, unknown][] = [
        ['identity.gate', gate.value],
        ['identity.station', station.value],
        ['identity.timeZone', timeZone.value],
        ['screen.operatorLang', operatorLang.value],
        ['screen.holderLangs', holderBoxes.filter((h) => h.box.checked).map((h) => h.l)],
        ['screen.resultSeconds', Number(seconds.value)],
        ['screen.sound', sound.checked],
        ['sync.endpoint', endpoint.value === '' ? null : endpoint.value],
      ];
      await saveAll(changes);
    });
    const row = (label: string, ...inputs: HTMLElement[]): HTMLElement => {
      const div = el('div', { class: 'field' });
      div.append(el('label', {}, label), ...inputs);
      return div;
    };
    settings.append(
      el('h3', {}, T.settings),
      row(T.gate, gate),
      row(T.station, station),
      row(T.timeZone, timeZone),
      row(T.operatorLang, operatorLang),
      row(T.holderLangs, ...holderBoxes.flatMap((h) => [h.box, el('span', {}, h.l)])),
      row(T.resultSeconds, seconds),
      row(T.sound, sound),
      row(T.syncEndpoint, endpoint, testSync),
      saveSettings,
    );

    // Devices: pick each from what is plugged in (or type a path), preview
    // the camera, watch the thermometer's live reading; in force as soon as saved.
    const devices = el('section');
    const found = await kiosk.technician.devices();
    const serialList = el('datalist', { id: 'tech-serial-ports' });
    for (const p of found.ok ? found.value.serial : []) serialList.append(el('option', { value: p.path }, p.label));
    const pick = (id: string, label: string, options: [string, string][], value: string): HTMLSelectElement => {
      const s = el('select', { 'data-testid': `dev-${id}`, 'aria-label': label });
      for (const [v, text] of options) s.append(el('option', { value: v }, text));
      s.value = value;
      return s;
    };
    const camera = pick('camera', T.camera, [['', T.cameraNone]], cfg.camera.deviceId ?? '');
    const video = el('video', { 'data-testid': 'camera-preview', class: 'camera-preview', muted: '', playsinline: '', 'aria-label': T.camera });
    video.muted = true;
    const cameraTest = el('p', { 'data-testid': 'dev-camera-test', 'aria-live': 'polite' }, T.cameraTest);
    // The preview decodes as the kiosk does: holding the test card up tests the camera end to end.
    const showPreview = async (): Promise<void> => {
      stopPreview();
      preview = new Camera({
        video,
        deviceId: camera.value || null,
        onState: (state, detail) => {
          if (state === 'lost') cameraTest.textContent = `${T.camera}: ${detail ?? state}`;
        },
        onText: async (text) => {
          touch();
          const r = await kiosk.technician.tryCode(text);
          if (r.ok && r.value.testCard) lastTestCardAt = Date.now();
          cameraTest.textContent = r.ok ? describeTest(T.viaCamera, r.value) : r.error.message;
        },
      });
      await preview.start();
    };
    try {
      for (const d of (await navigator.mediaDevices.enumerateDevices()).filter((x) => x.kind === 'videoinput')) {
        camera.append(el('option', { value: d.deviceId }, d.label || d.deviceId.slice(0, 12)));
      }
      camera.value = cfg.camera.deviceId ?? '';
    } catch {
      // No media devices at all: the picker keeps only the default.
    }
    camera.addEventListener('change', () => void showPreview());
    void showPreview();
    const thermoPath = el('input', { type: 'text', list: 'tech-serial-ports', value: cfg.thermometer.path ?? '', 'data-testid': 'dev-thermometer', 'aria-label': T.thermometer, placeholder: '/dev/ttyUSB0' });
    const protocolPick = pick('protocol', T.protocol, THERMOMETER_PROTOCOL_CHOICES.map((p) => [p, p]), cfg.thermometer.protocol);
    const baud = el('input', { type: 'number', min: '300', value: cfg.thermometer.baud === null ? '' : String(cfg.thermometer.baud), 'data-testid': 'dev-baud', 'aria-label': T.baud });
    const live = el('p', { 'data-testid': 'dev-thermometer-live', 'aria-live': 'off' });
    const showLive = async (): Promise<void> => {
      const s = await kiosk.getStatus();
      if (!s.ok) return;
      const t = s.value.thermometer;
      const c = await kiosk.technician.thermometerCounters();
      const errors = c.ok && c.value ? ` · ${T.counters(c.value.frames, c.value.checksumFailures, c.value.resyncs)}` : '';
      live.textContent = T.live(`${t.state}${t.lastC === null ? '' : ` · ${t.lastC.toFixed(1)} °C`}${t.atMs === null ? '' : ` · ${Math.round((Date.now() - t.atMs) / 1000)} s`}${errors}`);
    };
    void showLive();
    if (liveTimer) clearInterval(liveTimer);
    liveTimer = setInterval(() => void showLive(), 1000);
    const scannerPath = el('input', { type: 'text', list: 'tech-serial-ports', value: cfg.scanner.serialPath ?? '', 'data-testid': 'dev-scanner-serial', 'aria-label': T.scannerSerial, placeholder: '/dev/ttyACM0' });
    const terminator = pick('terminator', T.terminator, [['CR', 'CR'], ['LF', 'LF'], ['CRLF', 'CRLF']], cfg.scanner.terminator);
    const hidChoices: [string, string][] = [['', T.none], ...(found.ok ? found.value.hid.map((h): [string, string] => [h.id, h.label]) : [])];
    if (cfg.scanner.hid && !hidChoices.some(([id]) => id === cfg.scanner.hid)) hidChoices.push([cfg.scanner.hid, cfg.scanner.hid]);
    const hid = pick('scanner-hid', T.scannerHid, hidChoices, cfg.scanner.hid ?? '');
    const saveDevices = el('button', { type: 'button', 'data-testid': 'tech-save-devices' }, T.save);
    saveDevices.addEventListener('click', async () => {
      touch();
      const changes: [string, unknown][] = [
        ['camera.deviceId', camera.value || null],
        ['thermometer.path', thermoPath.value || null],
        ['thermometer.protocol', protocolPick.value],
        ['thermometer.baud', baud.value === '' ? null : Number(baud.value)],
        ['scanner.serialPath', scannerPath.value || null],
        ['scanner.terminator', terminator.value],
        ['scanner.hid', hid.value || null],
      ];
      await saveAll(changes);
    });
    const scannerTest = el('button', { type: 'button', 'data-testid': 'tech-scanner-test' }, T.scannerTest);
    const scannerResult = el('p', { 'data-testid': 'dev-scanner-test', 'aria-live': 'polite' });
    scannerTest.addEventListener('click', async () => {
      touch();
      const seconds = 15;
      scannerTest.disabled = true;
      scannerResult.textContent = T.scannerWaiting(seconds);
      // Whichever reads first: a serial or HID scanner (main), or a keyboard-wedge one typing into this screen.
      const wedge = wedgeScan(seconds * 1000);
      stopWedgeTest = wedge.stop;
      const fromMain = kiosk.technician.scannerTest(seconds);
      type Read = { via: 'wedge'; text: string } | { via: 'main'; test: CodeTest };
      const first = await firstOf<Read>([
        wedge.text.then((text) => (text === null ? null : { via: 'wedge', text })),
        fromMain.then((r) => (r.ok && r.value.received ? { via: 'main', test: r.value } : null)),
      ]);
      let shown: string;
      if (first?.via === 'main') shown = describeTest(T.viaScanner, first.test);
      else if (first?.via === 'wedge') {
        const t = await kiosk.technician.tryCode(first.text);
        shown = t.ok ? describeTest(T.viaWedge, t.value) : t.error.message;
      } else {
        // Nothing read: say why (no scanner at all is not an error when a wedge could have typed).
        const r = await fromMain;
        shown = r.ok ? T.scannerNothing(r.value.received ? 1 : r.value.scanners) : r.error.code === 'REFUSED' ? T.scannerNothing(0) : r.error.message;
      }
      wedge.stop();
      stopWedgeTest = null;
      // The wedge won: main's test would swallow the next serial scan, so it stops waiting.
      if (first?.via === 'wedge') void kiosk.technician.scannerTest(0);
      scannerTest.disabled = false;
      touch();
      scannerResult.textContent = shown;
    });
    devices.append(
      el('h3', {}, T.devices),
      serialList,
      row(T.camera, camera),
      video,
      cameraTest,
      row(T.thermometer, thermoPath),
      row(T.protocol, protocolPick),
      row(T.baud, baud),
      live,
      row(T.scannerSerial, scannerPath),
      row(T.terminator, terminator),
      row(T.scannerHid, hid),
      row(T.scannerTest, scannerTest, scannerResult),
      ...(found.ok ? found.value.notes.map((n) => el('p', { class: 'note' }, n)) : [el('p', {}, found.error.message)]),
      saveDevices,
    );

    // Calibration: the reference is typed in while the module looks at it.
    const calibration = el('section');
    const calibrationInfo = el('p', { 'data-testid': 'tech-calibration' }, cfg.thermometer.calibration ? T.calibrationDue(new Date(cfg.thermometer.calibration.dueAtMs).toISOString().slice(0, 10)) : '—');
    const reference = el('input', { type: 'number', min: '30', max: '43', step: '0.1', 'data-testid': 'tech-reference', 'aria-label': T.referenceC, placeholder: T.referenceC });
    const by = el('input', { type: 'text', 'data-testid': 'tech-calibrated-by', 'aria-label': T.calibratedBy, placeholder: T.calibratedBy, maxlength: '64' });
    const calibrate = el('button', { type: 'button', 'data-testid': 'tech-calibrate' }, T.calibrate);
    calibrate.addEventListener('click', async () => {
      touch();
      calibrate.disabled = true;
      say(T.calibrating);
      const r = await kiosk.technician.calibrate(Number(reference.value), by.value);
      calibrate.disabled = false;
      touch();
      if (!r.ok) return say(r.error.message);
      const due = new Date(r.value.dueAtMs).toISOString().slice(0, 10);
      calibrationInfo.textContent = T.calibrationDue(due);
      say(T.calibrated(`${r.value.offsetC >= 0 ? '+' : ''}${r.value.offsetC.toFixed(2)}`, due));
    });
    calibration.append(el('h3', {}, T.calibration), calibrationInfo, row(T.referenceC, reference), row(T.calibratedBy, by), calibrate);

    // Policy: every field with its plain meaning; main validates and names a refused one.
    const policy = el('section');
    const p = state.policy as Record<string, unknown>;
    const onStatus = p.onStatus as { green: string; yellow: string; red: string };
    const select = (value: string, options: string[]): HTMLSelectElement => {
      const s = el('select');
      for (const o of options) s.append(el('option', { value: o }, o));
      s.value = value;
      return s;
    };
    const number = (value: unknown, step = '1'): HTMLInputElement => el('input', { type: 'number', step, value: value === null || value === undefined ? '' : String(value) });
    const verdicts = ['admit', 'review', 'deny'];
    const inputs: Record<PolicyField, HTMLInputElement | HTMLSelectElement> = {
      temperature: select(String(p.temperature), ['required', 'optional', 'off']),
      feverThresholdC: number(p.feverThresholdC, '0.1'),
      onFever: select(String(p.onFever), verdicts),
      green: select(onStatus.green, verdicts),
      yellow: select(onStatus.yellow, verdicts),
      red: select(onStatus.red, verdicts),
      acceptIssuers: el('input', { type: 'text', value: (p.acceptIssuers as string[]).join(', ') }),
      maxCodeAgeSeconds: number(p.maxCodeAgeSeconds),
      clockSkewSeconds: number(p.clockSkewSeconds),
      natMaxAgeHours: number(p.natMaxAgeHours),
      trustMaxAgeDays: number(p.trustMaxAgeDays),
      antiPassbackSeconds: number(p.antiPassbackSeconds),
      unsyncedMaxAgeDays: number(p.unsyncedMaxAgeDays),
    };
    // An empty number box is no number: main refuses it by name (except the test's age and the unsynced bound, where empty means none).
    const num = (name: PolicyField): number | null => (inputs[name].value.trim() === '' ? null : Number(inputs[name].value));
    const savePolicy = el('button', { type: 'button', 'data-testid': 'tech-save-policy' }, T.save);
    savePolicy.addEventListener('click', async () => {
      touch();
      const next = {
        ...p,
        temperature: inputs.temperature.value,
        feverThresholdC: num('feverThresholdC'),
        onFever: inputs.onFever.value,
        onStatus: { ...onStatus, green: inputs.green.value, yellow: inputs.yellow.value, red: inputs.red.value },
        acceptIssuers: inputs.acceptIssuers.value.split(',').map((x) => x.trim()).filter(Boolean),
        maxCodeAgeSeconds: num('maxCodeAgeSeconds'),
        clockSkewSeconds: num('clockSkewSeconds'),
        natMaxAgeHours: num('natMaxAgeHours'),
        trustMaxAgeDays: num('trustMaxAgeDays'),
        antiPassbackSeconds: num('antiPassbackSeconds'),
        unsyncedMaxAgeDays: num('unsyncedMaxAgeDays'),
      };
      const r = await kiosk.technician.setPolicy(next);
      if (r.ok) policyTitle.textContent = `${T.policy} (v${r.value.version})`;
      say(r.ok ? `${T.saved}: policy version ${r.value.version}` : r.error.message);
    });
    const policyText = POLICY_TEXT[lang()];
    const policyTitle = el('h3', {}, `${T.policy} (v${state.policyVersion})`);
    policy.append(
      policyTitle,
      ...(Object.keys(inputs) as PolicyField[]).map((name) => {
        const input = inputs[name];
        input.setAttribute('data-testid', `policy-${name}`);
        input.setAttribute('aria-label', policyText[name][0]);
        input.setAttribute('aria-describedby', `policy-help-${name}`);
        const div = el('div', { class: 'field' });
        div.append(el('label', {}, policyText[name][0]), input, el('small', { id: `policy-help-${name}`, class: 'help' }, policyText[name][1]));
        return div;
      }),
      savePolicy,
    );

    // Trust and export
    const trust = el('section');
    const trustInfo = el('p', { 'data-testid': 'tech-trust' });
    const keyList = el('ul', { 'data-testid': 'tech-trust-keys', class: 'trust-keys' });
    const showTrust = (t: TechnicianState['trust']): void => {
      trustInfo.textContent = t ? `#${t.seq} · ${t.ageDays} d · ${T.validUntil} ${t.expiresAt.slice(0, 10)} · ${t.issuers.join(', ')}` : '—';
      keyList.replaceChildren(
        ...(t?.keys ?? []).map((k) => el('li', { 'data-revoked': String(k.revoked) }, `${k.issuer} · ${k.kid} (${k.alg}) · ${k.validFrom ?? '…'} → ${k.validUntil ?? '…'}${k.revoked ? ` · ${T.revoked}` : ''}`)),
      );
    };
    showTrust(state.trust);
    const bundlePath = el('input', { type: 'text', 'data-testid': 'tech-bundle-path', 'aria-label': T.bundleFile, placeholder: '/media/usb/bundle.jws' });
    const rootPath = el('input', { type: 'text', 'data-testid': 'tech-root-path', 'aria-label': T.rootFile, placeholder: T.rootFile });
    const fingerprint = el('input', { type: 'text', 'data-testid': 'tech-root-fingerprint', 'aria-label': T.fingerprint, placeholder: T.fingerprint, maxlength: '12' });
    const importButton = el('button', { type: 'button', 'data-testid': 'tech-trust-import' }, T.importBundle);
    importButton.addEventListener('click', async () => {
      touch();
      const r = await kiosk.technician.importTrust(bundlePath.value, rootPath.value || undefined, fingerprint.value || undefined);
      if (!r.ok) return say(r.error.message);
      // The list as now installed: its seq, expiry, issuers and keys.
      const now = await kiosk.technician.state();
      if (now.ok) showTrust(now.value.trust);
      say(`${T.saved}: trust list #${r.value.seq}${r.value.pinnedRoots.length ? ` (+ root ${r.value.pinnedRoots.join(', ')})` : ''}`);
    });
    trust.append(el('h3', {}, T.trust), trustInfo, keyList, row(T.bundleFile, bundlePath), row(T.rootFile, rootPath), row(T.fingerprint, fingerprint), importButton);
    const exportSection = el('section');
    const dir = el('input', { type: 'text', 'data-testid': 'tech-export-dir', 'aria-label': T.exportDir, placeholder: '/media/usb' });
    const doExport = el('button', { type: 'button', 'data-testid': 'tech-export' }, T.exportDo);
    doExport.addEventListener('click', async () => {
      touch();
      const r = await kiosk.technician.exportTo(dir.value);
      say(r.ok ? T.exported(r.value.checks, r.value.folder) : r.error.message);
    });
    exportSection.append(el('h3', {}, T.exportTitle), row(T.exportDir, dir), doExport);

    // Clock: what the kiosk knows of the time, and the way back from a wrong floor or clock.
    const clockSection = el('section');
    const clockInfo = el('ul', { 'data-testid': 'tech-clock' });
    const showClock = (c: ClockView): void => {
      const line = (label: string, value: string, testid: string): HTMLLIElement => el('li', { 'data-testid': testid }, `${label}: ${value}`);
      clockInfo.replaceChildren(
        line(T.clockNow, `${c.clock} · ${c.trusted ? T.clockTrusted : `${T.clockBehind} ${c.behindSeconds} s`}`, 'clock-now'),
        line(T.clockFloor, `${c.floor ?? '—'}${c.floorSource ? ` (${c.floorSource})` : ''}`, 'clock-floor'),
        line(T.evidenceBundle, c.evidence.bundle ? `${c.evidence.bundle.at} · #${c.evidence.bundle.seq}` : '—', 'clock-bundle'),
        line(T.evidenceChecks, c.evidence.checks?.at ?? '—', 'clock-checks'),
        line(T.evidenceServer, c.evidence.server?.at ?? '—', 'clock-server'),
        ...(['checks', 'server'] as const).flatMap((k) => (c.refused[k] ? [line(T.evidenceRefused, `${k} ${c.refused[k]!.at} ×${c.refused[k]!.count}`, `clock-refused-${k}`)] : [])),
      );
    };
    const lowerButtons = (['bundle', 'checks', 'server', 'now'] as const).map((to) => {
      const b = el('button', { type: 'button', 'data-testid': `clock-reset-${to}` }, to === 'now' ? T.floorNow : to === 'bundle' ? T.evidenceBundle : to === 'checks' ? T.evidenceChecks : T.evidenceServer);
      b.addEventListener('click', async () => {
        touch();
        const r = await kiosk.technician.resetClockFloor(to);
        if (!r.ok) return say(r.error.message);
        showClock(r.value);
        say(`${T.saved}: ${T.clockFloor} ${r.value.floor ?? '—'}`);
      });
      return b;
    });
    const clockAt = el('input', { type: 'text', 'data-testid': 'clock-at', 'aria-label': T.clockAt, placeholder: T.clockAt, maxlength: '40' });
    const resetToo = el('input', { type: 'checkbox', 'data-testid': 'clock-reset-too', 'aria-label': T.resetFloorToo });
    const setClockButton = el('button', { type: 'button', 'data-testid': 'clock-set' }, T.setClock);
    setClockButton.addEventListener('click', async () => {
      touch();
      const r = await kiosk.technician.setClock(clockAt.value.trim(), resetToo.checked);
      if (!r.ok) return say(r.error.message);
      showClock(r.value);
      say(`${T.saved}: ${T.clockNow} ${r.value.clock}`);
    });
    clockSection.append(el('h3', {}, T.clockTitle), clockInfo, el('p', {}, T.lowerFloorTo), ...lowerButtons, row(T.setClock, clockAt), row(T.resetFloorToo, resetToo), setClockButton);
    void kiosk.technician.clock().then((r) => (r.ok ? showClock(r.value) : clockInfo.replaceChildren(el('li', {}, r.error.message))));

    const exit = el('button', { type: 'button', 'data-testid': 'tech-exit', class: 'tech-exit' }, T.exit);
    exit.addEventListener('click', close);
    panel.append(el('h2', {}, `${T.title} · ${state.role}`), message, selftest, settings, devices, calibration, policy, trust, clockSection, exportSection, exit);
    overlay.append(panel);
  };

  const showOverride = (checkId: string, done: (verdict: 'admit' | 'deny', role: string) => void): void => {
    const T = TEXT[lang()];
    overlay.replaceChildren();
    touch();
    const reason = el('input', { type: 'text', 'data-testid': 'override-reason', 'aria-label': T.overrideReason, placeholder: T.overrideReason, maxlength: '200' });
    const message = el('p', { 'data-testid': 'tech-message', role: 'status' });
    const decide = async (verdict: 'admit' | 'deny'): Promise<void> => {
      const r = await kiosk.technician.override(checkId, verdict, reason.value);
      if (!r.ok) {
        message.textContent = r.error.message;
        return;
      }
      close();
      done(r.value.verdict, r.value.role);
    };
    const admit = el('button', { type: 'button', 'data-testid': 'override-admit' }, T.overrideAdmit);
    const deny = el('button', { type: 'button', 'data-testid': 'override-deny' }, T.overrideDeny);
    admit.addEventListener('click', () => void decide('admit'));
    deny.addEventListener('click', () => void decide('deny'));
    const cancel = el('button', { type: 'button', 'data-testid': 'tech-exit', class: 'tech-exit' }, T.exit);
    cancel.addEventListener('click', close);
    overlay.append(el('h2', {}, T.overrideTitle), reason, admit, deny, message, cancel);
  };

  document.addEventListener(
    'keydown',
    (e) => {
      if (e.ctrlKey && e.altKey && e.key.toLowerCase() === 't') {
        e.preventDefault();
        // A keyboard is the physical step that may set a first PIN.
        if (overlay.hidden) showPinPad(undefined, pinSet() ? 'unlock' : 'first');
      }
    },
    { capture: true },
  );
  let press: ReturnType<typeof setTimeout> | null = null;
  corner.addEventListener('pointerdown', () => {
    // A touch never leads to setting a PIN: without one, the corner does nothing.
    press = setTimeout(() => overlay.hidden && pinSet() && showPinPad(), 2000);
  });
  for (const ev of ['pointerup', 'pointerleave', 'pointercancel']) corner.addEventListener(ev, () => press && clearTimeout(press));

  return {
    isOpen: () => !overlay.hidden,
    override: (checkId, done) => showPinPad(() => showOverride(checkId, done)),
  };
}
