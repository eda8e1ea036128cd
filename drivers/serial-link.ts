// Reopening a serial device that comes and goes: the one place that owns a
// port's lifecycle for every serial driver. An unplugged device is noticed
// by its close/error event (or a driver's watchdog) and reopened when its
// path reappears, polling every second, with the old handle released.
import * as fs from 'node:fs';
import { REAL_TIMERS, type OpenSerial, type SerialLink, type Timers } from './contract.js';

export interface ReconnectingSerialOptions {
  path: string;
  baudRate: number;
  openSerial: OpenSerial;
  timers?: Timers;
  /** Does the device node exist? (Injected for tests without devices.) */
  exists?: (path: string) => boolean;
  retryMs?: number;
  onOpen(link: SerialLink): void;
  onData(chunk: Uint8Array): void;
  onDown(reason: string): void;
}

export class ReconnectingSerial {
  private link: SerialLink | null = null;
  private retry: unknown = null;
  private closed = false;
  private readonly timers: Timers;
  /** How many ports were opened, and how many closed again (handles must balance). */
  readonly counters = { opens: 0, closes: 0, failedOpens: 0 };

  constructor(private readonly opts: ReconnectingSerialOptions) {
    this.timers = opts.timers ?? REAL_TIMERS;
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
    if (this.retry !== null) this.timers.clearTimeout(this.retry);
    this.retry = null;
    this.release();
  }

  private tryOpen(): void {
    this.retry = null;
    if (this.closed) return;
    const exists = this.opts.exists ?? fs.existsSync;
    if (!exists(this.opts.path)) {
      this.scheduleRetry();
      return;
    }
    let link: SerialLink;
    try {
      link = this.opts.openSerial(this.opts.path, this.opts.baudRate);
    } catch (err) {
      this.counters.failedOpens++;
      this.opts.onDown(`cannot open ${this.opts.path}: ${(err as Error).message}`);
      this.scheduleRetry();
      return;
    }
    link.on('error', (err) => this.lost(link, err?.message ?? 'error'));
    link.on('close', () => this.lost(link, 'closed'));
    link.on('data', (chunk) => {
      if (this.link === link) this.opts.onData(chunk);
    });
    link.open((err) => {
      if (err) {
        this.counters.failedOpens++;
        link.removeAllListeners();
        this.opts.onDown(`cannot open ${this.opts.path}: ${err.message}`);
        this.scheduleRetry();
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
    });
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
