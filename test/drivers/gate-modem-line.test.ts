// The passage sensor on a modem status line, on an in-memory port whose
// get() answers scripted line levels, under an injected clock: edges,
// debounce, the first level after (re)connecting, a port that goes and
// comes back, a port that stops answering.
import { describe, expect, it } from 'vitest';
import type { DriverStatus, GateInputEvent, ModemLines } from '../../drivers/contract.js';
import { LineDebouncer, ModemLineSensor, type ModemLineSensorOptions } from '../../drivers/gate/modem-line-sensor.js';
import { MemoryLink } from '../fixtures/serial.js';
import { ManualTimers } from '../fixtures/timers.js';

/** A port whose modem lines the test sets; get() answers at once, fails, or never answers. */
class LinesLink extends MemoryLink {
  lines: ModemLines = { cts: false, dsr: false, dcd: false };
  mode: 'answer' | 'fail' | 'silent' = 'answer';
  gets = 0;
  get(cb: (err: Error | null, lines?: ModemLines) => void): void {
    this.gets++;
    if (this.mode === 'fail') cb(new Error('Input/output error'));
    else if (this.mode === 'answer') cb(null, { ...this.lines });
  }
  /** The adapter pulled out: the port closes. */
  unplug(): void {
    this.isOpen = false;
    this.emit('close');
  }
}

function sensor(extra: Partial<ModemLineSensorOptions> = {}) {
  const timers = new ManualTimers();
  timers.now = 1_000_000;
  const links: LinesLink[] = [];
  let present = true;
  const s = new ModemLineSensor({
    path: '/dev/ttyUSB7',
    line: 'cts',
    openSerial: () => {
      const l = new LinesLink();
      links.push(l);
      return l;
    },
    exists: () => present,
    clock: () => timers.now,
    timers,
    ...extra,
  });
  const events: GateInputEvent[] = [];
  const statuses: DriverStatus[] = [];
  s.onInput((e) => events.push(e));
  s.onStatus((st) => statuses.push(st));
  return {
    s,
    timers,
    events,
    statuses,
    link: () => links.at(-1)!,
    links,
    setPresent: (p: boolean) => (present = p),
    passages: () => events.filter((e) => e.kind === 'passage'),
  };
}

describe('LineDebouncer', () => {
  it('counts a level once it has held for the debounce, dated from when it began', () => {
    const d = new LineDebouncer(30);
    expect(d.sample(false, 0)).toBeNull();
    expect(d.sample(false, 50)).toEqual({ active: false, atMs: 0, initial: true });
    expect(d.sample(true, 100)).toBeNull();
    // A one-read glitch is forgotten.
    expect(d.sample(false, 150)).toBeNull();
    expect(d.sample(true, 200)).toBeNull();
    expect(d.sample(true, 229)).toBeNull();
    expect(d.sample(true, 230)).toEqual({ active: true, atMs: 200, initial: false });
    expect(d.level).toBe(true);
    d.reset();
    expect(d.level).toBeNull();
  });

  it('with no debounce, every read counts at once', () => {
    const d = new LineDebouncer(0);
    expect(d.sample(true, 5)).toEqual({ active: true, atMs: 5, initial: true });
    expect(d.sample(false, 6)).toEqual({ active: false, atMs: 6, initial: false });
  });
});

