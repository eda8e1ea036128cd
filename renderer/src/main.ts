// The kiosk screen: ready → checking → result → ready. It shows what main
// decided and nothing more; the camera and a keyboard-wedge scanner feed
// the same entry point (scan/submit).
import { TEST_CARD_TEXT, type KioskApi } from '../../main/contract/ipc.js';
import type { CheckView, KioskStatus, PartialScanView, ScanAnswer, ScanSource, ScreenConfig } from '../../main/contract/kiosk.js';
import type { Lang } from '../../main/contract/messages.js';
import { connectBrowserBridge } from './browser-bridge.js';
import { Camera, type CameraState } from './camera.js';
import { Decoder } from './decoder.js';
import { perf } from './perf.js';
import { resultHoldMs } from './result-timing.js';
import { RecentSightings } from './scan-gate.js';
import { announce } from './sounds.js';
import { ago, otherLang, t, todayLine, type TextKey } from './ui-text.js';
import { installTechnicianMode, type TechnicianMode } from './technician/index.js';
import { WedgeDetector } from './wedge.js';

// Made first of all, so the decoder compiles and warms while the screen connects, asks for its settings and opens the camera.
const decoder = new Decoder();

declare global {
  interface Window {
    kiosk?: KioskApi;
  }
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const ICONS = { admit: '✓', review: '!', deny: '✕' } as const;
/** The language a traveller is shown at start and on every result: the first holder language (a tap changes it for one traveller only). */
const defaultHolderLang = (): Lang => config.holderLangs[0] ?? config.operatorLang;

const bridge = window.kiosk ? null : connectBrowserBridge();
const kiosk: KioskApi = window.kiosk ?? bridge!;
window.kiosk = kiosk;

let config: ScreenConfig = {
  operatorLang: 'zh-CN',
  holderLangs: ['zh-CN', 'en'],
  resultSeconds: 10,
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
/** What the banner shows now: the verdict, or a guard's decision, or "please see staff" (kept across a language tap). */
let banner: { verdict: CheckView['verdict']; words: Record<Lang, string>; mark: 'decided' | 'overridden' | 'held' } | null = null;
let backToReady: ReturnType<typeof setTimeout> | null = null;
let technician: TechnicianMode | null = null;
let camera: Camera | null = null;
/** What the camera passed on lately: while the PIN pad is up, only a code not seen lately is a new traveller's. */
const cameraSightings = new RecentSightings();
/** A keyboard-wedge scanner has typed a code since the screen started: it is an input left when the camera is lost. */
let wedgeSeen = false;

function setState(state: 'ready' | 'checking' | 'partial' | 'result'): void {
  document.body.dataset.state = state;
  // The next traveller starts in the kiosk's language, whatever the last one chose.
  if (state === 'ready' && holderLang !== defaultHolderLang()) {
    holderLang = defaultHolderLang();
    renderStatic();
  }
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

/** How long the guard is shown that an admitted traveller did not pass, ms. */
const NOT_PASSED_SHOWN_MS = 2 * 60_000;

/** The gate the kiosk opens: ready, open, out of order (red: the guard opens it by hand), free passage; and today's tailgates. */
function renderGate(op: Lang): void {
  const g = status?.gate ?? null;
  const el = $('st-gate');
  el.hidden = g === null || g.gate === 'none';
  if (!g) return;
  el.dataset.state = g.gate;
  const words = t(op, g.gate === 'open' ? 'gateOpen' : g.gate === 'out-of-order' ? 'gateOutOfOrder' : g.gate === 'free-passage' ? 'gateFreePassage' : 'gateReady');
  const tailgates = g.tailgatesToday > 0 ? ` · ${t(op, 'tailgates')} ${g.tailgatesToday}` : '';
  const notPassed = g.notPassedToday > 0 ? ` · ${t(op, 'notPassed')} ${g.notPassedToday}` : '';
  chip('st-gate', words + tailgates + notPassed, g.gate === 'out-of-order' ? 'bad' : g.gate === 'free-passage' || g.tailgatesToday > 0 || g.notPassedToday > 0 ? 'warn' : 'ok');
  el.dataset.notPassed = String(g.notPassedToday);
  el.dataset.tailgates = String(g.tailgatesToday);
  // The guard is told of the last admit nobody went through on, for a while after (the status comes every 5 s and on each gate event).
  const last = g.lastNotPassed;
  const alert = $('st-not-passed');
  alert.hidden = last === null || Date.now() - last.atMs > NOT_PASSED_SHOWN_MS;
  if (last && !alert.hidden) {
    chip('st-not-passed', `${t(op, 'notPassedAlert')} ${clockTime(last.admittedAtMs)}`, 'warn');
    alert.dataset.checkId = last.checkId;
  }
}

function renderStatus(): void {
  const op = config.operatorLang;
  if (!status) return;
  const { sync } = status;
  const lastSync = sync.lastSuccessAtMs === null ? '' : ` · ${t(op, 'lastSync')} ${clockTime(sync.lastSuccessAtMs)}`;
  const backlog = sync.backlogWarning && sync.oldestPendingAtMs !== null ? ` · ${t(op, 'backlogOld')} ${ago(op, (Date.now() - sync.oldestPendingAtMs) / 1000)}` : '';
  // Enrolled before receipts: synced on the service's word alone until a technician enrolls the kiosk again.
  const unpinned = sync.receipts === 'unpinned' ? ` · ${t(op, 'receiptsUnpinned')}` : '';
  // No service configured is how this kiosk was set up, not a fault: said plainly, not in amber.
  if (!sync.configured) chip('st-online', `${t(op, 'syncOff')} · ${status.pendingSync} ${t(op, 'pending')}`, sync.backlogWarning ? 'bad' : 'ok');
  else
    chip(
      'st-online',
      `${status.online ? t(op, 'online') : t(op, 'offline')} · ${status.pendingSync} ${t(op, 'pending')}${lastSync}${backlog}${unpinned}`,
      sync.backlogWarning ? 'bad' : status.online && !unpinned ? 'ok' : 'warn',
    );
  $('st-online').dataset.pending = String(status.pendingSync);
  $('st-online').dataset.online = String(status.online);
  $('st-online').dataset.configured = String(sync.configured);
  $('st-online').dataset.receipts = sync.receipts;
  // The policy's bound on unsynced checks: said two weeks before the first would go.
  const purge = $('st-unsynced');
  purge.hidden = !sync.unsyncedPurge.warn || sync.unsyncedPurge.purgeAtMs === null;
  if (!purge.hidden) chip('st-unsynced', `${t(op, 'unsyncedPurge')} ${day(sync.unsyncedPurge.purgeAtMs!)}`, 'bad');
  const { trust } = status;
  // The list's age and what to do about it, in words (its sequence number is for the technician panel).
  const trustWords = [
    t(op, 'trust'),
    trust.ageSeconds === null ? null : ago(op, trust.ageSeconds),
    trust.state === 'stale' ? t(op, 'trustStale') : trust.state === 'expired' ? t(op, 'trustExpired') : null,
  ];
  chip('st-trust', trust.state === 'missing' ? t(op, 'trustMissing') : trustWords.filter(Boolean).join(' · '), trust.state === 'ok' ? 'ok' : trust.state === 'stale' ? 'warn' : 'bad');
  $('st-trust').dataset.state = trust.state;
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
  renderGate(op);
  // Whether a scanner is left when the camera is lost changes what the traveller is told.
  renderCamera();
  const dropped = $('st-dropped');
  dropped.hidden = !status.scans.dropping;
  dropped.dataset.count = String(status.scans.dropped);
  chip('st-dropped', `${t(op, 'scansDropped')} ${status.scans.dropped}`, 'bad');
  chip('st-today', todayLine(op, status.today));
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

/** A time of day in the gate's zone, 24-hour HH:MM (not the machine's zone, not AM/PM). */
function clockTime(ms: number): string {
  const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  try {
    return new Date(ms).toLocaleTimeString(config.operatorLang, { ...options, timeZone: config.timeZone });
  } catch {
    return new Date(ms).toLocaleTimeString(config.operatorLang, options);
  }
}

/** Where the kiosk stands and the time there. */
function renderPlace(): void {
  chip('st-place', [config.station, config.gate, clockTime(Date.now())].filter(Boolean).join(' · '));
}

function renderCamera(): void {
  const op = config.operatorLang;
  const keys: Record<CameraState, TextKey> = { starting: 'cameraStarting', live: 'camera', lost: 'cameraLost' };
  chip('st-camera', `${t(op, keys[cameraState])}${cameraState === 'live' ? ' ✓' : ''}`, cameraState === 'live' ? 'ok' : cameraState === 'lost' ? 'bad' : 'warn');
  $('st-camera').dataset.state = cameraState;
  const problem = $('camera-problem');
  problem.hidden = cameraState !== 'lost';
  text('camera-problem-title', `${t(holderLang, 'cameraLost')} · ${t(otherLang(holderLang), 'cameraLost')}`);
  // Point to a scanner only where one is there to use; otherwise staff.
  const scannerLeft = status?.scanner.state === 'ok' || wedgeSeen;
  const hint: TextKey = scannerLeft ? 'cameraLostHint' : 'noInputLeft';
  text('camera-problem-hint', `${t(holderLang, hint)} · ${t(otherLang(holderLang), hint)}`);
  $('camera-problem').dataset.inputLeft = String(scannerLeft);
}

/** Text in the traveller's language, large, with the other language beneath: nobody at the gate is left without words. */
function bilingual(target: HTMLElement, words: Record<Lang, string>): void {
  const other = otherLang(holderLang);
  const main = document.createElement('span');
  main.lang = holderLang;
  main.textContent = words[holderLang];
  const below = document.createElement('small');
  below.lang = other;
  below.textContent = words[other];
  target.replaceChildren(main, below);
}

/** The banner: verdict word and icon, or the guard's decision once made (the banner itself turns). */
function renderBanner(verdict: CheckView['verdict'], words: Record<Lang, string>, mark: 'decided' | 'overridden' | 'held'): void {
  banner = { verdict, words, mark };
  const banner$ = $('verdict');
  banner$.dataset.verdict = verdict;
  banner$.dataset.mark = mark;
  text('verdict-icon', ICONS[verdict]);
  bilingual($('verdict-word'), words);
  banner$.setAttribute('aria-label', `${words[holderLang]} / ${words[otherLang(holderLang)]}`);
}

function renderResult(view: CheckView): void {
  const op = config.operatorLang;
  renderBanner(view.verdict, view.verdictWord, 'decided');
  // One instruction first on every review and refusal: what to do now.
  const action = $('action');
  action.hidden = view.action === null;
  if (view.action) bilingual(action, view.action);
  // An admit the gate will not open by itself: what to do instead, right under the banner.
  const gateNote = $('gate-note');
  gateNote.hidden = !view.gateNote;
  if (view.gateNote) bilingual(gateNote, view.gateNote);

  const who = $('who');
  who.replaceChildren();
  const row = (label: TextKey | null, value: string | null): void => {
    if (value === null) return;
    const div = document.createElement('div');
    if (label) {
      const dt = document.createElement('dt');
      dt.textContent = `${t(holderLang, label)} · ${t(otherLang(holderLang), label)}`;
      div.append(dt);
    }
    const dd = document.createElement('dd');
    dd.textContent = value;
    div.append(dd);
    who.append(div);
  };
  row(null, view.maskedName);
  row('issuer', view.issuerName ? `${holderLang === 'zh-CN' ? view.issuerName.zh : view.issuerName.en} · ${holderLang === 'zh-CN' ? view.issuerName.en : view.issuerName.zh}` : view.issuer);
  // A DCC's or an SHC's kind (vaccination, test…): what the guard weighs it as.
  row('credential', view.credentialKindWord ? `${view.credentialKindWord[holderLang]} · ${view.credentialKindWord[otherLang(holderLang)]}` : null);
  // The temperature this check was decided on, large: the guard checks it at a glance.
  const temperature = $('temperature');
  temperature.hidden = view.temperatureC === null;
  // Shown to a tenth, rounded down: 37.26 was admitted under 37.3, and must not read "37.3" beside ADMIT.
  temperature.textContent = view.temperatureC === null ? '' : `${(Math.floor(view.temperatureC * 10 + 1e-9) / 10).toFixed(1)} °C`;
  temperature.dataset.fever = String(view.reasons.some((r) => r.code === 'FEVER'));
  temperature.setAttribute('aria-label', `${t(holderLang, 'temperature')} ${temperature.textContent}`);

  // One line per cause; what only staff can act on is labelled for staff.
  const list = $('reasons');
  list.replaceChildren();
  for (const r of view.reasons) {
    if (!r.shown) continue;
    const li = document.createElement('li');
    li.dataset.testid = 'reason';
    li.dataset.code = r.code;
    li.dataset.verdict = r.verdict;
    li.dataset.audience = r.audience;
    bilingual(li, r.message);
    if (r.audience === 'staff') {
      const tag = document.createElement('b');
      tag.className = 'for-staff';
      tag.textContent = `${t(op, 'forStaff')}`;
      li.prepend(tag);
    }
    list.append(li);
  }
  if (view.issuerReasonLine) {
    const li = document.createElement('li');
    li.dataset.testid = 'issuer-reason';
    bilingual(li, view.issuerReasonLine);
    list.append(li);
  }
  renderGuardDecision(view);
}

/**
 * A review is the guard's to decide: with a supervisor PIN, here and now —
 * and only once a PIN exists, so the button never leads a traveller to set
 * one. The button sits outside the list so the list holds only reasons.
 */
function renderGuardDecision(view: CheckView): void {
  const op = config.operatorLang;
  const actions = $('result-actions');
  actions.replaceChildren();
  if (view.verdict !== 'review' || !view.checkId || !technician || !config.pinSet) return;
  const checkId = view.checkId;
  const button = document.createElement('button');
  button.type = 'button';
  button.dataset.testid = 'override';
  button.className = 'override';
  button.textContent = `${t(op, 'override')}`;
  button.addEventListener('click', () => {
    // The guard is deciding: the result waits for them.
    if (backToReady) clearTimeout(backToReady);
    technician!.override(checkId, (verdict, role) => {
      const words = verdict === 'admit' ? 'overrideAdmit' : 'overrideDeny';
      renderBanner(verdict, { 'zh-CN': t('zh-CN', words), en: t('en', words) }, 'overridden');
      $('action').hidden = true;
      const done = document.createElement('li');
      done.dataset.testid = 'override-result';
      done.dataset.verdict = verdict;
      done.textContent = `${t(op, 'overridden')}: ${view.verdictWord[op]} → ${t(op, words)} (${role})`;
      $('reasons').append(done);
      button.remove();
      if (config.sound) announce(verdict, { 'zh-CN': t('zh-CN', words), en: t('en', words) }, holderLang);
      hold(resultHoldMs(verdict, config.resultSeconds), () => toReady());
    });
  });
  actions.append(button);
}

function toReady(): void {
  lastView = null;
  setState('ready');
}

/** What the screen does next, after `ms`: one timer, replaced by every new result or scan. */
function hold(ms: number, then: () => void): void {
  if (backToReady) clearTimeout(backToReady);
  backToReady = setTimeout(then, ms);
}

/**
 * A review nobody decided in REVIEW_HOLD_MS: the traveller is told to see
 * staff, and the check stays on the screen with its guard decision until a
 * guard decides or the next traveller scans.
 */
function heldForStaff(view: CheckView): void {
  if (lastView !== view) return;
  renderBanner('review', { 'zh-CN': t('zh-CN', 'seeStaff'), en: t('en', 'seeStaff') }, 'held');
}

function showResult(view: CheckView, submittedAt: number | null): void {
  lastView = view;
  // A result is read in the kiosk's language first; a tap changes it for this traveller only.
  holderLang = defaultHolderLang();
  renderStatic();
  renderResult(view);
  setState('result');
  if (config.sound) announce(view.verdict, view.verdictWord, holderLang);
  const started = submittedAt ?? performance.now();
  requestAnimationFrame(() => requestAnimationFrame(() => perf.verdict(started, performance.now(), view.verdict, view.source)));
  hold(resultHoldMs(view.verdict, config.resultSeconds), () => (view.verdict === 'review' ? heldForStaff(view) : toReady()));
}

/**
 * A part of a card printed in several QR codes: no verdict yet. The screen
 * says which part was read and which are still needed, and waits for them;
 * with none coming, it goes back to ready when main gives the parts up.
 */
function showPartial(view: PartialScanView): void {
  lastView = null;
  bilingual($('partial-text'), view.message);
  const { total, have } = view.partial;
  $('partial-parts').replaceChildren(
    ...Array.from({ length: total }, (_, i) => {
      const li = document.createElement('li');
      li.dataset.have = String(have.includes(i + 1));
      const n = document.createElement('span');
      n.textContent = have.includes(i + 1) ? '✓' : String(i + 1);
      li.append(n);
      return li;
    }),
  );
  setState('partial');
  hold(Math.max(0, view.partial.expiresAtMs - view.partial.nowMs), toReady);
}

function showAnswer(answer: ScanAnswer, submittedAt: number | null): void {
  if ('partial' in answer) showPartial(answer);
  else showResult(answer, submittedAt);
}

async function submit(textScanned: string, source: ScanSource): Promise<void> {
  const submittedAt = performance.now();
  if (backToReady) clearTimeout(backToReady);
  if (source === 'wedge' && !wedgeSeen) {
    wedgeSeen = true;
    renderCamera();
  }
  setState('checking');
  const result = await kiosk.submitScan(textScanned, source);
  // A scan dropped for coming too fast shows on the status bar, not as a fault of the kiosk.
  if (!result.ok && result.error.code === 'RATE_LIMITED') {
    // The code was not checked: the camera reads it again rather than wait for it to leave and come back.
    if (source === 'camera') camera?.forgetLastScan();
    toReady();
    return;
  }
  if (!result.ok) {
    $('service-problem').hidden = false;
    text('service-problem', `${t(config.operatorLang, 'service')}: ${result.error.message}`);
    setState('ready');
    return;
  }
  showAnswer(result.value, submittedAt);
}

/**
 * A traveller's scan while the PIN pad is up: the pad goes (a traveller
 * does not wait for someone's PIN entry) and their scan is decided.
 */
function travellerScan(decide: () => void): void {
  if (technician?.padShowing()) technician.dismissPad();
  decide();
}

function listenForWedge(): void {
  const wedge = new WedgeDetector();
  document.addEventListener(
    'keydown',
    (e) => {
      // Technician mode's inputs and shortcuts are not scans; the PIN pad alone takes no typing, so a scan then is a traveller's.
      if (e.ctrlKey || e.altKey || e.metaKey || (technician?.isOpen() && !technician.padShowing())) return;
      const scanned = wedge.key(e.key, e.timeStamp || performance.now());
      // A scanner's keys never reach the page (nor the language button).
      if (wedge.inBurst || scanned !== null) e.preventDefault();
      if (scanned !== null) travellerScan(() => void submit(scanned, 'wedge'));
    },
    { capture: true },
  );
}

async function start(): Promise<void> {
  const got = await kiosk.getConfig();
  if (got.ok) config = got.value;
  holderLang = defaultHolderLang();
  renderStatic();
  renderPlace();
  setState('ready');
  $('lang-switch').addEventListener('click', () => {
    holderLang = otherLang(holderLang);
    renderStatic();
    if (lastView && banner) {
      const shown = banner;
      renderResult(lastView);
      if (shown.mark !== 'decided') renderBanner(shown.verdict, shown.words, shown.mark);
      if (shown.mark === 'overridden') $('result-actions').replaceChildren();
    }
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
    if (view.source === 'scanner') travellerScan(() => showResult(view, null));
  });
  kiosk.onPartial((view) => {
    if (view.source === 'scanner') travellerScan(() => showPartial(view));
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
    () => config.timeZone,
  );
  camera = new Camera({
    video: $<HTMLVideoElement>('preview'),
    deviceId: config.cameraId,
    decoder,
    onState: (state) => {
      cameraState = state;
      renderCamera();
    },
    // While technician mode is open, a code held up is a test, never a traveller's check.
    onText: (scanned) => {
      const seenLately = cameraSightings.sighted(scanned, performance.now());
      if (!technician?.isOpen()) void submit(scanned, 'camera');
      else if (technician.padShowing() && !seenLately && scanned.trim() !== TEST_CARD_TEXT) travellerScan(() => void submit(scanned, 'camera'));
    },
  });
  // A technician's change applies now: language, result time, sound, place, camera.
  kiosk.onConfig((next) => {
    const cameraChanged = next.cameraId !== config.cameraId;
    config = next;
    if (!config.holderLangs.includes(holderLang)) holderLang = defaultHolderLang();
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
