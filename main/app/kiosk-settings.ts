// What the kiosk runs with: the command line's flags over the technician's
// configuration over the defaults, merged as values. The flags come typed
// (main/app/kiosk-flags.ts reads them from the command line); nothing here
// turns a value back into text.
import type { ScanPaceOptions } from '../kiosk/scan-pace.js';
import { ConfigStore, ConfigUnusable, type StoredConfig } from '../config/config-store.js';
import { DataDir } from '../data-dir.js';
import { isProtocolName, parseHidId, PROTOCOL_NAMES, type DeviceSettings, type HidId, type ProtocolName, type Terminator } from '../contract/devices.js';
import { DEFAULT_KIOSK_CONFIG, pinIsSet } from '../contract/kiosk-config.js';
import type { ScreenConfig } from '../contract/kiosk.js';
import type { Lang } from '../contract/messages.js';
import { PROTOCOLS } from '../../drivers/thermometer/protocols/index.js';
import { gateSettingsFor, type GateFlags } from './kiosk-flags.js';

/** What the command line said; a member left out was not said. */
/** The kiosk's command line, typed (kiosk-flags.ts reads it): the gate's flags with the rest. */
export interface KioskFlags extends GateFlags {
  host?: string;
  port?: number;
  simulate?: boolean;
  thermometerPath?: string;
  thermometerProtocol?: ProtocolName;
  thermometerBaud?: number;
  scannerSerialPath?: string;
  scannerTerminator?: Terminator;
  scannerHid?: HidId;
  syncEndpoint?: string;
  backlogWarnDays?: number;
  resultSeconds?: number;
  /** False for --no-sound. */
  sound?: boolean;
  cameraId?: string;
  /** Only when --lang was given: otherwise a technician's saved language wins over the locale's. */
  lang?: Lang;
}

export interface KioskSettings extends DeviceSettings {
  dataDir: string;
  host: string;
  port: number;
  syncEndpoint: string | null;
  backlogWarnDays: number;
  /** Technician mode's idle exit and PIN lockout (tests shorten them). */
  technicianIdleMs?: number;
  technicianLockoutMs?: number;
  /** How fast one source may submit scans (benchmarks that measure the pipeline lift it; default a human queue's pace). */
  scanPace?: ScanPaceOptions;
  screen: ScreenConfig;
  clock: () => number;
  onError?: (err: Error) => void;
}

export const DEFAULT_RESULT_SECONDS = 10;
export const DEFAULT_BACKLOG_WARN_DAYS = 3;

/** Flags that cannot go together, or a device the settings cannot name fully. */
export class SettingsRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsRefused';
  }
}

/** The data directory's kiosk configuration, or null where there is none yet (a damaged one is refused). */
export function storedConfig(dataDir: string): StoredConfig | null {
  try {
    return new ConfigStore(DataDir.open(dataDir, { create: false })).load();
  } catch (err) {
    if (err instanceof ConfigUnusable) throw err;
    return null;
  }
}

/** The settings a kiosk on `dataDir` runs with under these flags (its stored configuration read here). */
export function settingsFor(dataDir: string, flags: KioskFlags, localeLang: Lang, clock: () => number): KioskSettings {
  return kioskSettings(flags, storedConfig(dataDir), { dataDir, localeLang, clock });
}

/**
 * The kiosk's settings: flags first, then the technician's configuration
 * (sentinel config), then defaults. A device a flag names takes its other
 * flags only (a thermometer on the command line needs its protocol there
 * too); one from the configuration takes the configuration's.
 */
export function kioskSettings(flags: KioskFlags, stored: StoredConfig | null, ctx: { dataDir: string; localeLang: Lang; clock: () => number }): KioskSettings {
  const cfg = stored?.config ?? null;
  // A language saved by a technician counts; the defaults' does not outrank the locale.
  const saved = cfg && stored && stored.revision > 0 ? cfg : null;
  const lang = flags.lang ?? saved?.screen.operatorLang ?? ctx.localeLang;
  const simulate = flags.simulate === true;
  let thermometer: KioskSettings['thermometer'] = null;
  if (flags.thermometerPath !== undefined) {
    if (simulate) throw new SettingsRefused('--thermometer and --simulate exclude each other');
    if (!flags.thermometerProtocol) throw new SettingsRefused(`--thermo-protocol must be one of ${PROTOCOL_NAMES.join(', ')}`);
    thermometer = {
      path: flags.thermometerPath,
      protocol: flags.thermometerProtocol,
      baud: flags.thermometerBaud ?? PROTOCOLS[flags.thermometerProtocol].defaultBaud,
      calibration: cfg?.thermometer.calibration ?? null,
    };
  } else if (!simulate && cfg?.thermometer.path) {
    const protocol = flags.thermometerProtocol ?? cfg.thermometer.protocol;
    if (!isProtocolName(protocol)) throw new SettingsRefused(`--thermo-protocol must be one of ${PROTOCOL_NAMES.join(', ')}`);
    thermometer = { path: cfg.thermometer.path, protocol, baud: flags.thermometerBaud ?? cfg.thermometer.baud ?? PROTOCOLS[protocol].defaultBaud, calibration: cfg.thermometer.calibration };
  }
  let scannerSerial: KioskSettings['scannerSerial'] = null;
  if (flags.scannerSerialPath !== undefined) scannerSerial = { path: flags.scannerSerialPath, terminator: flags.scannerTerminator ?? 'CR' };
  else if (cfg?.scanner.serialPath) scannerSerial = { path: cfg.scanner.serialPath, terminator: flags.scannerTerminator ?? cfg.scanner.terminator };
  const scannerHid = flags.scannerHid ?? (cfg?.scanner.hid ? parseHidId(cfg.scanner.hid) : null);
  return {
    dataDir: ctx.dataDir,
    host: flags.host ?? '127.0.0.1',
    port: flags.port ?? 0,
    simulate,
    thermometer,
    scannerSerial,
    scannerHid,
    // The gate named on the command line, else the configured one (flags adjust it).
    gate: gateSettingsFor(flags, cfg?.gate),
    syncEndpoint: flags.syncEndpoint ?? cfg?.sync.endpoint ?? null,
    backlogWarnDays: flags.backlogWarnDays ?? DEFAULT_BACKLOG_WARN_DAYS,
    clock: ctx.clock,
    screen: {
      operatorLang: lang,
      holderLangs: saved ? saved.screen.holderLangs : lang === 'zh-CN' ? ['zh-CN', 'en'] : ['en', 'zh-CN'],
      resultSeconds: flags.resultSeconds ?? cfg?.screen.resultSeconds ?? DEFAULT_RESULT_SECONDS,
      sound: flags.sound ?? cfg?.screen.sound ?? true,
      cameraId: flags.cameraId ?? cfg?.camera.deviceId ?? null,
      simulated: simulate,
      gate: cfg?.identity.gate ?? DEFAULT_KIOSK_CONFIG.identity.gate,
      station: cfg?.identity.station ?? DEFAULT_KIOSK_CONFIG.identity.station,
      timeZone: cfg?.identity.timeZone ?? DEFAULT_KIOSK_CONFIG.identity.timeZone,
      pinSet: cfg ? pinIsSet(cfg) : false,
    },
  };
}
