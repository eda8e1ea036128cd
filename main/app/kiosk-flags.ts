// The kiosk's command line, read once for both doors: the `sentinel kiosk`
// command and the Electron app, which a kiosk's systemd unit starts directly
// with the same flags. Text in, typed flags out (kiosk-settings merges them).
import { parseArgs } from 'node:util';
import {
  checkGateField,
  DEFAULT_GATE_CONFIG,
  gateSettingsOf,
  GateSettingsRefused,
  hidIdText,
  isProtocolName,
  isTerminator,
  parseHidId,
  PROTOCOL_NAMES,
  type GateConfig,
  type GateSettings,
  type HidId,
} from '../contract/devices.js';
import { isLang, type Lang } from '../contract/messages.js';
import { defaultDataDir } from '../data-dir.js';
import { isLoopbackHost } from '../contract/loopback.js';
import { syncEndpoints } from '../sync/endpoints.js';
import { SettingsRefused, type KioskFlags } from './kiosk-settings.js';

export const KIOSK_OPTIONS = {
  browser: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  simulate: { type: 'boolean' },
  'no-open': { type: 'boolean' },
  'result-seconds': { type: 'string' },
  'no-sound': { type: 'boolean' },
  camera: { type: 'string' },
  thermometer: { type: 'string' },
  'thermo-protocol': { type: 'string' },
  'thermo-baud': { type: 'string' },
  'scanner-serial': { type: 'string' },
  'scanner-terminator': { type: 'string' },
  'scanner-hid': { type: 'string' },
  'sync-endpoint': { type: 'string' },
  'backlog-warn-days': { type: 'string' },
  gate: { type: 'string' },
  'gate-driver': { type: 'string' },
  'gate-channel': { type: 'string' },
  'gate-address': { type: 'string' },
  'gate-pulse-ms': { type: 'string' },
  'gate-hid': { type: 'string' },
} as const;

/** What the gate's flags said; a member left out was not said (gateSettingsFor merges them over the configuration). */
export interface GateFlags {
  /** --gate PATH: an LCUS board's or an OSDP module's serial port. */
  gatePath?: string;
  gateDriver?: 'lcus' | 'osdp';
  /** --gate-hid VID:PID: a USB HID relay board. */
  gateHid?: HidId;
  gateChannel?: number;
  gateAddress?: number;
  gatePulseMs?: number;
}

/** Each gate field by the flag that sets it (the fields no flag sets keep their configuration key). */
const GATE_FLAG_NAMES: Partial<Record<keyof GateConfig, string>> = {
  driver: '--gate-driver',
  path: '--gate',
  hid: '--gate-hid',
  channel: '--gate-channel',
  address: '--gate-address',
  pulseMs: '--gate-pulse-ms',
};

/** A whole number as typed, or the text itself (so that the refusal quotes it). */
/** A flag's text as a number when it is a whole one, else as given (the gate's checks then name what is wrong). */
export const wholeOrText = (text: string): number | string => (/^\s*\d+\s*$/.test(text) ? Number(text) : text);

function gateField<K extends keyof GateConfig>(field: K, value: unknown): GateConfig[K] {
  try {
    return checkGateField(field, value, (f) => GATE_FLAG_NAMES[f] ?? `gate.${f}`);
  } catch (err) {
    if (err instanceof GateSettingsRefused) throw new SettingsRefused(err.message);
    throw err;
  }
}

