// sentinel gate test | watch: the gate's relay board or OSDP module, for
// technicians and tests (issue 15). The device is named by flags only; the
// settings are checked by the same rules as the configuration's.
import { nodeHidFeatureApi, REAL_BINDINGS } from '../../../drivers/bindings.js';
import type { DriverStatus, GateInputEvent } from '../../../drivers/contract.js';
import { emergencyChange, openGateDevice, openPassageSensor, type GateBindings } from '../../../drivers/open-devices.js';
import {
  checkGateField,
  DEFAULT_GATE_CONFIG,
  gateSettingsOf,
  GateSettingsRefused,
  hidIdText,
  MODEM_LINE_NAMES,
  parseHidId,
  type GateConfig,
  type GateSettings,
  type PassageSensor,
} from '../../contract/devices.js';
import { wholeOrText } from '../../app/kiosk-flags.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';

export const GATE_HELP = `usage: sentinel gate test (--driver lcus|osdp --port PATH | --hid VID:PID [--serial S])
                         [--channel N] [--address N] [--output N] [--pulse-ms N] [--baud N] [--json]
       sentinel gate watch (the same device options) [--passage-input N] [--emergency-input N]
                         [--passage-port PATH --passage-line cts|dsr|dcd [--normally-closed]] [--json]

test: opens the gate once for --pulse-ms (default 500) and says what
happened. Exit 0 when the device confirmed the open (OSDP: the module's
ACK; USB HID relay: the relay's state read back; LCUS: the frame written,
as the board never answers), 69 when it did not answer within 3 s or did
not confirm, 64 on bad usage. --channel is a relay board's relay (1-8,
default 1); --address the OSDP module's address (0-126, default 0) and
--output its output (default 0). --hid alone is a USB HID relay board
("USBRelayN", usually 16c0:05df); --serial picks one of several.

watch: prints one line per state change of the device, module input
change and passage (--json: one JSON object per line) until SIGINT or
SIGTERM. The passage sensor is an input of the OSDP module
(--passage-input N) or a serial adapter's modem line (--passage-port
PATH --passage-line cts|dsr|dcd; --normally-closed when the contact
opens on a passage); with a modem-line sensor the device options may be
left out. --emergency-input N marks the module's emergency input.

OSDP is spoken without secure channel (not supported).`;

/** How long a device has to answer. */
export const ANSWER_MS = 3000;

