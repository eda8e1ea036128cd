// The kiosk's own configuration (technician mode): one validated document,
// versioned. Pure: types, defaults, validation of a dotted key's value.
import {
  checkGateField,
  DEFAULT_GATE_CONFIG,
  GATE_CONFIG_FIELDS,
  gateSettingsOf,
  GateSettingsRefused,
  isProtocolName,
  isTerminator,
  PROTOCOL_NAMES,
  type CalibrationRecord,
  type GateConfig,
  type Terminator,
} from './devices.js';
import { isLoopbackHost } from './loopback.js';
import { isLang, type Lang } from './messages.js';

export interface KioskConfig {
  identity: { gate: string; station: string; timeZone: string };
  screen: { operatorLang: Lang; holderLangs: Lang[]; sound: boolean; resultSeconds: number };
  camera: { deviceId: string | null };
  thermometer: { path: string | null; protocol: string; baud: number | null; calibration: CalibrationRecord | null };
  scanner: { serialPath: string | null; terminator: Terminator; hid: string | null };
  sync: { endpoint: string | null };
  /** The gate (issue 15); a file written before gates existed loads with the defaults: driver 'none'. */
  gate: GateConfig;
  technician: { pinHash: string | null; supervisorPinHash: string | null };
}

export const DEFAULT_KIOSK_CONFIG: Readonly<KioskConfig> = Object.freeze({
  identity: { gate: '', station: '', timeZone: 'Asia/Shanghai' },
  screen: { operatorLang: 'zh-CN', holderLangs: ['zh-CN', 'en'], sound: true, resultSeconds: 10 },
  camera: { deviceId: null },
  thermometer: { path: null, protocol: 'gy-mcu90614', baud: null, calibration: null },
  scanner: { serialPath: null, terminator: 'CR', hid: null },
  sync: { endpoint: null },
  gate: { ...DEFAULT_GATE_CONFIG },
  technician: { pinHash: null, supervisorPinHash: null },
} as KioskConfig);

/** Keys set only through their own commands (set-pin, calibrate), never `config set`. */
export const PROTECTED_KEYS = new Set(['technician.pinHash', 'technician.supervisorPinHash', 'thermometer.calibration']);

export class ConfigValueError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigValueError';
  }
}

const text =
  (max: number) =>
  (key: string, v: unknown): string => {
    if (typeof v !== 'string' || v.length > max) throw new ConfigValueError(key, `${key} must be text of at most ${max} characters`);
    return v;
  };
const optionalText =
  (max: number) =>
  (key: string, v: unknown): string | null =>
    v === null ? null : text(max)(key, v);

/**
 * The gate's fields, each checked on its own (devices.ts holds the rules;
 * withSetting() then checks the gate section together, as gateSettingsOf()
 * does when the gate is opened at kiosk start).
 */
export const GATE_VALIDATORS: Record<string, (key: string, v: unknown) => unknown> = Object.fromEntries(
  GATE_CONFIG_FIELDS.map((field) => [
    `gate.${field}`,
    (key: string, v: unknown) => {
      try {
        return checkGateField(field, v, () => key);
      } catch (err) {
        if (err instanceof GateSettingsRefused) throw new ConfigValueError(key, err.message);
        throw err;
      }
    },
  ]),
);

