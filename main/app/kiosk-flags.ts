// The kiosk's command line, read once for both doors: the `sentinel kiosk`
// command and the Electron app, which a kiosk's systemd unit starts directly
// with the same flags. Text in, typed flags out (kiosk-settings merges them).
import { parseArgs } from 'node:util';
import { isProtocolName, isTerminator, parseHidId, PROTOCOL_NAMES } from '../contract/devices.js';
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
} as const;

type FlagValues = { [K in keyof typeof KIOSK_OPTIONS]?: (typeof KIOSK_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string } & { lang?: string };

/** The language of the machine's locale: the kiosk's when neither a flag nor a technician chose one. */
export function localeLang(env: NodeJS.ProcessEnv = process.env): Lang {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

/** The flags' values typed and checked; throws SettingsRefused with the flag's name. */
export function kioskFlags(values: FlagValues): KioskFlags {
  const flags: KioskFlags = {};
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
