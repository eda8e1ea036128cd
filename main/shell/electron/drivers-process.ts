// The drivers' utility process: opens the configured devices and posts
// their DriverEvents to main. A native module that crashes takes down only
// this process, which the supervisor restarts.
import { REAL_BINDINGS } from '../../../drivers/bindings.js';
import type { DriverEvent } from '../../../drivers/contract.js';
import { openScanners, openSerialThermometer } from '../../../drivers/open-devices.js';
import type { SerialThermometer } from '../../../drivers/thermometer/serial-thermometer.js';
import type { Calibration, DeviceSettings } from '../../contract/devices.js';

/** The devices this process opens (never the simulator: that one runs in main); a module re-measures at the policy's fever threshold. */
export type DriversConfig = Pick<DeviceSettings, 'scannerSerial' | 'scannerHid'> & { thermometer: (NonNullable<DeviceSettings['thermometer']> & { remeasureAtC: number | null }) | null };

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

/** Main → drivers: a calibration done on the technician screen. */
export interface SetCalibrationMessage {
  type: 'thermometer/set-calibration';
  calibration: Calibration;
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
    const thermo = openSerialThermometer(config.thermometer, REAL_BINDINGS, { clock, remeasureAtC: config.thermometer.remeasureAtC });
    postThermometerEvents(thermo, post);
    // The technician's devices panel shows these live, as in the browser shell.
    const counters = setInterval(() => post({ type: 'thermometer/counters', counters: thermo.counters }), COUNTERS_EVERY_MS);
    closers.push(
      () => clearInterval(counters),
      () => thermo.close(),
    );
    thermometer = thermo;
  }
  for (const { feed, via } of openScanners(config, () => REAL_BINDINGS, { clock })) {
    feed.onScan((s) => post({ type: 'scanner/scan', text: s.text, atMs: s.atMs, symbology: s.symbology, via }));
    feed.onStatus((status) => post({ type: 'driver/status', status }));
    closers.push(() => feed.close());
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