const OPTIONS = {
  driver: { type: 'string' },
  port: { type: 'string' },
  hid: { type: 'string' },
  serial: { type: 'string' },
  channel: { type: 'string' },
  address: { type: 'string' },
  output: { type: 'string' },
  'pulse-ms': { type: 'string' },
  baud: { type: 'string' },
  'passage-input': { type: 'string' },
  'passage-port': { type: 'string' },
  'passage-line': { type: 'string' },
  'normally-closed': { type: 'boolean' },
  'emergency-input': { type: 'string' },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** Each gate field by the flag that sets it here. */
const FLAG_OF: Record<keyof GateConfig, string> = {
  driver: '--driver',
  path: '--port',
  hid: '--hid',
  hidSerial: '--serial',
  channel: '--channel',
  address: '--address',
  output: '--output',
  baud: '--baud',
  pulseMs: '--pulse-ms',
  mode: '--mode',
  openSeconds: '--open-seconds',
  passSeconds: '--pass-seconds',
  passageSensor: '--passage-input',
  passageInput: '--passage-input',
  passageLine: '--passage-line',
  passagePath: '--passage-port',
  passageNormallyClosed: '--normally-closed',
  emergency: '--emergency-input',
  emergencyInput: '--emergency-input',
  emergencyNormallyClosed: '--emergency-input',
  freePassage: 'gate.freePassage',
};

/** A whole number as typed, or the text itself (so that the refusal quotes it). */

/** The settings the flags describe; null for a watch of a modem-line sensor alone. Throws UsageError. */
export function gateSettingsFromFlags(v: Values, sub: 'test' | 'watch'): { settings: GateSettings | null; passage: PassageSensor } {
  if (v.port !== undefined && v.hid !== undefined) throw new UsageError('--port and --hid exclude each other (a serial gate or a USB HID relay board)');
  let driver = v.driver ?? (v.hid !== undefined ? 'hid' : undefined);
  if (driver === undefined) {
    if (sub === 'watch' && v['passage-port'] !== undefined && v.port === undefined) driver = 'none';
    else throw new UsageError(`gate ${sub} needs --driver lcus|osdp --port PATH, or --hid VID:PID`);
  }
  if (driver !== 'lcus' && driver !== 'osdp' && driver !== 'hid' && driver !== 'none') throw new UsageError(`--driver must be lcus, osdp or hid, not "${driver}"`);
  if (driver === 'none' && (v.driver !== undefined || v.port !== undefined)) throw new UsageError(`--driver must be lcus, osdp or hid, not "${driver}"`);
  if (driver === 'hid' && v.port !== undefined) throw new UsageError('a USB HID relay board has no --port: name it by --hid VID:PID');
  if ((driver === 'lcus' || driver === 'osdp') && v.hid !== undefined) throw new UsageError(`--hid is a USB HID relay board's id, not the ${driver} driver's`);
  if ((driver === 'lcus' || driver === 'osdp') && v.port === undefined) throw new UsageError(`gate ${sub} --driver ${driver} needs --port PATH`);
  if (driver === 'osdp' && v.channel !== undefined) throw new UsageError("--channel is a relay board's relay; an OSDP module takes --address and --output");
  if (driver !== 'osdp' && (v.address !== undefined || v.output !== undefined))
    throw new UsageError(`--${v.address !== undefined ? 'address' : 'output'} is for an OSDP module, not ${driver === 'none' ? 'a passage sensor' : `the ${driver} driver`}`);
  if (driver !== 'hid' && v.serial !== undefined) throw new UsageError('--serial picks one of several USB HID relay boards (with --hid)');
  if (sub === 'test' && (v['passage-input'] !== undefined || v['passage-port'] !== undefined || v['passage-line'] !== undefined || v['emergency-input'] !== undefined || v['normally-closed']))
    throw new UsageError('gate test opens the gate once; the passage sensor and the emergency input are for gate watch');
  if (driver !== 'osdp' && (v['passage-input'] !== undefined || v['emergency-input'] !== undefined))
    throw new UsageError(
      `--${v['passage-input'] !== undefined ? 'passage' : 'emergency'}-input is an input of an OSDP module${v['passage-input'] !== undefined ? "; a relay board's passage sensor is --passage-port PATH --passage-line cts|dsr|dcd" : ''}`,
    );
  if (v['passage-input'] !== undefined && v['passage-port'] !== undefined) throw new UsageError('--passage-input and --passage-port exclude each other (one passage sensor)');
  if (v['passage-port'] === undefined && (v['passage-line'] !== undefined || v['normally-closed'])) throw new UsageError('--passage-line and --normally-closed go with --passage-port PATH');
  if (v['passage-port'] !== undefined && v['passage-line'] === undefined) throw new UsageError(`--passage-port needs --passage-line ${MODEM_LINE_NAMES.join('|')}`);
  let hid: string | null = null;
  if (v.hid !== undefined) {
    const id = parseHidId(v.hid);
    if (!id) throw new UsageError(`--hid must be VID:PID in hex such as 16c0:05df, not "${v.hid}"`);
    hid = hidIdText(id);
  }
  if (driver === 'none') {
    // A passage sensor watched alone: its own two fields.
    try {
      const line = checkGateField('passageLine', v['passage-line']!.toLowerCase(), (f) => FLAG_OF[f]);
      const path = checkGateField('passagePath', v['passage-port']!, (f) => FLAG_OF[f])!;
      return { settings: null, passage: { kind: 'modem-line', path, line, normallyClosed: v['normally-closed'] ?? false } };
    } catch (err) {
      if (err instanceof GateSettingsRefused) throw new UsageError(err.message);
      throw err;
    }
  }
  const config: GateConfig = {
    ...DEFAULT_GATE_CONFIG,
    driver,
    path: v.port ?? null,
    hid,
    hidSerial: v.serial ?? null,
    ...(v.channel !== undefined ? { channel: wholeOrText(v.channel) as number } : {}),
    ...(v.address !== undefined ? { address: wholeOrText(v.address) as number } : {}),
    ...(v.output !== undefined ? { output: wholeOrText(v.output) as number } : {}),
    ...(v.baud !== undefined ? { baud: wholeOrText(v.baud) as number } : {}),
    ...(v['pulse-ms'] !== undefined ? { pulseMs: wholeOrText(v['pulse-ms']) as number } : {}),
    ...(v['passage-input'] !== undefined ? { passageSensor: 'osdp-input', passageInput: wholeOrText(v['passage-input']) as number } : {}),
    ...(v['passage-port'] !== undefined
      ? {
          passageSensor: 'modem-line',
          passagePath: v['passage-port'],
          passageLine: (v['passage-line'] ?? '').toLowerCase() as GateConfig['passageLine'],
          passageNormallyClosed: v['normally-closed'] ?? false,
        }
      : {}),
    // Watched, an emergency input is only marked: which level is the emergency is the kiosk's setting.
    ...(v['emergency-input'] !== undefined ? { emergency: 'osdp-input', emergencyInput: wholeOrText(v['emergency-input']) as number, emergencyNormallyClosed: false } : {}),
  };
  let settings: GateSettings;
  try {
    // Not null: the driver is not 'none'.
    settings = gateSettingsOf(config, (f) => FLAG_OF[f])!;
  } catch (err) {
    if (err instanceof GateSettingsRefused) throw new UsageError(err.message);
    throw err;
  }
  return { settings, passage: settings.passage };
}

function describe(s: GateSettings): string {
  if (s.driver === 'lcus') return `LCUS relay board on ${s.path}, channel ${s.channel}`;
  if (s.driver === 'hid') return `USB HID relay ${hidIdText(s.hid)}${s.serial ? ` (serial ${s.serial})` : ''}, relay ${s.channel}`;
  return `OSDP module at address ${s.address} on ${s.path}, output ${s.output} (no secure channel)`;
}

const CONFIRMATION: Record<GateSettings['driver'], string> = {
  lcus: 'frame written (an LCUS board never answers)',
  hid: "relay's state read back",
  osdp: "module's ACK",
};

/** Resolves true as soon as `ready()` holds (checked on every status and every 20 ms), false at the deadline. */
function until(ready: () => boolean, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (ready()) return resolve(true);
    const started = performance.now();
    const timer = setInterval(() => {
      if (ready()) done(true);
      else if (performance.now() - started >= ms) done(false);
    }, 20);
    const done = (ok: boolean): void => {
      clearInterval(timer);
      resolve(ok);
    };
  });
}

