// The gate: how it is driven (relay board, HID relay, OSDP module), how it
// opens, its passage sensor and emergency input — in force as soon as saved —
// a Test open, free passage on and off, and the gate's live state (the
// status main pushes on every gate event and every 5 s).
import { EMERGENCY_INPUTS, GATE_DRIVERS, GATE_MODES, MODEM_LINE_NAMES, PASSAGE_SENSORS, type GateConfig } from '../../../../main/contract/devices.js';
import { DEVICE_STATE_LABELS, gateTime, settingLabel, type SettingKey } from '../../../../main/contract/ipc.js';
import type { GateStatus, TechnicianState } from '../../../../main/contract/kiosk.js';
import { el } from '../dom.js';
import { pick, row, saveForm } from '../form.js';
import type { PanelContext } from '../panel-context.js';
import { panelSection } from '../section.js';

type GateKey = keyof GateConfig & string;

export function gateSection(ctx: PanelContext, cfg: TechnicianState['config']): HTMLElement {
  const { kiosk, T, lang, timeZone, words, refusal, touch, whileOpen } = ctx;
  const { element, say } = panelSection('gate', T.gateTitle);
  const g = cfg.gate;
  const label = (key: GateKey): string => settingLabel(`gate.${key}` as SettingKey, lang());
  const text = (key: GateKey, value: string | null, placeholder = ''): HTMLInputElement =>
    el('input', { type: 'text', value: value ?? '', 'data-testid': `gate-${key}`, 'aria-label': label(key), placeholder, maxlength: '256' });
  const whole = (key: GateKey, value: number | null, min: number, max: number, placeholder = ''): HTMLInputElement =>
    el('input', { type: 'number', min: String(min), max: String(max), value: value === null ? '' : String(value), 'data-testid': `gate-${key}`, 'aria-label': label(key), placeholder });
  const check = (key: GateKey, value: boolean): HTMLInputElement => {
    const box = el('input', { type: 'checkbox', 'data-testid': `gate-${key}`, 'aria-label': label(key) });
    box.checked = value;
    return box;
  };
  const choose = <V extends string>(key: GateKey, values: readonly V[], names: Record<V, string>, value: V): HTMLSelectElement =>
    pick(
      `gate-${key}`,
      label(key),
      values.map((v) => [v, names[v]]),
      value,
    );

  const driver = choose('driver', GATE_DRIVERS, T.gateDrivers, g.driver);
  const path = text('path', g.path, '/dev/ttyUSB0');
  path.setAttribute('list', 'tech-serial-ports');
  const hid = text('hid', g.hid, '16c0:05df');
  const hidSerial = text('hidSerial', g.hidSerial);
  const channel = whole('channel', g.channel, 1, 8);
  const address = whole('address', g.address, 0, 126);
  const output = whole('output', g.output, 0, 255);
  const baud = whole('baud', g.baud, 300, 4_000_000, '9600');
  const mode = choose('mode', GATE_MODES, T.gateModes, g.mode);
  const pulseMs = whole('pulseMs', g.pulseMs, 50, 10_000);
  const openSeconds = whole('openSeconds', g.openSeconds, 1, 600);
  const passSeconds = whole('passSeconds', g.passSeconds, 1, 120);
  const passageSensor = choose('passageSensor', PASSAGE_SENSORS, T.passageSensors, g.passageSensor);
  const passageInput = whole('passageInput', g.passageInput, 0, 255);
  const passageLine = choose('passageLine', MODEM_LINE_NAMES, { cts: 'CTS', dsr: 'DSR', dcd: 'DCD' }, g.passageLine);
  const passagePath = text('passagePath', g.passagePath, '/dev/ttyUSB1');
  passagePath.setAttribute('list', 'tech-serial-ports');
  const passageNormallyClosed = check('passageNormallyClosed', g.passageNormallyClosed);
  const emergency = choose('emergency', EMERGENCY_INPUTS, T.emergencyInputs, g.emergency);
  const emergencyInput = whole('emergencyInput', g.emergencyInput, 0, 255);
  const emergencyNormallyClosed = check('emergencyNormallyClosed', g.emergencyNormallyClosed);

  // Each row shown only where the chosen driver, mode and sensor use it: a technician fills in what counts.
  const rows: [HTMLElement, () => boolean][] = [];
  const field = (key: GateKey, input: HTMLElement, shown: () => boolean = () => true): HTMLElement => {
    const r = row(label(key), input);
    rows.push([r, shown]);
    return r;
  };
  const is =
    (...drivers: GateConfig['driver'][]) =>
    () =>
      drivers.includes(driver.value as GateConfig['driver']);
  const gated = (): boolean => driver.value !== 'none';
  const fields = [
    field('driver', driver),
    field('path', path, is('lcus', 'osdp')),
    field('hid', hid, is('hid')),
    field('hidSerial', hidSerial, is('hid')),
    field('channel', channel, is('lcus', 'hid')),
    field('address', address, is('osdp')),
    field('output', output, is('osdp')),
    field('baud', baud, is('lcus', 'osdp')),
    field('mode', mode, gated),
    field('pulseMs', pulseMs, () => gated() && mode.value === 'pulse'),
    field('openSeconds', openSeconds, () => gated() && mode.value === 'potential'),
    field('passageSensor', passageSensor),
    field('passageInput', passageInput, () => passageSensor.value === 'osdp-input'),
    field('passageLine', passageLine, () => passageSensor.value === 'modem-line'),
    field('passagePath', passagePath, () => passageSensor.value === 'modem-line'),
    field('passageNormallyClosed', passageNormallyClosed, () => passageSensor.value === 'modem-line'),
    field('passSeconds', passSeconds, () => passageSensor.value !== 'none'),
    field('emergency', emergency, is('osdp')),
    field('emergencyInput', emergencyInput, () => emergency.value === 'osdp-input'),
    field('emergencyNormallyClosed', emergencyNormallyClosed, () => emergency.value === 'osdp-input'),
  ];
  const relayout = (): void => {
    for (const [r, shown] of rows) r.hidden = !shown();
  };
  for (const s of [driver, mode, passageSensor, emergency]) s.addEventListener('change', relayout);
  relayout();

  const num = (input: HTMLInputElement): number | null => (input.value === '' ? null : Number(input.value));
  const save = el('button', { type: 'button', 'data-testid': 'tech-save-gate' }, T.save);
  save.addEventListener('click', async () => {
    touch();
    const changes: [GateKey, unknown][] = [
      ['driver', driver.value],
      ['path', path.value || null],
      ['hid', hid.value || null],
      ['hidSerial', hidSerial.value || null],
      ['channel', num(channel)],
      ['address', num(address)],
      ['output', num(output)],
      ['baud', num(baud)],
      ['mode', mode.value],
      ['pulseMs', num(pulseMs)],
      ['openSeconds', num(openSeconds)],
      ['passSeconds', num(passSeconds)],
      ['passageSensor', passageSensor.value],
      ['passageInput', num(passageInput)],
      ['passageLine', passageLine.value],
      ['passagePath', passagePath.value || null],
      ['passageNormallyClosed', passageNormallyClosed.checked],
      ['emergency', emergency.value],
      ['emergencyInput', num(emergencyInput)],
      ['emergencyNormallyClosed', emergencyNormallyClosed.checked],
    ];
    await saveForm(
      ctx,
      changes.map(([k, v]) => [`gate.${k}`, v]),
      say,
    );
  });

  const testOpen = el('button', { type: 'button', 'data-testid': 'tech-gate-test' }, T.gateTestOpen);
  testOpen.addEventListener('click', async () => {
    touch();
    testOpen.disabled = true;
    const r = await kiosk.technician.testGate();
    testOpen.disabled = false;
    say(r.ok ? words(r.value.says) : refusal(r.error));
  });

  // Free passage is a setting (it outlasts a restart); the button shows what pressing it will do.
  let freeOn = g.freePassage;
  const free = el('button', { type: 'button', 'data-testid': 'tech-free-passage' });
  const showFree = (): void => {
    free.textContent = freeOn ? T.freePassageOff : T.freePassageOn;
    free.dataset.on = String(freeOn);
  };
  showFree();
  free.addEventListener('click', async () => {
    touch();
    const want = !freeOn;
    await saveForm(ctx, [['gate.freePassage', want]], say);
    const st = await kiosk.technician.state();
    if (st.ok) freeOn = st.value.config.gate.freePassage;
    showFree();
  });

  const live = el('div', { 'data-testid': 'gate-live', class: 'note', 'aria-live': 'polite' });
  const showLive = (s: GateStatus | null): void => {
    if (!s) {
      live.replaceChildren(el('p', {}, T.gateNotRunning));
      return;
    }
    const l = lang();
    const lines = [
      T.gateLive(T.gateStates[s.gate], DEVICE_STATE_LABELS[s.sensor][l]),
      [s.lastPassageAtMs === null ? T.gateNoPassage : T.gateLastPassage(gateTime(s.lastPassageAtMs, timeZone())), T.gateEmergency[s.emergencyInput]].filter(Boolean).join(' · '),
      `${T.gateToday(s.notPassedToday, s.tailgatesToday)} · ${T.gateWaiting(s.queued, s.waiting)}`,
      ...(s.outOfOrder && s.detail ? [T.gateFault(s.detail)] : []),
      ...(s.freePassage ? [T.gateFreeBy(s.freePassage.input && !s.freePassage.technician ? T.gateFreeInput : (s.freePassage.technician ?? T.gateFreeInput))] : []),
    ];
    live.replaceChildren(...lines.map((line) => el('p', {}, line)));
    live.dataset.gate = s.gate;
    live.dataset.sensor = s.sensor;
  };
  const offStatus = kiosk.onStatus((s) => showLive(s.gate));
  whileOpen(offStatus);
  void kiosk.getStatus().then((s) => s.ok && showLive(s.value.gate));

  element.append(live, row(T.gateTestOpen, testOpen, free), ...fields, el('p', { class: 'note', 'data-testid': 'gate-secure-channel' }, T.gateNoSecureChannel), save);
  return element;
}
