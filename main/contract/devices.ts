// The device vocabulary: one declaration of what main, the drivers and the
// screen say about thermometers and scanners. Pure: types and small checks,
// no node, so the drivers' process and the renderer share it with main.

/** 'none': no device is configured (a kiosk's empty device slot). */
export type DeviceState = 'ok' | 'offline' | 'simulated' | 'none';

/** The thermometer protocols Sentinel speaks (drivers/thermometer/protocols has one adapter each). */
export const PROTOCOL_NAMES = ['gy-mcu90614', 'lu90614', 'idc50', 'ascii'] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

export function isProtocolName(value: unknown): value is ProtocolName {
  return typeof value === 'string' && (PROTOCOL_NAMES as readonly string[]).includes(value);
}

/** What ends a serial scanner's code. */
export const TERMINATORS = ['CR', 'LF', 'CRLF'] as const;
export type Terminator = (typeof TERMINATORS)[number];

export function isTerminator(value: unknown): value is Terminator {
  return typeof value === 'string' && (TERMINATORS as readonly string[]).includes(value);
}

/** A thermometer driver's frame and error counters since it started. */
export interface ThermometerCounters {
  frames: number;
  checksumFailures: number;
  resyncs: number;
  /** Bytes thrown away while searching for a header or when the buffer was full. */
  droppedBytes: number;
}

/** The offset a module applies, with who set it and when (what a driver needs of a calibration). */
export interface Calibration {
  offsetC: number;
  by: string;
  atMs: number;
}

/** A calibration as the configuration records it: the offset and how it was found. */
export interface CalibrationRecord extends Calibration {
  referenceC: number;
  /** The stable readings (raw, °C) the offset was computed from. */
  readingsC: number[];
  dueAtMs: number;
}

/** Only the offset a driver applies, with who and when, of a calibration (the configuration records more). */
export function appliedCalibration(c: Calibration | null): Calibration | null {
  return c ? { offsetC: c.offsetC, by: c.by, atMs: c.atMs } : null;
}

/** A HID device by USB ids. */
export interface HidId {
  vendorId: number;
  productId: number;
}

/** "VID:PID" in hex, as `sentinel devices` prints it; null when it is not that. */
export function parseHidId(text: string): HidId | null {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/.exec(text);
  return m ? { vendorId: parseInt(m[1]!, 16), productId: parseInt(m[2]!, 16) } : null;
}

/** The devices a kiosk reads: from the start flags and configuration, and again whenever a technician changes them. */
export interface DeviceSettings {
  simulate: boolean;
  thermometer: { path: string; protocol: ProtocolName; baud: number; calibration: Calibration | null } | null;
  scannerSerial: { path: string; terminator: Terminator } | null;
  scannerHid: HidId | null;
  /** The gate (missing or null: none; a configuration or kiosk from before gates has none). */
  gate?: GateSettings | null;
}

// --- The gate (issue 15): a turnstile or door the kiosk opens on an admit ---

/** How the gate is driven: an LCUS serial relay board, a USB HID relay board, an OSDP output module, or none. */
export const GATE_DRIVERS = ['lcus', 'hid', 'osdp', 'none'] as const;
export type GateDriver = (typeof GATE_DRIVERS)[number];

/** 'pulse': opened for pulseMs (a turnstile's impulse input); 'potential': held open for openSeconds (a gate that needs a level). */
export const GATE_MODES = ['pulse', 'potential'] as const;
export type GateMode = (typeof GATE_MODES)[number];

/** Where the passage sensor is read: nowhere (a pass is assumed), an input of the OSDP module, a serial adapter's modem status line. */
export const PASSAGE_SENSORS = ['none', 'osdp-input', 'modem-line'] as const;
export type PassageSensorKind = (typeof PASSAGE_SENSORS)[number];

/** The emergency (fire alarm) input that switches to free passage: none, or an input of the OSDP module. */
export const EMERGENCY_INPUTS = ['none', 'osdp-input'] as const;
export type EmergencyInputKind = (typeof EMERGENCY_INPUTS)[number];

