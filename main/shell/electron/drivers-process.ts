// The drivers' utility process: opens the configured devices and posts
// their DriverEvents to main. A native module that crashes takes down only
// this process, which the supervisor restarts.
import { nodeHidApi, openSerialPort, usbSerialPorts } from '../../../drivers/bindings.js';
import type { DriverEvent } from '../../../drivers/contract.js';
import { HidScanner } from '../../../drivers/scanner/hid-pos.js';
import { SerialScanner, type Terminator } from '../../../drivers/scanner/serial-scanner.js';
import type { ProtocolName } from '../../../drivers/thermometer/protocols/index.js';
import { SerialThermometer } from '../../../drivers/thermometer/serial-thermometer.js';

export interface DriversConfig {
  thermometer: { path: string; protocol: ProtocolName; baud: number; remeasureAtC: number | null; calibration: { offsetC: number; by: string; atMs: number } | null } | null;
  scannerSerial: { path: string; terminator: Terminator } | null;
  scannerHid: { vendorId: number; productId: number } | null;
}

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

/** Main → drivers: a calibration done on the technician screen. */
export interface SetCalibrationMessage {
  type: 'thermometer/set-calibration';
  calibration: { offsetC: number; by: string; atMs: number };
}

export interface RunningDrivers {
  stop(): void;
  setCalibration(c: SetCalibrationMessage['calibration']): void;
}

const COUNTERS_EVERY_MS = 500;

/** The thermometer's events main must hear: its readings, what makes a reading stale (a re-measure, nobody in view), its state. */
export function postThermometerEvents(thermo: Pick<SerialThermometer, 'onReading' | 'onNotice' | 'onStatus'>, post: (e: DriverEvent) => void): void {
  thermo.onReading((reading) => post({ type: 'thermometer/reading', reading }));
  thermo.onNotice((notice) => post({ type: 'thermometer/notice', notice }));
  thermo.onStatus((status) => post({ type: 'driver/status', status }));
}

export function startDrivers(config: DriversConfig, post: (e: DriverEvent) => void, clock: () => number = Date.now): RunningDrivers {
  const closers: (() => void)[] = [];
  let thermometer: SerialThermometer | null = null;
  if (config.thermometer) {
    const t = config.thermometer;
    const thermo = new SerialThermometer({ path: t.path, protocol: t.protocol, baudRate: t.baud, openSerial: openSerialPort, usb: usbSerialPorts, clock, remeasureAtC: t.remeasureAtC, calibration: t.calibration });
    postThermometerEvents(thermo, post);
    // The technician's devices panel shows these live, as in the browser shell.
    const counters = setInterval(() => post({ type: 'thermometer/counters', counters: thermo.counters }), COUNTERS_EVERY_MS);
    closers.push(() => clearInterval(counters), () => thermo.close());
    thermometer = thermo;
  }
  const scanners = [
    config.scannerSerial ? new SerialScanner({ path: config.scannerSerial.path, terminator: config.scannerSerial.terminator, openSerial: openSerialPort, usb: usbSerialPorts, clock }) : null,
    config.scannerHid ? new HidScanner({ ...config.scannerHid, hid: nodeHidApi, clock }) : null,
  ];
  for (const scanner of scanners) {
    if (!scanner) continue;
    scanner.onScan((s) => post({ type: 'scanner/scan', text: s.text, atMs: s.atMs, symbology: s.symbology, via: scanner instanceof HidScanner ? 'hid' : 'serial' }));
    scanner.onStatus((status) => post({ type: 'driver/status', status }));
    closers.push(() => scanner.close());
  }
  return { stop: () => closers.forEach((c) => c()), setCalibration: (c) => thermometer?.setCalibration(c) };
}

// Run as Electron's utility process: the config comes as the first argument.
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (parentPort && process.argv[2]) {
  const drivers = startDrivers(JSON.parse(process.argv[2]) as DriversConfig, (e) => parentPort.postMessage(e));
  parentPort.on('message', (e) => {
    const m = e.data as Partial<SetCalibrationMessage> | null;
    if (m?.type === 'thermometer/set-calibration' && m.calibration && Number.isFinite(m.calibration.offsetC)) drivers.setCalibration(m.calibration);
  });
  process.on('exit', () => drivers.stop());
}
