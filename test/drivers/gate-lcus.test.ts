// LCUS serial relay boards: the frame encoder against the examples and
// hand-computed frames; the driver on an in-memory port under an injected
// clock (pulses, holds, reconnection, close, write failures); and on real
// pseudo-terminals (socat) with a board simulator in a process of its own
// at the far end that records every byte with its own receive times, so
// the pulse is measured where a relay would see it.
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { openSerialPort } from '../../drivers/bindings.js';
import type { DriverStatus } from '../../drivers/contract.js';
import { lcusFrame, LcusGate, type LcusGateOptions } from '../../drivers/gate/lcus.js';
import { PtyPair } from '../fixtures/pty.js';
import { LcusBoardSimulator } from '../fixtures/lcus-board.js';
import { MemoryLink } from '../fixtures/serial.js';
import { ManualTimers } from '../fixtures/timers.js';
import { tempDir } from '../fixtures/tmp.js';
import { until } from '../fixtures/until.js';

const missing = inject('socatMissing');

const ON = [0xa0, 0x01, 0x01, 0xa2];
const OFF = [0xa0, 0x01, 0x00, 0xa1];

describe('LCUS frames', () => {
  it('the examples: channel 1 on A0 01 01 A2, off A0 01 00 A1', () => {
    expect([...lcusFrame(1, true)]).toEqual(ON);
    expect([...lcusFrame(1, false)]).toEqual(OFF);
  });

  it('channels 1–8, on and off, as computed by hand', () => {
    // checksum = A0 + channel + op, low byte
    const byHand: Record<number, [number[], number[]]> = {
      1: [
        [0xa0, 0x01, 0x01, 0xa2],
        [0xa0, 0x01, 0x00, 0xa1],
      ],
      2: [
        [0xa0, 0x02, 0x01, 0xa3],
        [0xa0, 0x02, 0x00, 0xa2],
      ],
      3: [
        [0xa0, 0x03, 0x01, 0xa4],
        [0xa0, 0x03, 0x00, 0xa3],
      ],
      4: [
        [0xa0, 0x04, 0x01, 0xa5],
        [0xa0, 0x04, 0x00, 0xa4],
      ],
      5: [
        [0xa0, 0x05, 0x01, 0xa6],
        [0xa0, 0x05, 0x00, 0xa5],
      ],
      6: [
        [0xa0, 0x06, 0x01, 0xa7],
        [0xa0, 0x06, 0x00, 0xa6],
      ],
      7: [
        [0xa0, 0x07, 0x01, 0xa8],
        [0xa0, 0x07, 0x00, 0xa7],
      ],
      8: [
        [0xa0, 0x08, 0x01, 0xa9],
        [0xa0, 0x08, 0x00, 0xa8],
      ],
    };
    for (let ch = 1; ch <= 8; ch++) {
      expect([...lcusFrame(ch, true)]).toEqual(byHand[ch]![0]);
      expect([...lcusFrame(ch, false)]).toEqual(byHand[ch]![1]);
    }
  });

  it('the checksum keeps its low byte (A0 + 60 + 01 = 0x101 → 01)', () => {
    expect([...lcusFrame(0x60, true)]).toEqual([0xa0, 0x60, 0x01, 0x01]);
    expect([...lcusFrame(0xff, false)]).toEqual([0xa0, 0xff, 0x00, 0x9f]);
  });

  it('refuses channels a frame cannot carry', () => {
    for (const bad of [0, -1, 256, 1.5, Number.NaN]) expect(() => lcusFrame(bad, true)).toThrow(RangeError);
  });
});

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An in-memory port whose drain the test controls: at once (default), failing, or never. */
class DrainLink extends MemoryLink {
  drainMode: 'ok' | 'fail' | 'never' = 'ok';
  drain(cb: (err: Error | null) => void): void {
    if (this.drainMode === 'ok') cb(null);
    else if (this.drainMode === 'fail') cb(new Error('Input/output error'));
  }
}

function memoryGate(extra: Partial<LcusGateOptions> = {}) {
  const timers = new ManualTimers();
  timers.now = 2_000_000;
  const links: DrainLink[] = [];
  let present = true;
  const gate = new LcusGate({
    path: '/dev/ttyUSB3',
    openSerial: () => {
      const l = new DrainLink();
      links.push(l);
      return l;
    },
    exists: () => present,
    clock: () => timers.now,
    timers,
    ...extra,
  });
  const statuses: DriverStatus[] = [];
  gate.onStatus((s) => statuses.push(s));
  const bytes = (link = links.at(-1)!) => link.written.map((w) => [...w]);
  return { gate, timers, links, statuses, bytes, setPresent: (p: boolean) => (present = p) };
}

