// LCUS serial relay boards (a CH340 USB-serial chip driving 1–8 relays,
// 9600 8N1): the host sends `A0 <channel> <op> <checksum>`, op 01 on and
// 00 off, checksum = (0xA0 + channel + op) & 0xFF. The board answers
// nothing, so "confirmed" means the frame left the port (serialport's
// drain). The port's lifecycle is ReconnectingSerial's.
//
// Fail-safe or fail-secure is the wiring's, not the software's: a crashed
// kiosk cannot send "off", and a board that loses its USB power drops its
// relay whatever was sent. Wired to the normally-open contact, a gate whose
// lock needs the relay energised to open stays locked on power loss
// (fail-secure); wired to the normally-closed contact, it opens (fail-safe).
// What the driver does: on every (re)connect it sets the relay to what is
// wanted now — "on" while a hold is in force, otherwise "off", which also
// ends a pulse a crashed kiosk left energised — and close() sends "off"
// when the relay was on.
import { REAL_TIMERS, type DriverStatus, type Gate, type OpenSerial, type SerialLink, type Timers, type UsbPorts } from '../contract.js';
import { Listeners } from '../listeners.js';
import { ReconnectingSerial } from '../serial-link.js';
import { RelayPulses } from './relay-pulses.js';

export const LCUS_BAUD = 9600;
export const LCUS_HEADER = 0xa0;
export const LCUS_ON = 0x01;
export const LCUS_OFF = 0x00;

/** The frame that switches `channel` (1–255; boards have 1, 2, 4 or 8) on or off. */
export function lcusFrame(channel: number, on: boolean): Uint8Array {
  if (!Number.isInteger(channel) || channel < 1 || channel > 0xff) throw new RangeError(`LCUS channel must be 1–255, not ${channel}`);
  const op = on ? LCUS_ON : LCUS_OFF;
  return Uint8Array.of(LCUS_HEADER, channel, op, (LCUS_HEADER + channel + op) & 0xff);
}

export interface LcusGateOptions {
  path: string;
  /** The relay, 1–8 (default 1). */
  channel?: number;
  baudRate?: number;
  openSerial: OpenSerial;
  clock: () => number;
  timers?: Timers;
  exists?: (path: string) => boolean;
  /** Follows a USB adapter that comes back under another name (CH340s have no serial number: never, in practice). */
  usb?: UsbPorts;
  /** A frame not written within this is a port gone (default 1000 ms; 4 bytes take 4 ms at 9600 baud). */
  writeTimeoutMs?: number;
}

export class LcusGate implements Gate {
  private readonly serial: ReconnectingSerial;
  private readonly timers: Timers;
  private readonly pulses: RelayPulses;
  private readonly channel: number;
  private readonly statusListeners = new Listeners<DriverStatus>();
  /** Writes waiting for their drain, failed at once when the port goes. */
  private readonly pending = new Set<(reason: string) => void>();
  private link: SerialLink | null = null;
  private stateNow: 'ok' | 'offline' = 'offline';
  private lastDetail = '';
  private relayOn = false;
  private closed = false;
  readonly counters = { frames: 0, failedWrites: 0, pulses: 0 };

  constructor(private readonly opts: LcusGateOptions) {
    this.channel = opts.channel ?? 1;
    lcusFrame(this.channel, false); // a bad channel fails here, not at the first admit
    this.timers = opts.timers ?? REAL_TIMERS;
    this.pulses = new RelayPulses({ isReady: () => this.stateNow === 'ok' && this.link !== null, set: (on) => this.send(on) }, this.timers);
    this.serial = new ReconnectingSerial({
      path: opts.path,
      baudRate: opts.baudRate ?? LCUS_BAUD,
      openSerial: opts.openSerial,
      timers: this.timers,
      ...(opts.exists ? { exists: opts.exists } : {}),
      ...(opts.usb ? { usb: opts.usb } : {}),
      onOpen: (link) => this.connected(link),
      // The board says nothing; whatever arrives is line noise.
      onData: () => undefined,
      onDown: (reason) => this.lost(reason),
    });
    this.serial.start();
  }

  get state(): 'ok' | 'offline' {
    return this.stateNow;
  }

  get isOpen(): boolean {
    return this.relayOn;
  }

  /** The port's opens and closes, and the frames written. */
  get allCounters() {
    return { ...this.counters, ...this.serial.counters };
  }

  open(pulseMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    const wasPulsing = this.pulses.wanted;
    const result = this.pulses.open(pulseMs);
    if (!wasPulsing && this.pulses.wanted) this.counters.pulses++;
    return result;
  }

  hold(): Promise<boolean> {
    return this.closed ? Promise.resolve(false) : this.pulses.hold();
  }

  release(): Promise<boolean> {
    return this.closed ? Promise.resolve(false) : this.pulses.release();
  }

  onStatus(listener: (status: DriverStatus) => void): () => void {
    return this.statusListeners.add(listener);
  }

  /** Sends "off" first when the relay was (or was about to be) on, then lets go of the port. */
  close(): void {
    if (this.closed) return;
    const mustOff = this.pulses.stop() || this.relayOn;
    this.closed = true;
    this.statusListeners.clear();
    if (mustOff && this.link) void this.send(false).finally(() => this.serial.close());
    else this.serial.close();
  }

  private connected(link: SerialLink): void {
    if (this.closed) return;
    this.link = link;
    this.status('ok', `relay board on ${this.serial.path}, channel ${this.channel}`);
    // The relay as wanted now: on under a hold, otherwise off (which also ends a pulse a crash left on).
    void this.send(this.pulses.held);
  }

  private lost(reason: string): void {
    this.link = null;
    this.relayOn = false;
    for (const fail of [...this.pending]) fail(reason);
    this.pulses.linkLost();
    if (!this.closed) this.status('offline', reason);
  }

  /** Writes one frame; true once it has left the port. A failure takes the port down (and reconnects). */
  private send(on: boolean): Promise<boolean> {
    const link = this.link;
    if (!link) return Promise.resolve(false);
    const frame = lcusFrame(this.channel, on);
    const writeTimeoutMs = this.opts.writeTimeoutMs ?? 1000;
    return new Promise<boolean>((resolve) => {
      let done = false;
      const finish = (failure: string | null, portAlreadyDown: boolean): void => {
        if (done) return;
        done = true;
        this.timers.clearTimeout(timer);
        this.pending.delete(onPortDown);
        if (failure === null) {
          this.relayOn = on;
          return resolve(true);
        }
        this.counters.failedWrites++;
        if (!portAlreadyDown && this.link === link) this.serial.down(failure);
        resolve(false);
      };
      const onPortDown = (reason: string): void => finish(reason, true);
      const timer = this.timers.setTimeout(() => finish(`frame not written within ${writeTimeoutMs} ms`, false), writeTimeoutMs);
      this.pending.add(onPortDown);
      this.counters.frames++;
      // ReconnectingSerial takes the port down itself when the write throws.
      this.serial.write(frame);
      if (done) return;
      if (this.link !== link) return finish('port gone while writing', true);
      if (!link.drain) return finish(null, false);
      link.drain((err) => finish(err ? `write failed: ${err.message}` : null, false));
    });
  }

  private status(state: 'ok' | 'offline', detail: string): void {
    if (state === this.stateNow && detail === this.lastDetail) return;
    this.stateNow = state;
    this.lastDetail = detail;
    this.statusListeners.emit({ device: 'gate', state, detail, atMs: this.opts.clock() });
  }
}
