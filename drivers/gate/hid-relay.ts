// USB HID relay boards ("USBRelay1" … "USBRelay8", V-USB's shared id
// 16c0:05df) through node-hid's feature reports: `[0x00, 0xFF, relay, 0…]`
// switches a relay on, `[0x00, 0xFD, relay, 0…]` off (9 bytes, the leading
// 0x00 the report id of a device without numbered reports). Every switch is
// confirmed by reading the state back: feature report 0x01 (9 bytes) holds
// the board's 5-character serial in bytes 0–4 and the relays' bitmask in
// byte 7 (bit relay-1). A board that did not switch is out of order.
//
// The board sends nothing by itself, so an unplug is noticed by a health
// read of the state every second; a board that is gone is looked for again
// (HID enumeration, injected) every second. Pulses, holds and the
// double-open rule are RelayPulses' (lcus.ts), the same as the LCUS board's.
// Fail-safe or fail-secure is the wiring's (see lcus.ts).
import { REAL_TIMERS, type DriverStatus, type Gate, type HidDeviceInfo, type HidFeatureApi, type HidFeatureDevice, type Timers } from '../contract.js';
import { Listeners } from '../listeners.js';
import { RelayPulses } from './relay-pulses.js';

export const USBRELAY_VENDOR_ID = 0x16c0;
export const USBRELAY_PRODUCT_ID = 0x05df;
export const HID_RELAY_ON = 0xff;
export const HID_RELAY_OFF = 0xfd;
export const HID_RELAY_STATE_REPORT = 0x01;
export const HID_RELAY_REPORT_LENGTH = 9;
const STATE_BYTE = 7;

function checkRelay(relay: number): void {
  if (!Number.isInteger(relay) || relay < 1 || relay > 8) throw new RangeError(`a USB HID relay board's relay is 1–8, not ${relay}`);
}

/** The feature report that switches `relay` (1–8) on or off. */
export function hidRelayReport(relay: number, on: boolean): number[] {
  checkRelay(relay);
  return [0x00, on ? HID_RELAY_ON : HID_RELAY_OFF, relay, 0, 0, 0, 0, 0, 0];
}

/** The relays' bitmask in a state report, or null when the report is too short to hold it. */
export function hidRelayStateOf(report: ArrayLike<number>): number | null {
  return report.length > STATE_BYTE ? report[STATE_BYTE]! & 0xff : null;
}

/** Is `relay` (1–8) on in this bitmask? */
export function hidRelayIsOn(state: number, relay: number): boolean {
  checkRelay(relay);
  return ((state >> (relay - 1)) & 1) === 1;
}

/** The board's serial (bytes 0–4 of the state report, printable ASCII; NULs and what follows dropped). */
export function hidRelaySerialOf(report: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < Math.min(5, report.length); i++) {
    const b = report[i]!;
    if (b === 0) break;
    out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '?';
  }
  return out;
}

/** How many relays a board says it has ("USBRelay2" → 2), or null when its product name does not say. */
export function hidRelayCountOf(product: string | undefined): number | null {
  const m = /^USBRelay([1-8])$/.exec(product?.trim() ?? '');
  return m ? Number(m[1]) : null;
}

/**
 * Is this enumerated device one of the relay boards sought? 16c0:05df is
 * V-USB's shared id, used by other hobby devices too: when the system names
 * the product, it must be a USBRelay.
 */
export function isHidRelay(d: HidDeviceInfo, vendorId = USBRELAY_VENDOR_ID, productId = USBRELAY_PRODUCT_ID): boolean {
  if (d.vendorId !== vendorId || d.productId !== productId || !d.path) return false;
  return vendorId !== USBRELAY_VENDOR_ID || productId !== USBRELAY_PRODUCT_ID || !d.product || /^USBRelay\d*$/.test(d.product.trim());
}