/** The gate's flags typed and checked on their own; throws SettingsRefused naming the flag. */
export function gateFlags(values: { [K in 'gate' | 'gate-driver' | 'gate-channel' | 'gate-address' | 'gate-pulse-ms' | 'gate-hid']?: string | undefined }): GateFlags {
  const flags: GateFlags = {};
  if (values.gate !== undefined && values['gate-hid'] !== undefined) throw new SettingsRefused('--gate and --gate-hid exclude each other (a serial gate or a USB HID relay board)');
  if (values.gate !== undefined) {
    if (values.gate === '') throw new SettingsRefused('--gate must name a serial port, such as /dev/ttyUSB0');
    flags.gatePath = gateField('path', values.gate) as string;
  }
  if (values['gate-driver'] !== undefined) {
    const driver = values['gate-driver'];
    if (driver !== 'lcus' && driver !== 'osdp') throw new SettingsRefused(`--gate-driver must be lcus or osdp (a USB HID relay board is --gate-hid VID:PID), not "${driver}"`);
    if (values.gate === undefined) throw new SettingsRefused('--gate-driver goes with --gate PATH');
    flags.gateDriver = driver;
  } else if (values.gate !== undefined) throw new SettingsRefused('--gate needs --gate-driver lcus or osdp');
  if (values['gate-hid'] !== undefined) {
    const id = parseHidId(values['gate-hid']);
    if (!id) throw new SettingsRefused(`--gate-hid must be VID:PID in hex such as 16c0:05df, not "${values['gate-hid']}"`);
    flags.gateHid = id;
  }
  if (values['gate-channel'] !== undefined) flags.gateChannel = gateField('channel', wholeOrText(values['gate-channel']));
  if (values['gate-address'] !== undefined) flags.gateAddress = gateField('address', wholeOrText(values['gate-address']));
  if (values['gate-pulse-ms'] !== undefined) flags.gatePulseMs = gateField('pulseMs', wholeOrText(values['gate-pulse-ms']));
  return flags;
}

/**
 * The kiosk's gate: the flags over the technician's configuration (its gate
 * section; null or missing: the defaults, no gate). A gate the flags name
 * (--gate or --gate-hid) takes its device from the flags only (port, driver,
 * channel or address; the rest the driver's defaults), and what the
 * checkpoint does with it from the configuration (mode, times, passage
 * sensor, emergency input), --gate-pulse-ms first. Without --gate, the
 * flags adjust the configured gate. Null: no gate. Throws SettingsRefused
 * with a sentence naming the flag or the configuration key.
 */
export function gateSettingsFor(flags: GateFlags, stored: GateConfig | null | undefined): GateSettings | null {
  const cfg: GateConfig = { ...DEFAULT_GATE_CONFIG, ...(stored ?? {}) };
  const fromFlags = new Set<keyof GateConfig>();
  let merged: GateConfig;
  if (flags.gatePath !== undefined || flags.gateHid !== undefined) {
    const driver = flags.gateHid !== undefined ? 'hid' : flags.gateDriver!;
    fromFlags.add('driver').add(flags.gateHid !== undefined ? 'hid' : 'path');
    merged = {
      ...cfg,
      driver,
      path: flags.gatePath ?? null,
      hid: flags.gateHid !== undefined ? hidIdText(flags.gateHid) : null,
      hidSerial: null,
      channel: DEFAULT_GATE_CONFIG.channel,
      address: DEFAULT_GATE_CONFIG.address,
      output: DEFAULT_GATE_CONFIG.output,
      baud: null,
    };
  } else merged = { ...cfg };
  if (flags.gateChannel !== undefined) {
    fromFlags.add('channel');
    merged.channel = flags.gateChannel;
  }
  if (flags.gateAddress !== undefined) {
    fromFlags.add('address');
    merged.address = flags.gateAddress;
  }
  if (flags.gatePulseMs !== undefined) {
    fromFlags.add('pulseMs');
    merged.pulseMs = flags.gatePulseMs;
  }
  const said = [...fromFlags].filter((f) => f !== 'driver');
  if (merged.driver === 'none' && said.length > 0) throw new SettingsRefused(`${GATE_FLAG_NAMES[said[0]!]} needs a gate: --gate PATH --gate-driver lcus|osdp, --gate-hid VID:PID, or one configured`);
  if (merged.driver === 'osdp' && fromFlags.has('channel')) throw new SettingsRefused("--gate-channel is a relay board's relay; an OSDP module is chosen by --gate-address");
  if (merged.driver !== 'osdp' && fromFlags.has('address'))
    throw new SettingsRefused(`--gate-address is an OSDP module's address; the ${merged.driver === 'hid' ? 'USB HID' : 'LCUS'} relay board takes --gate-channel`);
  try {
    return gateSettingsOf(merged, (f) => (fromFlags.has(f) ? GATE_FLAG_NAMES[f]! : `gate.${f}`));
  } catch (err) {
    if (err instanceof GateSettingsRefused) throw new SettingsRefused(err.message);
    throw err;
  }
}

