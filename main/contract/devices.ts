// The device vocabulary: one declaration of what main, the drivers and the
// screen say about thermometers and scanners. Pure: types and small checks,
// no node, so the drivers' process and the renderer share it with main.

/** 'none': no device is configured (a kiosk's empty device slot). */
export type DeviceState = 'ok' | 'offline' | 'simulated' | 'none';

/** The thermometer protocols Sentinel speaks (drivers/thermometer/protocols has one adapter each). */
export const PROTOCOL_NAMES = ['gy-mcu90614', 'lu90614', 'idc50', 'ascii'] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

export function isProtocolName(value: unknown): value is ProtocolName {
  return typeof value === 'string' && (PROTOCOL_NAMES as readonly string[]).includes(value);
}

/** What ends a serial scanner's code. */
export const TERMINATORS = ['CR', 'LF', 'CRLF'] as const;
export type Terminator = (typeof TERMINATORS)[number];

export function isTerminator(value: unknown): value is Terminator {
  return typeof value === 'string' && (TERMINATORS as readonly string[]).includes(value);
}

/** A thermometer driver's frame and error counters since it started. */
export interface ThermometerCounters {
  frames: number;
  checksumFailures: number;
  resyncs: number;
  /** Bytes thrown away while searching for a header or when the buffer was full. */
  droppedBytes: number;
}

/** The offset a module applies, with who set it and when (what a driver needs of a calibration). */
export interface Calibration {
  offsetC: number;
  by: string;
  atMs: number;
}

/** A calibration as the configuration records it: the offset and how it was found. */
export interface CalibrationRecord extends Calibration {
  referenceC: number;
  /** The stable readings (raw, °C) the offset was computed from. */
  readingsC: number[];
  dueAtMs: number;
}

/** Only the offset a driver applies, with who and when, of a calibration (the configuration records more). */
export function appliedCalibration(c: Calibration | null): Calibration | null {
  return c ? { offsetC: c.offsetC, by: c.by, atMs: c.atMs } : null;
}

/** A HID device by USB ids. */
export interface HidId {
  vendorId: number;
  productId: number;
}

/** "VID:PID" in hex, as `sentinel devices` prints it; null when it is not that. */
export function parseHidId(text: string): HidId | null {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/.exec(text);
  return m ? { vendorId: parseInt(m[1]!, 16), productId: parseInt(m[2]!, 16) } : null;
}

/** The devices a kiosk reads: from the start flags and configuration, and again whenever a technician changes them. */
export interface DeviceSettings {
  simulate: boolean;
  thermometer: { path: string; protocol: ProtocolName; baud: number; calibration: Calibration | null } | null;
  scannerSerial: { path: string; terminator: Terminator } | null;
  scannerHid: HidId | null;
}
