// The OSDP gate: frames (CRC, encoder, a decoder fed at every split,
// sequence numbers), the driver against the simulated PD through an
// in-memory link on manual timers (NAK, timeout, corrupt replies), and on
// pseudo-terminals (socat) with the PD at the far end: the exact bytes of an
// open, a lost reply retried under the same sequence number, a module gone
// silent and back, inputs, unplug and replug.
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { openSerialPort } from '../../drivers/bindings.js';
import type { DriverStatus, GateInputEvent } from '../../drivers/contract.js';
import { OsdpGate, type OsdpGateOptions } from '../../drivers/gate/osdp.js';
import { CMD, OsdpDecoder, OsdpSequence, REPLY, crc16, encodeFrame, outRecord, pulseTimer, type OsdpFrame } from '../../drivers/gate/osdp-frame.js';
import { OsdpPdCore, SimulatedPd } from '../fixtures/osdp-pd.js';
import { PtyPair } from '../fixtures/pty.js';
import { MemoryLink } from '../fixtures/serial.js';
import { ManualTimers } from '../fixtures/timers.js';
import { tempDir } from '../fixtures/tmp.js';
import { until } from '../fixtures/until.js';

/**
 * The CRC computed another way, for the vectors: the augmented bit-serial
 * division (register 0xFFFF, the message's bits shifted in MSB first, then 16
 * zero bits). Non-augmented with 0x1D0F, as the driver does it, is the same CRC.
 */
function crcByDivision(bytes: number[]): number {
  const bits: number[] = [];
  for (const b of bytes) for (let i = 7; i >= 0; i--) bits.push((b >> i) & 1);
  for (let i = 0; i < 16; i++) bits.push(0);
  let reg = 0xffff;
  for (const bit of bits) {
    const top = reg & 0x8000;
    reg = ((reg << 1) | bit) & 0xffff;
    if (top) reg ^= 0x1021;
  }
  return reg;
}

/** A packet built by hand: header, code, data, and the CRC by division, LSB first. */
function handFrame(address: number, sequence: number, code: number, data: number[] = []): number[] {
  const body = [0x53, address, 8 + data.length, 0, 0x04 | sequence, code, ...data];
  const crc = crcByDivision(body);
  return [...body, crc & 0xff, crc >> 8];
}

const hex = (bytes: ArrayLike<number>): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

