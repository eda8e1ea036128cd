// Devices: pick each from what is plugged in (or type a path), preview the
// camera, watch the thermometer's live reading, test a scanner; in force as
// soon as saved.
import { PROTOCOL_NAMES } from '../../../../main/contract/devices.js';
import { settingLabel, type SettingKey } from '../../../../main/contract/ipc.js';
import type { TechnicianState } from '../../../../main/contract/kiosk.js';
import { el } from '../dom.js';
import { pick, row, saveForm } from '../form.js';
import type { PanelContext } from '../panel-context.js';
import { panelSection } from '../section.js';
import type { TestCardSightings } from '../test-read.js';
import { cameraTest } from './camera-test.js';
import { scannerTest } from './scanner-test.js';
import { thermometerLive } from './thermometer-live.js';
import type { EnrollmentOffer } from '../enrollment-offer.js';

export async function devicesSection(ctx: PanelContext, cfg: TechnicianState['config'], testCard: TestCardSightings, enrollment: EnrollmentOffer): Promise<HTMLElement> {
  const { kiosk, T, lang, words, refusal, touch } = ctx;
  const { element, say } = panelSection('devices', T.devices);
  const label = (key: SettingKey): string => settingLabel(key, lang());
  const found = await kiosk.technician.devices();
  // Typed paths are offered the serial ports main found.
  const serialList = el('datalist', { id: 'tech-serial-ports' });
  for (const p of found.ok ? found.value.serial : []) serialList.append(el('option', { value: p.path }, p.label));

  const camera = await cameraTest(ctx, cfg.camera.deviceId, testCard, enrollment);

  const thermoPath = el('input', {
    type: 'text',
    list: 'tech-serial-ports',
    value: cfg.thermometer.path ?? '',
    'data-testid': 'dev-thermometer',
    'aria-label': label('thermometer.path'),
    placeholder: '/dev/ttyUSB0',
  });
  const protocol = pick(
    'protocol',
    label('thermometer.protocol'),
    PROTOCOL_NAMES.map((p) => [p, p]),
    cfg.thermometer.protocol,
  );
  const baud = el('input', {
    type: 'number',
    min: '300',
    value: cfg.thermometer.baud === null ? '' : String(cfg.thermometer.baud),
    'data-testid': 'dev-baud',
    'aria-label': label('thermometer.baud'),
    placeholder: T.baudEmpty,
  });
  const live = thermometerLive(ctx);
  // The devices the kiosk runs may not be the ones configured (a start flag, the simulator): the form says so.
  const running = el('p', { class: 'note', 'data-testid': 'dev-running' });
  void kiosk.getStatus().then((st) => {
    if (!st.ok) return;
    const notes: string[] = [];
    const thermometer = st.value.thermometer.state;
    if (thermometer === 'simulated') notes.push(T.runningSimulated);
    else if (thermometer !== 'none' && !cfg.thermometer.path) notes.push(T.runningFromStart(T.thermometerWord));
    if (st.value.scanner.state !== 'none' && !cfg.scanner.serialPath && !cfg.scanner.hid) notes.push(T.runningFromStart(T.scannerWord));
    running.textContent = notes.join(' ');
  });

  const scannerPath = el('input', {
    type: 'text',
    list: 'tech-serial-ports',
    value: cfg.scanner.serialPath ?? '',
    'data-testid': 'dev-scanner-serial',
    'aria-label': label('scanner.serialPath'),
    placeholder: '/dev/ttyACM0',
  });
  const terminator = pick(
    'terminator',
    label('scanner.terminator'),
    [
      ['CR', 'CR'],
      ['LF', 'LF'],
      ['CRLF', 'CRLF'],
    ],
    cfg.scanner.terminator,
  );
  const hidChoices: [string, string][] = [['', T.none], ...(found.ok ? found.value.hid.map((h): [string, string] => [h.id, h.label]) : [])];
  // A configured scanner that is not plugged in stays chosen rather than silently dropped.
  if (cfg.scanner.hid && !hidChoices.some(([id]) => id === cfg.scanner.hid)) hidChoices.push([cfg.scanner.hid, cfg.scanner.hid]);
  const hid = pick('scanner-hid', label('scanner.hid'), hidChoices, cfg.scanner.hid ?? '');

  const save = el('button', { type: 'button', 'data-testid': 'tech-save-devices' }, T.save);
  save.addEventListener('click', async () => {
    touch();
    await saveForm(
      ctx,
      [
        ['camera.deviceId', camera.picker.value || null],
        ['thermometer.path', thermoPath.value || null],
        ['thermometer.protocol', protocol.value],
        ['thermometer.baud', baud.value === '' ? null : Number(baud.value)],
        ['scanner.serialPath', scannerPath.value || null],
        ['scanner.terminator', terminator.value],
        ['scanner.hid', hid.value || null],
      ],
      say,
    );
  });
  const testScan = scannerTest(ctx);

  element.append(
    running,
    serialList,
    row(label('camera.deviceId'), camera.picker),
    camera.video,
    camera.result,
    row(label('thermometer.path'), thermoPath),
    row(label('thermometer.protocol'), protocol),
    row(label('thermometer.baud'), baud),
    live,
    row(label('scanner.serialPath'), scannerPath),
    row(label('scanner.terminator'), terminator),
    row(label('scanner.hid'), hid),
    row(T.scannerTest, testScan.button, testScan.result),
    ...(found.ok ? found.value.notes.map((n) => el('p', { class: 'note' }, words(n))) : [el('p', { class: 'note' }, refusal(found.error))]),
    save,
  );
  return element;
}