describe('LCUS gate on an in-memory port', () => {
  it('on connect, the relay is set off; open(): "on", then "off" after exactly the pulse', async () => {
    const t = memoryGate();
    expect(t.gate.state).toBe('ok');
    expect(t.bytes()).toEqual([OFF]);
    expect(await t.gate.open(500)).toBe(true);
    expect(t.gate.isOpen).toBe(true);
    t.timers.advance(499);
    expect(t.bytes()).toEqual([OFF, ON]);
    t.timers.advance(1);
    expect(t.bytes()).toEqual([OFF, ON, OFF]);
    expect(t.gate.isOpen).toBe(false);
    t.gate.close();
  });

  it('one admit, one pulse: a second open() during the pulse is the same promise and sends nothing', async () => {
    const t = memoryGate();
    const first = t.gate.open(500);
    expect(t.gate.open(500)).toBe(first);
    expect(await first).toBe(true);
    t.timers.advance(400);
    expect(t.gate.open(2_000)).toBe(first);
    t.timers.advance(100);
    expect(t.bytes()).toEqual([OFF, ON, OFF]);
    // Not extended by the later call.
    t.timers.advance(5_000);
    expect(t.bytes()).toEqual([OFF, ON, OFF]);
    expect(t.gate.counters.pulses).toBe(1);
    t.gate.close();
  });

  it('a hold is re-sent when the port comes back; release() switches off', async () => {
    const t = memoryGate();
    expect(await t.gate.hold()).toBe(true);
    expect(await t.gate.open(500)).toBe(true);
    expect(t.bytes()).toEqual([OFF, ON]);
    t.links[0]!.emit('close');
    t.setPresent(false);
    expect(t.gate.state).toBe('offline');
    expect(t.gate.isOpen).toBe(false);
    expect(t.statuses.at(-1)).toMatchObject({ device: 'gate', state: 'offline', detail: 'closed' });
    expect(await t.gate.open(500)).toBe(true); // the hold is still in force, nothing sent
    t.timers.advance(2_000);
    t.setPresent(true);
    t.timers.advance(1_000);
    expect(t.links).toHaveLength(2);
    expect(t.bytes()).toEqual([ON]);
    expect(t.gate.isOpen).toBe(true);
    expect(await t.gate.release()).toBe(true);
    expect(t.bytes()).toEqual([ON, OFF]);
    t.gate.close();
  });

  it('a pulse cut by an unplug is not resumed: the port comes back with the relay off', async () => {
    const t = memoryGate();
    expect(await t.gate.open(500)).toBe(true);
    t.links[0]!.emit('close');
    t.timers.advance(1_000);
    expect(t.bytes(t.links[0])).toEqual([OFF, ON]);
    expect(t.bytes()).toEqual([OFF]);
    expect(t.gate.state).toBe('ok');
    t.gate.close();
  });

  it('close(): "off" when the relay was on, then the port closed; nothing sent when it was off', async () => {
    const t = memoryGate();
    expect(await t.gate.open(5_000)).toBe(true);
    t.gate.close();
    await settle();
    expect(t.bytes()).toEqual([OFF, ON, OFF]);
    expect(t.links[0]!.isOpen).toBe(false);
    // The pulse's own "off" is not sent again later.
    t.timers.advance(10_000);
    expect(t.bytes()).toEqual([OFF, ON, OFF]);

    const quiet = memoryGate();
    quiet.gate.close();
    expect(quiet.bytes()).toEqual([OFF]);
    expect(quiet.links[0]!.isOpen).toBe(false);
    expect(quiet.timers.count).toBe(0);
  });

  it('a write that fails: false, offline and said; the port is reopened and the relay set off', async () => {
    const t = memoryGate();
    t.links[0]!.drainMode = 'fail';
    expect(await t.gate.open(500)).toBe(false);
    expect(t.gate.state).toBe('offline');
    expect(t.statuses.at(-1)).toMatchObject({ device: 'gate', state: 'offline', detail: 'write failed: Input/output error' });
    expect(t.links[0]!.isOpen).toBe(false);
    // Offline: refused at once, nothing written.
    expect(await t.gate.open(500)).toBe(false);
    expect(t.bytes(t.links[0])).toEqual([OFF, ON]);
    t.timers.advance(1_000);
    expect(t.gate.state).toBe('ok');
    expect(t.bytes()).toEqual([OFF]);
    expect(t.gate.counters.failedWrites).toBe(1);
    t.gate.close();
  });

  it('a write that never leaves: offline after the write timeout', async () => {
    const t = memoryGate({ writeTimeoutMs: 300 });
    t.links[0]!.drainMode = 'never';
    let result: boolean | null = null;
    void t.gate.open(500).then((r) => (result = r));
    t.timers.advance(299);
    await settle();
    expect(result).toBeNull();
    t.timers.advance(1);
    await settle();
    expect(result).toBe(false);
    expect(t.gate.state).toBe('offline');
    expect(t.statuses.at(-1)!.detail).toBe('frame not written within 300 ms');
    t.gate.close();
  });

  it('refuses a bad channel at construction and a pulse that is not a duration', () => {
    expect(() => memoryGate({ channel: 0 })).toThrow(RangeError);
    const t = memoryGate({ channel: 4 });
    expect(t.bytes()).toEqual([[0xa0, 0x04, 0x00, 0xa4]]);
    expect(() => t.gate.open(0)).toThrow(RangeError);
    expect(() => t.gate.open(Number.NaN)).toThrow(RangeError);
    t.gate.close();
  });
});

