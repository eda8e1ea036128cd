// USB HID relay boards on an injected fake node-hid: the feature reports
// written, the state read back, a relay that does not switch, an unplugged
// and replugged board, several boards told apart by serial. Time is an
// injected clock; the fake's calls resolve at once, so a test settles them
// by letting pending callbacks run, never by waiting.
import { describe, expect, it } from 'vitest';
import type { DriverStatus, HidDeviceInfo, HidFeatureApi, HidFeatureDevice } from '../../drivers/contract.js';
import { hidRelayCountOf, HidRelayGate, hidRelayIsOn, hidRelayReport, hidRelaySerialOf, hidRelayStateOf, isHidRelay, type HidRelayGateOptions } from '../../drivers/gate/hid-relay.js';
import { ManualTimers } from '../fixtures/timers.js';

/** One USBRelay board: its relays' bitmask, what it was sent, and how it misbehaves. */
class FakeBoard {
  relays = 0;
  plugged = true;
  /** Relays (bitmask) whose contacts are welded: they never change. */
  stuck = 0;
  /** The state read back shows a switch only from the second read on. */
  slow = false;
  private pendingSlow = false;
  sent: number[][] = [];
  reads = 0;
  devices: FakeDevice[] = [];

  constructor(
    readonly serial: string,
    readonly path: string,
    readonly product = 'USBRelay2',
  ) {}

  get info(): HidDeviceInfo {
    return { vendorId: 0x16c0, productId: 0x05df, path: this.path, product: this.product };
  }

  send(data: number[]): void {
    this.sent.push([...data]);
    const bit = 1 << (data[2]! - 1);
    if (this.stuck & bit) return;
    if (data[1] === 0xff) this.relays |= bit;
    else if (data[1] === 0xfd) this.relays &= ~bit;
    this.pendingSlow = this.slow;
  }

  report(): number[] {
    this.reads++;
    const shown = this.pendingSlow ? this.relays ^ 0xff : this.relays;
    this.pendingSlow = false;
    return [...Buffer.from(this.serial.padEnd(5, '\0').slice(0, 5), 'latin1'), 0, 0, shown & 0xff, 0];
  }
}

class FakeDevice implements HidFeatureDevice {
  closed = false;
  constructor(private readonly board: FakeBoard) {}
  private check(): void {
    if (!this.board.plugged || this.closed) throw new Error('could not read from HID device');
  }
  async sendFeatureReport(data: number[]): Promise<number> {
    this.check();
    expect(data).toHaveLength(9);
    this.board.send(data);
    return data.length;
  }
  async getFeatureReport(reportId: number, length: number): Promise<number[]> {
    this.check();
    expect([reportId, length]).toEqual([0x01, 9]);
    return this.board.report();
  }
  close(): void {
    this.closed = true;
  }
}

function fakeHid(boards: FakeBoard[]): HidFeatureApi {
  return {
    devices: async () => [
      // V-USB's shared id, but another device: never opened.
      { vendorId: 0x16c0, productId: 0x05df, path: '/dev/hidraw9', product: 'DigiSpark' },
      ...boards.filter((b) => b.plugged).map((b) => b.info),
    ],
    open: async (path) => {
      const board = boards.find((b) => b.path === path && b.plugged);
      if (!board) throw new Error(`cannot open ${path}`);
      const d = new FakeDevice(board);
      board.devices.push(d);
      return d;
    },
  };
}

