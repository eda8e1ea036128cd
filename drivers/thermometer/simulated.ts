// A simulated thermometer for demos and `--simulate`: a person's reading
// wandering around 36.6 °C. Timers and clock are injected so tests can run it
// on fake time.
import type { ThermometerFeed, ThermometerReading } from '../contract.js';
import { Listeners } from '../listeners.js';

export interface SimulatedThermometerOptions {
  clock: () => number;
  /** How often a reading arrives, ms. */
  intervalMs?: number;
  /** The reading the simulator hovers around, °C. */
  centreC?: number;
  random?: () => number;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

export class SimulatedThermometer implements ThermometerFeed {
  readonly state = 'simulated' as const;
  private last: ThermometerReading | null = null;
  private readonly listeners = new Listeners<ThermometerReading>();
  private readonly handle: unknown;
  private readonly clear: (handle: unknown) => void;
  private centre: number;

  constructor(private readonly opts: SimulatedThermometerOptions) {
    this.centre = opts.centreC ?? 36.6;
    const every = opts.setInterval ?? ((fn, ms) => setInterval(fn, ms).unref());
    this.clear = opts.clearInterval ?? ((h) => clearInterval(h as NodeJS.Timeout));
    this.handle = every(() => this.tick(), opts.intervalMs ?? 500);
    this.tick();
  }

  /** Moves the simulated person's temperature (demo and tests: a fever). */
  setCentre(celsius: number): void {
    this.centre = celsius;
    this.tick();
  }

  latest(): ThermometerReading | null {
    return this.last;
  }

  onReading(listener: (reading: ThermometerReading) => void): () => void {
    return this.listeners.add(listener);
  }

  close(): void {
    this.clear(this.handle);
    this.listeners.clear();
  }

  private tick(): void {
    const random = this.opts.random ?? Math.random;
    const celsius = Math.round((this.centre + (random() - 0.5) * 0.2) * 10) / 10;
    this.last = { celsius, atMs: this.opts.clock(), simulated: true };
    this.listeners.emit(this.last);
  }
}
