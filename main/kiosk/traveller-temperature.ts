// Which temperature belongs to the traveller being checked. A thermometer
// streams stable readings of whoever stands in front of it; a check may only
// use one that can be this traveller's:
// - taken since the previous check (a check takes the reading: never twice);
// - recent (default 2 s: an older one is someone who has walked on);
// - from a module that is up, and still sees a person (offline and "no
//   person" drop the reading held);
// - never while a high reading is being measured again, nor while the frames
//   have left the last stable reading (someone else stepped in without a
//   gap): the check waits a moment for the next stable reading (a fever must
//   not pass on the 36.5 °C of the traveller before), and gets no
//   temperature if it does not come;
// - a result that comes after its check gave up waiting is nobody's: the
//   traveller it was measured for has gone through without it.
// A check with no temperature is reviewed (TEMPERATURE_MISSING), never
// admitted on a guess — and when a high reading was left unresolved, it is
// reviewed whatever the policy (takeForCheck's `unresolved`). Clock and
// timers are injected: tests never sleep.
import { REAL_TIMERS, type ThermometerFeed, type ThermometerNotice, type ThermometerReading, type Timers } from '../../drivers/contract.js';
import type { DeviceState } from '../contract/devices.js';

/** A reading older than this is not the traveller's at the kiosk now, ms. */
export const READING_FRESH_MS = 2000;
/** How long a check waits for a re-measure to end, ms (5 frames at 4 Hz fit). */
export const REMEASURE_WAIT_MS = 1500;

export interface TravellerTemperatureOptions {
  clock: () => number;
  timers?: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
  freshMs?: number;
  remeasureWaitMs?: number;
}

/** The temperature fields of a check, from the reading it took (or none). */
export interface CheckTemperature {
  temperatureC: number | null;
  temperatureRawC: number | null;
  calibrationOffsetC: number | null;
}

export function checkTemperature(r: ThermometerReading | null): CheckTemperature {
  if (!r) return { temperatureC: null, temperatureRawC: null, calibrationOffsetC: null };
  // A module that reports no raw value (the simulator) has no calibration to record either.
  return { temperatureC: r.celsius, temperatureRawC: r.rawC ?? null, calibrationOffsetC: r.rawC === undefined ? null : (r.calibrationOffsetC ?? 0) };
}

const measuring = (state: DeviceState): boolean => state === 'ok' || state === 'simulated';

/** What a check takes: the reading, or none — and whether a high reading was left unresolved. */
export interface TemperatureTake {
  reading: ThermometerReading | null;
  /** A high reading was being measured again and no result came for this check: it may be a fever. */
  unresolved: boolean;
}

export class TravellerTemperature {
  private held: ThermometerReading | null = null;
  /** What the module is in the middle of: re-measuring a high reading, or settling on someone new. */
  private pending: 'remeasure' | 'settling' | null = null;
  /** A check gave up waiting on the pending result: when it comes it is nobody's, and no later check waits for it. */
  private spent = false;
  /** Checks waiting for the re-measure, first come first served. */
  private waiters: ((r: ThermometerReading | null) => void)[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  private readonly timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
  private readonly freshMs: number;

  constructor(
    private readonly feed: ThermometerFeed | null,
    private readonly opts: TravellerTemperatureOptions,
  ) {
    this.timers = opts.timers ?? REAL_TIMERS;
    this.freshMs = opts.freshMs ?? READING_FRESH_MS;
    if (!feed) return;
    // A reading made before the kiosk listened can still be the first traveller's (if recent).
    this.held = feed.latest();
    this.unsubscribe.push(feed.onReading((r) => this.reading(r)));
    const offStatus = feed.onStatus?.((s) => this.state(s.state));
    if (offStatus) this.unsubscribe.push(offStatus);
    const offNotice = feed.onNotice?.((n) => this.notice(n));
    if (offNotice) this.unsubscribe.push(offNotice);
  }

  /**
   * The temperature for a traveller's check, taken: no later check gets it.
   * While a high reading is measured again, waits for the re-measure (null
   * when it does not come in time, or the person goes).
   */
  async take(): Promise<ThermometerReading | null> {
    return (await this.takeForCheck()).reading;
  }

  /** take(), saying also whether a high reading was left unresolved (the check is then reviewed whatever the policy). */
  takeForCheck(): Promise<TemperatureTake> {
    const pending = this.pending;
    if (pending && this.feed && measuring(this.feed.state)) {
      if (this.spent) return Promise.resolve({ reading: null, unresolved: pending === 'remeasure' });
      return this.waitForResult().then((reading) => ({ reading, unresolved: reading === null && pending === 'remeasure' }));
    }
    const r = this.usable();
    this.held = null;
    return Promise.resolve({ reading: r, unresolved: false });
  }

  /** The reading a check would take now, left in place (a technician's unlogged test). */
  peek(): ThermometerReading | null {
    return this.pending ? null : this.usable();
  }

  /** Stops following the feed; a check still waiting gets no temperature. */
  close(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe.length = 0;
    this.endWaits();
  }

  private usable(): ThermometerReading | null {
    const r = this.held;
    if (!r || !this.feed || !measuring(this.feed.state)) return null;
    return this.opts.clock() - r.atMs <= this.freshMs ? r : null;
  }

  private reading(r: ThermometerReading): void {
    this.pending = null;
    if (this.spent) {
      // Measured for a traveller whose check already went without it.
      this.spent = false;
      this.held = null;
      return;
    }
    const waiter = this.waiters.shift();
    if (!waiter) {
      this.held = r;
      return;
    }
    // The re-measure is the waiting traveller's; any other check waiting was behind them.
    this.held = null;
    waiter(r);
    this.endWaits();
  }

  private notice(n: ThermometerNotice): void {
    // Whatever it says, the reading held is not of the person in front of the module now.
    this.held = null;
    this.spent = false;
    if (n.kind === 'no-person') {
      this.pending = null;
      this.endWaits();
      return;
    }
    // A re-measure outranks settling: its high first reading must not be forgotten.
    this.pending = n.kind === 'remeasuring' ? 'remeasure' : (this.pending ?? 'settling');
  }

  private state(state: DeviceState): void {
    if (measuring(state)) return;
    this.held = null;
    this.pending = null;
    this.spent = false;
    this.endWaits();
  }

  private waitForResult(): Promise<ThermometerReading | null> {
    this.held = null;
    return new Promise((resolve) => {
      const done = (r: ThermometerReading | null): void => {
        this.timers.clearTimeout(timer);
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(r);
      };
      const timer = this.timers.setTimeout(() => {
        // Given up on: the result, when it comes, is not the next traveller's.
        if (this.pending) this.spent = true;
        done(null);
      }, this.opts.remeasureWaitMs ?? REMEASURE_WAIT_MS);
      this.waiters.push(done);
    });
  }

  private endWaits(): void {
    for (const w of this.waiters.splice(0)) w(null);
  }
}
