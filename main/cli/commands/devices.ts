// sentinel thermo | scanner | devices: the drivers, for technicians and tests.
import { REAL_BINDINGS } from '../../../drivers/bindings.js';
import type { DriverStatus } from '../../../drivers/contract.js';
import { discoverDevices } from '../../../drivers/discovery.js';
import { openHidScanner, openSerialScanner, openSerialThermometer } from '../../../drivers/open-devices.js';
import { PROTOCOLS } from '../../../drivers/thermometer/protocols/index.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';
import { isProtocolName, isTerminator, parseHidId, PROTOCOL_NAMES } from '../../contract/devices.js';

export const THERMO_HELP = `usage: sentinel thermo --port PATH --protocol ${PROTOCOL_NAMES.join('|')} [--baud N] [--stable] [--json]

Reads a serial IR thermometer and prints one line per decoded reading
(--stable: only stable readings, the median of 5 frames within 0.2 °C).
--json: {"celsius","raw","ambient","protocol","at"} per line. Keeps
running across unplug and replug; status lines go to stderr. Ctrl-C stops.`;

export const SCANNER_HELP = `usage: sentinel scanner (--serial PATH [--baud N] [--terminator CR|LF|CRLF] | --hid VID:PID) [--json]

Prints each scan from a serial (CDC-ACM) or HID POS scanner. Keeps running
across unplug and replug; status lines go to stderr. Ctrl-C stops.`;

export const DEVICES_HELP = `usage: sentinel devices [--json]

Lists the serial ports (with USB ids where known), HID devices (with usage
page) and cameras (V4L2 video devices) the kiosk can use.`;

function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

function parseBaud(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const baud = Number(value);
  if (!Number.isInteger(baud) || baud < 300 || baud > 4_000_000) throw new UsageError(`--baud must be a baud rate such as 9600, not "${value}"`);
  return baud;
}

function statusLine(io: CommandIo, json: boolean): (s: DriverStatus) => void {
  return (s) => io.err(json ? JSON.stringify({ status: s.state, device: s.device, detail: s.detail, at: new Date(s.atMs).toISOString() }) + '\n' : `sentinel: ${s.device} ${s.state}: ${s.detail}\n`);
}

export async function thermoCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(args, { port: { type: 'string' }, protocol: { type: 'string' }, baud: { type: 'string' }, stable: { type: 'boolean' } }, 0);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(THERMO_HELP + '\n');
    return EXIT.OK;
  }
  if (!values.port) throw new UsageError('thermo needs --port PATH');
  if (!isProtocolName(values.protocol)) throw new UsageError(`--protocol must be one of ${PROTOCOL_NAMES.join(', ')}`);
  const protocol = values.protocol;
  const thermo = openSerialThermometer({ path: values.port, protocol, baud: parseBaud(values.baud, PROTOCOLS[protocol].defaultBaud), calibration: null }, REAL_BINDINGS, {
    clock: io.clock,
    remeasureAtC: null,
  });
  const print = (celsius: number, raw: number, ambient: number | null, atMs: number, kind: string): void => {
    io.out(
      common.json
        ? JSON.stringify({ celsius, raw, ambient, protocol, at: new Date(atMs).toISOString() }) + '\n'
        : `${new Date(atMs).toISOString()} ${celsius.toFixed(2)} °C${kind === 'no-person' ? ' (no person / mis-aimed)' : ''}${ambient === null ? '' : `  ambient ${ambient.toFixed(2)} °C`}\n`,
    );
  };
  thermo.onStatus(statusLine(io, common.json));
  if (values.stable) thermo.onReading((r) => print(r.celsius, r.rawC ?? r.celsius, r.ambientC ?? null, r.atMs, 'stable'));
  else thermo.onRawReading((r) => print(r.celsius, r.rawC, r.ambientC, r.atMs, r.kind));
  await untilStopped();
  thermo.close();
  return EXIT.OK;
}

export async function scannerCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(args, { serial: { type: 'string' }, hid: { type: 'string' }, baud: { type: 'string' }, terminator: { type: 'string' } }, 0);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(SCANNER_HELP + '\n');
    return EXIT.OK;
  }
  if ((values.serial === undefined) === (values.hid === undefined)) throw new UsageError('scanner needs either --serial PATH or --hid VID:PID');
  let scanner;
  if (values.serial !== undefined) {
    const terminator = (values.terminator ?? 'CR').toUpperCase();
    if (!isTerminator(terminator)) throw new UsageError('--terminator must be CR, LF or CRLF');
    scanner = openSerialScanner({ path: values.serial, terminator, baud: parseBaud(values.baud, 9600) }, REAL_BINDINGS, { clock: io.clock });
  } else {
    const id = parseHidId(values.hid!);
    if (!id) throw new UsageError(`--hid must be VID:PID in hex, such as 0c2e:0b61, not "${values.hid}"`);
    scanner = openHidScanner(id, REAL_BINDINGS, { clock: io.clock });
  }
  scanner.onStatus(statusLine(io, common.json));
  scanner.onScan((s) => io.out(common.json ? JSON.stringify({ text: s.text, symbology: s.symbology, at: new Date(s.atMs).toISOString() }) + '\n' : `${s.text}\n`));
  await untilStopped();
  scanner.close();
  return EXIT.OK;
}

export async function devicesCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(args, {}, 0);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(DEVICES_HELP + '\n');
    return EXIT.OK;
  }
  const { serial: ports, hid, cameras, notes } = await discoverDevices();
  if (common.json) {
    io.out(JSON.stringify({ serial: ports, hid, cameras, notes }) + '\n');
    return EXIT.OK;
  }
  const lines = ['serial ports:'];
  for (const p of ports) lines.push(`  ${p.path}${p.vendorId ? `  usb ${p.vendorId}:${p.productId}` : ''}${p.manufacturer ? `  ${p.manufacturer}` : ''}`);
  if (ports.length === 0) lines.push('  (none)');
  lines.push('HID devices:');
  for (const d of hid)
    lines.push(`  ${d.vendorId}:${d.productId}${d.usagePage ? `  usage page ${d.usagePage}${d.usagePage === '0x8c' ? ' (POS scanner)' : ''}` : ''}${d.product ? `  ${d.product}` : ''}`);
  if (hid.length === 0) lines.push('  (none)');
  lines.push('cameras:');
  for (const c of cameras) lines.push(`  ${c.path}${c.name ? `  ${c.name}` : ''}`);
  if (cameras.length === 0) lines.push('  (none)');
  for (const n of notes) lines.push(`note: ${n}`);
  io.out(lines.join('\n') + '\n');
  return EXIT.OK;
}