function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

const gateBindings = (): GateBindings => ({ openSerial: REAL_BINDINGS.openSerial, usb: REAL_BINDINGS.usb, hidFeature: nodeHidFeatureApi });

export async function gateCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand(args, OPTIONS, 1);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(GATE_HELP + '\n');
    return EXIT.OK;
  }
  const sub = positionals[0];
  if (sub !== 'test' && sub !== 'watch') throw new UsageError(sub === undefined ? 'gate needs test or watch' : `unknown gate command "${sub}" (test or watch)`);
  if (values.at !== undefined) throw new UsageError('gate works on the real clock; --at is for commands that decide');
  const { settings, passage } = gateSettingsFromFlags(values, sub);
  return sub === 'test' ? gateTest(settings!, io, common.json) : gateWatch(settings, passage, io, common.json);
}

async function gateTest(settings: GateSettings, io: CommandIo, json: boolean): Promise<number> {
  const startedAt = performance.now();
  const opened = openGateDevice(settings, gateBindings(), { clock: io.clock });
  const { gate } = opened;
  let last: DriverStatus | null = null;
  opened.onStatus((s) => {
    last = s;
    if (!json) io.out(`gate ${s.state}: ${s.detail}\n`);
  });
  const report = (result: Record<string, unknown>, text: string): void => {
    io.out(json ? JSON.stringify({ driver: settings.driver, device: describe(settings), pulseMs: settings.pulseMs, ...result }) + '\n' : text + '\n');
  };
  const lastDetail = (): string => (last as DriverStatus | null)?.detail ?? 'no answer';
  try {
    if (!(await until(() => gate.state === 'ok', ANSWER_MS))) {
      report({ confirmed: false, reason: lastDetail() }, `not opened: ${describe(settings)} did not answer within ${ANSWER_MS / 1000} s`);
      io.err(`sentinel: the gate did not answer within ${ANSWER_MS / 1000} s: ${lastDetail()}\n`);
      return EXIT.UNAVAILABLE;
    }
    const askedAt = performance.now();
    const confirmed = await Promise.race([gate.open(settings.pulseMs), new Promise<false>((r) => setTimeout(() => r(false), ANSWER_MS).unref())]);
    const confirmedInMs = Math.round(performance.now() - askedAt);
    if (!confirmed) {
      report({ confirmed: false, reason: lastDetail() }, `not confirmed: ${describe(settings)} did not confirm the open`);
      io.err(`sentinel: the gate did not confirm the open: ${lastDetail()}\n`);
      return EXIT.UNAVAILABLE;
    }
    if (!json) io.out(`opened for ${settings.pulseMs} ms: ${describe(settings)}; confirmed by the ${CONFIRMATION[settings.driver]} in ${confirmedInMs} ms\n`);
    // Closed again (the relay's "off" sent, the module's timer run out) before the port is let go of.
    const closed = await until(() => !gate.isOpen, settings.pulseMs + ANSWER_MS);
    const closedAfterMs = Math.round(performance.now() - askedAt);
    report(
      { confirmed: true, confirmation: CONFIRMATION[settings.driver], answeredInMs: Math.round(askedAt - startedAt), confirmedInMs, closed, closedAfterMs },
      closed ? `closed after ${closedAfterMs} ms` : `still open ${closedAfterMs} ms after the open: ${lastDetail()}`,
    );
    return EXIT.OK;
  } finally {
    opened.close();
  }
}