/** A serial adapter's modem status lines a passage sensor can be wired to. */
export const MODEM_LINE_NAMES = ['cts', 'dsr', 'dcd'] as const;
export type ModemLineName = (typeof MODEM_LINE_NAMES)[number];

/** The baud rates OSDP allows (v2.2: 9600 to 230400). */
export const OSDP_BAUDS = [9600, 19_200, 38_400, 57_600, 115_200, 230_400] as const;

/** USB HID relay boards' id ("USBRelayN", V-USB's shared 16c0:05df). */
export const USB_RELAY_HID_ID: Readonly<HidId> = Object.freeze({ vendorId: 0x16c0, productId: 0x05df });

export type PassageSensor = { kind: 'none' } | { kind: 'osdp-input'; input: number } | { kind: 'modem-line'; path: string; line: ModemLineName; normallyClosed: boolean };

/** normallyClosed: the emergency is on while the input reads inactive (a fire alarm's closed loop opened, or cut). */
export type EmergencyInput = { kind: 'none' } | { kind: 'osdp-input'; input: number; normallyClosed: boolean };

/** What the checkpoint does with the gate, whatever drives it. */
export interface GateBehaviour {
  /** How long an admit opens the gate in 'pulse' mode, ms. */
  pulseMs: number;
  mode: GateMode;
  /** How long an admit holds the gate open in 'potential' mode, s. */
  openSeconds: number;
  /** With a passage sensor: no passage this long after an open is a NOT_PASSED, s. */
  passSeconds: number;
  passage: PassageSensor;
  emergency: EmergencyInput;
  /** A technician switched free passage on (an emergency): the gate held open until a technician switches it off. */
  freePassage: boolean;
}

/** A configured gate, checked and complete (a kiosk without one has `gate: null`). */
export type GateSettings = GateBehaviour &
  (
    | { driver: 'lcus'; path: string; /** The relay, 1–8. */ channel: number; baud: number }
    | { driver: 'hid'; hid: HidId; /** The board's serial, when several are plugged in. */ serial: string | null; channel: number }
    | { driver: 'osdp'; path: string; /** The module's address, 0–126. */ address: number; /** The output that drives the gate. */ output: number; baud: number }
  );

/**
 * The gate as the configuration stores it: one flat section (a field per
 * setting, every field always present), whatever the driver; only the
 * fields the driver and sensors use count. gateSettingsOf() checks it whole.
 */
export interface GateConfig {
  driver: GateDriver;
  /** The serial port of an LCUS board or of the OSDP module's RS-485 adapter. */
  path: string | null;
  /** A HID relay board's "VID:PID" (null: USBRelay's 16c0:05df). */
  hid: string | null;
  hidSerial: string | null;
  channel: number;
  address: number;
  output: number;
  /** null: 9600, the boards' and OSDP's default. */
  baud: number | null;
  pulseMs: number;
  mode: GateMode;
  openSeconds: number;
  passSeconds: number;
  passageSensor: PassageSensorKind;
  passageInput: number;
  passageLine: ModemLineName;
  passagePath: string | null;
  passageNormallyClosed: boolean;
  emergency: EmergencyInputKind;
  emergencyInput: number;
  emergencyNormallyClosed: boolean;
  /** Free passage, switched on by a technician (kept across a restart: an emergency outlasts the kiosk's process). */
  freePassage: boolean;
}

export const DEFAULT_GATE_CONFIG: Readonly<GateConfig> = Object.freeze({
  driver: 'none',
  path: null,
  hid: null,
  hidSerial: null,
  channel: 1,
  address: 0,
  output: 0,
  baud: null,
  pulseMs: 500,
  mode: 'pulse',
  openSeconds: 5,
  passSeconds: 5,
  passageSensor: 'none',
  passageInput: 0,
  passageLine: 'cts',
  passagePath: null,
  passageNormallyClosed: false,
  emergency: 'none',
  emergencyInput: 1,
  emergencyNormallyClosed: true,
  freePassage: false,
} satisfies GateConfig);

