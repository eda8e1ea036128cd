// Reopening a serial device that comes and goes: the one place that owns a
// port's lifecycle for every serial driver. An unplugged device is noticed
// by its close/error event (or a driver's watchdog) and reopened when its
// path reappears — or, for a USB adapter, when the same adapter (vendor,
// product, serial number) reappears under another name (ttyUSB0 → ttyUSB1
// after a replug) — polling every second, with the old handle released.
import * as fs from 'node:fs';
import { REAL_TIMERS, type OpenSerial, type SerialLink, type Timers, type UsbId, type UsbPorts } from './contract.js';

export interface ReconnectingSerialOptions {
  path: string;
  baudRate: number;
  openSerial: OpenSerial;
  timers?: Timers;
  /** Does the device node exist? (Injected for tests without devices.) */
  exists?: (path: string) => boolean;
  retryMs?: number;
  /** Follows a USB adapter to its new name when its path does not come back. */
  usb?: UsbPorts;
  onOpen(link: SerialLink): void;
  onData(chunk: Uint8Array): void;
  onDown(reason: string): void;
}

const QUICK_RETRIES = 3;
const QUICK_RETRY_MS = 150;

export class ReconnectingSerial {
  private link: SerialLink | null = null;
  /** A retry timer, 'looking' while a USB lookup is out, or null. */
  private retry: unknown = null;
  private closed = false;
  private readonly timers: Timers;
  private currentPath: string;
  private usbId: UsbId | null = null;
  private quickRetries = 0;
  /** How many ports were opened, and how many closed again (handles must balance). */
  readonly counters = { opens: 0, closes: 0, failedOpens: 0 };

  constructor(private readonly opts: ReconnectingSerialOptions) {
    this.timers = opts.timers ?? REAL_TIMERS;
    this.currentPath = opts.path;
  }

  /** Where the device is now: the configured path, or where its USB adapter reappeared. */
  get path(): string {
    return this.currentPath;
  }

  get isUp(): boolean {
    return this.link !== null;
  }

  start(): void {
    this.closed = false;
    this.tryOpen();
  }

  write(bytes: Uint8Array): void {
    try {
      this.link?.write(bytes);
    } catch {
      this.down('write failed');
    }
  }

  /** Called by a driver whose watchdog finds the port silent. */
  down(reason: string): void {
    this.release();
    if (!this.closed) {
      this.opts.onDown(reason);
      this.scheduleRetry();
    }
  }

  close(): void {
    this.closed = true;
    if (this.retry !== null && this.retry !== 'looking') this.timers.clearTimeout(this.retry);
    this.retry = null;
    this.release();
  }

  private tryOpen(): void {
    this.retry = null;
    if (this.closed) return;
    const exists = this.opts.exists ?? fs.existsSync;
    // The configured name first: a device back under its own name is always taken there.
    if (exists(this.opts.path)) {
      this.currentPath = this.opts.path;
      return this.openAt(this.opts.path);
    }
    const { usb } = this.opts;
    const id = this.usbId;
    if (!usb || !id) return this.scheduleRetry();
    this.retry = 'looking';
    void this.follow(usb, id, exists).then((found) => {
      this.retry = null;
      if (this.closed) return;
      if (!found) return this.scheduleRetry();
      this.currentPath = found;
      this.openAt(found);
    });
  }

  /**
   * Where this adapter is now, if it came back under another name: only an
   * adapter with a serial number is followed (identical adapters without one
   * could be the thermometer and the scanner), and the port found is asked
   * for its identity again before it is opened.
   */
  private async follow(usb: UsbPorts, id: UsbId, exists: (path: string) => boolean): Promise<string | null> {
    try {
      const found = await usb.pathOf(id);
      if (!found || found === this.opts.path || !exists(found)) return null;
      const there = await usb.idOf(found);
      return there && there.vendorId === id.vendorId && there.productId === id.productId && there.serialNumber === id.serialNumber ? found : null;
    } catch {
      return null;
    }
  }

  private openAt(path: string): void {
    let link: SerialLink;
    try {
      link = this.opts.openSerial(path, this.opts.baudRate);
    } catch (err) {
      this.openFailed(`cannot open ${path}: ${(err as Error).message}`);
      return;
    }
    link.on('error', (err) => this.lost(link, err?.message ?? 'error'));
    link.on('close', () => this.lost(link, 'closed'));
    link.on('data', (chunk) => {
      if (this.link === link) this.opts.onData(chunk);
    });
    link.open((err) => {
      if (err) {
        link.removeAllListeners();
        this.openFailed(`cannot open ${path}: ${err.message}`);
        return;
      }
      if (this.closed) {
        link.removeAllListeners();
        link.close();
        return;
      }
      this.counters.opens++;
      this.link = link;
      this.opts.onOpen(link);
      this.quickRetries = 0;
      // Learn the adapter's identity while it is here, to follow it if it comes back renamed
      // (only one with a serial number can be told apart from its twins).
      this.opts.usb?.idOf(path).then(
        (id) => {
          // Another adapter fitted under the configured name replaces what was learnt.
          this.usbId = id?.serialNumber ? id : null;
        },
        () => undefined,
      );
    });
  }

  /**
   * A port another driver let go of a moment ago (a technician's new
   * settings, a restarted drivers' process) can still be locked: the first
   * few failures are retried at once, quietly; then every second, said.
   */
  private openFailed(reason: string): void {
    this.counters.failedOpens++;
    if (!this.closed && this.quickRetries < QUICK_RETRIES && this.retry === null) {
      this.quickRetries++;
      this.retry = this.timers.setTimeout(() => this.tryOpen(), QUICK_RETRY_MS);
      return;
    }
    this.opts.onDown(reason);
    this.scheduleRetry();
  }

  private lost(link: SerialLink, reason: string): void {
    if (this.link !== link) return;
    this.down(reason);
  }

  private release(): void {
    const link = this.link;
    this.link = null;
    if (!link) return;
    this.counters.closes++;
    link.removeAllListeners();
    // Swallow late errors from a port being torn down.
    link.on('error', () => undefined);
    try {
      if (link.isOpen) link.close(() => undefined);
    } catch {
      /* already gone */
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry !== null) return;
    this.retry = this.timers.setTimeout(() => this.tryOpen(), this.opts.retryMs ?? 1000);
  }
}
