// Guided calibration's arithmetic: a reference temperature (blackbody or
// clinical thermometer) against the module's stable readings of it. The
// offset is reference − median of the raw readings, refused beyond ±1.5 °C,
// and the next calibration falls due after 30 days by default. Pure.
import { MAX_CALIBRATION_OFFSET_C } from './measurement.js';

export interface CalibrationInput {
  referenceC: number;
  /** Stable raw readings of the reference (before any offset). */
  readingsC: number[];
  by: string;
  atMs: number;
  dueDays?: number;
}

export interface CalibrationResult {
  offsetC: number;
  by: string;
  atMs: number;
  referenceC: number;
  readingsC: number[];
  dueAtMs: number;
}

export class CalibrationRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalibrationRefused';
  }
}

export const MIN_READINGS = 3;
export const MAX_SPREAD_C = 0.3;

export function computeCalibration(input: CalibrationInput): CalibrationResult {
  const { referenceC, readingsC, by } = input;
  if (!Number.isFinite(referenceC) || referenceC < 30 || referenceC > 43) throw new CalibrationRefused('the reference must be a body-range temperature (30–43 °C)');
  if (by.trim() === '') throw new CalibrationRefused('a calibration must say who did it');
  if (readingsC.length < MIN_READINGS) throw new CalibrationRefused(`at least ${MIN_READINGS} stable readings are needed, got ${readingsC.length}`);
  const spread = Math.max(...readingsC) - Math.min(...readingsC);
  if (spread > MAX_SPREAD_C + 1e-9) throw new CalibrationRefused(`the readings spread ${spread.toFixed(2)} °C (more than ${MAX_SPREAD_C}): hold the module steady on the reference`);
  const sorted = [...readingsC].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  const offsetC = Math.round((referenceC - median) * 100) / 100;
  if (Math.abs(offsetC) > MAX_CALIBRATION_OFFSET_C) {
    throw new CalibrationRefused(`the module is ${offsetC.toFixed(2)} °C off: beyond ±${MAX_CALIBRATION_OFFSET_C} °C it needs repair, not calibration`);
  }
  return { offsetC, by, atMs: input.atMs, referenceC, readingsC: [...readingsC], dueAtMs: input.atMs + (input.dueDays ?? 30) * 86_400_000 };
}

/**
 * Gathers `wanted` stable raw readings (before any offset) from a live
 * thermometer, for the CLI and the technician screen alike. Rejects with a
 * sentence the technician can act on when too few arrive in time.
 */
export function collectRawReadings(
  feed: { onReading(listener: (r: { celsius: number; rawC?: number }) => void): () => void },
  wanted: number,
  timeoutMs: number,
  onEach?: (readingC: number, count: number) => void,
): Promise<number[]> {
  const readings: number[] = [];
  return new Promise<number[]>((resolve, reject) => {
    let off = (): void => undefined;
    const timer = setTimeout(() => {
      off();
      reject(new CalibrationRefused(`only ${readings.length} of ${wanted} stable readings within ${Math.round(timeoutMs / 1000)} s: is the module aimed at the reference?`));
    }, timeoutMs);
    off = feed.onReading((r) => {
      if (readings.length >= wanted) return;
      readings.push(r.rawC ?? r.celsius);
      onEach?.(readings[readings.length - 1]!, readings.length);
      if (readings.length >= wanted) {
        clearTimeout(timer);
        off();
        resolve(readings);
      }
    });
  });
}