export const GATE_DEFAULT_BAUD = 9600;

/** A gate setting refused: `field` is the GateConfig field, the message names it as the reader knows it (a config key or a flag). */
export class GateSettingsRefused extends Error {
  constructor(
    readonly field: keyof GateConfig,
    message: string,
  ) {
    super(message);
    this.name = 'GateSettingsRefused';
  }
}

/** How a field is named in a sentence: `gate.channel` by default; the command line passes its flags' names. */
export type GateFieldLabel = (field: keyof GateConfig) => string;
const configLabel: GateFieldLabel = (field) => `gate.${field}`;

const shown = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : (JSON.stringify(v) ?? String(v)));
const isWhole = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const oneOf = (list: readonly string[]): string => (list.length === 2 ? `${list[0]} or ${list[1]}` : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`);

function choice<T extends string>(list: readonly T[]): (v: unknown) => string | null {
  return (v) => (typeof v === 'string' && (list as readonly string[]).includes(v) ? null : `must be ${oneOf(list)}, not ${shown(v)}`);
}
function whole(min: number, max: number, what: string): (v: unknown) => string | null {
  return (v) => (isWhole(v, min, max) ? null : `must be ${what} from ${min} to ${max}, not ${shown(v)}`);
}
function optionalPath(v: unknown): string | null {
  return v === null || (typeof v === 'string' && v.length > 0 && v.length <= 256) ? null : `must be a serial port's path (such as /dev/ttyUSB0) of at most 256 characters, or null, not ${shown(v)}`;
}
function yesNo(v: unknown): string | null {
  return typeof v === 'boolean' ? null : `must be true or false, not ${shown(v)}`;
}

/** Each field's own rule (what the value must be, said after its name); null when the value passes. */
const GATE_FIELD_RULES: { [K in keyof GateConfig]: (v: unknown) => string | null } = {
  driver: choice(GATE_DRIVERS),
  path: optionalPath,
  hid: (v) => (v === null || (typeof v === 'string' && parseHidId(v)) ? null : `must be VID:PID in hex such as 16c0:05df, or null, not ${shown(v)}`),
  hidSerial: (v) =>
    v === null || (typeof v === 'string' && /^[\x21-\x7e]{1,16}$/.test(v)) ? null : `must be the board's serial (printable, at most 16 characters, such as ABCDE), or null, not ${shown(v)}`,
  channel: whole(1, 8, 'a relay number'),
  address: whole(0, 126, "the module's OSDP address"),
  output: whole(0, 255, 'an output number'),
  baud: (v) => (v === null || isWhole(v, 300, 4_000_000) ? null : `must be a baud rate such as 9600, or null for 9600, not ${shown(v)}`),
  pulseMs: whole(50, 10_000, 'a whole number of milliseconds'),
  mode: choice(GATE_MODES),
  openSeconds: whole(1, 600, 'a whole number of seconds'),
  passSeconds: whole(1, 120, 'a whole number of seconds'),
  passageSensor: choice(PASSAGE_SENSORS),
  passageInput: whole(0, 255, 'an input number'),
  passageLine: choice(MODEM_LINE_NAMES),
  passagePath: optionalPath,
  passageNormallyClosed: yesNo,
  emergency: choice(EMERGENCY_INPUTS),
  emergencyInput: whole(0, 255, 'an input number'),
  emergencyNormallyClosed: yesNo,
  freePassage: yesNo,
};

export const GATE_CONFIG_FIELDS = Object.keys(GATE_FIELD_RULES) as (keyof GateConfig)[];

/** One gate field checked on its own; throws GateSettingsRefused with a sentence naming it by `label`. */
export function checkGateField<K extends keyof GateConfig>(field: K, value: unknown, label: GateFieldLabel = configLabel): GateConfig[K] {
  const problem = GATE_FIELD_RULES[field](value);
  if (problem !== null) throw new GateSettingsRefused(field, `${label(field)} ${problem}`);
  return value as GateConfig[K];
}

