// A passage sensor (a light barrier's or a turnstile's contact) wired to a
// serial adapter's modem status line — CTS, DSR or DCD, chosen by setting —
// read with serialport's get() every 50 ms. A level counts once it has held
// for the debounce (30 ms: with 50 ms polling, two reads in a row), so a
// bounce or a one-read glitch is no passage; each active edge is one
// passage. The port's lifecycle is ReconnectingSerial's; a fresh connection
// starts from no known level (an edge across an unplug is unknowable), and
// its first stable level is reported as an input change, never a passage.
import { REAL_TIMERS, type DriverStatus, type GateInputEvent, type GateInputs, type ModemLines, type OpenSerial, type SerialLink, type Timers, type UsbPorts } from '../contract.js';
import { Listeners } from '../listeners.js';
import { ReconnectingSerial } from '../serial-link.js';

export type ModemLine = keyof ModemLines;
export const MODEM_LINES: readonly ModemLine[] = ['cts', 'dsr', 'dcd'];

/** A level that has held for the debounce: when it started, and whether it is the first since (re)connecting. */
export interface LineChange {
  active: boolean;
  atMs: number;
  initial: boolean;
}

/** Debounces a polled level: a new level counts once it has been read for `debounceMs` (pure; time is a parameter). */
export class LineDebouncer {
  private stable: boolean | null = null;
  private candidate: boolean | null = null;
  private candidateSince = 0;

  constructor(private readonly debounceMs: number) {}

  /** The level now, or null before the first stable one. */
  get level(): boolean | null {
    return this.stable;
  }

  sample(active: boolean, atMs: number): LineChange | null {
    if (active === this.stable) {
      this.candidate = null;
      return null;
    }
    if (active !== this.candidate) {
      this.candidate = active;
      this.candidateSince = atMs;
    }
    if (atMs - this.candidateSince < this.debounceMs) return null;
    const initial = this.stable === null;
    this.stable = active;
    this.candidate = null;
    return { active, atMs: this.candidateSince, initial };
  }

  reset(): void {
    this.stable = null;
    this.candidate = null;
  }
}

export interface ModemLineSensorOptions {
  path: string;
  line: ModemLine;
  /** Which level is "something in the passage" (default: the line asserted; 'deasserted' for a normally-closed contact). */
  activeWhen?: 'asserted' | 'deasserted';
  baudRate?: number;
  openSerial: OpenSerial;
  clock: () => number;
  timers?: Timers;
  exists?: (path: string) => boolean;
  usb?: UsbPorts;
  pollMs?: number;
  debounceMs?: number;
  /** A get() not answered within this is a port gone (default 1000 ms). */
  answerTimeoutMs?: number;
}

export class ModemLineSensor implements GateInputs {
  private readonly serial: ReconnectingSerial;
  private readonly timers: Timers;
  private readonly debouncer: LineDebouncer;
  private readonly poll: unknown;
  private readonly inputListeners = new Listeners<GateInputEvent>();
  private readonly statusListeners = new Listeners<DriverStatus>();
  private link: SerialLink | null = null;
  /** When the get() still unanswered was asked, or null. */
  private askedAt: number | null = null;
  private stateNow: 'ok' | 'offline' = 'offline';
  private lastDetail = '';
  readonly counters = { reads: 0, passages: 0, changes: 0 };

  constructor(private readonly opts: ModemLineSensorOptions) {
    if (!MODEM_LINES.includes(opts.line)) throw new RangeError(`a passage sensor's line is CTS, DSR or DCD, not ${String(opts.line)}`);
    this.timers = opts.timers ?? REAL_TIMERS;
    this.debouncer = new LineDebouncer(opts.debounceMs ?? 30);
    this.serial = new ReconnectingSerial({
      path: opts.path,
      baudRate: opts.baudRate ?? 9600,
      openSerial: opts.openSerial,
      timers: this.timers,
      ...(opts.exists ? { exists: opts.exists } : {}),
      ...(opts.usb ? { usb: opts.usb } : {}),
      onOpen: (link) => {
        this.link = link;
        this.askedAt = null;
        this.debouncer.reset();
        // "ok" waits for the first answer: an open port is not a working sensor.
        this.status('offline', link.get ? `port ${this.serial.path} open, reading ${this.lineName}` : `port ${this.serial.path} cannot read its modem lines`);
      },
      // Whatever arrives on the data lines is not the sensor's.
      onData: () => undefined,
      onDown: (reason) => {
        this.link = null;
        this.askedAt = null;
        this.status('offline', reason);
      },
    });
    this.poll = this.timers.setInterval(() => this.read(), opts.pollMs ?? 50);
    this.serial.start();
  }

  get state(): 'ok' | 'offline' {
    return this.stateNow;
  }

  /** Is something in the passage now (null before the first stable level)? */
  get active(): boolean | null {
    return this.debouncer.level;
  }

  private get lineName(): string {
    return this.opts.line.toUpperCase();
  }

  onInput(listener: (event: GateInputEvent) => void): () => void {
    return this.inputListeners.add(listener);
  }

  onStatus(listener: (status: DriverStatus) => void): () => void {
    return this.statusListeners.add(listener);
  }

  close(): void {
    this.timers.clearInterval(this.poll);
    this.serial.close();
    this.link = null;
    this.inputListeners.clear();
    this.statusListeners.clear();
  }

  private read(): void {
    const link = this.link;
    if (!link?.get) return;
    const now = this.opts.clock();
    if (this.askedAt !== null) {
      if (now - this.askedAt > (this.opts.answerTimeoutMs ?? 1000)) this.serial.down(`the port does not answer for its ${this.lineName} line`);
      return;
    }
    this.askedAt = now;
    link.get((err, lines) => {
      if (this.link !== link) return;
      this.askedAt = null;
      if (err || !lines) return this.serial.down(`cannot read ${this.lineName}: ${err?.message ?? 'no answer'}`);
      this.counters.reads++;
      if (this.stateNow !== 'ok') this.status('ok', `passage sensor on ${this.lineName} of ${this.serial.path}`);
      const asserted = lines[this.opts.line];
      const change = this.debouncer.sample(this.opts.activeWhen === 'deasserted' ? !asserted : asserted, this.opts.clock());
      if (!change) return;
      this.counters.changes++;
      this.inputListeners.emit({ kind: 'input', index: 0, active: change.active, atMs: change.atMs });
      if (change.active && !change.initial) {
        this.counters.passages++;
        this.inputListeners.emit({ kind: 'passage', atMs: change.atMs });
      }
    });
  }

  private status(state: 'ok' | 'offline', detail: string): void {
    if (state === this.stateNow && detail === this.lastDetail) return;
    this.stateNow = state;
    this.lastDetail = detail;
    this.statusListeners.emit({ device: 'gate', state, detail, atMs: this.opts.clock() });
  }
}
