// From frames to readings a checkpoint can use. Pure, time injected:
// - values outside the sensor's range are broken frames, not readings;
// - outside 30.0–43.0 °C is "no person / mis-aimed", never normal nor fever;
// - a stable reading is k consecutive valid frames within 0.2 °C, reported
//   as their median;
// - a calibration offset (bounded to ±1.5 °C, with who set it and when) is
//   applied to every reading, and recorded with it, the raw value kept;
// - a high stable reading triggers one re-measure before it is reported;
// - "no person" is said when the module stops reading one (not every frame:
//   a module aimed at a wall streams no-person frames all day);
// - "changed" is said when a person frame leaves the last stable reading's
//   spread: the traveller measured may have been replaced without a gap;
// - a watchdog on the last valid frame: a silent port is offline.
import type { Calibration } from '../../main/contract/devices.js';
import type { ThermoFrame } from './protocols/frame-decoder.js';

export const PERSON_RANGE_C = { min: 30.0, max: 43.0 } as const;
export const MAX_CALIBRATION_OFFSET_C = 1.5;

export type ReadingKind = 'person' | 'no-person';

export interface Reading {
  /** Calibrated temperature, °C. */
  celsius: number;
  /** As the module reported it. */
  rawC: number;
  ambientC: number | null;
  kind: ReadingKind;
  bodyMode: boolean;
  calibration: Calibration | null;
  atMs: number;
}

export interface StableReading extends Reading {
  /** The frames it is the median of, calibrated. */
  frames: number[];
  /** True when this is the re-measure that followed a high reading. */
  remeasured: boolean;
}

export interface MeasurementOptions {
  sensorRangeC: [number, number];
  /** Frames for a stable reading (default 5). */
  k?: number;
  /** Their allowed spread, °C (default 0.2). */
  spreadC?: number;
  /** A stable reading at or above this is measured again once before being reported; null = never. */
  remeasureAtC?: number | null;
  /** No valid frame for this long = offline (default 1500 ms: with a 250 ms tick, within 2 s). */
  watchdogMs?: number;
  calibration?: Calibration | null;
}

export interface MeasurementCounters {
  frames: number;
  rangeRejects: number;
  stable: number;
  remeasures: number;
  timeouts: number;
}

export type MeasurementEvent =
  | { type: 'reading'; reading: Reading }
  | { type: 'stable'; reading: StableReading }
  | { type: 'remeasuring'; firstC: number; atMs: number }
  | { type: 'no-person'; atMs: number }
  | { type: 'changed'; atMs: number }
  | { type: 'offline'; silentMs: number; atMs: number }
  | { type: 'online'; atMs: number };

const round2 = (v: number): number => Math.round(v * 100) / 100;

export function checkCalibration(c: Calibration): Calibration {
  if (!Number.isFinite(c.offsetC) || Math.abs(c.offsetC) > MAX_CALIBRATION_OFFSET_C) {
    throw new RangeError(`a calibration offset must be within ±${MAX_CALIBRATION_OFFSET_C} °C, not ${c.offsetC}`);
  }
  if (typeof c.by !== 'string' || c.by.trim() === '') throw new RangeError('a calibration must say who set it');
  return c;
}

export class Measurement {
  readonly counters: MeasurementCounters = { frames: 0, rangeRejects: 0, stable: 0, remeasures: 0, timeouts: 0 };
  private window: number[] = [];
  private lastValidAt: number | null = null;
  private offline = false;
  private pendingRemeasure = false;
  /** Whether the last valid frame read a person; null before any frame and after going offline. */
  private personInView: boolean | null = null;
  /** The last stable reading while its person's frames still agree with it; null once they do not. */
  private lastStableC: number | null = null;
  private calibration: Calibration | null;
  private readonly k: number;
  private readonly spread: number;

  constructor(private readonly opts: MeasurementOptions) {
    this.k = opts.k ?? 5;
    this.spread = opts.spreadC ?? 0.2;
    this.calibration = opts.calibration ? checkCalibration(opts.calibration) : null;
  }

  setCalibration(c: Calibration | null): void {
    this.calibration = c ? checkCalibration(c) : null;
    this.window = [];
  }

  get state(): 'ok' | 'offline' {
    return this.offline || this.lastValidAt === null ? 'offline' : 'ok';
  }

  frame(f: ThermoFrame, atMs: number): MeasurementEvent[] {
    const events: MeasurementEvent[] = [];
    const [lo, hi] = this.opts.sensorRangeC;
    if (!Number.isFinite(f.celsius) || f.celsius < lo || f.celsius > hi) {
      this.counters.rangeRejects++;
      return events;
    }
    this.counters.frames++;
    this.lastValidAt = atMs;
    if (this.offline) {
      this.offline = false;
      events.push({ type: 'online', atMs });
    }
    const offset = this.calibration?.offsetC ?? 0;
    const celsius = round2(f.celsius + offset);
    const kind: ReadingKind = celsius < PERSON_RANGE_C.min || celsius > PERSON_RANGE_C.max ? 'no-person' : 'person';
    const reading: Reading = { celsius, rawC: f.celsius, ambientC: f.ambientC, kind, bodyMode: f.bodyMode, calibration: this.calibration, atMs };
    events.push({ type: 'reading', reading });
    if (kind !== 'person') {
      // Nobody there (or aimed at a wall): a stable reading starts again.
      this.window = [];
      this.pendingRemeasure = false;
      this.lastStableC = null;
      if (this.personInView !== false) events.push({ type: 'no-person', atMs });
      this.personInView = false;
      return events;
    }
    this.personInView = true;
    // The same spread that made the reading stable says when it no longer describes who is in view.
    if (this.lastStableC !== null && Math.abs(celsius - this.lastStableC) > this.spread + 1e-9) {
      this.lastStableC = null;
      events.push({ type: 'changed', atMs });
    }
    this.window.push(celsius);
    if (this.window.length > this.k) this.window.shift();
    if (this.window.length < this.k) return events;
    if (Math.max(...this.window) - Math.min(...this.window) > this.spread + 1e-9) return events;
    const frames = [...this.window];
    const median = [...frames].sort((a, b) => a - b)[Math.floor(frames.length / 2)]!;
    this.window = [];
    const threshold = this.opts.remeasureAtC ?? null;
    if (threshold !== null && median >= threshold && !this.pendingRemeasure) {
      this.pendingRemeasure = true;
      this.lastStableC = null;
      this.counters.remeasures++;
      events.push({ type: 'remeasuring', firstC: median, atMs });
      return events;
    }
    const remeasured = this.pendingRemeasure;
    this.pendingRemeasure = false;
    this.counters.stable++;
    this.lastStableC = median;
    events.push({ type: 'stable', reading: { ...reading, celsius: median, rawC: round2(median - offset), frames, remeasured } });
    return events;
  }

  /** Call periodically: reports a port gone silent. */
  tick(nowMs: number): MeasurementEvent[] {
    const silentMs = nowMs - (this.lastValidAt ?? nowMs);
    if (!this.offline && this.lastValidAt !== null && silentMs > (this.opts.watchdogMs ?? 1500)) {
      this.offline = true;
      this.counters.timeouts++;
      this.window = [];
      // Whoever was in front of a silent module is not known to be there when it talks again.
      this.pendingRemeasure = false;
      this.personInView = null;
      this.lastStableC = null;
      return [{ type: 'offline', silentMs, atMs: nowMs }];
    }
    return [];
  }
}
