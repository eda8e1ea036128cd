// What a technician's change on the screen means for the running kiosk:
// which settings reopen a device, which redraw the screen. Pure: the
// configuration in, device settings and screen settings out.
import type { ScannerFeed, ThermometerFeed } from '../../drivers/contract.js';
import { isProtocolName, PROTOCOLS, type ProtocolName } from '../../drivers/thermometer/protocols/index.js';
import type { CalibrationRecord, KioskConfig, Terminator } from '../contract/kiosk-config.js';
import type { ScreenConfig } from '../contract/kiosk.js';

/** The devices a kiosk reads: from the start flags and configuration, and again whenever a technician changes them. */
export interface DeviceSettings {
  simulate: boolean;
  thermometer: { path: string; protocol: ProtocolName; baud: number; calibration: CalibrationRecord | null } | null;
  scannerSerial: { path: string; terminator: Terminator } | null;
  scannerHid: { vendorId: number; productId: number } | null;
}

/** How a shell opens devices: in its own process (browser shell) or in the drivers' process (Electron). */
export interface DeviceOpeners {
  thermometer(settings: DeviceSettings): ThermometerFeed | null;
  scanners(settings: DeviceSettings): ScannerFeed[];
}

/** "VID:PID" in hex, as `sentinel devices` prints it; null when it is not that. */
export function parseHidId(text: string): { vendorId: number; productId: number } | null {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/.exec(text);
  return m ? { vendorId: parseInt(m[1]!, 16), productId: parseInt(m[2]!, 16) } : null;
}

/**
 * The devices the configuration names. A module configured on the screen
 * replaces a simulator the kiosk was started with: the technician's last
 * act is what the gate runs on.
 */
export function deviceSettingsFrom(config: KioskConfig, startedSimulated: boolean): DeviceSettings {
  const t = config.thermometer;
  const protocol = t.protocol;
  const thermometer = t.path && isProtocolName(protocol) ? { path: t.path, protocol, baud: t.baud ?? PROTOCOLS[protocol].defaultBaud, calibration: t.calibration } : null;
  return {
    simulate: startedSimulated && thermometer === null,
    thermometer,
    scannerSerial: config.scanner.serialPath ? { path: config.scanner.serialPath, terminator: config.scanner.terminator } : null,
    scannerHid: config.scanner.hid ? parseHidId(config.scanner.hid) : null,
  };
}

/** The screen's part of each setting a technician can change. */
const SCREEN_FIELDS: Record<string, (c: KioskConfig) => Partial<ScreenConfig>> = {
  'screen.operatorLang': (c) => ({ operatorLang: c.screen.operatorLang }),
  'screen.holderLangs': (c) => ({ holderLangs: c.screen.holderLangs }),
  'screen.resultSeconds': (c) => ({ resultSeconds: c.screen.resultSeconds }),
  'screen.sound': (c) => ({ sound: c.screen.sound }),
  'camera.deviceId': (c) => ({ cameraId: c.camera.deviceId }),
  'identity.gate': (c) => ({ gate: c.identity.gate }),
  'identity.station': (c) => ({ station: c.identity.station }),
  'identity.timeZone': (c) => ({ timeZone: c.identity.timeZone }),
  'technician.pinHash': (c) => ({ pinSet: pinIsSet(c) }),
};

/** Either role's PIN counts: with one set, nobody can set the first PIN from the screen. */
export const pinIsSet = (c: KioskConfig): boolean => c.technician.pinHash !== null || c.technician.supervisorPinHash !== null;

/** The screen settings after `keys` changed: those keys from the configuration, the rest as they were (start flags included). */
export function screenAfter(current: ScreenConfig, config: KioskConfig, keys: readonly string[]): ScreenConfig {
  let next = current;
  for (const key of keys) {
    const field = SCREEN_FIELDS[key];
    if (field) next = { ...next, ...field(config) };
  }
  return next;
}

export const touchesThermometer = (keys: readonly string[]): boolean => keys.some((k) => k === 'thermometer.path' || k === 'thermometer.protocol' || k === 'thermometer.baud');
export const touchesScanners = (keys: readonly string[]): boolean => keys.some((k) => k.startsWith('scanner.'));

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
