// What drivers hand to the kiosk: typed events, no knowledge of main.

/** One temperature reading, °C, as the module reported it (already calibrated, if calibrated). */
export interface ThermometerReading {
  celsius: number;
  atMs: number;
  /** True when it comes from the simulator, never from a person. */
  simulated: boolean;
}

export type DriverState = 'ok' | 'offline' | 'simulated';

/** A source of temperature readings. */
export interface ThermometerFeed {
  readonly state: DriverState;
  latest(): ThermometerReading | null;
  /** Returns a function that unsubscribes. */
  onReading(listener: (reading: ThermometerReading) => void): () => void;
  close(): void;
}
