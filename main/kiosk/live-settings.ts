// What a technician's change on the screen means for the running kiosk:
// which settings reopen a device, which redraw the screen. Pure: the
// configuration in, device settings and screen settings out.
import type { ScannerFeed, ThermometerFeed } from '../../drivers/contract.js';
import type { DeviceBindings, OpenedGate } from '../../drivers/open-devices.js';
import { PROTOCOLS } from '../../drivers/thermometer/protocols/index.js';
import { pinIsSet, type KioskConfig } from '../contract/kiosk-config.js';
import type { ScreenConfig } from '../contract/kiosk.js';
import { gateSettingsOf, isProtocolName, parseHidId, type DeviceSettings, type GateSettings } from '../contract/devices.js';

/** How a shell opens devices: in its own process (browser shell) or in the drivers' process (Electron). */
export interface DeviceOpeners {
  thermometer(settings: DeviceSettings): ThermometerFeed | null;
  scanners(settings: DeviceSettings): ScannerFeed[];
  /** The device libraries, where devices open in this process (the self-test may open a port the kiosk is not holding). */
  readonly bindings?: () => DeviceBindings;
  /** The gate and its sensors, where this shell opens them; absent: this shell drives no gate. */
  gate?(settings: DeviceSettings): OpenedGate | null;
}

/**
 * The devices after the settings `keys` changed: those come from the
 * configuration, the rest stay as they are (a start flag holds until the
 * technician changes that very setting). A module configured this way
 * replaces a simulator the kiosk was started with.
 */
export function deviceSettingsAfter(current: DeviceSettings, config: KioskConfig, keys: readonly string[], startedSimulated: boolean): DeviceSettings {
  const has = (key: string): boolean => keys.includes(key);
  const t = config.thermometer;
  let thermometer = current.thermometer;
  if (touchesThermometer(keys)) {
    const path = has('thermometer.path') ? t.path : (current.thermometer?.path ?? t.path);
    const protocol = has('thermometer.protocol') ? t.protocol : (current.thermometer?.protocol ?? t.protocol);
    // A new protocol without a baud of its own takes that protocol's default.
    const baud = has('thermometer.baud') || has('thermometer.protocol') ? t.baud : (current.thermometer?.baud ?? t.baud);
    thermometer = path && isProtocolName(protocol) ? { path, protocol, baud: baud ?? PROTOCOLS[protocol].defaultBaud, calibration: t.calibration ?? current.thermometer?.calibration ?? null } : null;
  } else if (has('thermometer.calibration') && thermometer) thermometer = { ...thermometer, calibration: t.calibration };
  let scannerSerial = current.scannerSerial;
  if (has('scanner.serialPath') || has('scanner.terminator')) {
    const path = has('scanner.serialPath') ? config.scanner.serialPath : (current.scannerSerial?.path ?? config.scanner.serialPath);
    const terminator = has('scanner.terminator') ? config.scanner.terminator : (current.scannerSerial?.terminator ?? config.scanner.terminator);
    scannerSerial = path ? { path, terminator } : null;
  }
  const scannerHid = has('scanner.hid') ? (config.scanner.hid ? parseHidId(config.scanner.hid) : null) : current.scannerHid;
  return { simulate: startedSimulated && thermometer === null, thermometer, scannerSerial, scannerHid, gate: gateAfter(current.gate ?? null, config, keys) };
}

/**
 * The gate after `keys` changed. A gate setting other than free passage
 * makes the whole gate the configuration's (its section is checked whole
 * when saved; the start flags give way, as a device's do); free passage
 * alone changes nothing of the devices.
 */
function gateAfter(current: GateSettings | null, config: KioskConfig, keys: readonly string[]): GateSettings | null {
  if (touchesGateDevices(keys)) {
    try {
      return gateSettingsOf(config.gate);
    } catch {
      // A section edited by hand past its checks: the gate in force stays (the self-test names the fault).
      return current;
    }
  }
  if (keys.includes('gate.freePassage') && current) return { ...current, freePassage: config.gate.freePassage };
  return current;
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
  'technician.supervisorPinHash': (c) => ({ pinSet: pinIsSet(c) }),
};

/** Either role's PIN counts: with one set, nobody can set the first PIN from the screen. */

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
/** A gate setting that reopens the gate (every one but free passage, which the running gate takes as it is). */
export const touchesGateDevices = (keys: readonly string[]): boolean => keys.some((k) => k.startsWith('gate.') && k !== 'gate.freePassage');