/** Resolves with the gate's next status in `state`. */
function nextStatus(gate: LcusGate, state: 'ok' | 'offline'): Promise<DriverStatus> {
  return new Promise((resolve) => {
    const off = gate.onStatus((s) => {
      if (s.state !== state) return;
      off();
      resolve(s);
    });
  });
}

describe.skipIf(missing !== '')('LCUS gate on pseudo-terminals', () => {
  let pty: PtyPair;
  let board: LcusBoardSimulator;
  /** The board's end is listening: only then is the device "there" for the gate (a replug is one moment). */
  let present = false;
  const closers: (() => void | Promise<void>)[] = [];

  async function plugBoard(): Promise<LcusBoardSimulator> {
    await pty.plug();
    board = new LcusBoardSimulator();
    await board.start(pty.module);
    present = true;
    return board;
  }

  async function unplugBoard(): Promise<void> {
    present = false;
    await board.stop();
    await pty.unplug();
  }

  async function gateOnPty(channel = 1): Promise<LcusGate> {
    const gate = new LcusGate({ path: pty.kiosk, channel, openSerial: openSerialPort, clock: Date.now, exists: (p) => present && fs.existsSync(p) });
    closers.push(() => gate.close());
    const ok = nextStatus(gate, 'ok');
    await ok;
    // The relay set off on connect.
    await board.received(1);
    return gate;
  }

  beforeEach(async () => {
    pty = new PtyPair(tempDir('sentinel-lcus-'), 'lcus');
    await plugBoard();
  });
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    await unplugBoard();
  });

  it('exact bytes, and a pulse as long as asked (measured by the board)', async () => {
    const gate = await gateOnPty(3);
    expect(await gate.open(500)).toBe(true);
    await board.received(3);
    expect(board.bytes()).toEqual([
      [0xa0, 0x03, 0x00, 0xa3],
      [0xa0, 0x03, 0x01, 0xa4],
      [0xa0, 0x03, 0x00, 0xa3],
    ]);
    const pulse = board.frames[2]!.t - board.frames[1]!.t;
    expect(pulse).toBeGreaterThanOrEqual(400);
    expect(pulse).toBeLessThanOrEqual(600);
    // Closed once the "off" has left the kiosk's port, which the board may see first.
    await until(() => !gate.isOpen, 2_000, 'the "off" confirmed');
  });

  it('two opens in a row for one admit: one pulse on the line', async () => {
    const gate = await gateOnPty();
    const first = gate.open(300);
    const second = gate.open(300);
    expect(second).toBe(first);
    expect(await first).toBe(true);
    expect(gate.open(300)).toBe(first);
    await board.received(3);
    // The next admit's pulse follows directly: nothing came between.
    expect(await gate.open(200)).toBe(true);
    await board.received(5);
    expect(board.bytes()).toEqual([OFF, ON, OFF, ON, OFF]);
    const pulses = [board.frames[2]!.t - board.frames[1]!.t, board.frames[4]!.t - board.frames[3]!.t];
    expect(Math.abs(pulses[0]! - 300)).toBeLessThanOrEqual(100);
    expect(Math.abs(pulses[1]! - 200)).toBeLessThanOrEqual(100);
  });

  it('unplugged: offline, an open meanwhile is false at once; plugged back: ok, relay set off, opens again', async () => {
    const gate = await gateOnPty();
    const statuses: DriverStatus[] = [];
    gate.onStatus((s) => statuses.push(s));
    const offline = nextStatus(gate, 'offline');
    const unpluggedAt = Date.now();
    await unplugBoard();
    await offline;
    expect(Date.now() - unpluggedAt).toBeLessThan(2_000);
    const askedAt = performance.now();
    expect(await gate.open(500)).toBe(false);
    expect(performance.now() - askedAt).toBeLessThan(50);

    const ok = nextStatus(gate, 'ok');
    await plugBoard();
    await ok;
    await board.received(1);
    expect(await gate.open(200)).toBe(true);
    await board.received(3);
    expect(board.bytes()).toEqual([OFF, ON, OFF]);
    expect(statuses.map((s) => s.state)).toEqual(['offline', 'ok']);
    expect(gate.state).toBe('ok');
  });

  it('a hold survives an unplug ("on" again on replug); close() while held sends "off"', async () => {
    const gate = await gateOnPty();
    expect(await gate.hold()).toBe(true);
    await board.received(2);
    expect(board.bytes()).toEqual([OFF, ON]);
    const offline = nextStatus(gate, 'offline');
    await unplugBoard();
    await offline;
    const ok = nextStatus(gate, 'ok');
    await plugBoard();
    await ok;
    await board.received(1);
    expect(board.bytes()).toEqual([ON]);
    closers.length = 0;
    gate.close();
    await board.received(2);
    expect(board.bytes()).toEqual([ON, OFF]);
  });
});