describe('OSDP frames', () => {
  it('CRC-16 with initial value 0x1D0F: the catalogue check value, the empty message, the issue example, against long division', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0xe5cc);
    expect(crc16([])).toBe(0x1d0f);
    expect(crc16([0x53, 0x01, 0x0c, 0x00, 0x05, 0x68, 0x00, 0x05, 0x1e, 0x00])).toBe(0xba52);
    expect(crcByDivision([...new TextEncoder().encode('123456789')])).toBe(0xe5cc);
    for (const message of [[0x53, 0x00, 0x08, 0x00, 0x04, 0x60], [0x53, 0x81, 0x08, 0x00, 0x07, 0x40], [0xff], [0x00, 0x00], Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff)]) {
      expect(crc16(message)).toBe(crcByDivision(message));
    }
  });

  it("encodes the issue's example: address 1, sequence 1, output 0 on for 3 s", () => {
    expect(pulseTimer(3000)).toBe(30);
    const frame = encodeFrame({ address: 1, sequence: 1, code: CMD.OUT, data: outRecord(0, 5, pulseTimer(3000)) });
    expect(hex(frame)).toBe('53 01 0c 00 05 68 00 05 1e 00 52 ba');
    expect(pulseTimer(500)).toBe(5);
    expect(pulseTimer(450)).toBe(5);
    expect(pulseTimer(1)).toBe(1);
    expect(pulseTimer(10_000_000)).toBe(0xffff);
  });

  it('encodes commands and replies as built by hand', () => {
    expect([...encodeFrame({ address: 0, sequence: 0, code: CMD.POLL })]).toEqual(handFrame(0x00, 0, 0x60));
    expect([...encodeFrame({ address: 0x7e, sequence: 3, code: CMD.ISTAT })]).toEqual(handFrame(0x7e, 3, 0x65));
    expect([...encodeFrame({ address: 5, sequence: 2, code: REPLY.ACK, reply: true })]).toEqual(handFrame(0x85, 2, 0x40));
    expect([...encodeFrame({ address: 5, sequence: 2, code: REPLY.ISTATR, data: [0, 1, 0, 0], reply: true })]).toEqual(handFrame(0x85, 2, 0x49, [0, 1, 0, 0]));
    expect([...encodeFrame({ address: 3, sequence: 1, code: CMD.OUT, data: [...outRecord(1, 2), ...outRecord(0, 1)] })]).toEqual(handFrame(3, 1, 0x68, [1, 2, 0, 0, 0, 1, 0, 0]));
    expect(() => encodeFrame({ address: 0x80, sequence: 0, code: CMD.POLL })).toThrow(RangeError);
    expect(() => encodeFrame({ address: 1, sequence: 4, code: CMD.POLL })).toThrow(RangeError);
  });

  const stream = [
    [0x00, 0xff, 0x13], // junk before the first SOM
    handFrame(0x81, 1, 0x40),
    handFrame(0x81, 2, 0x49, [0x00, 0x01, 0x53, 0x00]), // a SOM byte inside the data
    [0x53, 0x53], // junk that looks like a start
    handFrame(0x81, 3, 0x41, [0x04]),
    [0x53, 0x01, 0x0c, 0x00, 0x05, 0x68, 0x00, 0x05, 0x1e, 0x00, 0x52, 0xba],
  ].flat();
  const summary = (frames: OsdpFrame[]) => frames.map((f) => ({ address: f.address, reply: f.reply, sequence: f.sequence, code: f.code, data: [...f.data] }));
  const expected = [
    { address: 1, reply: true, sequence: 1, code: 0x40, data: [] },
    { address: 1, reply: true, sequence: 2, code: 0x49, data: [0, 1, 0x53, 0] },
    { address: 1, reply: true, sequence: 3, code: 0x41, data: [4] },
    { address: 1, reply: false, sequence: 1, code: 0x68, data: [0, 5, 0x1e, 0] },
  ];

  it('decodes the same frames at every split of the stream, and byte by byte', () => {
    const bytes = Uint8Array.from(stream);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new OsdpDecoder();
      const frames = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      expect(summary(frames), `cut at ${cut}`).toEqual(expected);
      expect(decoder.pending).toBe(0);
    }
    for (let a = 1; a < bytes.length; a += 3) {
      for (let b = a; b < bytes.length; b += 5) {
        const decoder = new OsdpDecoder();
        const frames = [a, b, bytes.length].reduce<{ at: number; out: OsdpFrame[] }>((acc, end) => ({ at: end, out: [...acc.out, ...decoder.push(bytes.subarray(acc.at, end))] }), {
          at: 0,
          out: [],
        }).out;
        expect(summary(frames), `cuts at ${a}, ${b}`).toEqual(expected);
      }
    }
    const decoder = new OsdpDecoder();
    const frames = [...bytes].flatMap((b) => decoder.push(Uint8Array.of(b)));
    expect(summary(frames)).toEqual(expected);
    expect(decoder.counters.frames).toBe(4);
    expect(decoder.counters.droppedBytes).toBe(5);
  });

  it('skips a bad CRC, a bad length and a truncated frame, and resynchronises on the next SOM', () => {
    const good = handFrame(0x81, 1, 0x40);
    const badCrc = handFrame(0x81, 2, 0x40);
    badCrc[badCrc.length - 1]! ^= 0x01;
    const badLength = [0x53, 0x81, 0x03, 0x00, 0x05, 0x40];
    const truncated = handFrame(0x81, 3, 0x49, [0, 0, 0, 0]).slice(0, 7);
    const decoder = new OsdpDecoder();
    const frames = decoder.push(Uint8Array.from([...badCrc, ...badLength, ...truncated, ...good]));
    expect(summary(frames)).toEqual([{ address: 1, reply: true, sequence: 1, code: 0x40, data: [] }]);
    expect(decoder.counters.checkErrors).toBeGreaterThanOrEqual(1);
    expect(decoder.counters.badLengths).toBeGreaterThanOrEqual(1);
    // A partial frame at the end waits; thrown away, it is counted.
    expect(decoder.push(Uint8Array.from(truncated))).toEqual([]);
    expect(decoder.discardPartial()).toBe(7);
    expect(decoder.counters.truncated).toBe(1);
    // An endless stream of junk never grows the buffer.
    for (let i = 0; i < 100; i++) decoder.push(new Uint8Array(1000).fill(0x53));
    expect(decoder.pending).toBeLessThan(1500);
  });

  it('decodes a checksum-mode frame, and marks one with a security block', () => {
    const body = [0x53, 0x81, 0x07, 0x00, 0x01, 0x40];
    const sum = -body.reduce((a, b) => a + b, 0) & 0xff;
    const [plain] = new OsdpDecoder().push(Uint8Array.from([...body, sum]));
    expect(plain).toMatchObject({ crc: false, sequence: 1, code: 0x40, scb: null });
    const secureBody = [0x53, 0x81, 0x0b, 0x00, 0x0e, 0x03, 0x11, 0x00, 0x40];
    const crc = crcByDivision(secureBody);
    const [secure] = new OsdpDecoder().push(Uint8Array.from([...secureBody, crc & 0xff, crc >> 8]));
    expect(secure!.scb).toEqual(Uint8Array.of(0x03, 0x11, 0x00));
    expect(secure!.code).toBe(0x40);
  });

  it('sequence numbers: 0 first, then 1, 2, 3 and round again without 0; a reset starts at 0', () => {
    const seq = new OsdpSequence();
    expect(Array.from({ length: 8 }, () => seq.next())).toEqual([0, 1, 2, 3, 1, 2, 3, 1]);
    seq.reset();
    expect([seq.next(), seq.next()]).toEqual([0, 1]);
  });
});