describe('ModemLineSensor on a scripted port', () => {
  it('is ok from its first answer, reports the first level as an input, and one passage per active edge', () => {
    const t = sensor();
    expect(t.s.state).toBe('offline');
    t.timers.advance(50);
    expect(t.s.state).toBe('ok');
    expect(t.statuses.at(-1)).toMatchObject({ device: 'gate', state: 'ok' });
    t.timers.advance(50);
    // The first stable level: an input change, never a passage.
    expect(t.events).toEqual([{ kind: 'input', index: 0, active: false, atMs: t.timers.now - 50 }]);
    expect(t.s.active).toBe(false);

    for (let i = 0; i < 3; i++) {
      t.link().lines.cts = true;
      const edgeAt = t.timers.now + 50;
      t.timers.advance(300);
      t.link().lines.cts = false;
      t.timers.advance(300);
      expect(t.passages()).toHaveLength(i + 1);
      expect(t.passages()[i]!.atMs).toBe(edgeAt);
    }
    // Each passage came with its input changes (active, then inactive again).
    expect(t.events.filter((e) => e.kind === 'input').map((e) => e.kind === 'input' && e.active)).toEqual([false, true, false, true, false, true, false]);
    expect(t.s.counters.passages).toBe(3);
  });

  it('a one-read glitch and a bouncing contact are no passage; a level held past the debounce is one', () => {
    const t = sensor();
    t.timers.advance(100);
    const link = t.link();
    // One read high between lows: shorter than the debounce can see.
    link.lines.cts = true;
    t.timers.advance(50);
    link.lines.cts = false;
    t.timers.advance(200);
    expect(t.passages()).toHaveLength(0);
    // Bouncing: alternating on every read.
    for (let i = 0; i < 10; i++) {
      link.lines.cts = i % 2 === 0;
      t.timers.advance(50);
    }
    link.lines.cts = false;
    t.timers.advance(200);
    expect(t.passages()).toHaveLength(0);
    // Held: counted once, however long it stays.
    link.lines.cts = true;
    t.timers.advance(5_000);
    expect(t.passages()).toHaveLength(1);
  });

  it('reads the configured line, and a normally-closed contact when told so', () => {
    const t = sensor({ line: 'dcd', activeWhen: 'deasserted' });
    const link = t.link();
    link.lines.dcd = true; // closed contact: nothing in the passage
    t.timers.advance(100);
    expect(t.s.active).toBe(false);
    link.lines.cts = true;
    link.lines.dsr = true;
    t.timers.advance(200);
    expect(t.passages()).toHaveLength(0);
    link.lines.dcd = false; // the beam is broken
    t.timers.advance(200);
    expect(t.passages()).toHaveLength(1);
    expect(t.s.active).toBe(true);
  });

  it('the port gone: offline, no passage from the gap; back: ok, a fresh level, passages again', () => {
    const t = sensor();
    t.timers.advance(100);
    t.link().unplug();
    t.setPresent(false);
    expect(t.s.state).toBe('offline');
    expect(t.statuses.at(-1)).toMatchObject({ device: 'gate', state: 'offline', detail: 'closed' });
    t.timers.advance(3_000);
    expect(t.links).toHaveLength(1);
    t.setPresent(true);
    t.timers.advance(1_000);
    expect(t.links).toHaveLength(2);
    const second = t.link();
    // Plugged back with something already in the passage: that is the level now, not a passage.
    second.lines.cts = true;
    t.timers.advance(100);
    expect(t.s.state).toBe('ok');
    expect(t.passages()).toHaveLength(0);
    expect(t.events.at(-1)).toMatchObject({ kind: 'input', active: true });
    second.lines.cts = false;
    t.timers.advance(100);
    second.lines.cts = true;
    t.timers.advance(100);
    expect(t.passages()).toHaveLength(1);
  });

  it('a get() that fails takes the port down and reopens it', () => {
    const t = sensor();
    t.timers.advance(100);
    t.link().mode = 'fail';
    t.timers.advance(50);
    expect(t.s.state).toBe('offline');
    expect(t.statuses.at(-1)!.detail).toContain('cannot read CTS');
    t.timers.advance(1_000);
    expect(t.links).toHaveLength(2);
    t.timers.advance(50);
    expect(t.s.state).toBe('ok');
  });

  it('a port that stops answering is offline within the answer timeout', () => {
    const t = sensor({ answerTimeoutMs: 500 });
    t.timers.advance(100);
    t.link().mode = 'silent';
    const silentFrom = t.timers.now;
    t.timers.advance(500);
    expect(t.s.state).toBe('ok');
    t.timers.advance(100);
    expect(t.s.state).toBe('offline');
    expect(t.timers.now - silentFrom).toBeLessThanOrEqual(2_000);
    // Only one get() was outstanding the whole time: none piled up.
    expect(t.link().gets).toBe(3);
  });

  it('a port that cannot read its modem lines says so and stays offline', () => {
    const timers = new ManualTimers();
    const s = new ModemLineSensor({ path: '/dev/ttyS0', line: 'dsr', openSerial: () => new MemoryLink(), exists: () => true, clock: () => timers.now, timers });
    timers.advance(500);
    expect(s.state).toBe('offline');
    s.close();
    expect(timers.count).toBe(0);
  });

  it('close() stops polling and lets go of the port', () => {
    const t = sensor();
    t.timers.advance(100);
    t.s.close();
    const gets = t.link().gets;
    t.timers.advance(1_000);
    expect(t.link().gets).toBe(gets);
    expect(t.link().isOpen).toBe(false);
    expect(t.timers.count).toBe(0);
  });

  it('refuses a line that is not a modem status line', () => {
    expect(() => sensor({ line: 'rts' as never })).toThrow(RangeError);
  });
});