async function gateWatch(settings: GateSettings | null, passage: PassageSensor, io: CommandIo, json: boolean): Promise<number> {
  const stopped = untilStopped();
  const at = (ms: number): string => new Date(ms).toISOString();
  const line = (obj: Record<string, unknown>, text: string, atMs: number): void => io.out(json ? JSON.stringify({ ...obj, at: at(atMs) }) + '\n' : `${at(atMs)} ${text}\n`);
  const status = (s: DriverStatus): void => line({ event: 'status', state: s.state, detail: s.detail }, `${s.state}: ${s.detail}`, s.atMs);
  const bindings = gateBindings();
  const closers: (() => void)[] = [];
  const sensorEvent = (e: GateInputEvent): void => {
    if (e.kind === 'passage') line({ event: 'passage' }, 'passage', e.atMs);
    else line({ event: 'sensor', active: e.active }, `passage sensor ${e.active ? 'active' : 'clear'}`, e.atMs);
  };
  const what = settings ? describe(settings) : passage.kind === 'modem-line' ? `passage sensor on ${passage.line.toUpperCase()} of ${passage.path}` : '';
  if (!json) io.err(`sentinel: watching the ${what}; Ctrl-C stops\n`);
  if (settings) {
    const opened = openGateDevice(settings, bindings, { clock: io.clock });
    closers.push(() => opened.close());
    opened.onStatus(status);
    if (opened.module) {
      opened.module.onInput((e) => {
        if (e.kind === 'passage') return line({ event: 'passage', input: settings.passage.kind === 'osdp-input' ? settings.passage.input : null }, 'passage', e.atMs);
        const emergency = emergencyChange(settings, e) !== null;
        const passageInput = settings.passage.kind === 'osdp-input' && settings.passage.input === e.index;
        line(
          { event: 'input', input: e.index, active: e.active, ...(emergency ? { emergency: true } : {}), ...(passageInput ? { passageSensor: true } : {}) },
          `input ${e.index} ${e.active ? 'active' : 'inactive'}${emergency ? ' (emergency input)' : passageInput ? ' (passage sensor)' : ''}`,
          e.atMs,
        );
      });
    }
    if (opened.passage && opened.passage !== opened.module) opened.passage.onInput(sensorEvent);
  } else if (passage.kind === 'modem-line') {
    const sensor = openPassageSensor(passage, bindings, { clock: io.clock });
    closers.push(() => sensor.close());
    sensor.onStatus(status);
    sensor.onInput(sensorEvent);
  }
  await stopped;
  for (const close of closers) close();
  return EXIT.OK;
}
