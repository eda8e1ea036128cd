// What drivers hand to the kiosk: a typed event union. Of main they know
// only the device vocabulary (main/contract/devices.ts), shared with the screen.
import type { DeviceState, ThermometerCounters } from '../main/contract/devices.js';

/** A stable temperature reading, °C (calibrated, if the device is calibrated). */
export interface ThermometerReading {
  celsius: number;
  atMs: number;
  /** True when it comes from the simulator, never from a person. */
  simulated: boolean;
  /** As the module reported it, before calibration. */
  rawC?: number;
  /** Ambient temperature, when the module reports it. */
  ambientC?: number | null;
  calibrationOffsetC?: number;
  protocol?: string;
}

/**
 * What a module says between stable readings that decides whose reading is
 * whose: the kiosk must not hand a reading to a traveller it cannot belong to.
 * - `remeasuring`: a high stable reading is being measured once more before it
 *   is reported; until the re-measure ends, no reading is the traveller's.
 * - `no-person`: the module reads no person (ambient, mis-aimed, outside
 *   30.0–43.0 °C) after it did, or for the first time: whoever was measured has gone.
 * - `changed`: the module still reads a person, but no longer the last stable
 *   reading (a frame outside its stability spread): someone else may have
 *   stepped in without a gap; until a new stable reading, none is theirs.
 */
export type ThermometerNotice = { kind: 'remeasuring'; firstC: number; atMs: number } | { kind: 'no-person'; atMs: number } | { kind: 'changed'; atMs: number };

export interface DriverStatus {
  device: 'thermometer' | 'scanner' | 'gate';
  state: DeviceState;
  detail: string;
  atMs: number;
}

/** Every event a driver process reports (the contract between drivers and main). */
export type DriverEvent =
  | { type: 'thermometer/reading'; reading: ThermometerReading }
  | { type: 'thermometer/notice'; notice: ThermometerNotice }
  | { type: 'scanner/scan'; text: string; atMs: number; via: 'serial' | 'hid'; symbology: string | null }
  | { type: 'driver/status'; status: DriverStatus }
  | { type: 'thermometer/counters'; counters: ThermometerCounters };

/** A source of temperature readings. */
export interface ThermometerFeed {
  readonly state: DeviceState;
  /** The latest stable reading of a person, or null. */
  latest(): ThermometerReading | null;
  /** Stable readings; returns a function that unsubscribes. */
  onReading(listener: (reading: ThermometerReading) => void): () => void;
  /** Re-measures and "no person" (a simulator has none: its person never leaves). */
  onNotice?(listener: (notice: ThermometerNotice) => void): () => void;
  /** State changes (a simulator has none). */
  onStatus?(listener: (status: DriverStatus) => void): () => void;
  close(): void;
}

/** One scanned text, as every scanner feed delivers it. */
export interface Scan {
  text: string;
  atMs: number;
  /** The symbology the scanner reported (HID POS), or null when it says none. */
  symbology: string | null;
}

/** A source of scanned texts (serial or HID scanners). */
export interface ScannerFeed {
  readonly state: DeviceState;
  onScan(listener: (scan: Scan) => void): () => void;
  onStatus(listener: (status: DriverStatus) => void): () => void;
  close(): void;
}

/**
 * A gate the kiosk opens (issue 15: LCUS serial relays, USB HID relays, OSDP
 * output modules). `state` is the link's: 'ok' ready, 'offline' out of order
 * (a write or a confirmation failed, or the module went silent), 'none' not
 * configured. Whether the gate is open now is `isOpen`.
 */
export interface Gate {
  readonly state: DeviceState;
  readonly isOpen: boolean;
  /**
   * Opens for `pulseMs` and closes again by itself. Resolves true once the
   * device confirmed the open (OSDP ACK, a HID relay's state read back, an
   * LCUS frame written), false when it did not (then `state` is 'offline').
   * A call while an open is in progress extends nothing and sends nothing:
   * one admit never opens twice.
   */
  open(pulseMs: number): Promise<boolean>;
  /** Holds the gate open until release() (free passage, or a gate that needs a level); true when confirmed. */
  hold(): Promise<boolean>;
  release(): Promise<boolean>;
  onStatus(listener: (status: DriverStatus) => void): () => void;
  close(): void;
}

/** Something passed the gate (a passage sensor tripped), or an input changed. */
export type GateInputEvent = { kind: 'passage'; atMs: number } | { kind: 'input'; index: number; active: boolean; atMs: number };

/**
 * A passage sensor or a module's inputs: an OSDP input, a serial adapter's
 * modem status line (CTS, DSR, DCD), or none. Reports each passage once (on
 * the sensor's active edge) and every input change.
 */
export interface GateInputs {
  readonly state: DeviceState;
  onInput(listener: (event: GateInputEvent) => void): () => void;
  close(): void;
}

/** A serial port's modem status lines (true: asserted), as serialport's get() reads them. */
export interface ModemLines {
  cts: boolean;
  dsr: boolean;
  dcd: boolean;
}

/** A HID device as enumerated (node-hid's devices()). */
export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  product?: string | undefined;
  serialNumber?: string | undefined;
}

/** A HID device spoken to by feature reports (USB HID relays): node-hid's HIDAsync in bindings; tests inject fakes. */
export interface HidFeatureDevice {
  /** `data[0]` is the report id (0 for a device without numbered reports); resolves the bytes sent. */
  sendFeatureReport(data: number[]): Promise<number>;
  getFeatureReport(reportId: number, length: number): Promise<ArrayLike<number>>;
  close(): Promise<void> | void;
}

/** Finding and opening feature-report HID devices; each call may reject (a device unplugged mid-call). */
export interface HidFeatureApi {
  devices(): Promise<HidDeviceInfo[]>;
  open(path: string): Promise<HidFeatureDevice>;
}

/** The part of a serial port a driver uses (serialport's SerialPort fits; tests inject others). */
export interface SerialLink {
  readonly isOpen: boolean;
  open(callback: (err: Error | null) => void): void;
  write(bytes: Uint8Array): void;
  /** Calls back once what was written has left (serialport's drain); a link without it counts a write done when handed over. */
  drain?(callback: (err: Error | null) => void): void;
  /** Reads the modem status lines (serialport's get), for a passage sensor wired to one. */
  get?(callback: (err: Error | null, lines?: ModemLines) => void): void;
  close(callback?: (err: Error | null) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'close' | 'error', listener: (err?: Error) => void): this;
  removeAllListeners(): this;
}

export type OpenSerial = (path: string, baudRate: number) => SerialLink;

/** A USB serial adapter's identity: it keeps it when it comes back under another /dev name. */
export interface UsbId {
  vendorId: string;
  productId: string;
  serialNumber: string | null;
}

/** Serial ports by USB identity (serialport's list in bindings; tests inject others). */
export interface UsbPorts {
  /** The USB identity of the device at `path`, or null when it has none (or the system cannot tell). */
  idOf(path: string): Promise<UsbId | null>;
  /** The one port with this identity now, or null when there is none — or more than one to choose from. */
  pathOf(id: UsbId): Promise<string | null>;
}

/** Timers, injectable so soak tests run an hour in a moment. */
export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
