// The kiosk's device slots: the one thermometer and the scanners the
// checkpoint listens to, as feeds whose device can be replaced while the
// kiosk runs. A technician who picks another port, protocol or scanner on
// the screen changes what is in the slot; the service's subscriptions stay.
import type { DriverStatus, Scan, ScannerFeed, ThermometerFeed, ThermometerReading } from '../../drivers/contract.js';
import { Listeners, ThermometerEvents } from '../../drivers/listeners.js';
import type { Calibration, ThermometerCounters } from '../contract/devices.js';

type MaybeCalibratable = ThermometerFeed & { setCalibration?(c: Calibration): void; readonly counters?: ThermometerCounters };

export class ThermometerSlot extends ThermometerEvents implements ThermometerFeed {
  private inner: MaybeCalibratable | null = null;
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly clock: () => number) {
    super();
  }

  get state(): ThermometerFeed['state'] {
    return this.inner?.state ?? 'none';
  }

  /** A real module can be calibrated; a simulator (or nothing) cannot. */
  get calibratable(): boolean {
    return this.inner !== null && this.inner.state !== 'simulated' && typeof this.inner.setCalibration === 'function';
  }

  get counters(): ThermometerCounters | undefined {
    return this.inner?.counters;
  }

  setCalibration(c: Calibration): void {
    if (this.calibratable) this.inner!.setCalibration!(c);
  }

  latest(): ThermometerReading | null {
    return this.inner?.latest() ?? null;
  }

  /**
   * Closes the device in the slot and puts the next (or nothing) in its
   * place. Given a function, the old device is closed before it is called:
   * a new driver on the same port must not find it still held.
   */
  replace(next: MaybeCalibratable | null | (() => MaybeCalibratable | null), detail: string): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.inner?.close();
    this.inner = null;
    try {
      next = typeof next === 'function' ? next() : next;
    } catch (err) {
      // A device that cannot even be made is said, on screen and in the journal; the slot stays empty.
      this.statuses.emit({ device: 'thermometer', state: 'offline', detail: `cannot open the thermometer: ${(err as Error).message}`, atMs: this.clock() });
      return;
    }
    this.inner = next;
    if (next) {
      this.unsubscribe.push(next.onReading((r) => this.readings.emit(r)));
      const off = next.onStatus?.((s) => this.statuses.emit(s));
      if (off) this.unsubscribe.push(off);
      const offNotice = next.onNotice?.((n) => this.notices.emit(n));
      if (offNotice) this.unsubscribe.push(offNotice);
    }
    this.statuses.emit({ device: 'thermometer', state: this.state, detail, atMs: this.clock() });
  }

  close(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.inner?.close();
    this.inner = null;
    this.forgetListeners();
  }
}

/** Several scanners as one state: 'none' without any, 'ok' only when every one is. */
export function scannersState(scanners: readonly ScannerFeed[]): 'ok' | 'offline' | 'none' {
  const present = scanners.filter((s) => s.state !== 'none');
  if (present.length === 0) return 'none';
  return present.every((s) => s.state === 'ok') ? 'ok' : 'offline';
}

/** The scanners main reads itself (serial, HID), as one feed. */
export class ScannerSlot implements ScannerFeed {
  private inner: ScannerFeed[] = [];
  private unsubscribe: (() => void)[] = [];
  private readonly scans = new Listeners<Scan>();
  private readonly statuses = new Listeners<DriverStatus>();

  constructor(private readonly clock: () => number) {}

  get state(): ScannerFeed['state'] {
    return scannersState(this.inner);
  }

  get count(): number {
    return this.inner.length;
  }

  onScan(listener: (scan: Scan) => void): () => void {
    return this.scans.add(listener);
  }

  onStatus(listener: (status: DriverStatus) => void): () => void {
    return this.statuses.add(listener);
  }

  /** As ThermometerSlot.replace: a function is called once the old scanners are closed. */
  replace(next: ScannerFeed[] | (() => ScannerFeed[]), detail: string): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    for (const s of this.inner) s.close();
    this.inner = [];
    try {
      next = typeof next === 'function' ? next() : next;
    } catch (err) {
      this.statuses.emit({ device: 'scanner', state: 'offline', detail: `cannot open the scanners: ${(err as Error).message}`, atMs: this.clock() });
      return;
    }
    this.inner = next;
    for (const s of next) {
      this.unsubscribe.push(
        s.onScan((scan) => this.scans.emit(scan)),
        s.onStatus((st) => this.statuses.emit(st)),
      );
    }
    this.statuses.emit({ device: 'scanner', state: this.state, detail, atMs: this.clock() });
  }

  close(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    for (const s of this.inner) s.close();
    this.inner = [];
    this.scans.clear();
    this.statuses.clear();
  }
}