/** Lets every pending promise callback run (the fake answers at once). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function gateOn(boards: FakeBoard[], extra: Partial<HidRelayGateOptions> = {}) {
  const timers = new ManualTimers();
  timers.now = 5_000_000;
  const gate = new HidRelayGate({ hid: fakeHid(boards), clock: () => timers.now, timers, ...extra });
  const statuses: DriverStatus[] = [];
  gate.onStatus((s) => statuses.push(s));
  await settle();
  // Time passes in 10 ms steps, the fake's answers settled after each, as they would come in real time.
  const step = async (ms: number) => {
    for (let left = ms; left > 0; left -= 10) {
      timers.advance(Math.min(10, left));
      await settle();
    }
  };
  return { gate, timers, statuses, step };
}

const ON = (relay: number) => [0x00, 0xff, relay, 0, 0, 0, 0, 0, 0];
const OFF = (relay: number) => [0x00, 0xfd, relay, 0, 0, 0, 0, 0, 0];

describe('USB HID relay: pure helpers', () => {
  it('feature reports: 9 bytes, report id 0, FF on / FD off, then the relay', () => {
    expect(hidRelayReport(1, true)).toEqual([0x00, 0xff, 0x01, 0, 0, 0, 0, 0, 0]);
    expect(hidRelayReport(1, false)).toEqual([0x00, 0xfd, 0x01, 0, 0, 0, 0, 0, 0]);
    for (let r = 1; r <= 8; r++) {
      expect(hidRelayReport(r, true)).toEqual(ON(r));
      expect(hidRelayReport(r, false)).toEqual(OFF(r));
    }
    expect(() => hidRelayReport(0, true)).toThrow(RangeError);
    expect(() => hidRelayReport(9, true)).toThrow(RangeError);
    expect(() => hidRelayReport(1.5, true)).toThrow(RangeError);
  });

  it('the state report: serial in bytes 0–4, the bitmask in byte 7, bit relay-1', () => {
    const report = [0x51, 0x57, 0x45, 0x52, 0x54, 0x00, 0x00, 0b0000_0101, 0x00];
    expect(hidRelaySerialOf(report)).toBe('QWERT');
    expect(hidRelayStateOf(report)).toBe(5);
    expect(hidRelayIsOn(5, 1)).toBe(true);
    expect(hidRelayIsOn(5, 2)).toBe(false);
    expect(hidRelayIsOn(5, 3)).toBe(true);
    expect(hidRelayIsOn(0x80, 8)).toBe(true);
    expect(hidRelayStateOf([1, 2, 3, 4, 5, 6, 7])).toBeNull();
    expect(hidRelaySerialOf([0x41, 0x42, 0, 0x43, 0x44])).toBe('AB');
  });

  it('the board by its product name; other V-USB devices are not relays', () => {
    expect(hidRelayCountOf('USBRelay2')).toBe(2);
    expect(hidRelayCountOf('USBRelay8')).toBe(8);
    expect(hidRelayCountOf('DigiSpark')).toBeNull();
    expect(hidRelayCountOf(undefined)).toBeNull();
    expect(isHidRelay({ vendorId: 0x16c0, productId: 0x05df, path: '/dev/hidraw1', product: 'USBRelay4' })).toBe(true);
    expect(isHidRelay({ vendorId: 0x16c0, productId: 0x05df, path: '/dev/hidraw1' })).toBe(true);
    expect(isHidRelay({ vendorId: 0x16c0, productId: 0x05df, path: '/dev/hidraw1', product: 'DigiSpark' })).toBe(false);
    expect(isHidRelay({ vendorId: 0x16c0, productId: 0x05df, product: 'USBRelay4' })).toBe(false);
    expect(isHidRelay({ vendorId: 0x0c2e, productId: 0x05df, path: '/dev/hidraw1', product: 'USBRelay4' })).toBe(false);
  });
});

describe('USB HID relay gate on a fake board', () => {
  it('connects: opens the relay board only, switches the relay off (read back), then says ok', async () => {
    const board = new FakeBoard('QWERT', '/dev/hidraw5');
    board.relays = 0b01; // left on by a kiosk that crashed mid-pulse
    const { gate, statuses } = await gateOn([board]);
    expect(gate.state).toBe('ok');
    expect(board.sent).toEqual([OFF(1)]);
    expect(board.relays).toBe(0);
    expect(statuses).toEqual([expect.objectContaining({ device: 'gate', state: 'ok', detail: 'USB HID relay QWERT, relay 1 of 2' })]);
    expect(gate.isOpen).toBe(false);
    gate.close();
  });

  it('open(): the "on" report, read back, true; "off" after the pulse; a second open meanwhile sends nothing', async () => {
    const board = new FakeBoard('QWERT', '/dev/hidraw5');
    const { gate, step } = await gateOn([board], { relay: 2 });
    board.sent = [];
    const first = gate.open(500);
    const second = gate.open(500);
    expect(second).toBe(first);
    expect(await first).toBe(true);
    expect(gate.isOpen).toBe(true);
    expect(board.relays).toBe(0b10);
    await step(300);
    // Mid-pulse, after it was confirmed: still the same open, extended by nothing.
    expect(gate.open(500)).toBe(first);
    await step(199);
    expect(board.sent).toEqual([ON(2)]);
    await step(1);
    expect(board.sent).toEqual([ON(2), OFF(2)]);
    expect(gate.isOpen).toBe(false);
    // A new admit is a new pulse.
    expect(await gate.open(200)).toBe(true);
    await step(200);
    expect(board.sent).toEqual([ON(2), OFF(2), ON(2), OFF(2)]);
    gate.close();
  });

  it('a read-back that shows the switch only a moment later is confirmed then', async () => {
    const board = new FakeBoard('QWERT', '/dev/hidraw5');
    const { gate, step } = await gateOn([board]);
    board.slow = true;
    let result: boolean | null = null;
    void gate.open(500).then((r) => (result = r));
    await settle();
    expect(result).toBeNull();
    await step(50);
    expect(result).toBe(true);
    expect(gate.state).toBe('ok');
    gate.close();
  });

  it('a relay that does not switch on: false, offline, said; the board is taken again and the next open is refused by the relay again', async () => {
    const board = new FakeBoard('QWERT', '/dev/hidraw5');
    const { gate, statuses, step } = await gateOn([board]);
    board.stuck = 0b1;
    const opened = gate.open(500);
    // The read-back is tried again 50 ms later before it counts.
    await step(100);
    expect(await opened).toBe(false);
    expect(gate.state).toBe('offline');
    expect(gate.isOpen).toBe(false);
    expect(statuses.at(-1)).toMatchObject({ device: 'gate', state: 'offline' });
    expect(statuses.at(-1)!.detail).toContain('relay 1 did not switch on (state read back 0x00)');
    // No "off" owed for a pulse that never began.
    await step(450);
    expect(board.sent.filter((r) => r[1] === 0xff)).toHaveLength(1);
    // Looked for again: the board is there and switches off fine, so it is ok until it fails again.
    await step(1_000);
    expect(gate.state).toBe('ok');
    const again = gate.open(500);
    await step(100);
    expect(await again).toBe(false);
    expect(gate.state).toBe('offline');
    gate.close();
  });

  it('a relay stuck on: the "off" fails, offline, and the gate is known to stand open', async () => {
    const board = new FakeBoard('QWERT', '/dev/hidraw5');
    const { gate, statuses, step } = await gateOn([board]);
    expect(await gate.open(300)).toBe(true);
    board.stuck = 0b1;
    await step(300);
    await step(50);
    expect(gate.state).toBe('offline');
    expect(gate.isOpen).toBe(true);
    expect(statuses.at(-1)!.detail).toContain('did not switch off (state read back 0x01)');
    // Each reconnection tries "off" again; still welded, still out of order.
    await step(1_050);
    expect(gate.state).toBe('offline');
    board.stuck = 0;
    await step(1_000);
    expect(gate.state).toBe('ok');
    expect(gate.isOpen).toBe(false);
    gate.close();
  });

  it('unplugged: offline within the health read; an open meanwhile is false and sends nothing; replugged: ok, opens again', async () => {
    const board = new FakeBoard('QWERT', '/dev/hidraw5');
    const { gate, statuses, step } = await gateOn([board]);
    board.plugged = false;
    await step(1_000);
    expect(gate.state).toBe('offline');
    expect(statuses.at(-1)!.detail).toContain('gone');
    expect(board.devices[0]!.closed).toBe(true);
    const sent = board.sent.length;
    expect(await gate.open(500)).toBe(false);
    expect(board.sent).toHaveLength(sent);
    // Looked for every second while it stays away.
    await step(3_000);
    expect(gate.state).toBe('offline');
    expect(board.devices).toHaveLength(1);
    board.plugged = true;
    await step(1_000);
    expect(gate.state).toBe('ok');
    expect(board.devices).toHaveLength(2);
    expect(await gate.open(100)).toBe(true);
    expect(statuses.map((s) => s.state).filter((s, i, all) => s !== all[i - 1])).toEqual(['ok', 'offline', 'ok']);
    expect(gate.counters.opens - gate.counters.closes).toBe(1);
    gate.close();
  });

  it('a hold survives an unplug: the relay is switched on again when the board returns; release() switches it off', async () => {
    const board = new FakeBoard('QWERT', '/dev/hidraw5');
    const { gate, step } = await gateOn([board]);
    expect(await gate.hold()).toBe(true);
    // An open under a hold: nothing sent, the gate is open.
    const sent = board.sent.length;
    expect(await gate.open(500)).toBe(true);
    expect(board.sent).toHaveLength(sent);
    board.plugged = false;
    board.relays = 0; // the board lost its power with its USB
    await step(1_000);
    expect(gate.state).toBe('offline');
    board.plugged = true;
    await step(1_000);
    expect(gate.state).toBe('ok');
    expect(board.sent.at(-1)).toEqual(ON(1));
    expect(board.relays).toBe(1);
    expect(await gate.release()).toBe(true);
    expect(board.relays).toBe(0);
    gate.close();
  });

  it('a hold taken mid-pulse keeps the relay on past the pulse', async () => {
    const board = new FakeBoard('QWERT', '/dev/hidraw5');
    const { gate, step } = await gateOn([board]);
    const pulse = gate.open(500);
    expect(gate.hold()).toBe(pulse);
    await step(1_000);
    expect(board.relays).toBe(1);
    expect(await gate.release()).toBe(true);
    expect(board.relays).toBe(0);
    gate.close();
  });

  it('several boards: none guessed between; the configured serial picks one', async () => {
    const a = new FakeBoard('AAAAA', '/dev/hidraw5');
    const b = new FakeBoard('BBBBB', '/dev/hidraw6', 'USBRelay8');
    const unnamed = await gateOn([a, b]);
    expect(unnamed.gate.state).toBe('offline');
    expect(unnamed.statuses.at(-1)!.detail).toContain('2 USB HID relay boards');
    unnamed.gate.close();
    const named = await gateOn([a, b], { serial: 'BBBBB', relay: 8 });
    expect(named.gate.state).toBe('ok');
    expect(named.statuses.at(-1)!.detail).toBe('USB HID relay BBBBB, relay 8 of 8');
    // The other board was looked at (its serial read) and let go of, never switched.
    expect(a.devices.every((d) => d.closed)).toBe(true);
    expect(a.sent).toEqual([]);
    expect(await named.gate.open(100)).toBe(true);
    expect(b.relays).toBe(0x80);
    named.gate.close();
    const missing = await gateOn([a, b], { serial: 'CCCCC' });
    expect(missing.statuses.at(-1)!.detail).toContain('no USB HID relay board 16c0:05df with serial CCCCC');
    missing.gate.close();
  });

  it('close(): "off" when the relay was on, then the board let go of; nothing sent when it was off', async () => {
    const board = new FakeBoard('QWERT', '/dev/hidraw5');
    const { gate } = await gateOn([board]);
    expect(await gate.hold()).toBe(true);
    gate.close();
    await settle();
    expect(board.sent.at(-1)).toEqual(OFF(1));
    expect(board.relays).toBe(0);
    expect(board.devices.every((d) => d.closed)).toBe(true);

    const quiet = new FakeBoard('QWERT', '/dev/hidraw5');
    const second = await gateOn([quiet]);
    const sent = quiet.sent.length;
    second.gate.close();
    await settle();
    expect(quiet.sent).toHaveLength(sent);
    expect(quiet.devices.every((d) => d.closed)).toBe(true);
    expect(second.timers.count).toBe(0);
  });
});
