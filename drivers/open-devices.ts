// The one place devices are made from settings: the browser shell's kiosk,
// Electron's drivers process, the self-test and the CLI's device commands all
// open them here. The device libraries come in as `bindings`, asked for only
// when a real device is opened, so a kiosk on a simulator loads no native addon.
import { appliedCalibration, type DeviceSettings, type GateSettings, type HidId, type PassageSensor } from '../main/contract/devices.js';
import type { DriverStatus, Gate, GateInputEvent, GateInputs, HidFeatureApi, OpenSerial, ScannerFeed, Timers, UsbPorts } from './contract.js';
import { HidRelayGate } from './gate/hid-relay.js';
import { LcusGate } from './gate/lcus.js';
import { ModemLineSensor } from './gate/modem-line-sensor.js';
import { OsdpGate } from './gate/osdp.js';
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

/** What a gate needs of the device libraries (drivers/bindings.ts: REAL_BINDINGS' serial and USB, and nodeHidFeatureApi). */
export interface GateBindings {
  openSerial: OpenSerial;
  usb: UsbPorts;
  hidFeature: HidFeatureApi;
}

/** A gate opened from its settings: the relay or module, and where its passages and inputs come from. */
export interface OpenedGate {
  settings: GateSettings;
  gate: Gate;
  /** Where passages come from: the OSDP module (its passage input), a modem-line sensor, or null (no sensor: a pass is assumed). */
  passage: GateInputs | null;
  /** The OSDP module's inputs (every change, the emergency input's among them); null for a relay board. */
  module: GateInputs | null;
  /** The gate's status and, when the passage sensor has a port of its own, the sensor's; returns the unsubscriber. */
  onStatus(listener: (status: DriverStatus) => void): () => void;
  /** Closes the gate (a relay that is on is switched off first) and the sensor. */
  close(): void;
}

export interface GateOpenOptions {
  clock: () => number;
  timers?: Timers;
}

/** The configured gate: an LCUS or HID relay board or an OSDP module, with its passage sensor; null for none. */
export function openGate(settings: Pick<DeviceSettings, 'gate'>, bindings: () => GateBindings, opts: GateOpenOptions): OpenedGate | null {
  return settings.gate ? openGateDevice(settings.gate, bindings(), opts) : null;
}

export function openGateDevice(s: GateSettings, bindings: GateBindings, opts: GateOpenOptions): OpenedGate {
  const timers = opts.timers ? { timers: opts.timers } : {};
  const serial = { openSerial: bindings.openSerial, usb: bindings.usb, clock: opts.clock, ...timers };
  let gate: LcusGate | HidRelayGate | OsdpGate;
  let module: OsdpGate | null = null;
  if (s.driver === 'lcus') gate = new LcusGate({ path: s.path, channel: s.channel, baudRate: s.baud, ...serial });
  else if (s.driver === 'hid')
    gate = new HidRelayGate({ hid: bindings.hidFeature, relay: s.channel, vendorId: s.hid.vendorId, productId: s.hid.productId, serial: s.serial, clock: opts.clock, ...timers });
  else
    gate = module = new OsdpGate({
      path: s.path,
      address: s.address,
      output: s.output,
      baudRate: s.baud,
      passageInput: s.passage.kind === 'osdp-input' ? s.passage.input : null,
      ...serial,
    });
  let sensor: ModemLineSensor | null = null;
  try {
    if (s.passage.kind === 'modem-line') sensor = openPassageSensor(s.passage, bindings, opts);
  } catch (err) {
    gate.close();
    throw err;
  }
  const passage: GateInputs | null = sensor ?? (s.passage.kind === 'osdp-input' ? module : null);
  return {
    settings: s,
    gate,
    passage,
    module,
    onStatus(listener) {
      const offs = [gate.onStatus(listener), ...(sensor ? [sensor.onStatus(listener)] : [])];
      return () => offs.forEach((off) => off());
    },
    close() {
      gate.close();
      sensor?.close();
    },
  };
}

/** A passage sensor on a serial adapter's modem status line (one of its own, or the gate's: openGateDevice opens it). */
export function openPassageSensor(p: Extract<PassageSensor, { kind: 'modem-line' }>, bindings: Pick<GateBindings, 'openSerial' | 'usb'>, opts: GateOpenOptions): ModemLineSensor {
  return new ModemLineSensor({
    path: p.path,
    line: p.line,
    activeWhen: p.normallyClosed ? 'deasserted' : 'asserted',
    openSerial: bindings.openSerial,
    usb: bindings.usb,
    clock: opts.clock,
    ...(opts.timers ? { timers: opts.timers } : {}),
  });
}

/**
 * Whether an input event turns the emergency (free passage) on or off: true
 * on, false off, null when the event is not the emergency input's. A
 * normally-closed input is in emergency while it reads inactive.
 */
export function emergencyChange(settings: GateSettings, event: GateInputEvent): boolean | null {
  const e = settings.emergency;
  if (e.kind !== 'osdp-input' || event.kind !== 'input' || event.index !== e.input) return null;
  return e.normallyClosed ? !event.active : event.active;
}
