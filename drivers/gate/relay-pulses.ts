// The pulse and hold bookkeeping every relay gate shares (LCUS serial and
// USB HID relays), so that the rule "one admit never opens twice" is written
// once: from open() until its "off" is sent, another open() sends nothing,
// extends nothing and gets the first call's promise; open() during a hold
// sends nothing; release() ends either at once.
import type { Timers } from '../contract.js';

/** What a relay gate's driver lends the shared pulse logic. */
export interface RelaySwitch {
  /** Is the device there and usable now? */
  isReady(): boolean;
  /** Switches the relay; true once written (or read back). A failure is the driver's to report (state 'offline'). */
  set(on: boolean): Promise<boolean>;
}

interface Pulse {
  promise: Promise<boolean>;
  timer: unknown;
}

/**
 * Pulses and holds over one relay. The double-open rule: while a pulse is
 * in progress (from open() until its "off" is sent), another open() sends
 * nothing, extends nothing, and returns the first call's own promise — the
 * same answer, because the gate is open by that call; a `false` would say
 * "out of order" (the Gate contract), which a working gate is not. An
 * open() during a hold sends nothing and answers true (the gate is open).
 * A hold taken during a pulse keeps the relay on (the pulse's "off" is
 * dropped); release() ends either at once.
 */
export class RelayPulses {
  private pulse: Pulse | null = null;
  private holding = false;

  constructor(
    private readonly relay: RelaySwitch,
    private readonly timers: Timers,
  ) {}

  /** A hold is in force (kept across a lost link: the relay is switched on again when it returns). */
  get held(): boolean {
    return this.holding;
  }

  /** Should the relay be on now? */
  get wanted(): boolean {
    return this.holding || this.pulse !== null;
  }

  open(pulseMs: number): Promise<boolean> {
    if (!Number.isFinite(pulseMs) || pulseMs <= 0) throw new RangeError(`a pulse must last a positive number of ms, not ${pulseMs}`);
    if (this.pulse) return this.pulse.promise;
    if (this.holding) return Promise.resolve(true);
    if (!this.relay.isReady()) return Promise.resolve(false);
    const pulse: Pulse = { promise: Promise.resolve(false), timer: null };
    this.pulse = pulse;
    // Timed from the "on" being handed to the device, not from its confirmation.
    pulse.timer = this.timers.setTimeout(() => {
      if (this.pulse !== pulse) return;
      this.pulse = null;
      if (!this.holding) void this.relay.set(false);
    }, pulseMs);
    pulse.promise = this.relay.set(true).then((ok) => {
      // Not switched on: nothing to switch off (the reconnect sets the relay off anyway).
      if (!ok) this.drop(pulse);
      return ok;
    });
    return pulse.promise;
  }

  hold(): Promise<boolean> {
    this.holding = true;
    const pulse = this.pulse;
    if (pulse) {
      // Its "on" is sent or on its way; only its "off" is dropped.
      this.drop(pulse);
      return pulse.promise;
    }
    return this.relay.isReady() ? this.relay.set(true) : Promise.resolve(false);
  }

  release(): Promise<boolean> {
    this.holding = false;
    if (this.pulse) this.drop(this.pulse);
    return this.relay.isReady() ? this.relay.set(false) : Promise.resolve(false);
  }

  /** The link is gone: a pulse in progress is over (a hold stays in force). */
  linkLost(): void {
    if (this.pulse) this.drop(this.pulse);
  }

  /** Closing: no pulse or hold any more; true when the relay may be on and must be sent "off". */
  stop(): boolean {
    const wasWanted = this.wanted;
    this.holding = false;
    if (this.pulse) this.drop(this.pulse);
    return wasWanted;
  }

  private drop(pulse: Pulse): void {
    if (this.pulse !== pulse) return;
    this.timers.clearTimeout(pulse.timer);
    this.pulse = null;
  }
}
