import { describe, expect, it } from 'vitest';
import { CornerGesture, HOLD_MS } from '../../renderer/src/technician/corner-gesture.js';

/** Taps of 100 ms, 300 ms apart, from `at`; returns when the last one ended. */
function taps(g: CornerGesture, n: number, at = 0): number {
  for (let i = 0; i < n; i++, at += 400) {
    expect(g.down(at)).toBe(false);
    g.up(at + 100);
  }
  return at;
}

describe('the corner gesture (three taps, then a three-second hold)', () => {
  it('opens after three quick taps and a hold', () => {
    const g = new CornerGesture();
    const at = taps(g, 3);
    expect(g.down(at)).toBe(true);
    expect(g.held(at + HOLD_MS)).toBe(true);
  });

  it('a hold alone, however long, opens nothing (a hand resting on the corner)', () => {
    const g = new CornerGesture();
    expect(g.down(0)).toBe(false);
    g.up(60_000);
    expect(g.down(60_100)).toBe(false);
  });

  it('two taps and a hold open nothing; nor do taps spread out over more than three seconds', () => {
    const g = new CornerGesture();
    expect(g.down(taps(g, 2))).toBe(false);
    const slow = new CornerGesture();
    for (const at of [0, 1600, 3200]) {
      slow.down(at);
      slow.up(at + 100);
    }
    expect(slow.down(3400)).toBe(false);
  });

  it('a long touch among the taps starts the sequence over', () => {
    const g = new CornerGesture();
    taps(g, 2);
    g.down(800);
    g.up(1500);
    expect(g.down(taps(g, 2, 1600))).toBe(false);
  });

  it('lifting the finger before the hold ends opens nothing, and the next try starts from the taps', () => {
    const g = new CornerGesture();
    const at = taps(g, 3);
    expect(g.down(at)).toBe(true);
    g.up(at + 1000);
    expect(g.held(at + HOLD_MS)).toBe(false);
    expect(g.down(at + 1200)).toBe(false);
    const again = taps(g, 3, at + 1400);
    expect(g.down(again)).toBe(true);
    expect(g.held(again + HOLD_MS)).toBe(true);
    // Once opened, the next hold needs its own taps.
    expect(g.down(again + HOLD_MS + 500)).toBe(false);
  });
});
