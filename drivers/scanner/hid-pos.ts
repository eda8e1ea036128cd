// HID POS scanners (usage page 0x8C) through node-hid on hidraw. Reports are
// assembled by a vendor layout adapter; Honeywell's is built in: report id
// 0x02, then byte 0 = data length, bytes 1–3 = AIM symbology id, data from
// byte 4, byte 62 non-zero = more reports follow. Pure assembly; the driver
// adds the device (reopened by vendor/product id when it comes back).
import { REAL_TIMERS, type DriverStatus, type Scan, type ScannerFeed, type Timers } from '../contract.js';
import { Listeners } from '../listeners.js';

export interface HidScan {
  text: string;
  symbology: string | null;
}

/** One vendor's report layout. */
export interface HidReportAdapter {
  readonly name: string;
  /** Feeds one input report (as node-hid delivers it on Linux: report id first); a finished scan or null. */
  push(report: Uint8Array): HidScan | null;
}

export const HONEYWELL_REPORT_ID = 0x02;
// As the serial scanner (serial-scanner.ts): twice the longest text the checkpoint decides.
const MAX_SCAN_BYTES = 16_384;

export class HoneywellHidPos implements HidReportAdapter {
  readonly name = 'honeywell';
  readonly counters = { reports: 0, scans: 0, ignored: 0, overflows: 0 };
  private parts: number[] = [];
  private aim: string | null = null;
  private readonly utf8 = new TextDecoder('utf-8');

  push(report: Uint8Array): HidScan | null {
    if (report[0] !== HONEYWELL_REPORT_ID || report.length < 5) {
      this.counters.ignored++;
      return null;
    }
    this.counters.reports++;
    const body = report.subarray(1);
    const length = Math.min(body[0]!, Math.max(0, body.length - 4), 58);
    this.aim ??= String.fromCharCode(body[1]!, body[2]!, body[3]!).replace(/\0/g, '') || null;
    for (let i = 0; i < length; i++) this.parts.push(body[4 + i]!);
    if (this.parts.length > MAX_SCAN_BYTES) {
      this.counters.overflows++;
      this.parts = [];
      this.aim = null;
      return null;
    }
    const more = (body[62] ?? 0) !== 0;
    if (more) return null;
    const scan = { text: this.utf8.decode(Uint8Array.from(this.parts)), symbology: this.aim };
    this.parts = [];
    this.aim = null;
    if (scan.text.length === 0) return null;
    this.counters.scans++;
    return scan;
  }
}

/** The part of node-hid a driver uses. */
export interface HidDeviceLike {
  on(event: 'data', listener: (data: Buffer) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  removeAllListeners(): void;
  close(): void;
}

export interface HidApi {
  devices(): { vendorId: number; productId: number; path?: string; usagePage?: number }[];
  open(path: string): HidDeviceLike;
}

export interface HidScannerOptions {
  vendorId: number;
  productId: number;
  hid: HidApi;
  adapter?: HidReportAdapter;
  clock: () => number;
  timers?: Timers;
  retryMs?: number;
}

export class HidScanner implements ScannerFeed {
  private device: HidDeviceLike | null = null;
  private retry: unknown = null;
  private closed = false;
  private stateNow: 'ok' | 'offline' = 'offline';
  private readonly adapter: HidReportAdapter;
  private readonly timers: Timers;
  private readonly scanListeners = new Listeners<Scan>();
  private readonly statusListeners = new Listeners<DriverStatus>();
  readonly counters = { opens: 0, closes: 0, failedOpens: 0 };

  constructor(private readonly opts: HidScannerOptions) {
    this.adapter = opts.adapter ?? new HoneywellHidPos();
    this.timers = opts.timers ?? REAL_TIMERS;
    this.tryOpen();
  }

  get state(): 'ok' | 'offline' {
    return this.stateNow;
  }

  onScan(listener: (scan: Scan) => void): () => void {
    return this.scanListeners.add(listener);
  }

  onStatus(listener: (status: DriverStatus) => void): () => void {
    return this.statusListeners.add(listener);
  }

  close(): void {
    this.closed = true;
    if (this.retry !== null) this.timers.clearTimeout(this.retry);
    this.release();
    this.scanListeners.clear();
    this.statusListeners.clear();
  }

  private tryOpen(): void {
    this.retry = null;
    if (this.closed) return;
    const { vendorId, productId } = this.opts;
    const id = `${vendorId.toString(16).padStart(4, '0')}:${productId.toString(16).padStart(4, '0')}`;
    try {
      const candidates = this.opts.hid.devices().filter((d) => d.vendorId === vendorId && d.productId === productId && d.path);
      // Prefer the POS interface (usage page 0x8C) over keyboard-emulation interfaces.
      const found = candidates.find((d) => d.usagePage === 0x8c) ?? candidates[0];
      if (!found) {
        this.status('offline', `HID scanner ${id} not connected`);
        this.scheduleRetry();
        return;
      }
      const device = this.opts.hid.open(found.path!);
      this.counters.opens++;
      this.device = device;
      device.on('data', (data) => {
        const scan = this.adapter.push(new Uint8Array(data));
        if (scan) this.scanListeners.emit({ ...scan, atMs: this.opts.clock() });
      });
      device.on('error', (err) => {
        this.release();
        this.status('offline', `HID scanner ${id}: ${err.message}`);
        this.scheduleRetry();
      });
      this.status('ok', `HID scanner ${id} open (${this.adapter.name})`);
    } catch (err) {
      this.counters.failedOpens++;
      this.status('offline', `cannot open HID scanner ${id}: ${(err as Error).message}`);
      this.scheduleRetry();
    }
  }

  private release(): void {
    const device = this.device;
    this.device = null;
    if (!device) return;
    this.counters.closes++;
    device.removeAllListeners();
    try {
      device.close();
    } catch {
      /* already gone */
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry !== null) return;
    this.retry = this.timers.setTimeout(() => this.tryOpen(), this.opts.retryMs ?? 1000);
  }

  private status(state: 'ok' | 'offline', detail: string): void {
    const changed = state !== this.stateNow;
    this.stateNow = state;
    if (changed || state === 'ok') this.statusListeners.emit({ device: 'scanner', state, detail, atMs: this.opts.clock() });
  }
}
