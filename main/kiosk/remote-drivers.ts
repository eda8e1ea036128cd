// Drivers that run in another process (Electron's utilityProcess), seen from
// main as ordinary feeds: their DriverEvents come in as messages.
import type { DriverEvent, DriverStatus, ScannerFeed, ThermometerFeed, ThermometerNotice, ThermometerReading, Scan } from '../../drivers/contract.js';
import { Listeners, ThermometerEvents } from '../../drivers/listeners.js';
import type { Calibration, DeviceState, ThermometerCounters } from '../contract/devices.js';

export class RemoteThermometer extends ThermometerEvents implements ThermometerFeed {
  state: DeviceState = 'offline';
  /** The driver's frame and error counters, as the drivers' process last reported them. */
  counters: ThermometerCounters | undefined = undefined;
  private last: ThermometerReading | null = null;
  /** Where a new calibration goes: the drivers' process (set by the shell). */
  calibrationSink: ((c: Calibration) => void) | null = null;

  setCalibration(c: Calibration): void {
    this.calibrationSink?.(c);
  }

  latest(): ThermometerReading | null {
    return this.last;
  }
  close(): void {
    this.forgetListeners();
  }
  notice(n: ThermometerNotice): void {
    this.notices.emit(n);
  }
  reading(r: ThermometerReading): void {
    this.last = r;
    this.readings.emit(r);
  }
  status(s: DriverStatus): void {
    this.state = s.state;
    this.statuses.emit(s);
  }
}

export class RemoteScanner implements ScannerFeed {
  state: DeviceState = 'offline';
  private readonly scans = new Listeners<Scan>();
  private readonly statuses = new Listeners<DriverStatus>();

  onScan(listener: (scan: Scan) => void): () => void {
    return this.scans.add(listener);
  }
  onStatus(listener: (status: DriverStatus) => void): () => void {
    return this.statuses.add(listener);
  }
  close(): void {
    this.scans.clear();
    this.statuses.clear();
  }
  scan(s: Scan): void {
    this.scans.emit(s);
  }
  status(s: DriverStatus): void {
    this.state = s.state;
    this.statuses.emit(s);
  }
}

function isDriverEvent(m: unknown): m is DriverEvent {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

/** Routes one message from the drivers' process; anything malformed is ignored. */
export function routeDriverEvent(message: unknown, thermometer: RemoteThermometer | null, scanner: RemoteScanner | null): void {
  if (!isDriverEvent(message)) return;
  switch (message.type) {
    case 'thermometer/reading':
      if (typeof message.reading?.celsius === 'number') thermometer?.reading(message.reading);
      break;
    case 'thermometer/notice': {
      // Only the known kinds, rebuilt: a malformed notice must not pass for one.
      const n = message.notice as Partial<Record<string, unknown>> | undefined;
      const atMs = n?.atMs;
      if (typeof atMs !== 'number') break;
      if (n?.kind === 'no-person') thermometer?.notice({ kind: 'no-person', atMs });
      else if (n?.kind === 'changed') thermometer?.notice({ kind: 'changed', atMs });
      else if (n?.kind === 'remeasuring' && typeof n.firstC === 'number') thermometer?.notice({ kind: 'remeasuring', firstC: n.firstC, atMs });
      break;
    }
    case 'scanner/scan':
      if (typeof message.text === 'string') scanner?.scan({ text: message.text.slice(0, 16_384), atMs: message.atMs, symbology: message.symbology });
      break;
    case 'thermometer/counters': {
      const c = message.counters;
      if (thermometer && c && [c.frames, c.checksumFailures, c.resyncs, c.droppedBytes].every((n) => Number.isSafeInteger(n) && n >= 0)) {
        thermometer.counters = { frames: c.frames, checksumFailures: c.checksumFailures, resyncs: c.resyncs, droppedBytes: c.droppedBytes };
      }
      break;
    }
    case 'driver/status':
      if (message.status?.device === 'thermometer') thermometer?.status(message.status);
      else if (message.status?.device === 'scanner') scanner?.status(message.status);
      break;
  }
}