/** Validators per settable key. */
const VALIDATORS: Record<string, (key: string, v: unknown) => unknown> = {
  'identity.gate': text(64),
  'identity.station': text(64),
  'identity.timeZone': (key, v) => {
    if (typeof v !== 'string') throw new ConfigValueError(key, `${key} must be an IANA time zone such as Asia/Shanghai`);
    try {
      new Intl.DateTimeFormat('en', { timeZone: v });
    } catch {
      throw new ConfigValueError(key, `${key} "${v}" is not a time zone (such as Asia/Shanghai)`);
    }
    return v;
  },
  'screen.operatorLang': (key, v) => {
    if (!isLang(v)) throw new ConfigValueError(key, `${key} must be zh-CN or en`);
    return v;
  },
  'screen.holderLangs': (key, v) => {
    if (!Array.isArray(v) || v.length === 0 || !v.every(isLang) || new Set(v).size !== v.length) throw new ConfigValueError(key, `${key} must be a list of zh-CN and/or en`);
    return v;
  },
  'screen.sound': (key, v) => {
    if (typeof v !== 'boolean') throw new ConfigValueError(key, `${key} must be true or false`);
    return v;
  },
  'screen.resultSeconds': (key, v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 120) throw new ConfigValueError(key, `${key} must be a whole number of seconds from 1 to 120`);
    return v;
  },
  'camera.deviceId': optionalText(512),
  'thermometer.path': optionalText(256),
  'thermometer.protocol': (key, v) => {
    if (!isProtocolName(v)) throw new ConfigValueError(key, `${key} must be one of ${PROTOCOL_NAMES.join(', ')}`);
    return v;
  },
  'thermometer.baud': (key, v) => {
    if (v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 300 || v > 4_000_000))
      throw new ConfigValueError(key, `${key} must be a baud rate such as 9600, or null for the protocol's own`);
    return v;
  },
  'scanner.serialPath': optionalText(256),
  'scanner.terminator': (key, v) => {
    if (!isTerminator(v)) throw new ConfigValueError(key, `${key} must be CR, LF or CRLF`);
    return v;
  },
  'scanner.hid': (key, v) => {
    if (v !== null && (typeof v !== 'string' || !/^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$/.test(v))) throw new ConfigValueError(key, `${key} must be VID:PID in hex such as 0c2e:0b61, or null`);
    return v;
  },
  'sync.endpoint': (key, v) => {
    if (v === null) return null;
    if (typeof v !== 'string') throw new ConfigValueError(key, `${key} must be an http(s) URL or null`);
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      throw new ConfigValueError(key, `${key} "${v}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigValueError(key, `${key} must be an http(s) URL`);
    // The service's answers mark checks stored and set the clock's floor: https, or plain
    // http to this machine only (URL has already normalised 127.1 and the like to dotted IPv4).
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) throw new ConfigValueError(key, `${key} must use https (plain http only to 127.0.0.1, ::1 or localhost)`);
    // The device key authenticates the kiosk; a password in a URL would only end up in logs and exports.
    if (url.username || url.password) throw new ConfigValueError(key, `${key} must not carry a user name or password`);
    return v;
  },
  ...GATE_VALIDATORS,
};

export const SETTABLE_KEYS: readonly string[] = Object.keys(VALIDATORS);

/** Returns a new config with `key` set to `value`, validated; throws ConfigValueError. */
export function withSetting(config: KioskConfig, key: string, value: unknown): KioskConfig {
  if (PROTECTED_KEYS.has(key)) throw new ConfigValueError(key, `${key} is set by its own command, not by config set`);
  // Own keys only: "constructor" or "__proto__" are no settings, whatever Object.prototype says.
  const validate = Object.hasOwn(VALIDATORS, key) ? VALIDATORS[key] : undefined;
  if (!validate) throw new ConfigValueError(key, `${key} is not a setting (settings: ${SETTABLE_KEYS.join(', ')})`);
  const [section, field] = key.split('.') as [keyof KioskConfig, string];
  const next = structuredClone(config);
  (next[section] as unknown as Record<string, unknown>)[field] = validate(key, value);
  if (section === 'gate') checkGateWhole(next.gate, key);
  return next;
}

/**
 * The gate section as the kiosk will open it: a gate setting that leaves
 * the section inconsistent (driver lcus without a path, an OSDP input
 * without the osdp driver, the sensor on the gate's own port) is refused,
 * so that a saved configuration always starts the kiosk. The refusal's key
 * is the field at fault (what the technician corrects); its sentence names
 * the key being set too when that is another. Only a gate key is checked
 * so: a section made inconsistent by hand does not block other settings
 * (the kiosk refuses it at start).
 */
function checkGateWhole(gate: GateConfig, key: string): void {
  try {
    gateSettingsOf(gate);
  } catch (err) {
    if (!(err instanceof GateSettingsRefused)) throw err;
    const fault = `gate.${err.field}`;
    throw new ConfigValueError(fault, fault === key ? err.message : `${key} not set: ${err.message}`);
  }
}

/** The settings (section.field) whose values differ between two configurations. */
export function changedKeys(before: KioskConfig, after: KioskConfig): string[] {
  const keys: string[] = [];
  for (const section of Object.keys(after) as (keyof KioskConfig)[]) {
    const a = before[section] as unknown as Record<string, unknown>;
    const b = after[section] as unknown as Record<string, unknown>;
    for (const field of Object.keys(b)) if (JSON.stringify(a?.[field]) !== JSON.stringify(b[field])) keys.push(`${section}.${field}`);
  }
  return keys;
}

/** The configuration as shown anywhere outside main: PIN hashes replaced by whether they are set. */
export type RedactedKioskConfig = Omit<KioskConfig, 'technician'> & { technician: { pinSet: boolean; supervisorPinSet: boolean } };

export function redacted(config: KioskConfig): RedactedKioskConfig {
  const { technician, ...rest } = config;
  return { ...structuredClone(rest), technician: { pinSet: technician.pinHash !== null, supervisorPinSet: technician.supervisorPinHash !== null } };
}

/** Is any PIN (technician or supervisor) set? Without one, nobody may decide a review on the screen. */
export const pinIsSet = (c: KioskConfig): boolean => c.technician.pinHash !== null || c.technician.supervisorPinHash !== null;