/** A MemoryLink with the simulated PD behind it: replies come 5 ms (manual time) after each command. */
class PdLink extends MemoryLink {
  constructor(
    readonly pd: OsdpPdCore,
    private readonly timers: ManualTimers,
  ) {
    super();
  }
  override write(bytes: Uint8Array): void {
    super.write(bytes);
    for (const reply of this.pd.receive(bytes)) this.timers.setTimeout(() => this.isOpen && this.emit('data', Buffer.from(reply)), 5);
  }
}

function manualGate(opts: Partial<OsdpGateOptions> = {}, pdAddress = opts.address ?? 1) {
  const timers = new ManualTimers();
  timers.now = 1_000_000;
  const pd = new OsdpPdCore({ address: pdAddress, clock: () => timers.now });
  const link = new PdLink(pd, timers);
  const gate = new OsdpGate({ path: '/dev/ttyRS485', address: 1, passageInput: 0, openSerial: () => link, exists: () => true, clock: () => timers.now, timers, ...opts });
  const statuses: DriverStatus[] = [];
  gate.onStatus((s) => statuses.push(s));
  const inputs: GateInputEvent[] = [];
  gate.onInput((e) => inputs.push(e));
  const outs = (control?: number) => pd.received.filter((c) => c.code === CMD.OUT && (control === undefined || c.data[1] === control));
  return { timers, pd, link, gate, statuses, inputs, outs };
}

/** Advances manual time in small steps, letting promise callbacks run between them. */
async function run(timers: ManualTimers, ms: number, step = 5): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    timers.advance(Math.min(step, ms - t));
    await Promise.resolve();
    await Promise.resolve();
  }
}

