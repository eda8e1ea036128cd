// Devices: pick each from what is plugged in (or type a path), preview the
// camera, watch the thermometer's live reading, test a scanner; in force as
// soon as saved.
import { PROTOCOL_NAMES } from '../../../../main/contract/devices.js';
import type { TechnicianState } from '../../../../main/contract/kiosk.js';
import { el } from '../dom.js';
import { pick, row, saveForm } from '../form.js';
import type { PanelContext } from '../panel-context.js';
import type { TestCardSightings } from '../test-read.js';
import { cameraTest } from './camera-test.js';
import { scannerTest } from './scanner-test.js';
import { thermometerLive } from './thermometer-live.js';

/** The thermometer protocols main accepts (kept equal to main's list by a test). */

export async function devicesSection(ctx: PanelContext, cfg: TechnicianState['config'], testCard: TestCardSightings): Promise<HTMLElement> {
  const { kiosk, T, touch } = ctx;
  const found = await kiosk.technician.devices();
  // Typed paths are offered the serial ports main found.
  const serialList = el('datalist', { id: 'tech-serial-ports' });
  for (const p of found.ok ? found.value.serial : []) serialList.append(el('option', { value: p.path }, p.label));

  const camera = await cameraTest(ctx, cfg.camera.deviceId, testCard);

  const thermoPath = el('input', {
    type: 'text',
    list: 'tech-serial-ports',
    value: cfg.thermometer.path ?? '',
    'data-testid': 'dev-thermometer',
    'aria-label': T.thermometer,
    placeholder: '/dev/ttyUSB0',
  });
  const protocol = pick(
    'protocol',
    T.protocol,
    PROTOCOL_NAMES.map((p) => [p, p]),
    cfg.thermometer.protocol,
  );
  const baud = el('input', { type: 'number', min: '300', value: cfg.thermometer.baud === null ? '' : String(cfg.thermometer.baud), 'data-testid': 'dev-baud', 'aria-label': T.baud });
  const live = thermometerLive(ctx);

  const scannerPath = el('input', {
    type: 'text',
    list: 'tech-serial-ports',
    value: cfg.scanner.serialPath ?? '',
    'data-testid': 'dev-scanner-serial',
    'aria-label': T.scannerSerial,
    placeholder: '/dev/ttyACM0',
  });
  const terminator = pick(
    'terminator',
    T.terminator,
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
  const hid = pick('scanner-hid', T.scannerHid, hidChoices, cfg.scanner.hid ?? '');

  const save = el('button', { type: 'button', 'data-testid': 'tech-save-devices' }, T.save);
  save.addEventListener('click', async () => {
    touch();
    await saveForm(ctx, [
      ['camera.deviceId', camera.picker.value || null],
      ['thermometer.path', thermoPath.value || null],
      ['thermometer.protocol', protocol.value],
      ['thermometer.baud', baud.value === '' ? null : Number(baud.value)],
      ['scanner.serialPath', scannerPath.value || null],
      ['scanner.terminator', terminator.value],
      ['scanner.hid', hid.value || null],
    ]);
  });
  const testScan = scannerTest(ctx);

  const section = el('section');
  section.append(
    el('h3', {}, T.devices),
    serialList,
    row(T.camera, camera.picker),
    camera.video,
    camera.result,
    row(T.thermometer, thermoPath),
    row(T.protocol, protocol),
    row(T.baud, baud),
    live,
    row(T.scannerSerial, scannerPath),
    row(T.terminator, terminator),
    row(T.scannerHid, hid),
    row(T.scannerTest, testScan.button, testScan.result),
    ...(found.ok ? found.value.notes.map((n) => el('p', { class: 'note' }, n)) : [el('p', {}, found.error.message)]),
    save,
  );
  return section;
}
