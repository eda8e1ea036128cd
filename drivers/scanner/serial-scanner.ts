// Serial (CDC-ACM) 2D scanners: bytes until the configured terminator, or
// until the line goes quiet for the inter-byte timeout; a scan over 16 KiB
// is discarded whole rather than cut. The assembler is pure; the driver
// adds the port (reopened when it comes back).
import { REAL_TIMERS, type DriverStatus, type OpenSerial, type Scan, type ScannerFeed, type Timers, type UsbPorts } from '../contract.js';
import { ReconnectingSerial } from '../serial-link.js';
import { Listeners } from '../listeners.js';
import type { Terminator } from '../../main/contract/devices.js';
// Twice the longest text the checkpoint decides (formats.md §1: 8,192): a longer one there is
// TOO_LARGE with a verdict; only beyond this is a scan discarded unseen.
export const MAX_SCAN_BYTES = 16_384;

export interface AssemblerCounters {
  scans: number;
  overflows: number;
  timeouts: number;
}

export class ScanAssembler {
  readonly counters: AssemblerCounters = { scans: 0, overflows: 0, timeouts: 0 };
  private bytes: number[] = [];
  private overflowing = false;
  private lastAt = 0;
  private readonly utf8 = new TextDecoder('utf-8');

  constructor(
    private readonly terminator: Terminator = 'CR',
    private readonly interByteTimeoutMs = 100,
  ) {}

  push(chunk: Uint8Array, atMs: number): string[] {
    const out: string[] = [];
    if (this.bytes.length > 0 && atMs - this.lastAt > this.interByteTimeoutMs) this.flush(out, true);
    this.lastAt = atMs;
    for (const b of chunk) {
      const isCR = b === 0x0d;
      const isLF = b === 0x0a;
      if ((this.terminator === 'CR' && isCR) || (this.terminator === 'LF' && isLF)) {
        this.flush(out, false);
      } else if (this.terminator === 'CRLF' && isLF && this.bytes.at(-1) === 0x0d) {
        this.bytes.pop();
        this.flush(out, false);
      } else if (this.terminator !== 'CRLF' && (isCR || isLF)) {
        // The other line ending (CRLF sent to a CR scanner): not part of the text.
        continue;
      } else if (!this.overflowing) {
        this.bytes.push(b);
        if (this.bytes.length > MAX_SCAN_BYTES) {
          this.counters.overflows++;
          this.overflowing = true;
          this.bytes = [];
        }
      }
    }
    return out;
  }

  /** The line went quiet: whatever arrived is the scan (scanners set up without a suffix). */
  idle(atMs: number): string[] {
    const out: string[] = [];
    if (this.bytes.length > 0 && atMs - this.lastAt > this.interByteTimeoutMs) this.flush(out, true);
    else if (this.overflowing && atMs - this.lastAt > this.interByteTimeoutMs) this.overflowing = false;
    return out;
  }

  private flush(out: string[], byTimeout: boolean): void {
    if (this.overflowing) {
      this.overflowing = false;
      this.bytes = [];
      return;
    }
    if (this.bytes.length === 0) return;
    if (byTimeout) this.counters.timeouts++;
    this.counters.scans++;
    out.push(this.utf8.decode(Uint8Array.from(this.bytes)));
    this.bytes = [];
  }
}

export interface SerialScannerOptions {
  path: string;
  baudRate?: number;
  terminator?: Terminator;
  interByteTimeoutMs?: number;
  openSerial: OpenSerial;
  clock: () => number;
  timers?: Timers;
  exists?: (path: string) => boolean;
  /** Follows a USB adapter that comes back under another name. */
  usb?: UsbPorts;
}

export class SerialScanner implements ScannerFeed {
  private readonly assembler: ScanAssembler;
  private readonly serial: ReconnectingSerial;
  private readonly idleTimer: unknown;
  private readonly timers: Timers;
  private stateNow: 'ok' | 'offline' = 'offline';
  private readonly scanListeners = new Listeners<Scan>();
  private readonly statusListeners = new Listeners<DriverStatus>();

  constructor(private readonly opts: SerialScannerOptions) {
    this.timers = opts.timers ?? REAL_TIMERS;
    this.assembler = new ScanAssembler(opts.terminator ?? 'CR', opts.interByteTimeoutMs ?? 100);
    this.serial = new ReconnectingSerial({
      path: opts.path,
      baudRate: opts.baudRate ?? 9600,
      openSerial: opts.openSerial,
      timers: this.timers,
      ...(opts.exists ? { exists: opts.exists } : {}),
      ...(opts.usb ? { usb: opts.usb } : {}),
      onOpen: () => this.status('ok', `port ${this.serial.path} open`),
      onData: (chunk) => this.emit(this.assembler.push(chunk, opts.clock())),
      onDown: (reason) => this.status('offline', reason),
    });
    this.idleTimer = this.timers.setInterval(() => this.emit(this.assembler.idle(opts.clock())), Math.max(20, (opts.interByteTimeoutMs ?? 100) / 2));
    this.serial.start();
  }

  get state(): 'ok' | 'offline' {
    return this.stateNow;
  }

  get counters() {
    return { ...this.assembler.counters, ...this.serial.counters };
  }

  onScan(listener: (scan: Scan) => void): () => void {
    return this.scanListeners.add(listener);
  }

  onStatus(listener: (status: DriverStatus) => void): () => void {
    return this.statusListeners.add(listener);
  }

  close(): void {
    this.timers.clearInterval(this.idleTimer);
    this.serial.close();
    this.scanListeners.clear();
    this.statusListeners.clear();
  }

  private emit(texts: string[]): void {
    for (const text of texts) this.scanListeners.emit({ text, atMs: this.opts.clock(), symbology: null });
  }

  private status(state: 'ok' | 'offline', detail: string): void {
    this.stateNow = state;
    this.statusListeners.emit({ device: 'scanner', state, detail, atMs: this.opts.clock() });
  }
}
