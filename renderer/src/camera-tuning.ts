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
// - 30 frames a second where the camera offers it: a code is looked at
//   every 33 ms.
// Exposure compensation against a bright screen is left as the camera sets
// it: its value would have to be measured on the kiosk's own camera.

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

const offers = (caps: Record<string, unknown>, name: string, value: string): boolean => Array.isArray(caps[name]) && (caps[name] as unknown[]).includes(value);

export async function tuneCamera(track: TunableTrack): Promise<CameraTuning> {
  // Focus and exposure are image-capture capabilities, beyond the DOM library's MediaTrackCapabilities.
  const caps = (track.getCapabilities?.() ?? {}) as Record<string, unknown>;
  const wanted: [string, MediaTrackConstraints][] = [];
  if (offers(caps, 'focusMode', 'continuous')) wanted.push(['focusMode continuous', { advanced: [{ focusMode: 'continuous' } as MediaTrackConstraintSet] }]);
  if (offers(caps, 'exposureMode', 'continuous')) wanted.push(['exposureMode continuous', { advanced: [{ exposureMode: 'continuous' } as MediaTrackConstraintSet] }]);
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
