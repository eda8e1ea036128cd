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
  device: 'thermometer' | 'scanner';
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

/** The part of a serial port a driver uses (serialport's SerialPort fits; tests inject others). */
export interface SerialLink {
  readonly isOpen: boolean;
  open(callback: (err: Error | null) => void): void;
  write(bytes: Uint8Array): void;
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