export interface HidRelayGateOptions {
  hid: HidFeatureApi;
  /** The relay, 1–8 (default 1). */
  relay?: number;
  vendorId?: number;
  productId?: number;
  /** The board's serial (5 characters, from its state report): required when several boards are plugged in. */
  serial?: string | null;
  clock: () => number;
  timers?: Timers;
  /** How often a missing board is looked for (default 1000 ms). */
  retryMs?: number;
  /** How often the board's state is read to notice an unplug (default 1000 ms). */
  healthMs?: number;
  /** A read-back that does not show the switch yet is read once more after this (default 50 ms). */
  confirmRetryMs?: number;
}

export class HidRelayGate implements Gate {
  private readonly timers: Timers;
  private readonly relay: number;
  private readonly pulses: RelayPulses;
  private readonly statusListeners = new Listeners<DriverStatus>();
  private device: HidFeatureDevice | null = null;
  /** One device operation at a time: each waits for the one before. */
  private queue: Promise<unknown> = Promise.resolve();
  private retry: unknown = null;
  private health: unknown = null;
  private stateNow: 'ok' | 'offline' = 'offline';
  private lastDetail = '';
  private relayOn = false;
  private closed = false;
  readonly counters = { opens: 0, closes: 0, failedOpens: 0, reportsSent: 0, stateReads: 0, notSwitched: 0 };

  constructor(private readonly opts: HidRelayGateOptions) {
    this.relay = opts.relay ?? 1;
    checkRelay(this.relay);
    this.timers = opts.timers ?? REAL_TIMERS;
    this.pulses = new RelayPulses({ isReady: () => this.stateNow === 'ok' && this.device !== null, set: (on) => this.switchRelay(on) }, this.timers);
    void this.connect();
  }

  get state(): 'ok' | 'offline' {
    return this.stateNow;
  }

  get isOpen(): boolean {
    return this.relayOn;
  }

  private get id(): string {
    const hex = (n: number) => n.toString(16).padStart(4, '0');
    return `${hex(this.opts.vendorId ?? USBRELAY_VENDOR_ID)}:${hex(this.opts.productId ?? USBRELAY_PRODUCT_ID)}`;
  }