type FlagValues = { [K in keyof typeof KIOSK_OPTIONS]?: (typeof KIOSK_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string } & { lang?: string };

/** The language of the machine's locale: the kiosk's when neither a flag nor a technician chose one. */
export function localeLang(env: NodeJS.ProcessEnv = process.env): Lang {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

/** The flags' values typed and checked, the gate's among them; throws SettingsRefused with the flag's name. */
export function kioskFlags(values: FlagValues): KioskFlags {
  const flags: KioskFlags = gateFlags(values);
  if (values.lang !== undefined) {
    if (!isLang(values.lang)) throw new SettingsRefused(`--lang must be zh-CN or en, not "${values.lang}"`);
    flags.lang = values.lang;
  }
  if (values.host !== undefined) {
    if (!isLoopbackHost(values.host)) throw new SettingsRefused(`--host must be a loopback address (127.0.0.1, ::1, localhost), not "${values.host}"`);
    flags.host = values.host;
  }
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new SettingsRefused(`--port must be a port number, not "${values.port}"`);
    flags.port = port;
  }
  if (values['result-seconds'] !== undefined) {
    const seconds = Number(values['result-seconds']);
    if (!Number.isFinite(seconds) || seconds < 1 || seconds > 120) throw new SettingsRefused('--result-seconds must be between 1 and 120');
    flags.resultSeconds = seconds;
  }
  if (values.simulate) flags.simulate = true;
  if (values['no-sound']) flags.sound = false;
  if (values.camera !== undefined) flags.cameraId = values.camera;
  if (values.thermometer !== undefined) flags.thermometerPath = values.thermometer;
  if (values['thermo-protocol'] !== undefined) {
    if (!isProtocolName(values['thermo-protocol'])) throw new SettingsRefused(`--thermo-protocol must be one of ${PROTOCOL_NAMES.join(', ')}`);
    flags.thermometerProtocol = values['thermo-protocol'];
  }
  if (values['thermo-baud'] !== undefined) {
    const baud = Number(values['thermo-baud']);
    if (!Number.isInteger(baud) || baud < 300) throw new SettingsRefused(`--thermo-baud must be a baud rate, not "${values['thermo-baud']}"`);
    flags.thermometerBaud = baud;
  }
  if (values['scanner-serial'] !== undefined) flags.scannerSerialPath = values['scanner-serial'];
  if (values['scanner-terminator'] !== undefined) {
    const terminator = values['scanner-terminator'].toUpperCase();
    if (!isTerminator(terminator)) throw new SettingsRefused('--scanner-terminator must be CR, LF or CRLF');
    flags.scannerTerminator = terminator;
  }
  if (values['scanner-hid'] !== undefined) {
    const id = parseHidId(values['scanner-hid']);
    if (!id) throw new SettingsRefused(`--scanner-hid must be VID:PID in hex, not "${values['scanner-hid']}"`);
    flags.scannerHid = id;
  }
  if (values['sync-endpoint'] !== undefined) {
    // A flag is checked here; a saved address is checked when sync starts, which reports it and lets the gate run.
    try {
      syncEndpoints(values['sync-endpoint']);
    } catch (err) {
      throw new SettingsRefused((err as Error).message);
    }
    flags.syncEndpoint = values['sync-endpoint'];
  }
  if (values['backlog-warn-days'] !== undefined) {
    const days = Number(values['backlog-warn-days']);
    if (!Number.isFinite(days) || days <= 0) throw new SettingsRefused('--backlog-warn-days must be a number of days');
    flags.backlogWarnDays = days;
  }
  return flags;
}

/**
 * The Electron app's command line: the kiosk's flags, --data and --lang, as
 * `sentinel kiosk` hands them on (--json and --help mean nothing to a window;
 * unknown flags are refused, as by the CLI).
 */
export function readKioskCommandLine(args: string[]): { flags: KioskFlags; dataDir: string } {
  const options = { ...KIOSK_OPTIONS, data: { type: 'string' }, lang: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } as const;
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
  return { flags: kioskFlags(values), dataDir: values.data ?? defaultDataDir() };
}
