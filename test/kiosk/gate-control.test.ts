// The gate at the checkpoint (issue 15), on the rules alone: a fake gate
// records every call and answers as told, a fake sensor reports passages
// and inputs, and time is a manual clock — nothing sleeps.
import { describe, expect, it } from 'vitest';
import type { GateInputEvent, GateInputs } from '../../drivers/contract.js';
import { Listeners } from '../../drivers/listeners.js';
import type { DeviceState } from '../../main/contract/devices.js';
import { GateControl, type GateControlOptions, type GateEvent } from '../../main/kiosk/gate-control.js';
import { ManualTimers } from '../fixtures/timers.js';
import { FakeGate, FakeInputs } from '../fixtures/fake-gate.js';

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2026, 10, 29, 8);

interface Rig {
  t: ManualTimers;
  gate: FakeGate;
  sensor: FakeInputs;
  control: GateControl;
  events: GateEvent[];
  /** Moves time on in 10 ms steps, letting the gate's answers (promises) settle between. */
  step(ms: number): Promise<void>;
  kinds(): string[];
  of<K extends GateEvent['kind']>(kind: K): Extract<GateEvent, { kind: K }>[];
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function rig(opts: { sensor?: boolean; gate?: boolean; emergencyIndex?: number } & Partial<Omit<GateControlOptions, 'gate' | 'sensor' | 'emergency'>> = {}): Rig {
  const t = new ManualTimers();
  t.now = START_MS;
  const gate = new FakeGate(t);
  const sensor = new FakeInputs(t);
  const events: GateEvent[] = [];
  const { sensor: withSensor = true, gate: withGate = true, emergencyIndex, ...rest } = opts;
  const control = new GateControl({
    gate: withGate ? gate : null,
    sensor: withSensor ? sensor : null,
    emergency: emergencyIndex === undefined ? null : { inputs: sensor, index: emergencyIndex },
    clock: () => t.now,
    timers: t,
    startOfDayMs: (ms) => Math.floor(ms / DAY_MS) * DAY_MS,
    onEvent: (e) => events.push(e),
    ...rest,
  });
  return {
    t,
    gate,
    sensor,
    control,
    events,
    async step(ms: number) {
      await settle();
      for (let left = ms; left > 0; left -= 10) {
        t.advance(Math.min(10, left));
        await settle();
      }
    },
    kinds: () => events.map((e) => e.kind),
    of: <K extends GateEvent['kind']>(kind: K) => events.filter((e): e is Extract<GateEvent, { kind: K }> => e.kind === kind),
  };
}

describe('an admit opens the gate once', () => {
  it('pulses the gate 500 ms for an admit, and never again for the same check', async () => {
    const r = rig();
    expect(r.control.admitted('c1')).toBe(true);
    await r.step(0);
    expect(r.gate.calls).toEqual(['open 500']);
    expect(r.of('opened')).toEqual([{ kind: 'opened', checkId: 'c1', atMs: START_MS, how: 'pulse', override: false }]);
    expect(r.control.state().gate).toBe('open');
    // The same check again (a replayed event, a double call): nothing.
    expect(r.control.admitted('c1')).toBe(false);
    expect(r.control.overrideAdmitted('c1')).toBe(false);
    await r.step(1000);
    expect(r.gate.calls).toEqual(['open 500']);
    // Closed after the pulse and the gap.
    expect(r.of('closed')).toEqual([{ kind: 'closed', checkId: 'c1', atMs: START_MS + 750 }]);
    expect(r.control.state().gate).toBe('ready');
  });

  it('review and deny never reach the gate; a check not logged neither', async () => {
    const r = rig();
    expect(r.control.decided('c1', 'review')).toBe(false);
    expect(r.control.decided('c2', 'deny')).toBe(false);
    expect(r.control.decided(null, 'admit')).toBe(false);
    await r.step(6000);
    expect(r.gate.calls).toEqual([]);
    expect(r.events).toEqual([]);
    expect(r.control.passageOf('c1')).toBeNull();
    expect(r.control.decided('c3', 'admit')).toBe(true);
    await r.step(0);
    expect(r.gate.calls).toEqual(['open 500']);
  });

  it("a supervisor's override to admit opens it", async () => {
    const r = rig();
    r.control.decided('c1', 'review');
    await r.step(2000);
    expect(r.control.overrideAdmitted('c1')).toBe(true);
    await r.step(0);
    expect(r.gate.calls).toEqual(['open 500']);
    expect(r.of('opened')[0]).toMatchObject({ checkId: 'c1', override: true });
  });

  it('pulses as long as configured', async () => {
    const r = rig({ pulseMs: 1200 });
    r.control.admitted('c1');
    await r.step(0);
    expect(r.gate.calls).toEqual(['open 1200']);
  });

  it("'potential' mode holds the gate for openSeconds, then releases it", async () => {
    const r = rig({ mode: 'potential', openSeconds: 3, sensor: false });
    r.control.admitted('c1');
    await r.step(0);
    expect(r.gate.calls).toEqual(['hold']);
    expect(r.of('opened')[0]).toMatchObject({ how: 'hold' });
    await r.step(2990);
    expect(r.gate.calls).toEqual(['hold']);
    await r.step(10);
    expect(r.gate.calls).toEqual(['hold', 'release']);
    await r.step(300);
    expect(r.of('closed')).toHaveLength(1);
    expect(r.gate.isOpen).toBe(false);
  });

  it('rejects nonsense settings', () => {
    expect(() => rig({ pulseMs: 0 })).toThrow(RangeError);
    expect(() => rig({ passSeconds: Number.NaN })).toThrow(RangeError);
  });
});

describe('a second admit while the gate is open', () => {
  it('without a sensor: opens again once the pulse has ended and the contact rested', async () => {
    const r = rig({ sensor: false });
    r.control.admitted('c1');
    await r.step(200);
    r.control.admitted('c2');
    await r.step(0);
    // Sent now, the driver would ignore it (and a turnstile would still count one passage).
    expect(r.gate.calls).toEqual(['open 500']);
    expect(r.control.passageOf('c2')).toMatchObject({ state: 'passed', confirmed: false, how: 'no-sensor' });
    expect(r.control.state().queued).toBe(1);
    await r.step(540);
    expect(r.gate.calls).toEqual(['open 500']);
    await r.step(10);
    expect(r.gate.calls).toEqual(['open 500', 'open 500']);
    expect(r.of('opened').map((e) => [e.checkId, e.atMs - START_MS])).toEqual([
      ['c1', 0],
      ['c2', 750],
    ]);
  });

  it("waits for the driver's own pulse when it runs longer than asked", async () => {
    const r = rig({ sensor: false });
    r.gate.extraPulseMs = 600;
    r.control.admitted('c1');
    r.control.admitted('c2');
    await r.step(1000);
    expect(r.gate.opens).toBe(1);
    await r.step(300);
    // The driver's pulse ended at 1100; the next check of it, at 1250, opens.
    expect(r.of('opened').map((e) => e.atMs - START_MS)).toEqual([0, 1250]);
  });

  it('with a sensor: opens for the next traveller once the one before has passed', async () => {
    const r = rig();
    r.control.admitted('c1');
    await r.step(300);
    r.control.admitted('c2');
    await r.step(1700);
    expect(r.gate.opens).toBe(1);
    expect(r.control.passageOf('c2')).toEqual({ state: 'queued', admittedAtMs: START_MS + 300 });
    r.sensor.passage();
    await r.step(0);
    expect(r.gate.opens).toBe(2);
    // c2's time to pass runs from its own open, not from its scan.
    expect(r.control.passageOf('c2')).toEqual({ state: 'waiting', admittedAtMs: START_MS + 300, untilMs: START_MS + 2000 + 5000 });
  });

  it('in potential mode: the next hold after the release', async () => {
    const r = rig({ mode: 'potential', openSeconds: 2, sensor: false });
    r.control.admitted('c1');
    r.control.admitted('c2');
    await r.step(4600);
    expect(r.gate.calls).toEqual(['hold', 'release', 'hold', 'release']);
    expect(r.of('opened').map((e) => e.atMs - START_MS)).toEqual([0, 2250]);
  });
});

describe('passage', () => {
  it('a passage within passSeconds confirms the check', async () => {
    const r = rig();
    r.control.admitted('c1');
    await r.step(4990);
    r.sensor.passage();
    await r.step(0);
    expect(r.of('passed')).toEqual([{ kind: 'passed', checkId: 'c1', atMs: START_MS + 4990, confirmed: true, how: 'sensor' }]);
    expect(r.control.passageOf('c1')).toMatchObject({ state: 'passed', confirmed: true });
    expect(r.control.countsAsPassage('c1')).toBe(true);
    await r.step(10_000);
    expect(r.of('not-passed')).toEqual([]);
  });

  it('no passage within passSeconds: not-passed, referring to the check', async () => {
    const r = rig({ passSeconds: 5 });
    r.control.admitted('c1', START_MS - 80);
    await r.step(4990);
    expect(r.control.passageOf('c1')?.state).toBe('waiting');
    expect(r.control.countsAsPassage('c1')).toBe(true);
    await r.step(10);
    expect(r.of('not-passed')).toEqual([{ kind: 'not-passed', checkId: 'c1', atMs: START_MS + 5000, admittedAtMs: START_MS - 80, passSeconds: 5 }]);
    expect(r.control.passageOf('c1')).toEqual({ state: 'not-passed', admittedAtMs: START_MS - 80, atMs: START_MS + 5000 });
    // Anti-passback: the traveller never went through, their code may be shown again.
    expect(r.control.countsAsPassage('c1')).toBe(false);
    expect(r.control.countsAsPassage('unknown')).toBeNull();
    // They come back: a new check, a new open.
    r.control.admitted('c1b');
    await r.step(0);
    expect(r.gate.opens).toBe(2);
  });

  it('a passage with no admit waiting is a tailgate, counted today; a new day starts again from 0', async () => {
    const r = rig();
    r.sensor.passage();
    r.control.admitted('c1');
    await r.step(1000);
    r.sensor.passage();
    r.sensor.passage();
    await r.step(0);
    expect(r.of('passed').map((e) => e.checkId)).toEqual(['c1']);
    expect(r.of('tailgate')).toEqual([
      { kind: 'tailgate', atMs: START_MS, today: 1 },
      { kind: 'tailgate', atMs: START_MS + 1000, today: 2 },
    ]);
    expect(r.control.state().tailgatesToday).toBe(2);
    r.t.advance(DAY_MS);
    expect(r.control.state().tailgatesToday).toBe(0);
    r.sensor.passage();
    expect(r.of('tailgate').at(-1)).toMatchObject({ today: 1 });
  });

  it('a late passage, after the check was given up on, is a tailgate, not that check', async () => {
    const r = rig();
    r.control.admitted('c1');
    await r.step(5200);
    r.sensor.passage();
    expect(r.of('not-passed').map((e) => e.checkId)).toEqual(['c1']);
    expect(r.of('tailgate')).toHaveLength(1);
    expect(r.control.passageOf('c1')?.state).toBe('not-passed');
  });

  it('without a sensor every admit counts as passed (assumed), and nothing is ever not-passed', async () => {
    const r = rig({ sensor: false });
    r.control.admitted('c1');
    await r.step(0);
    expect(r.of('passed')).toEqual([{ kind: 'passed', checkId: 'c1', atMs: START_MS, confirmed: false, how: 'no-sensor' }]);
    await r.step(20_000);
    expect(r.of('not-passed')).toEqual([]);
    expect(r.control.countsAsPassage('c1')).toBe(true);
    expect(r.control.state().sensor).toBe('none');
  });

  it('without a gate the sensor still confirms (the guard lets them through)', async () => {
    const r = rig({ gate: false });
    r.control.admitted('c1');
    r.control.admitted('c2');
    r.sensor.passage();
    await r.step(6000);
    expect(r.of('passed').map((e) => e.checkId)).toEqual(['c1']);
    expect(r.of('not-passed').map((e) => e.checkId)).toEqual(['c2']);
    expect(r.control.state().gate).toBe('none');
  });
});

describe('a queue of travellers', () => {
  // Five admits 400 ms apart; four passages. Each traveller's gate opens when the one before
  // has gone (or timed out); passages are matched in order.
  it('five admits, four passages: the one who stayed behind is not-passed, the queue moves on', async () => {
    const r = rig();
    for (const id of ['A', 'B', 'C', 'D', 'E']) {
      r.control.admitted(id);
      await r.step(400);
    }
    expect(r.of('opened').map((e) => e.checkId)).toEqual(['A']);
    r.sensor.passage(); // A, at 2000
    await r.step(800);
    r.sensor.passage(); // B, at 2800
    await r.step(0);
    expect(r.of('opened').map((e) => [e.checkId, e.atMs - START_MS])).toEqual([
      ['A', 0],
      ['B', 2000],
      ['C', 2800],
    ]);
    // C never comes: 5 s after its open it is given up on, and D's gate opens.
    await r.step(5000);
    expect(r.of('not-passed').map((e) => [e.checkId, e.atMs - START_MS])).toEqual([['C', 7800]]);
    expect(r.of('opened').at(-1)).toMatchObject({ checkId: 'D', atMs: START_MS + 7800 });
    await r.step(1200);
    r.sensor.passage(); // D
    await r.step(1000);
    r.sensor.passage(); // E
    await r.step(10_000);
    expect(r.of('passed').map((e) => e.checkId)).toEqual(['A', 'B', 'D', 'E']);
    expect(r.of('passed').every((e) => e.confirmed)).toBe(true);
    expect(r.of('not-passed').map((e) => e.checkId)).toEqual(['C']);
    expect(r.of('tailgate')).toEqual([]);
    expect(r.gate.opens).toBe(5);
    expect(['A', 'B', 'C', 'D', 'E'].map((id) => r.control.countsAsPassage(id))).toEqual([true, true, false, true, true]);
    expect(r.control.state()).toMatchObject({ queued: 0, waiting: 0, gate: 'ready' });
  });

  it('five admits in quick succession, four quick passages: the last is not-passed', async () => {
    const r = rig();
    for (const id of ['A', 'B', 'C', 'D', 'E']) r.control.admitted(id);
    await r.step(0);
    expect(r.gate.opens).toBe(1);
    for (let i = 0; i < 4; i++) {
      await r.step(900);
      r.sensor.passage();
    }
    await r.step(5000);
    expect(r.of('passed').map((e) => e.checkId)).toEqual(['A', 'B', 'C', 'D']);
    expect(r.of('not-passed').map((e) => e.checkId)).toEqual(['E']);
    expect(r.gate.opens).toBe(5);
    // One open per admit, each after the previous passage (and never inside a pulse).
    expect(r.of('opened').map((e) => e.atMs - START_MS)).toEqual([0, 900, 1800, 2700, 3600]);
  });

  it('two people through one open: the second is a tailgate, and the next admit still gets its own open', async () => {
    const r = rig();
    r.control.admitted('A');
    r.control.admitted('B');
    await r.step(500);
    r.sensor.passage();
    r.sensor.passage();
    // B's gate has not opened yet (A's pulse is still on): the second body through is nobody's admit.
    expect(r.of('passed').map((e) => e.checkId)).toEqual(['A']);
    expect(r.of('tailgate')).toMatchObject([{ today: 1 }]);
    expect(r.control.passageOf('B')?.state).toBe('queued');
    await r.step(250);
    expect(r.of('opened').map((e) => [e.checkId, e.atMs - START_MS])).toEqual([
      ['A', 0],
      ['B', 750],
    ]);
    await r.step(5000);
    expect(r.of('not-passed').map((e) => e.checkId)).toEqual(['B']);
  });
});

describe('out of order', () => {
  it('open() resolving false: out of order, the kiosk goes on, the next confirmed open recovers', async () => {
    const r = rig({ sensor: false });
    r.gate.answers.push(false);
    r.control.admitted('c1');
    await r.step(0);
    expect(r.of('out-of-order')).toEqual([{ kind: 'out-of-order', atMs: START_MS, detail: 'the gate did not confirm', checkId: 'c1' }]);
    expect(r.control.state()).toMatchObject({ gate: 'out-of-order', outOfOrder: true, detail: 'the gate did not confirm' });
    expect(r.of('opened')).toEqual([]);
    // Still counted as passed (no sensor): the guard opened by hand.
    expect(r.control.passageOf('c1')?.state).toBe('passed');
    // The driver still calls itself ready: the next admit is tried, and its confirmation is the recovery.
    r.control.admitted('c2');
    await r.step(0);
    expect(r.gate.calls).toEqual(['open 500', 'open 500']);
    expect(r.kinds()).toEqual(['passed', 'out-of-order', 'passed', 'back-in-order', 'opened']);
    expect(r.control.state().outOfOrder).toBe(false);
  });

  it('open() rejecting is out of order too, with its reason', async () => {
    const r = rig();
    r.gate.answers.push(new Error('EIO'));
    r.control.admitted('c1');
    await r.step(0);
    expect(r.of('out-of-order')[0]).toMatchObject({ detail: 'the gate failed: EIO', checkId: 'c1' });
    // The guard lets them through by hand: the sensor still confirms.
    r.sensor.passage();
    expect(r.of('passed')).toMatchObject([{ checkId: 'c1', confirmed: true }]);
  });

  it('a driver that goes offline: nothing is sent, admits are the guard’s, and it recovers when the driver is back — without replaying opens', async () => {
    const r = rig();
    r.gate.setState('offline', 'relay board unplugged');
    expect(r.of('out-of-order')).toEqual([{ kind: 'out-of-order', atMs: START_MS, detail: 'relay board unplugged', checkId: null }]);
    r.control.admitted('c1');
    await r.step(100);
    expect(r.gate.calls).toEqual([]);
    expect(r.of('not-opened')).toEqual([{ kind: 'not-opened', checkId: 'c1', atMs: START_MS, detail: 'gate offline' }]);
    expect(r.control.state()).toMatchObject({ gate: 'out-of-order', detail: 'gate offline', waiting: 1 });
    r.sensor.passage();
    expect(r.of('passed').map((e) => e.checkId)).toEqual(['c1']);
    r.gate.setState('ok', 'relay board on /dev/ttyUSB0');
    expect(r.of('back-in-order')).toEqual([{ kind: 'back-in-order', atMs: START_MS + 100, detail: 'relay board on /dev/ttyUSB0' }]);
    await r.step(1000);
    expect(r.gate.calls).toEqual([]);
    r.control.admitted('c2');
    await r.step(0);
    expect(r.gate.calls).toEqual(['open 500']);
  });

  it('a driver offline at the start is out of order from the start', () => {
    const t = new ManualTimers();
    const gate = new FakeGate(t);
    gate.state = 'offline';
    const control = new GateControl({ gate, sensor: null, clock: () => t.now, timers: t, startOfDayMs: () => 0, onEvent: () => undefined });
    expect(control.state()).toMatchObject({ gate: 'out-of-order', outOfOrder: true });
  });

  it('offline mid-pulse: the pulse is over, the travellers queued are handed to the guard, none opened later', async () => {
    const r = rig();
    r.control.admitted('c1');
    r.control.admitted('c2');
    r.control.admitted('c3');
    await r.step(200);
    r.gate.setState('offline', 'no answer');
    await r.step(0);
    expect(r.of('not-opened').map((e) => e.checkId)).toEqual(['c2', 'c3']);
    expect(r.control.state()).toMatchObject({ queued: 0, waiting: 3 });
    r.gate.setState('ok');
    await r.step(10_000);
    expect(r.gate.calls).toEqual(['open 500']);
    // Nobody passed (the sensor saw no one): all three not-passed, each referring to its own check.
    expect(r.of('not-passed').map((e) => e.checkId)).toEqual(['c1', 'c2', 'c3']);
  });

  it('offline while the open is unanswered: the late answer is ignored', async () => {
    const r = rig({ sensor: false });
    r.gate.answers.push('later');
    r.control.admitted('c1');
    await r.step(0);
    r.gate.setState('offline');
    r.gate.later[0]!(false);
    await r.step(0);
    expect(r.of('out-of-order')).toHaveLength(1);
    r.gate.setState('ok');
    expect(r.control.state().outOfOrder).toBe(false);
  });

  it('offline mid-hold (potential mode): released at once, so the hold does not come back with the link', async () => {
    const r = rig({ mode: 'potential', sensor: false });
    r.control.admitted('c1');
    await r.step(1000);
    r.gate.setState('offline');
    await r.step(0);
    expect(r.gate.calls).toEqual(['hold', 'release']);
    await r.step(10_000);
    expect(r.gate.calls).toEqual(['hold', 'release']);
  });

  it('a release that fails is out of order', async () => {
    const r = rig({ mode: 'potential', openSeconds: 1, sensor: false });
    r.gate.answers.push(true, false);
    r.control.admitted('c1');
    await r.step(1000);
    expect(r.of('out-of-order')).toMatchObject([{ checkId: 'c1' }]);
  });
});

describe('the passage sensor offline', () => {
  it('admits while it is offline count as passed (assumed), and the queue does not wait for passages', async () => {
    const r = rig();
    r.sensor.setState('offline');
    r.control.admitted('c1');
    r.control.admitted('c2');
    await r.step(800);
    expect(r.of('passed')).toMatchObject([
      { checkId: 'c1', confirmed: false, how: 'sensor-offline' },
      { checkId: 'c2', confirmed: false, how: 'sensor-offline' },
    ]);
    expect(r.gate.opens).toBe(2);
    await r.step(10_000);
    expect(r.of('not-passed')).toEqual([]);
    expect(r.control.state().sensor).toBe('offline');
  });

  it('lost while a traveller waits: never not-passed on a sensor that was not watching, and the queue moves on', async () => {
    const r = rig();
    r.control.admitted('c1');
    r.control.admitted('c2');
    await r.step(1000);
    expect(r.gate.opens).toBe(1);
    r.sensor.setState('offline');
    await r.step(0);
    // c2's open no longer waits for c1's passage.
    expect(r.gate.opens).toBe(2);
    r.sensor.setState('ok');
    await r.step(10_000);
    // c2 was opened for while the sensor was down: counted as passed then; c1 when its time ran out.
    expect(r.of('passed')).toMatchObject([
      { checkId: 'c2', atMs: START_MS + 1000, confirmed: false, how: 'sensor-offline' },
      { checkId: 'c1', atMs: START_MS + 5000, confirmed: false, how: 'sensor-offline' },
    ]);
    expect(r.of('not-passed')).toEqual([]);
  });
  it('a sensor that reports no status: its state is read when a traveller’s time runs out', async () => {
    const t = new ManualTimers();
    const gate = new FakeGate(t);
    const events: GateEvent[] = [];
    const inputs = new Listeners<GateInputEvent>();
    // Only what GateInputs promises: a state, and inputs.
    const sensor: GateInputs = { state: 'ok', onInput: (l) => inputs.add(l), close: () => undefined };
    const control = new GateControl({ gate, sensor, clock: () => t.now, timers: t, startOfDayMs: () => 0, onEvent: (e) => events.push(e) });
    control.admitted('c1');
    (sensor as { state: DeviceState }).state = 'offline';
    t.advance(5000);
    expect(events.filter((e) => e.kind === 'passed' || e.kind === 'not-passed')).toMatchObject([{ kind: 'passed', checkId: 'c1', how: 'sensor-offline' }]);
  });
});

describe('free passage (emergency)', () => {
  it('the emergency input in alarm holds the gate open; admits open nothing and count as passed; its return ends it', async () => {
    const r = rig({ emergencyIndex: 2 });
    r.sensor.input(2, false); // the first report: all well
    r.sensor.input(1, true); // another input: nothing
    expect(r.events).toEqual([]);
    r.sensor.input(2, true);
    await r.step(0);
    expect(r.of('free-passage-started')).toEqual([{ kind: 'free-passage-started', atMs: START_MS, cause: 'input', actor: 'input 2' }]);
    expect(r.gate.calls).toEqual(['hold']);
    expect(r.control.state()).toMatchObject({ gate: 'free-passage', outOfOrder: false, freePassage: { since: START_MS, technician: null, input: true } });
    r.control.admitted('c1');
    r.sensor.passage();
    r.sensor.passage();
    await r.step(10_000);
    expect(r.gate.calls).toEqual(['hold']);
    expect(r.of('passed')).toMatchObject([{ checkId: 'c1', confirmed: false, how: 'free-passage' }]);
    expect(r.of('tailgate')).toEqual([]);
    // The same level again (a module's report after reconnecting): nothing new.
    r.sensor.input(2, true);
    r.sensor.input(2, false);
    await r.step(0);
    expect(r.of('free-passage-ended')).toEqual([{ kind: 'free-passage-ended', atMs: START_MS + 10_000, cause: 'input', actor: 'input 2' }]);
    expect(r.gate.calls).toEqual(['hold', 'release']);
    expect(r.control.state()).toMatchObject({ gate: 'ready', freePassage: null });
    r.control.admitted('c2');
    await r.step(0);
    expect(r.gate.calls).toEqual(['hold', 'release', 'open 500']);
  });

  it('a technician switches it on; the input returning does not end it, the technician does', async () => {
    const r = rig({ emergencyIndex: 0 });
    r.sensor.input(0, true);
    r.control.startFreePassage('tech:li');
    r.sensor.input(0, false);
    await r.step(0);
    expect(r.control.state().gate).toBe('free-passage');
    expect(r.gate.calls).toEqual(['hold']);
    r.control.endFreePassage('tech:li');
    await r.step(0);
    expect(r.gate.calls).toEqual(['hold', 'release']);
    expect(r.kinds()).toEqual(['free-passage-started', 'free-passage-ended']);
    expect(r.of('free-passage-ended')[0]).toMatchObject({ cause: 'technician', actor: 'tech:li' });
  });

  it('a technician ends it while the input is still in alarm: it starts again only on a new alarm', async () => {
    const r = rig({ emergencyIndex: 0 });
    r.sensor.input(0, true);
    r.control.endFreePassage('tech:li');
    r.sensor.input(0, true);
    await r.step(0);
    expect(r.control.state().gate).toBe('ready');
    r.sensor.input(0, false);
    r.sensor.input(0, true);
    await r.step(0);
    expect(r.kinds()).toEqual(['free-passage-started', 'free-passage-ended', 'free-passage-started']);
  });

  it('an alarm on a normally-open contact wired as inactive = alarm', async () => {
    const t = new ManualTimers();
    const gate = new FakeGate(t);
    const inputs = new FakeInputs(t);
    const events: GateEvent[] = [];
    new GateControl({ gate, sensor: null, emergency: { inputs, index: 3, alarmWhenActive: false }, clock: () => t.now, timers: t, startOfDayMs: () => 0, onEvent: (e) => events.push(e) });
    inputs.input(3, true);
    inputs.input(3, false);
    expect(events.map((e) => e.kind)).toEqual(['free-passage-started']);
  });

  it('entering free passage takes over a pulse and the queue: everyone admitted may walk through', async () => {
    const r = rig();
    r.control.admitted('A');
    r.control.admitted('B');
    await r.step(100);
    r.control.startFreePassage('tech:li');
    await r.step(0);
    expect(r.gate.calls).toEqual(['open 500', 'hold']);
    expect(r.of('passed')).toMatchObject([
      { checkId: 'A', how: 'free-passage' },
      { checkId: 'B', how: 'free-passage' },
    ]);
    await r.step(10_000);
    expect(r.gate.calls).toEqual(['open 500', 'hold']);
    expect(r.of('not-passed')).toEqual([]);
    expect(r.of('closed')).toEqual([]);
  });

  it('a hold that fails: free passage on screen, out of order for the technician; the driver coming back recovers', async () => {
    const r = rig();
    r.gate.answers.push(false);
    r.control.startFreePassage('tech:li');
    await r.step(0);
    expect(r.control.state()).toMatchObject({ gate: 'free-passage', outOfOrder: true });
    expect(r.kinds()).toEqual(['free-passage-started', 'out-of-order']);
    r.gate.setState('offline');
    r.gate.setState('ok');
    expect(r.control.state()).toMatchObject({ gate: 'free-passage', outOfOrder: false });
  });
});

describe('closing', () => {
  it('drops every timer and listener, and releases a hold for an admit', async () => {
    const r = rig({ mode: 'potential' });
    r.control.admitted('c1');
    r.control.admitted('c2');
    await r.step(100);
    r.control.close();
    await r.step(0);
    expect(r.gate.calls).toEqual(['hold', 'release']);
    // Only the fake driver's own timers may be left; the control's are gone.
    r.sensor.passage();
    r.gate.setState('offline');
    expect(r.control.admitted('c3')).toBe(false);
    expect(r.events.map((e) => e.kind)).toEqual(['opened']);
    expect(r.t.count).toBe(0);
  });
});

describe("a technician's Test open", () => {
  it('opens once for no check, says the device confirmed it, and a passage in its window is nobody’s tailgate', async () => {
    const r = rig({ passSeconds: 5 });
    expect(await r.control.testOpen('technician')).toEqual({ outcome: 'opened', detail: 'opened for 500 ms' });
    expect(r.gate.calls).toEqual(['open 500']);
    expect(r.of('test-opened')).toEqual([{ kind: 'test-opened', atMs: START_MS, actor: 'technician', confirmed: true, detail: 'opened for 500 ms' }]);
    // Whoever walks through the test is neither an admit's passage nor a tailgate, but it is seen.
    await r.step(2000);
    r.sensor.passage();
    expect(r.of('tailgate')).toEqual([]);
    expect(r.of('opened')).toEqual([]);
    expect(r.control.state().lastPassageAtMs).toBe(START_MS + 2000);
    // After the window a passage with nobody admitted is a tailgate again.
    await r.step(4000);
    r.sensor.passage();
    expect(r.of('tailgate')).toHaveLength(1);
  });

  it('holds for openSeconds in potential mode, then releases', async () => {
    const r = rig({ mode: 'potential', openSeconds: 3 });
    expect(await r.control.testOpen('technician')).toMatchObject({ outcome: 'opened', detail: 'held open for 3 s' });
    await r.step(3000);
    expect(r.gate.calls).toEqual(['hold', 'release']);
  });

  it('a gate that does not confirm: noAnswer and out of order; the next confirmed Test open recovers it', async () => {
    const r = rig();
    r.gate.answers.push(false);
    expect(await r.control.testOpen('technician')).toMatchObject({ outcome: 'noAnswer' });
    expect(r.control.state()).toMatchObject({ gate: 'out-of-order', outOfOrder: true });
    expect(r.kinds()).toEqual(['out-of-order', 'test-opened']);
    expect(await r.control.testOpen('technician')).toMatchObject({ outcome: 'opened' });
    expect(r.control.state().outOfOrder).toBe(false);
    expect(r.kinds()).toEqual(['out-of-order', 'test-opened', 'back-in-order', 'test-opened']);
  });

  it('refused while the gate opens for a traveller, while free passage holds it, and without a gate', async () => {
    const r = rig();
    r.control.admitted('c1');
    await r.step(0);
    expect(await r.control.testOpen('technician')).toMatchObject({ outcome: 'busy' });
    await r.step(1000);
    r.control.startFreePassage('technician');
    await r.step(0);
    expect(await r.control.testOpen('technician')).toMatchObject({ outcome: 'freePassage' });
    expect(r.gate.calls).toEqual(['open 500', 'hold']);
    expect(await rig({ gate: false }).control.testOpen('technician')).toMatchObject({ outcome: 'noGate' });
  });

  it('an admit during a Test open waits for it, then gets its own open', async () => {
    const r = rig({ sensor: false });
    await r.control.testOpen('technician');
    r.control.admitted('c1');
    await r.step(0);
    expect(r.gate.calls).toEqual(['open 500']);
    await r.step(800);
    expect(r.gate.calls).toEqual(['open 500', 'open 500']);
    expect(r.of('opened').map((e) => e.checkId)).toEqual(['c1']);
  });
});

describe('what the guard and the technician see', () => {
  it('counts not-passed admits today and keeps the last one for the guard', async () => {
    const r = rig({ passSeconds: 5 });
    r.control.admitted('c1', START_MS - 100);
    await r.step(5000);
    expect(r.control.state()).toMatchObject({ notPassedToday: 1, lastNotPassed: { checkId: 'c1', admittedAtMs: START_MS - 100, atMs: START_MS + 5000 } });
    r.control.admitted('c2');
    await r.step(6000);
    expect(r.control.state()).toMatchObject({ notPassedToday: 2, lastNotPassed: { checkId: 'c2' } });
    r.t.advance(DAY_MS);
    expect(r.control.state().notPassedToday).toBe(0);
  });

  it("the emergency input's level: unknown until reported, then normal or alarm", async () => {
    const r = rig({ emergencyIndex: 3 });
    expect(r.control.state().emergencyInput).toBe('unknown');
    r.sensor.input(3, false);
    expect(r.control.state().emergencyInput).toBe('normal');
    r.sensor.input(3, true);
    await r.step(0);
    expect(r.control.state().emergencyInput).toBe('alarm');
    expect(rig().control.state().emergencyInput).toBe('none');
  });

  it('free passage a technician switched on before a restart holds the gate from the start', async () => {
    const r = rig({ freePassageBy: 'technician (gate.freePassage)' });
    await r.step(0);
    expect(r.gate.calls).toEqual(['hold']);
    expect(r.control.state()).toMatchObject({ gate: 'free-passage', freePassage: { technician: 'technician (gate.freePassage)', input: false } });
    r.control.endFreePassage('technician');
    await r.step(0);
    expect(r.gate.calls).toEqual(['hold', 'release']);
  });
});
