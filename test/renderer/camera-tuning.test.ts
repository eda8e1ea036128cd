// The camera's settings (renderer/src/camera-tuning.ts): asked for one at a
// time and only where the camera offers them; a refusal changes nothing.
import { describe, expect, it } from 'vitest';
import { exposureCompensation, tuneCamera, type TunableTrack } from '../../renderer/src/camera-tuning.js';

function track(caps: Record<string, unknown> | null, refuse: (c: MediaTrackConstraints) => boolean = () => false): TunableTrack & { calls: MediaTrackConstraints[] } {
  const calls: MediaTrackConstraints[] = [];
  return {
    calls,
    ...(caps === null ? {} : { getCapabilities: () => caps }),
    applyConstraints: (c) => {
      calls.push(c);
      return refuse(c) ? Promise.reject(Object.assign(new Error('no'), { name: 'OverconstrainedError' })) : Promise.resolve();
    },
  };
}

describe('camera tuning', () => {
  it('asks for continuous focus and exposure and 30 frames a second, each alone, where offered', async () => {
    const t = track({ focusMode: ['manual', 'continuous'], exposureMode: ['manual', 'continuous'], frameRate: { min: 1, max: 30 } });
    expect(await tuneCamera(t)).toEqual({ applied: ['focusMode continuous', 'exposureMode continuous', 'frameRate 30'], refused: [] });
    expect(t.calls).toEqual([{ advanced: [{ focusMode: 'continuous' }] }, { advanced: [{ exposureMode: 'continuous' }] }, { frameRate: { ideal: 30 } }]);
  });

  it('asks for nothing a camera does not offer (a canvas stream, a browser without getCapabilities)', async () => {
    const canvas = track({ width: { max: 1280 }, frameRate: { max: 20 } });
    expect(await tuneCamera(canvas)).toEqual({ applied: [], refused: [] });
    expect(canvas.calls).toEqual([]);
    const old = track(null);
    expect(await tuneCamera(old)).toEqual({ applied: [], refused: [] });
  });

  it('goes on past a refusal, and says which', async () => {
    const t = track({ focusMode: ['continuous'], exposureMode: ['continuous'] }, (c) => JSON.stringify(c).includes('focusMode'));
    expect(await tuneCamera(t)).toEqual({ applied: ['exposureMode continuous'], refused: ['focusMode continuous: OverconstrainedError'] });
  });

  it('asks for −1 EV of exposure compensation where the camera offers a range below 0, on its grid', async () => {
    const t = track({ exposureMode: ['continuous'], exposureCompensation: { min: -2, max: 2, step: 1 / 3 } });
    expect(await tuneCamera(t)).toEqual({ applied: ['exposureMode continuous', 'exposureCompensation -1'], refused: [] });
    expect(t.calls[1]).toEqual({ advanced: [{ exposureCompensation: -1 }] });
    // A coarse grid: the nearest step; a narrow range: its own floor.
    expect(exposureCompensation({ min: -3, max: 3, step: 2 })).toBe(-1);
    expect(exposureCompensation({ min: -4, max: 4, step: 1.5 })).toBe(-1);
    expect(exposureCompensation({ min: -0.5, max: 0.5, step: 0.25 })).toBe(-0.5);
    expect(exposureCompensation({ min: -2.5, max: 2.5, step: 0.5 })).toBe(-1);
  });

  it('asks for no compensation from a camera with no range below 0, or a range that is not one', () => {
    for (const range of [undefined, null, 'x', {}, { min: 0, max: 2, step: 1 }, { min: -2, max: -3 }, { min: NaN, max: 2 }, { min: -2, max: Infinity }]) {
      expect(exposureCompensation(range)).toBeNull();
    }
  });
});
