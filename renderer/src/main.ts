// The kiosk screen: ready → checking → result → ready. It shows what main
// decided and nothing more; the camera and a keyboard-wedge scanner feed
// the same entry point (scan/submit).
import type { KioskApi } from '../../main/contract/ipc.js';
import type { CheckView, KioskStatus, ScanSource, ScreenConfig } from '../../main/contract/kiosk.js';
import type { Lang } from '../../main/contract/messages.js';
import { connectBrowserBridge } from './browser-bridge.js';
import { Camera, type CameraState } from './camera.js';
import { perf } from './perf.js';
import { playVerdict } from './sounds.js';
import { otherLang, t, type TextKey } from './ui-text.js';
import { installTechnicianMode, type TechnicianMode } from './technician/index.js';
import { WedgeDetector } from './wedge.js';

declare global {
  interface Window {
    kiosk?: KioskApi;
  }
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const ICONS = { admit: '✓', review: '!', deny: '✕' } as const;

const bridge = window.kiosk ? null : connectBrowserBridge();
const kiosk: KioskApi = window.kiosk ?? bridge!;
window.kiosk = kiosk;

let config: ScreenConfig = {
  operatorLang: 'zh-CN',
  holderLangs: ['zh-CN', 'en'],
  resultSeconds: 6,
  sound: true,
  cameraId: null,
  simulated: false,
  gate: '',
  station: '',
  timeZone: 'Asia/Shanghai',
  pinSet: true,
};
let holderLang: Lang = 'zh-CN';
let status: KioskStatus | null = null;
let cameraState: CameraState = 'starting';
let lastView: CheckView | null = null;
let backToReady: ReturnType<typeof setTimeout> | null = null;
let technician: TechnicianMode | null = null;
let camera: Camera | null = null;

function setState(state: 'ready' | 'checking' | 'result'): void {
  document.body.dataset.state = state;
}

function text(id: string, value: string): void {
  $(id).textContent = value;
}

function renderStatic(): void {
  text('ready-zh', t('zh-CN', 'ready'));
  text('ready-en', t('en', 'ready'));
  text('hint-zh', t('zh-CN', 'readyHint'));
  text('hint-en', t('en', 'readyHint'));
  text('checking-text', `${t(holderLang, 'checking')}`);
  const sw = $<HTMLButtonElement>('lang-switch');
  sw.textContent = t(holderLang, 'switchLang');
  sw.lang = otherLang(holderLang);
  sw.setAttribute('aria-label', holderLang === 'zh-CN' ? 'Switch to English' : '切换到中文');
  document.documentElement.lang = holderLang;
  // No PIN yet: the guard and technician are told, but nothing here can be
  // tapped — a traveller at the screen must never be the one who sets it
  // (it is provisioned with \`sentinel config set-pin\`, or from a keyboard).
  const noPin = $('no-pin');
  noPin.hidden = config.pinSet;
  noPin.textContent = t(config.operatorLang, 'noPin');
  const sim = $('simulated');
  sim.hidden = !config.simulated;
  sim.textContent = t(config.operatorLang, 'simulated');
  renderCamera();
}

function chip(id: string, value: string, level: 'ok' | 'warn' | 'bad' = 'ok'): void {
  const el = $(id);
  el.textContent = value;
  el.dataset.level = level;
}

function renderStatus(): void {
  const op = config.operatorLang;
  if (!status) return;
  const { sync } = status;
  const lastSync = sync.lastSuccessAtMs === null ? '' : ` · ${t(op, 'lastSync')} ${new Date(sync.lastSuccessAtMs).toLocaleTimeString(op, { hour: '2-digit', minute: '2-digit' })}`;
  const backlog = sync.backlogWarning && sync.oldestPendingAtMs !== null ? ` · ${t(op, 'backlogOld')} ${Math.floor((Date.now() - sync.oldestPendingAtMs) / 86_400_000)}d` : '';
  chip(
    'st-online',
    `${status.online ? t(op, 'online') : t(op, 'offline')} · ${status.pendingSync} ${t(op, 'pending')}${lastSync}${backlog}`,
    sync.backlogWarning ? 'bad' : status.online ? 'ok' : 'warn',
  );
  $('st-online').dataset.pending = String(status.pendingSync);
  $('st-online').dataset.online = String(status.online);
  // The policy's bound on unsynced checks: said two weeks before the first would go.
  const purge = $('st-unsynced');
  purge.hidden = !sync.unsyncedPurge.warn || sync.unsyncedPurge.purgeAtMs === null;
  if (!purge.hidden) chip('st-unsynced', `${t(op, 'unsyncedPurge')} ${day(sync.unsyncedPurge.purgeAtMs!)}`, 'bad');
  const { trust } = status;
  const age = trust.ageSeconds === null ? '' : trust.ageSeconds < 86_400 ? ` ${Math.floor(trust.ageSeconds / 3600)}h` : ` ${Math.floor(trust.ageSeconds / 86_400)}d`;
  chip('st-trust', trust.state === 'missing' ? t(op, 'trustMissing') : `${t(op, 'trust')} #${trust.seq}${age}`, trust.state === 'ok' ? 'ok' : trust.state === 'stale' ? 'warn' : 'bad');
  chip('st-clock', status.clock === 'trusted' ? t(op, 'clock') + ' ✓' : t(op, 'clockBad'), status.clock === 'trusted' ? 'ok' : 'bad');
  const th = status.thermometer;
  const thermoText =
    th.state === 'none' || th.state === 'offline'
      ? t(op, 'thermoOffline')
      : `${t(op, 'thermometer')} ${th.lastC === null ? '–' : th.lastC.toFixed(1) + '°C'}${th.state === 'simulated' ? ` (${t(op, 'thermoSim')})` : ''}`;
  const overdue = th.calibrationOverdue ? ` · ${t(op, 'calibrationDue')}` : '';
  chip('st-thermo', thermoText + overdue, th.state === 'ok' && !th.calibrationOverdue ? 'ok' : th.state === 'simulated' || th.calibrationOverdue ? 'warn' : 'bad');
  $('st-thermo').dataset.state = th.state;
  const sc = $('st-scanner');
  sc.hidden = status.scanner.state === 'none';
  sc.dataset.state = status.scanner.state;
  chip('st-scanner', status.scanner.state === 'ok' ? `${t(op, 'scanner')} ✓` : t(op, 'scannerOffline'), status.scanner.state === 'ok' ? 'ok' : 'bad');
  const dropped = $('st-dropped');
  dropped.hidden = !status.scans.dropping;
  dropped.dataset.count = String(status.scans.dropped);
  chip('st-dropped', `${t(op, 'scansDropped')} ${status.scans.dropped}`, 'bad');
  chip('st-today', `${t(op, 'today')} ✓${status.today.admit} !${status.today.review} ✕${status.today.deny}`);
  renderPlace();
}

/** A date in the gate's time zone, YYYY-MM-DD. */
function day(ms: number): string {
  try {
    return new Date(ms).toLocaleDateString('sv-SE', { timeZone: config.timeZone });
  } catch {
    return new Date(ms).toISOString().slice(0, 10);
  }
}

/** Where the kiosk stands and the time there (the gate's zone, not the machine's). */
function renderPlace(): void {
  let time: string;
  try {
    time = new Date().toLocaleTimeString(config.operatorLang, { hour: '2-digit', minute: '2-digit', timeZone: config.timeZone });
  } catch {
    time = new Date().toLocaleTimeString(config.operatorLang, { hour: '2-digit', minute: '2-digit' });
  }
  chip('st-place', [config.station, config.gate, time].filter(Boolean).join(' · '));
}

function renderCamera(): void {
  const op = config.operatorLang;
  const keys: Record<CameraState, TextKey> = { starting: 'cameraStarting', live: 'camera', lost: 'cameraLost' };
  chip('st-camera', `${t(op, keys[cameraState])}${cameraState === 'live' ? ' ✓' : ''}`, cameraState === 'live' ? 'ok' : cameraState === 'lost' ? 'bad' : 'warn');
  $('st-camera').dataset.state = cameraState;
  const problem = $('camera-problem');
  problem.hidden = cameraState !== 'lost';
  text('camera-problem-title', `${t(holderLang, 'cameraLost')} · ${t(otherLang(holderLang), 'cameraLost')}`);
  text('camera-problem-hint', t(holderLang, 'cameraLostHint'));
}

function renderResult(view: CheckView): void {
  const op = config.operatorLang;
  const verdict = $('verdict');
  verdict.dataset.verdict = view.verdict;
  text('verdict-icon', ICONS[view.verdict]);
  const word = $('verdict-word');
  word.replaceChildren(document.createTextNode(view.verdictWord[holderLang]));
  if (op !== holderLang) {
    const small = document.createElement('small');
    small.lang = op;
    small.textContent = view.verdictWord[op];
    word.append(small);
  }
  verdict.setAttribute('aria-label', `${view.verdictWord[holderLang]} / ${view.verdictWord[otherLang(holderLang)]}`);

  const who = $('who');
  who.replaceChildren();
  const row = (label: TextKey | null, value: string | null): void => {
    if (value === null) return;
    const div = document.createElement('div');
    if (label) {
      const dt = document.createElement('dt');
      dt.textContent = t(holderLang, label);
      div.append(dt);
    }
    const dd = document.createElement('dd');
    dd.textContent = value;
    div.append(dd);
    who.append(div);
  };
  row(null, view.maskedName);
  row('issuer', view.issuerName ? (holderLang === 'zh-CN' ? view.issuerName.zh : view.issuerName.en) : view.issuer);
  // The temperature this check was decided on, large: the guard checks it at a glance.
  const temperature = $('temperature');
  temperature.hidden = view.temperatureC === null;
  // Shown to a tenth, rounded down: 37.26 was admitted under 37.3, and must not read "37.3" beside ADMIT.
  temperature.textContent = view.temperatureC === null ? '' : `${(Math.floor(view.temperatureC * 10 + 1e-9) / 10).toFixed(1)} °C`;
  temperature.dataset.fever = String(view.reasons.some((r) => r.code === 'FEVER'));
  temperature.setAttribute('aria-label', `${t(holderLang, 'temperature')} ${temperature.textContent}`);

  const list = $('reasons');
  list.replaceChildren();
  for (const r of view.reasons) {
    const li = document.createElement('li');
    li.dataset.testid = 'reason';
    li.dataset.code = r.code;
    li.dataset.verdict = r.verdict;
    li.lang = holderLang;
    li.textContent = r.message[holderLang];
    if (op !== holderLang) {
      const small = document.createElement('small');
      small.lang = op;
      small.textContent = r.message[op];
      li.append(small);
    }
    list.append(li);
  }
  if (view.issuerReason) {
    const li = document.createElement('li');
    li.dataset.testid = 'issuer-reason';
    li.textContent = `${t(holderLang, 'issuer')}: ${view.issuerReason}`;
    list.append(li);
  }
  // A review is the guard's to decide: with a supervisor PIN, here and now —
  // and only once a PIN exists, so the button never leads a traveller to set one.
  // The button sits outside the list so the list holds only reasons.
  const actions = $('result-actions');
  actions.replaceChildren();
  if (view.verdict === 'review' && view.checkId && technician && config.pinSet) {
    const checkId = view.checkId;
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.testid = 'override';
    button.className = 'override';
    button.textContent = `${t(op, 'override')}`;
    button.addEventListener('click', () => {
      if (backToReady) clearTimeout(backToReady);
      technician!.override(checkId, (verdict, role) => {
        const done = document.createElement('li');
        done.dataset.testid = 'override-result';
        done.dataset.verdict = verdict;
        done.textContent = `${t(op, 'overridden')}: ${view.verdictWord[op]} → ${verdict === 'admit' ? t(op, 'admitted') : t(op, 'denied')} (${role})`;
        list.append(done);
        button.remove();
        backToReady = setTimeout(() => setState('ready'), config.resultSeconds * 1000);
      });
    });
    actions.append(button);
  }
}

function showResult(view: CheckView, submittedAt: number | null): void {
  lastView = view;
  renderResult(view);
  setState('result');
  if (config.sound) playVerdict(view.verdict);
  const started = submittedAt ?? performance.now();
  requestAnimationFrame(() => requestAnimationFrame(() => perf.verdict(started, performance.now(), view.verdict, view.source)));
  if (backToReady) clearTimeout(backToReady);
  backToReady = setTimeout(() => {
    lastView = null;
    setState('ready');
  }, config.resultSeconds * 1000);
}

async function submit(textScanned: string, source: ScanSource): Promise<void> {
  const submittedAt = performance.now();
  if (backToReady) clearTimeout(backToReady);
  setState('checking');
  const result = await kiosk.submitScan(textScanned, source);
  // A scan dropped for coming too fast shows on the status bar, not as a fault of the kiosk.
  if (!result.ok && result.error.code === 'RATE_LIMITED') {
    // The code was not checked: the camera reads it again rather than wait for it to leave and come back.
    if (source === 'camera') camera?.forgetLastScan();
    lastView = null;
    setState('ready');
    return;
  }
  if (!result.ok) {
    $('service-problem').hidden = false;
    text('service-problem', `${t(config.operatorLang, 'service')}: ${result.error.message}`);
    setState('ready');
    return;
  }
  showResult(result.value, submittedAt);
}

function listenForWedge(): void {
  const wedge = new WedgeDetector();
  document.addEventListener(
    'keydown',
    (e) => {
      // Technician mode's inputs and shortcuts are not scans.
      const technician = document.getElementById('technician');
      if (e.ctrlKey || e.altKey || e.metaKey || (technician && !technician.hidden)) return;
      const scanned = wedge.key(e.key, e.timeStamp || performance.now());
      // A scanner's keys never reach the page (nor the language button).
      if (wedge.inBurst || scanned !== null) e.preventDefault();
      if (scanned !== null) void submit(scanned, 'wedge');
    },
    { capture: true },
  );
}

async function start(): Promise<void> {
  const got = await kiosk.getConfig();
  if (got.ok) config = got.value;
  holderLang = config.holderLangs[0] ?? config.operatorLang;
  renderStatic();
  renderPlace();
  setState('ready');
  $('lang-switch').addEventListener('click', () => {
    holderLang = otherLang(holderLang);
    renderStatic();
    if (lastView) renderResult(lastView);
  });
  kiosk.onStatus((s) => {
    status = s;
    renderStatus();
  });
  kiosk.onThermometer((r) => {
    if (!status) return;
    status = { ...status, thermometer: { ...status.thermometer, lastC: r.celsius, atMs: r.atMs } };
    renderStatus();
  });
  kiosk.onDecided((view) => {
    // Scans from main's own scanners (serial, HID) show here too; the camera's and
    // the wedge's are this screen's own requests, shown from their answers.
    if (view.source === 'scanner') showResult(view, null);
  });
  bridge?.onConnection((up) => {
    $('service-problem').hidden = up;
    text('service-problem', t(config.operatorLang, 'service'));
    if (up) void kiosk.getStatus().then((s) => s.ok && ((status = s.value), renderStatus()));
  });
  const s = await kiosk.getStatus();
  if (s.ok) {
    status = s.value;
    renderStatus();
  }
  listenForWedge();
  technician = installTechnicianMode(
    kiosk,
    () => config.operatorLang,
    () => config.pinSet,
  );
  camera = new Camera({
    video: $<HTMLVideoElement>('preview'),
    deviceId: config.cameraId,
    onState: (state) => {
      cameraState = state;
      renderCamera();
    },
    // While technician mode is open, a code held up is a test, never a traveller's check.
    onText: (scanned) => {
      if (!technician?.isOpen()) void submit(scanned, 'camera');
    },
  });
  // A technician's change applies now: language, result time, sound, place, camera.
  kiosk.onConfig((next) => {
    const cameraChanged = next.cameraId !== config.cameraId;
    config = next;
    if (!config.holderLangs.includes(holderLang)) holderLang = config.holderLangs[0] ?? config.operatorLang;
    renderStatic();
    renderStatus();
    renderPlace();
    if (cameraChanged) void camera?.use(config.cameraId);
  });
  setInterval(renderPlace, 15_000);
  addEventListener('pagehide', () => camera?.stop());
  await camera.start();
}

void start();