  open(pulseMs: number): Promise<boolean> {
    return this.closed ? Promise.resolve(false) : this.pulses.open(pulseMs);
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

  /** Switches the relay off first when it was (or was about to be) on, then lets go of the board. */
  close(): void {
    if (this.closed) return;
    const mustOff = this.pulses.stop() || this.relayOn;
    this.closed = true;
    this.statusListeners.clear();
    if (this.retry !== null) this.timers.clearTimeout(this.retry);
    this.retry = null;
    this.stopHealth();
    if (mustOff && this.device) void this.switchRelay(false).finally(() => this.run(() => this.letGo()));
    else void this.run(() => this.letGo());
  }

  /** Looks for the board, opens it, and sets the relay as wanted now (on under a hold, otherwise off). */
  private async connect(): Promise<void> {
    this.retry = null;
    if (this.closed) return;
    try {
      const found = await this.find();
      if (this.closed) {
        if (found && typeof found !== 'string') await found.device.close();
        return;
      }
      if (typeof found === 'string' || !found) {
        this.status('offline', found || `USB HID relay ${this.id} not connected`);
        return this.scheduleRetry();
      }
      this.counters.opens++;
      this.device = found.device;
      const on = this.pulses.held;
      // Not 'ok' until the board has answered: the first switch goes through run() directly.
      const ok = await this.run(() => this.switchNow(found.device, on));
      if (!ok || this.closed) return;
      this.status('ok', `USB HID relay ${found.serial || this.id}, relay ${this.relay}${found.count ? ` of ${found.count}` : ''}`);
      this.health = this.timers.setInterval(() => void this.checkHealth(), this.opts.healthMs ?? 1000);
    } catch (err) {
      this.counters.failedOpens++;
      this.lost(`cannot open USB HID relay ${this.id}: ${(err as Error).message}`);
    }
  }

  /** The board to use, an explanation why none, or null when none is plugged in. */
  private async find(): Promise<{ device: HidFeatureDevice; serial: string; count: number | null } | string | null> {
    const boards = (await this.opts.hid.devices()).filter((d) => isHidRelay(d, this.opts.vendorId, this.opts.productId));
    if (boards.length === 0) return null;
    const wanted = this.opts.serial ?? null;
    if (wanted === null && boards.length > 1) return `${boards.length} USB HID relay boards ${this.id} are plugged in: choose one by its serial`;
    for (const board of boards) {
      const device = await this.opts.hid.open(board.path!);
      try {
        const serial = hidRelaySerialOf(await device.getFeatureReport(HID_RELAY_STATE_REPORT, HID_RELAY_REPORT_LENGTH));
        if (wanted === null || serial === wanted) return { device, serial, count: hidRelayCountOf(board.product) };
      } catch {
        /* not the board sought, or gone again */
      }
      await device.close();
    }
    return `no USB HID relay board ${this.id} with serial ${wanted}`;
  }

  private async checkHealth(): Promise<void> {
    await this.run(async () => {
      const device = this.device;
      if (!device || this.stateNow !== 'ok') return;
      try {
        await this.readState(device);
      } catch (err) {
        if (this.device === device) this.lost(`USB HID relay ${this.id} gone: ${(err as Error).message}`);
      }
    });
  }

  private switchRelay(on: boolean): Promise<boolean> {
    return this.run(async () => {
      const device = this.device;
      return device && this.stateNow === 'ok' ? this.switchNow(device, on) : false;
    });
  }

  /** Sends the switch and reads it back (once more after a moment if it does not show yet). Runs inside run(). */
  private async switchNow(device: HidFeatureDevice, on: boolean): Promise<boolean> {
    try {
      this.counters.reportsSent++;
      await device.sendFeatureReport(hidRelayReport(this.relay, on));
      let state = await this.readState(device);
      if (hidRelayIsOn(state, this.relay) !== on) {
        await new Promise((resolve) => this.timers.setTimeout(() => resolve(undefined), this.opts.confirmRetryMs ?? 50));
        state = await this.readState(device);
      }
      if (this.device !== device) return false;
      // What the board says, whatever was asked: a relay stuck on is a gate standing open.
      this.relayOn = hidRelayIsOn(state, this.relay);
      if (this.relayOn === on) return true;
      this.counters.notSwitched++;
      this.lost(`USB HID relay ${this.id}: relay ${this.relay} did not switch ${on ? 'on' : 'off'} (state read back 0x${state.toString(16).padStart(2, '0')})`, true);
      return false;
    } catch (err) {
      if (this.device === device) this.lost(`USB HID relay ${this.id}: ${(err as Error).message}`);
      return false;
    }
  }

  private async readState(device: HidFeatureDevice): Promise<number> {
    this.counters.stateReads++;
    const state = hidRelayStateOf(await device.getFeatureReport(HID_RELAY_STATE_REPORT, HID_RELAY_REPORT_LENGTH));
    if (state === null) throw new Error('state report too short');
    return state;
  }

  /** Out of order: the board is let go of and looked for again (a board back is set as wanted and checked). */
  private lost(reason: string, stateKnown = false): void {
    if (!stateKnown) this.relayOn = false;
    this.stopHealth();
    this.pulses.linkLost();
    const device = this.device;
    this.device = null;
    if (device) {
      this.counters.closes++;
      void Promise.resolve()
        .then(() => device.close())
        .catch(() => undefined);
    }
    if (this.closed) return;
    this.status('offline', reason);
    this.scheduleRetry();
  }

  private async letGo(): Promise<void> {
    const device = this.device;
    this.device = null;
    if (!device) return;
    this.counters.closes++;
    try {
      await device.close();
    } catch {
      /* already gone */
    }
  }

  private run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.queue.then(op, op);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private stopHealth(): void {
    if (this.health !== null) this.timers.clearInterval(this.health);
    this.health = null;
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry !== null) return;
    this.retry = this.timers.setTimeout(() => void this.connect(), this.opts.retryMs ?? 1000);
  }

  private status(state: 'ok' | 'offline', detail: string): void {
    if (state === this.stateNow && detail === this.lastDetail) return;
    this.stateNow = state;
    this.lastDetail = detail;
    this.statusListeners.emit({ device: 'gate', state, detail, atMs: this.opts.clock() });
  }
}