describe('OsdpGate on manual timers', () => {
  it('comes online from sequence 0, closes the output (letting a pulse finish) and reads the inputs', async () => {
    const { timers, pd, gate, inputs } = manualGate();
    expect(gate.state).toBe('offline');
    await run(timers, 100);
    expect(gate.state).toBe('ok');
    expect(pd.received.map((c) => [c.code, c.sequence])).toEqual([
      [CMD.POLL, 0],
      [CMD.OUT, 1],
      [CMD.ISTAT, 2],
    ]);
    expect(pd.received[1]!.data).toEqual(outRecord(0, 3));
    // Every input once, as it is; no passage from the first report.
    expect(inputs).toEqual([0, 1, 2, 3].map((index) => ({ kind: 'input', index, active: false, atMs: expect.any(Number) })));
    await run(timers, 1000);
    expect(pd.received.at(-1)!.code).toBe(CMD.POLL);
    expect(pd.received.map((c) => c.sequence).slice(0, 8)).toEqual([0, 1, 2, 3, 1, 2, 3, 1]);
    gate.close();
  });

  it('open: one OUT with control 5 and the timer in 100 ms units, true on ACK; open until the pulse ends; a second call sends nothing', async () => {
    const { timers, gate, outs, statuses } = manualGate();
    await run(timers, 100);
    const first = gate.open(500);
    const again = gate.open(500);
    expect(again).toBe(first);
    await run(timers, 20);
    expect(await first).toBe(true);
    expect(gate.isOpen).toBe(true);
    expect(outs(5)).toHaveLength(1);
    expect(outs(5)[0]!.data).toEqual([0, 5, 5, 0]);
    expect(outs(5)[0]!.bytes).toEqual(handFrame(1, outs(5)[0]!.sequence, 0x68, [0, 5, 5, 0]));
    expect(gate.open(500)).toBe(first);
    await run(timers, 500);
    expect(gate.isOpen).toBe(false);
    expect(statuses.map((s) => s.detail)).toContain('open for 500 ms');
    expect(outs(5)).toHaveLength(1);
    // A new admit after the pulse is a new open.
    const next = gate.open(1200);
    await run(timers, 20);
    expect(await next).toBe(true);
    expect(outs(5).map((c) => c.data)).toEqual([
      [0, 5, 5, 0],
      [0, 5, 12, 0],
    ]);
    gate.close();
  });

  it('NAK: the open is false and the gate out of order, saying why; the closed state is re-asserted until accepted', async () => {
    const { timers, pd, gate, statuses, outs } = manualGate({ refusedRetryMs: 2000 });
    await run(timers, 100);
    pd.nakNext(0x09, CMD.OUT);
    const opened = gate.open(500);
    await run(timers, 20);
    expect(await opened).toBe(false);
    expect(gate.state).toBe('offline');
    expect(gate.isOpen).toBe(false);
    expect(statuses.at(-1)).toMatchObject({ device: 'gate', state: 'offline', detail: expect.stringContaining('NAK 9: unable to process command record') });
    expect(pd.actions.filter((a) => a.control === 5)).toHaveLength(0);
    // Still refused a while, then the re-assertion (control 3) is accepted: back in order.
    pd.nakNext(0x09, CMD.OUT);
    await run(timers, 2100);
    expect(gate.state).toBe('offline');
    await run(timers, 2500);
    expect(gate.state).toBe('ok');
    expect(outs(3).length).toBeGreaterThanOrEqual(3);
    expect(outs(5)).toHaveLength(1);
    gate.close();
  });

  it('a PD that answers osdp_OUT with its output states (OSTATR) confirms by them', async () => {
    const { timers, pd, gate } = manualGate();
    pd.outReply = 'ostatr';
    await run(timers, 100);
    expect(gate.state).toBe('ok');
    const opened = gate.open(500);
    await run(timers, 20);
    expect(await opened).toBe(true);
    await run(timers, 600);
    // A module whose output stays off after an open has not opened the gate.
    pd.outputs[0] = false;
    const originalReceive = pd.receive.bind(pd);
    pd.receive = (chunk) =>
      originalReceive(chunk).map((reply) => (reply[5] === REPLY.OSTATR ? encodeFrame({ address: 1, sequence: reply[4]! & 3, code: REPLY.OSTATR, data: [0, 0], reply: true }) : reply));
    const refused = gate.open(500);
    await run(timers, 20);
    expect(await refused).toBe(false);
    expect(gate.state).toBe('offline');
    gate.close();
  });

  it('NAK 4 (the PD lost the sequence): sent again from sequence 0, executed once', async () => {
    const { timers, pd, gate, outs } = manualGate();
    await run(timers, 100);
    pd.nakNext(0x04, CMD.OUT);
    const opened = gate.open(500);
    await run(timers, 30);
    expect(await opened).toBe(true);
    expect(
      outs(5)
        .map((c) => c.sequence)
        .at(-1),
    ).toBe(0);
    expect(outs(5)).toHaveLength(2);
    expect(pd.actions.filter((a) => a.control === 5)).toHaveLength(1);
    await run(timers, 600);
    expect(pd.received.at(-1)!.sequence).not.toBe(0);
    gate.close();
  });

  it('timeout: the same frame three times, then false and offline; back on the first answer, from sequence 0', async () => {
    const { timers, pd, gate, outs, statuses } = manualGate();
    await run(timers, 100);
    pd.silent = true;
    const opened = gate.open(500);
    await run(timers, 800);
    expect(await opened).toBe(false);
    expect(gate.state).toBe('offline');
    expect(outs(5)).toHaveLength(3);
    expect(new Set(outs(5).map((c) => hex(c.bytes))).size).toBe(1);
    expect(statuses.at(-1)!.detail).toMatch(/silent: no reply to 3 tries/);
    // While silent, one POLL per tick, each from sequence 0; open() fails at once and sends nothing.
    await run(timers, 1000);
    const whileSilent = pd.received.slice(-2);
    expect(whileSilent.every((c) => c.code === CMD.POLL && c.sequence === 0)).toBe(true);
    expect(await gate.open(500)).toBe(false);
    expect(outs(5)).toHaveLength(3);
    const mark = pd.received.length;
    pd.silent = false;
    await run(timers, 500);
    expect(gate.state).toBe('ok');
    expect(pd.received.slice(mark).map((c) => c.sequence)).toEqual([0, 1, 2, ...pd.received.slice(mark + 3).map((c) => c.sequence)]);
    expect(gate.counters.lost).toBe(1);
    gate.close();
  });

  it('a silent module is offline within a second of its last reply', async () => {
    const { timers, pd, gate } = manualGate();
    await run(timers, 300);
    pd.silent = true;
    const from = timers.now;
    while (gate.state === 'ok') await run(timers, 10);
    expect(timers.now - from).toBeLessThanOrEqual(200 + 3 * 250 + 10);
    gate.close();
  });

  it('a reply with a bad CRC, from another address, with another sequence number, or cut short is ignored; the retry is answered', async () => {
    const { timers, pd, link, gate, outs } = manualGate();
    await run(timers, 100);
    const countersBefore = { ...gate.counters };
    pd.corruptReplies(1);
    const opened = gate.open(500);
    await run(timers, 10);
    // While the command waits, stray replies arrive.
    const seq = outs(5)[0]!.sequence;
    link.emit('data', Buffer.from(encodeFrame({ address: 2, sequence: seq, code: REPLY.ACK, reply: true })));
    link.emit('data', Buffer.from(encodeFrame({ address: 1, sequence: seq === 3 ? 1 : seq + 1, code: REPLY.ACK, reply: true })));
    link.emit('data', Buffer.from(encodeFrame({ address: 1, sequence: seq, code: REPLY.ACK, reply: true }).subarray(0, 5)));
    await run(timers, 400);
    expect(await opened).toBe(true);
    expect(outs(5)).toHaveLength(2);
    expect(outs(5)[0]!.bytes).toEqual(outs(5)[1]!.bytes);
    expect(pd.actions.filter((a) => a.control === 5)).toHaveLength(1);
    expect(pd.repeats).toBe(1);
    const c = gate.counters;
    expect(c.checkErrors).toBeGreaterThan(countersBefore.checkErrors);
    expect(c.wrongAddress).toBe(countersBefore.wrongAddress + 1);
    expect(c.wrongSequence).toBe(countersBefore.wrongSequence + 1);
    expect(c.truncated).toBeGreaterThan(countersBefore.truncated);
    expect(c.timeouts).toBe(countersBefore.timeouts + 1);
    expect(gate.state).toBe('ok');
    gate.close();
  });

  it('inputs: a passage on the sensor active edge only, every change an input event', async () => {
    const { timers, pd, gate, inputs } = manualGate();
    await run(timers, 100);
    inputs.length = 0;
    pd.setInput(0, true);
    await run(timers, 250);
    expect(inputs).toEqual([
      { kind: 'input', index: 0, active: true, atMs: expect.any(Number) },
      { kind: 'passage', atMs: expect.any(Number) },
    ]);
    pd.setInput(0, false);
    pd.setInput(1, true);
    await run(timers, 250);
    expect(inputs.slice(2)).toEqual([
      { kind: 'input', index: 0, active: false, atMs: expect.any(Number) },
      { kind: 'input', index: 1, active: true, atMs: expect.any(Number) },
    ]);
    // The periodic full read repeats nothing.
    await run(timers, 6000);
    expect(inputs).toHaveLength(4);
    expect(pd.received.filter((c) => c.code === CMD.ISTAT).length).toBeGreaterThanOrEqual(2);
    gate.close();
  });

  it('hold and release: permanent on (2) and off (1); open() while held sends nothing; a hold asked while offline is applied on return', async () => {
    const { timers, pd, gate, outs } = manualGate();
    await run(timers, 100);
    const held = gate.hold();
    await run(timers, 20);
    expect(await held).toBe(true);
    expect(gate.isOpen).toBe(true);
    expect(outs(2).at(-1)!.data).toEqual([0, 2, 0, 0]);
    expect(await gate.open(500)).toBe(true);
    expect(outs(5)).toHaveLength(0);
    const released = gate.release();
    await run(timers, 20);
    expect(await released).toBe(true);
    expect(gate.isOpen).toBe(false);
    expect(outs(1).at(-1)!.data).toEqual([0, 1, 0, 0]);

    pd.silent = true;
    await run(timers, 1200);
    expect(gate.state).toBe('offline');
    expect(await gate.hold()).toBe(false);
    pd.restart();
    pd.silent = false;
    await run(timers, 300);
    expect(gate.state).toBe('ok');
    expect(gate.isOpen).toBe(true);
    expect(pd.outputs[0]).toBe(true);
    gate.close();
  });

  it('close() answers what is waiting and stops the polls', async () => {
    const { timers, pd, gate } = manualGate();
    await run(timers, 100);
    pd.silent = true;
    const opened = gate.open(500);
    gate.close();
    expect(await opened).toBe(false);
    const count = pd.received.length;
    timers.advance(5000);
    expect(pd.received.length).toBe(count);
    expect(timers.count).toBe(0);
  });
});

