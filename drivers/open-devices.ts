// The one place devices are made from settings: the browser shell's kiosk,
// Electron's drivers process, the self-test and the CLI's device commands all
// open them here. The device libraries come in as `bindings`, asked for only
// when a real device is opened, so a kiosk on a simulator loads no native addon.
import { appliedCalibration, type DeviceSettings, type HidId } from '../main/contract/devices.js';
import type { OpenSerial, ScannerFeed, UsbPorts } from './contract.js';
import { HidScanner, type HidApi } from './scanner/hid-pos.js';
import { SerialScanner } from './scanner/serial-scanner.js';
import { SerialThermometer } from './thermometer/serial-thermometer.js';
import { SimulatedThermometer } from './thermometer/simulated.js';

/** The device libraries behind the drivers' small interfaces (drivers/bindings.ts has the real ones). */
export interface DeviceBindings {
  openSerial: OpenSerial;
  usb: UsbPorts;
  hid: HidApi;
}

export interface OpenOptions {
  clock: () => number;
  /** The policy's fever threshold: a reading at or above it is measured again before it counts. */
  remeasureAtC: number | null;
}

/** The configured thermometer: a serial module, the simulator, or none. */
export function openThermometer(settings: Pick<DeviceSettings, 'simulate' | 'thermometer'>, bindings: () => DeviceBindings, opts: OpenOptions): SerialThermometer | SimulatedThermometer | null {
  if (settings.simulate) return new SimulatedThermometer({ clock: opts.clock });
  return settings.thermometer ? openSerialThermometer(settings.thermometer, bindings(), opts) : null;
}

/** A serial module (the kiosk's, or one a technician's command reads directly). */
export function openSerialThermometer(t: NonNullable<DeviceSettings['thermometer']>, bindings: DeviceBindings, opts: OpenOptions): SerialThermometer {
  return new SerialThermometer({
    path: t.path,
    protocol: t.protocol,
    baudRate: t.baud,
    openSerial: bindings.openSerial,
    usb: bindings.usb,
    clock: opts.clock,
    remeasureAtC: opts.remeasureAtC,
    calibration: appliedCalibration(t.calibration),
  });
}

/** A scanner and how it is attached (Electron's drivers process reports it with each scan). */
export interface OpenedScanner {
  feed: ScannerFeed;
  via: 'serial' | 'hid';
}

/** The configured scanners: a serial one, a HID one, both or none. */
export function openScanners(settings: Pick<DeviceSettings, 'scannerSerial' | 'scannerHid'>, bindings: () => DeviceBindings, opts: Pick<OpenOptions, 'clock'>): OpenedScanner[] {
  const opened: OpenedScanner[] = [];
  if (settings.scannerSerial) opened.push({ via: 'serial', feed: openSerialScanner(settings.scannerSerial, bindings(), opts) });
  if (settings.scannerHid) opened.push({ via: 'hid', feed: openHidScanner(settings.scannerHid, bindings(), opts) });
  return opened;
}

/** A serial scanner; `baud` only where a technician's command names one (CDC-ACM scanners ignore it). */
export function openSerialScanner(s: NonNullable<DeviceSettings['scannerSerial']> & { baud?: number }, bindings: DeviceBindings, opts: Pick<OpenOptions, 'clock'>): SerialScanner {
  return new SerialScanner({ path: s.path, terminator: s.terminator, ...(s.baud === undefined ? {} : { baudRate: s.baud }), openSerial: bindings.openSerial, usb: bindings.usb, clock: opts.clock });
}

export function openHidScanner(id: HidId, bindings: DeviceBindings, opts: Pick<OpenOptions, 'clock'>): HidScanner {
  return new HidScanner({ ...id, hid: bindings.hid, clock: opts.clock });
}