/**
 * The gate a configuration section describes, every field and every rule
 * between fields checked: null for driver 'none'; otherwise complete
 * settings, or GateSettingsRefused with one clear sentence.
 */
export function gateSettingsOf(config: GateConfig, label: GateFieldLabel = configLabel): GateSettings | null {
  // No gate: what the other fields say is not used, so it cannot stop a kiosk.
  if (checkGateField('driver', config.driver, label) === 'none') return null;
  for (const field of GATE_CONFIG_FIELDS) checkGateField(field, config[field], label);
  const c = config;
  const refuse = (field: keyof GateConfig, sentence: string): never => {
    throw new GateSettingsRefused(field, sentence);
  };
  const baud = c.baud ?? GATE_DEFAULT_BAUD;
  if (c.driver === 'osdp' && !(OSDP_BAUDS as readonly number[]).includes(baud)) refuse('baud', `${label('baud')} must be one OSDP allows (${OSDP_BAUDS.join(', ')}), not ${baud}`);
  if ((c.driver === 'lcus' || c.driver === 'osdp') && c.path === null)
    refuse('path', `${label('path')} must name the serial port of the ${c.driver === 'lcus' ? 'LCUS relay board' : "OSDP module's RS-485 adapter"} (such as /dev/ttyUSB0)`);
  let passage: PassageSensor = { kind: 'none' };
  if (c.passageSensor === 'osdp-input') {
    if (c.driver !== 'osdp') refuse('passageSensor', `${label('passageSensor')} osdp-input needs the osdp driver (the input is the OSDP module's), not ${c.driver}`);
    passage = { kind: 'osdp-input', input: c.passageInput };
  } else if (c.passageSensor === 'modem-line') {
    if (c.passagePath === null) refuse('passagePath', `${label('passagePath')} must name the serial port whose ${c.passageLine.toUpperCase()} line the passage sensor is wired to`);
    if (c.passagePath === c.path) refuse('passagePath', `${label('passagePath')} must be another port than the gate's own ${c.path} (each port is opened by one driver)`);
    passage = { kind: 'modem-line', path: c.passagePath!, line: c.passageLine, normallyClosed: c.passageNormallyClosed };
  }
  let emergency: EmergencyInput = { kind: 'none' };
  if (c.emergency === 'osdp-input') {
    if (c.driver !== 'osdp') refuse('emergency', `${label('emergency')} osdp-input needs the osdp driver (the input is the OSDP module's), not ${c.driver}`);
    if (passage.kind === 'osdp-input' && passage.input === c.emergencyInput)
      refuse('emergencyInput', `${label('emergencyInput')} must be another input than the passage sensor's (${label('passageInput')} is ${c.passageInput} too)`);
    emergency = { kind: 'osdp-input', input: c.emergencyInput, normallyClosed: c.emergencyNormallyClosed };
  }
  const behaviour: GateBehaviour = { pulseMs: c.pulseMs, mode: c.mode, openSeconds: c.openSeconds, passSeconds: c.passSeconds, passage, emergency, freePassage: c.freePassage };
  if (c.driver === 'lcus') return { driver: 'lcus', path: c.path!, channel: c.channel, baud, ...behaviour };
  if (c.driver === 'osdp') return { driver: 'osdp', path: c.path!, address: c.address, output: c.output, baud, ...behaviour };
  return { driver: 'hid', hid: c.hid === null ? { ...USB_RELAY_HID_ID } : parseHidId(c.hid)!, serial: c.hidSerial, channel: c.channel, ...behaviour };
}

/** "vvvv:pppp", as configured and printed. */
export function hidIdText(id: HidId): string {
  const hex = (n: number): string => n.toString(16).padStart(4, '0');
  return `${hex(id.vendorId)}:${hex(id.productId)}`;
}