const missing = inject('socatMissing');

describe.skipIf(missing !== '')('OsdpGate on pseudo-terminals', () => {
  let pty: PtyPair;
  let pd: SimulatedPd | null = null;
  const closers: (() => void | Promise<void>)[] = [];

  /** Resolves on the first status (from now) that matches; rejects at the deadline. */
  function nextStatus(gate: OsdpGate, match: (s: DriverStatus) => boolean, what: string, timeoutMs = 5000): Promise<DriverStatus> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => (off(), reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))), timeoutMs);
      const off = gate.onStatus((s) => {
        if (!match(s)) return;
        clearTimeout(deadline);
        off();
        resolve(s);
      });
    });
  }

  function nextInput(gate: OsdpGate, match: (e: GateInputEvent) => boolean, what: string, timeoutMs = 5000): Promise<GateInputEvent> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => (off(), reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))), timeoutMs);
      const off = gate.onInput((e) => {
        if (!match(e)) return;
        clearTimeout(deadline);
        off();
        resolve(e);
      });
    });
  }

  async function startPd(): Promise<SimulatedPd> {
    pd = new SimulatedPd(pty.module, { address: 1 });
    await pd.start();
    return pd;
  }

  /** A gate on the pty, once the module answers. */
  async function onlineGate(): Promise<{ gate: OsdpGate; inputs: GateInputEvent[] }> {
    const gate = new OsdpGate({ path: pty.kiosk, address: 1, passageInput: 0, openSerial: openSerialPort, clock: Date.now });
    closers.push(() => gate.close());
    const inputs: GateInputEvent[] = [];
    gate.onInput((e) => inputs.push(e));
    if (gate.state !== 'ok') await nextStatus(gate, (s) => s.state === 'ok', 'the module answering');
    // The first report of the inputs is in.
    await until(() => inputs.length >= 4, 5000, 'the first input report');
    return { gate, inputs };
  }

  beforeEach(async () => {
    pty = new PtyPair(tempDir('sentinel-osdp-'), 'rs485');
    await pty.plug();
  });
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    await pd?.stop();
    pd = null;
    await pty.unplug();
  });

  it('open: the exact OUT bytes on the line, confirmed by the ACK, executed once', async () => {
    const sim = await startPd();
    const { gate } = await onlineGate();
    expect(await gate.open(3000)).toBe(true);
    const outs = sim.received.filter((c) => c.code === CMD.OUT && c.data[1] === 5);
    expect(outs).toHaveLength(1);
    expect(hex(outs[0]!.bytes)).toBe(hex(handFrame(1, outs[0]!.sequence, 0x68, [0x00, 0x05, 0x1e, 0x00])));
    if (outs[0]!.sequence === 1) expect(hex(outs[0]!.bytes)).toBe('53 01 0c 00 05 68 00 05 1e 00 52 ba');
    expect(sim.actions.filter((a) => a.control === 5)).toEqual([expect.objectContaining({ output: 0, timer: 30 })]);
    expect(gate.isOpen).toBe(true);
    expect(await gate.open(3000)).toBe(true);
    expect(sim.received.filter((c) => c.code === CMD.OUT && c.data[1] === 5)).toHaveLength(1);
  });

  it('a lost reply: the same frame again, same sequence number; the PD answers without opening twice', async () => {
    const sim = await startPd();
    const { gate } = await onlineGate();
    sim.dropReplies(1);
    expect(await gate.open(500)).toBe(true);
    const outs = sim.received.filter((c) => c.code === CMD.OUT && c.data[1] === 5);
    expect(outs).toHaveLength(2);
    expect(outs[1]!.bytes).toEqual(outs[0]!.bytes);
    expect(sim.actions.filter((a) => a.control === 5)).toHaveLength(1);
    expect(sim.repeats).toBe(1);
  });

  it('a module gone silent is out of order within 2 s; back, it is addressed from sequence 0', async () => {
    const sim = await startPd();
    const { gate } = await onlineGate();
    const offline = nextStatus(gate, (s) => s.state === 'offline', 'offline');
    const from = Date.now();
    sim.silent = true;
    const status = await offline;
    expect(Date.now() - from).toBeLessThan(2000);
    expect(status.detail).toMatch(/silent/);
    const mark = sim.received.length;
    const back = nextStatus(gate, (s) => s.state === 'ok', 'back online');
    sim.silent = false;
    await back;
    const after = sim.received.slice(mark);
    expect(after[0]!.sequence).toBe(0);
    await until(() => sim.received.length >= mark + 2, 2000, 'the next command');
    expect(sim.received[mark + 1]!.sequence).toBe(1);
    expect(await gate.open(500)).toBe(true);
  });

  it('the passage sensor: one passage for one person; the emergency input: an input event', async () => {
    const sim = await startPd();
    const { gate, inputs } = await onlineGate();
    inputs.length = 0;
    const passage = nextInput(gate, (e) => e.kind === 'passage', 'a passage');
    sim.setInput(0, true);
    await passage;
    const cleared = nextInput(gate, (e) => e.kind === 'input' && e.index === 0 && !e.active, 'the sensor clearing');
    sim.setInput(0, false);
    await cleared;
    const emergency = nextInput(gate, (e) => e.kind === 'input' && e.index === 1, 'the emergency input');
    sim.setInput(1, true);
    expect(await emergency).toMatchObject({ kind: 'input', index: 1, active: true });
    expect(inputs.filter((e) => e.kind === 'passage')).toHaveLength(1);
    expect(inputs.map((e) => (e.kind === 'input' ? `${e.index}:${e.active}` : e.kind))).toEqual(['0:true', 'passage', '0:false', '1:true']);
  });

  it('unplugged: out of order; plugged back: online from sequence 0 and opening again, no handle leaked', async () => {
    const fdsBefore = fs.readdirSync('/proc/self/fd').length;
    let sim = await startPd();
    const { gate } = await onlineGate();
    const offline = nextStatus(gate, (s) => s.state === 'offline', 'offline after unplug', 3000);
    await sim.stop();
    await pty.unplug();
    await offline;
    expect(await gate.open(500)).toBe(false);
    const back = nextStatus(gate, (s) => s.state === 'ok', 'online after replug', 5000);
    await pty.plug();
    sim = await startPd();
    await back;
    expect(sim.received[0]!.sequence).toBe(0);
    expect(await gate.open(500)).toBe(true);
    expect(sim.actions.filter((a) => a.control === 5)).toHaveLength(1);
    expect(gate.counters.opens - gate.counters.closes).toBe(1);
    gate.close();
    closers.length = 0;
    await until(() => fs.readdirSync('/proc/self/fd').length <= fdsBefore + 2, 2000, "the port's handles released");
  });
});
