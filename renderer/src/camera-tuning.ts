// Camera settings that help a kiosk read phone screens, asked for only where
// the camera says it has them (getCapabilities), one at a time: Chromium
// refuses a whole applyConstraints call when one setting is unknown to the
// camera, even under `advanced`, and refuses image-capture settings (focus,
// exposure) mixed with a frame rate in one call. A refusal is nothing to
// the kiosk: it reads with the camera as it is.
//
// - Continuous focus: a phone is held at whatever distance the traveller
//   picks, and moves.
// - Continuous exposure: a bright phone screen in a dark station, or the
//   reverse.
// - Exposure compensation of −1 EV (or the nearest the camera offers): the
//   camera's automatic exposure meters the whole scene, so a lit phone in
//   a dim station comes out over-exposed, and a little blur then washes its
//   dark modules into white. In the accuracy benchmark's model of that
//   (bench/decode-accuracy.ts, "a lit screen over-exposed"), a screen up to
//   0.5 EV over reads 10 frames of 10, and from 1 EV over none: −1 EV
//   brings a screen 1–1.5 EV over back into what reads. The value is the
//   model's, not a real camera's: a technician's camera may need its own.
// - 30 frames a second where the camera offers it: a code is looked at
//   every 33 ms.

/** What of a MediaStreamTrack this needs (so a test can hand in its own). */
export interface TunableTrack {
  getCapabilities?(): object;
  applyConstraints(constraints: MediaTrackConstraints): Promise<void>;
}

export interface CameraTuning {
  /** The settings the camera took. */
  applied: string[];
  /** The settings it offers that it refused anyway, with why. */
  refused: string[];
}

/** The compensation asked for, in EV: darker than the camera's own metering, so a lit screen keeps its dark modules. */
export const EXPOSURE_COMPENSATION_EV = -1;

/** −1 EV, clamped to the camera's range and put on its step; null when it offers no range, or nothing below 0. */
export function exposureCompensation(range: unknown): number | null {
  const r = range as { min?: unknown; max?: unknown; step?: unknown } | undefined;
  if (typeof r?.min !== 'number' || typeof r.max !== 'number' || !Number.isFinite(r.min) || !Number.isFinite(r.max) || r.min >= 0 || r.max < r.min) return null;
  let value = Math.min(r.max, Math.max(r.min, EXPOSURE_COMPENSATION_EV));
  const step = typeof r.step === 'number' && Number.isFinite(r.step) && r.step > 0 ? r.step : 0;
  // On the camera's grid, counted from its minimum, never past the range.
  if (step > 0) value = Math.min(r.max, r.min + Math.round((value - r.min) / step) * step);
  // Float steps (1/3 EV) leave crumbs: 3 decimals are finer than any camera's grid.
  value = Math.round(value * 1000) / 1000;
  return value < 0 ? value : null;
}

const offers = (caps: Record<string, unknown>, name: string, value: string): boolean => Array.isArray(caps[name]) && (caps[name] as unknown[]).includes(value);

export async function tuneCamera(track: TunableTrack): Promise<CameraTuning> {
  // Focus and exposure are image-capture capabilities, beyond the DOM library's MediaTrackCapabilities.
  const caps = (track.getCapabilities?.() ?? {}) as Record<string, unknown>;
  const wanted: [string, MediaTrackConstraints][] = [];
  if (offers(caps, 'focusMode', 'continuous')) wanted.push(['focusMode continuous', { advanced: [{ focusMode: 'continuous' } as MediaTrackConstraintSet] }]);
  if (offers(caps, 'exposureMode', 'continuous')) wanted.push(['exposureMode continuous', { advanced: [{ exposureMode: 'continuous' } as MediaTrackConstraintSet] }]);
  const compensation = exposureCompensation(caps.exposureCompensation);
  if (compensation !== null) wanted.push([`exposureCompensation ${compensation}`, { advanced: [{ exposureCompensation: compensation } as MediaTrackConstraintSet] }]);
  const rate = caps.frameRate as { max?: number } | undefined;
  if (typeof rate?.max === 'number' && rate.max >= 30) wanted.push(['frameRate 30', { frameRate: { ideal: 30 } }]);
  const result: CameraTuning = { applied: [], refused: [] };
  for (const [name, constraints] of wanted) {
    try {
      await track.applyConstraints(constraints);
      result.applied.push(name);
    } catch (err) {
      result.refused.push(`${name}: ${(err as Error).name ?? String(err)}`);
    }
  }
  return result;
}
