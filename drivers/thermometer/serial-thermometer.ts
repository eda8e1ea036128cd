// A serial IR thermometer: the port (reopened whenever it comes back), the
// protocol's decoder, and the measurement rules. Never throws into the
// kiosk: every failure becomes a status.
import { REAL_TIMERS, type DriverStatus, type OpenSerial, type ThermometerFeed, type ThermometerReading, type Timers, type UsbPorts } from '../contract.js';
import { ReconnectingSerial } from '../serial-link.js';
import { Measurement, type MeasurementEvent, type Reading, type StableReading } from './measurement.js';
import { PROTOCOLS } from './protocols/index.js';
import type { ProtocolDecoder } from './protocols/frame-decoder.js';
import { Listeners, ThermometerEvents } from '../listeners.js';
import type { Calibration, ProtocolName } from '../../main/contract/devices.js';

export interface SerialThermometerOptions {
  path: string;
  protocol: ProtocolName;
  baudRate?: number;
  openSerial: OpenSerial;
  clock: () => number;
  timers?: Timers;
  exists?: (path: string) => boolean;
  /** Follows a USB adapter that comes back under another name. */
  usb?: UsbPorts;
  calibration?: Calibration | null;
  remeasureAtC?: number | null;
  k?: number;
  watchdogMs?: number;
}

export class SerialThermometer extends ThermometerEvents implements ThermometerFeed {
  private decoder: ProtocolDecoder;
  private readonly measurement: Measurement;
  private readonly serial: ReconnectingSerial;
  private readonly timers: Timers;
  private poll: unknown = null;
  private readonly watchdog: unknown;
  private last: ThermometerReading | null = null;
  private readonly rawListeners = new Listeners<Reading>();
  private stateNow: 'ok' | 'offline' = 'offline';
  private awaitingFrame = false;

  constructor(private readonly opts: SerialThermometerOptions) {
    super();
    const info = PROTOCOLS[opts.protocol];
    this.timers = opts.timers ?? REAL_TIMERS;
    this.decoder = info.decoder();
    this.measurement = new Measurement({
      sensorRangeC: info.sensorRangeC,
      calibration: opts.calibration ?? null,
      remeasureAtC: opts.remeasureAtC ?? null,
      ...(opts.k === undefined ? {} : { k: opts.k }),
      ...(opts.watchdogMs === undefined ? {} : { watchdogMs: opts.watchdogMs }),
    });
    this.serial = new ReconnectingSerial({
      path: opts.path,
      baudRate: opts.baudRate ?? info.defaultBaud,
      openSerial: opts.openSerial,
      timers: this.timers,
      ...(opts.exists ? { exists: opts.exists } : {}),
      ...(opts.usb ? { usb: opts.usb } : {}),
      onOpen: (link) => {
        // A fresh decoder per connection: half a frame from before the unplug means nothing now.
        const counters = this.decoder.counters;
        this.decoder = info.decoder();
        Object.assign(this.decoder.counters, counters);
        // An open port is not a working thermometer: "ok" waits for the first valid frame.
        this.awaitingFrame = true;
        this.status('offline', `port ${this.serial.path} open (${opts.protocol}), waiting for frames`);
        if (info.onOpen) link.write(info.onOpen);
        if (info.poll) {
          const { bytes, everyMs } = info.poll;
          this.poll = this.timers.setInterval(() => this.serial.write(bytes), everyMs);
        }
      },
      onData: (chunk) => {
        const now = opts.clock();
        for (const frame of this.decoder.push(chunk)) this.handle(this.measurement.frame(frame, now));
      },
      onDown: (reason) => {
        this.stopPolling();
        this.status('offline', reason);
      },
    });
    this.watchdog = this.timers.setInterval(() => {
      const events = this.measurement.tick(opts.clock());
      // A silent port may be a dead link that never said so: reopen it.
      if (events.some((e) => e.type === 'offline') && this.serial.isUp) this.serial.down('no valid frame (watchdog)');
      this.handle(events);
    }, 250);
    this.serial.start();
  }

  get state(): 'ok' | 'offline' {
    return this.stateNow;
  }

  get counters() {
    return { ...this.decoder.counters, ...this.measurement.counters, ...this.serial.counters };
  }

  latest(): ThermometerReading | null {
    return this.last;
  }

  /** Every valid frame as a reading (technician views), not only stable ones. */
  onRawReading(listener: (reading: Reading) => void): () => void {
    return this.rawListeners.add(listener);
  }

  setCalibration(c: Calibration | null): void {
    this.measurement.setCalibration(c);
  }

  close(): void {
    this.stopPolling();
    this.timers.clearInterval(this.watchdog);
    this.serial.close();
    this.forgetListeners();
    this.rawListeners.clear();
  }

  private handle(events: MeasurementEvent[]): void {
    for (const e of events) {
      if (e.type === 'reading') {
        if (this.awaitingFrame) {
          this.awaitingFrame = false;
          this.status('ok', `receiving frames (${this.opts.protocol})`);
        }
        this.rawListeners.emit(e.reading);
      } else if (e.type === 'stable') this.stable(e.reading);
      else if (e.type === 'no-person') this.notices.emit({ kind: 'no-person', atMs: e.atMs });
      else if (e.type === 'changed') this.notices.emit({ kind: 'changed', atMs: e.atMs });
      else if (e.type === 'offline') this.status('offline', `no valid frame for ${Math.round(e.silentMs)} ms`);
      else if (e.type === 'online') {
        if (this.stateNow !== 'ok') this.status('ok', 'frames again');
      } else {
        this.notices.emit({ kind: 'remeasuring', firstC: e.firstC, atMs: e.atMs });
        this.status('ok', `high reading ${e.firstC.toFixed(2)} °C: measuring again`);
      }
    }
  }

  private stable(r: StableReading): void {
    const reading: ThermometerReading = {
      celsius: r.celsius,
      atMs: r.atMs,
      simulated: false,
      rawC: r.rawC,
      ambientC: r.ambientC,
      calibrationOffsetC: r.calibration?.offsetC ?? 0,
      protocol: this.opts.protocol,
    };
    this.last = reading;
    this.readings.emit(reading);
  }

  private status(state: 'ok' | 'offline', detail: string): void {
    this.stateNow = state;
    const s: DriverStatus = { device: 'thermometer', state, detail, atMs: this.opts.clock() };
    this.statuses.emit(s);
  }

  private stopPolling(): void {
    if (this.poll !== null) this.timers.clearInterval(this.poll);
    this.poll = null;
  }
}
