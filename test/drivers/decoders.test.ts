// Pure protocol decoders: every frame split at every byte boundary, bad
// checksums, junk between frames, header bytes inside payloads, wrong-baud
// garbage, the buffer cap; the measurement rules; scan assembly.
import { describe, expect, it } from 'vitest';
import { MAX_BUFFER, type ThermoFrame } from '../../drivers/thermometer/protocols/frame-decoder.js';
import { encodeFrame } from '../../drivers/thermometer/protocols/encoders.js';
import { PROTOCOLS } from '../../drivers/thermometer/protocols/index.js';
import { Measurement, type MeasurementEvent } from '../../drivers/thermometer/measurement.js';
import { ScanAssembler } from '../../drivers/scanner/serial-scanner.js';
import { HoneywellHidPos } from '../../drivers/scanner/hid-pos.js';
import { prng } from '../../bench/frames.js';
import { PROTOCOL_NAMES, type ProtocolName } from '../../main/contract/devices.js';

const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const temps = (frames: ThermoFrame[]): number[] => frames.map((f) => f.celsius);

describe.each(PROTOCOL_NAMES.map((p) => [p]))('%s', (protocol: ProtocolName) => {
  const info = PROTOCOLS[protocol];
  const values = [36.5, 37.25, 36.8];
  const expected = protocol === 'idc50' || protocol === 'ascii' ? [36.5, 37.3, 36.8] : values;
  const stream = concat(...values.map((v) => encodeFrame(protocol, v)));

  it('decodes a clean stream', () => {
    const d = info.decoder();
    expect(temps(d.push(stream))).toEqual(expected);
    expect(d.counters).toMatchObject({ frames: 3, checksumFailures: 0 });
  });

  it('decodes the same, split at every byte boundary and byte by byte', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const d = info.decoder();
      expect(temps([...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))]), `cut at ${cut}`).toEqual(expected);
    }
    const d = info.decoder();
    const out: ThermoFrame[] = [];
    for (const b of stream) out.push(...d.push(Uint8Array.of(b)));
    expect(temps(out)).toEqual(expected);
  });

  it('skips junk between frames and resynchronises', () => {
    const junk = Uint8Array.of(0x00, 0xff, 0x13, 0x37);
    const d = info.decoder();
    expect(temps(d.push(concat(junk, encodeFrame(protocol, 36.5), junk, junk, encodeFrame(protocol, 36.8))))).toEqual([36.5, 36.8]);
    expect(d.counters.droppedBytes).toBeGreaterThan(0);
  });

  it('drops a frame with a corrupted checksum (or body), keeps the next', () => {
    const bad = encodeFrame(protocol, 38.5);
    const at = bad.length - (protocol === 'ascii' ? 4 : 1);
    bad[at] = bad[at]! ^ (protocol === 'ascii' ? 0x40 : 0x01);
    const d = info.decoder();
    expect(temps(d.push(concat(bad, encodeFrame(protocol, 36.5))))).toEqual([36.5]);
    expect(d.counters.checksumFailures).toBeGreaterThanOrEqual(1);
  });

  it('wrong-baud garbage never grows the buffer and never yields a reading out of thin air', () => {
    const d = info.decoder();
    const r = prng(7);
    let decoded = 0;
    for (let i = 0; i < 2000; i++) {
      const chunk = Uint8Array.from({ length: 512 }, () => Math.floor(r() * 256));
      decoded += d.push(chunk).filter((f) => f.celsius >= 30 && f.celsius <= 43).length;
      expect((d as unknown as { len?: number }).len ?? 0).toBeLessThanOrEqual(MAX_BUFFER);
    }
    // A 1 MB of noise may contain a few accidental frames, never a stream of them.
    expect(decoded).toBeLessThan(40);
    expect(temps(d.push(concat(Uint8Array.of(0x0d, 0x0a), encodeFrame(protocol, 36.6))))).toContain(protocol === 'idc50' || protocol === 'ascii' ? 36.6 : 36.6);
  });
});

describe('protocol particulars', () => {
  it('gy-mcu90614: a header byte inside a payload does not lose the frame after it', () => {
    // 0x5A5A in the object value (231.30 °C = 0x5A5A) puts header bytes inside the payload.
    const tricky = encodeFrame('gy-mcu90614', 231.3);
    expect([...tricky.subarray(4, 6)]).toEqual([0x5a, 0x5a]);
    const d = PROTOCOLS['gy-mcu90614'].decoder();
    const chopped = tricky.subarray(0, 6); // a frame cut short by a glitch…
    expect(temps(d.push(concat(chopped, encodeFrame('gy-mcu90614', 36.6), encodeFrame('gy-mcu90614', 231.3))))).toEqual([36.6, 231.3]);
    expect(d.counters.resyncs).toBeGreaterThan(0);
  });
  it('one resync per recovery, wherever the chunks split', () => {
    const bad = encodeFrame('lu90614', 38.5);
    bad[8] = bad[8]! ^ 0x01;
    const stream = concat(bad, encodeFrame('lu90614', 36.5));
    const counts = new Set<number>();
    for (let cut = 1; cut < stream.length; cut++) {
      const d = PROTOCOLS.lu90614.decoder();
      d.push(stream.subarray(0, cut));
      d.push(stream.subarray(cut));
      counts.add(d.counters.resyncs);
    }
    expect(counts).toEqual(new Set([1]));
  });
  it('encoders round before splitting (36.999 → 37.00)', () => {
    expect(temps(PROTOCOLS.lu90614.decoder().push(encodeFrame('lu90614', 36.999)))).toEqual([37]);
    expect(temps(PROTOCOLS.idc50.decoder().push(encodeFrame('idc50', 36.96)))).toEqual([37]);
  });
  it('gy-mcu90614 reports ambient and negative temperatures', () => {
    const [f] = PROTOCOLS['gy-mcu90614'].decoder().push(encodeFrame('gy-mcu90614', -12.5, { ambientC: 21.75 }));
    expect(f).toMatchObject({ celsius: -12.5, ambientC: 21.75, bodyMode: false });
  });
  it('lu90614: material mode frames are not body readings', () => {
    const d = PROTOCOLS.lu90614.decoder();
    expect(temps(d.push(concat(encodeFrame('lu90614', 25, { materialMode: true }), encodeFrame('lu90614', 36.42))))).toEqual([36.42]);
    expect(d.counters.ignoredFrames).toBe(1);
  });
  it('ascii: the forms modules print, and junk lines', () => {
    const d = PROTOCOLS.ascii.decoder();
    const text = '36.7\r\nT=36.8\n{36.9}\r\nTemp: 37.0 C\r\nhello\r\n' + 'x'.repeat(500) + '\r\n37.1\n';
    expect(temps(d.push(new TextEncoder().encode(text)))).toEqual([36.7, 36.8, 36.9, 37.0, 37.1]);
    expect(d.counters.checksumFailures).toBe(1);
  });
  it('ascii: a reading is a whole token, never the tail of a longer number or word', () => {
    const read = (line: string): number[] => temps(PROTOCOLS.ascii.decoder().push(new TextEncoder().encode(line + '\r\n')));
    for (const [line, c] of [
      ['36.7', 36.7],
      ['T=36.7', 36.7],
      ['{36.7}', 36.7],
      ['Temp: 37.0 C', 37],
      ['Temp:37.0°C', 37],
      ['T=-5.5', -5.5],
      ['  36.7  ', 36.7],
    ] as const) {
      expect(read(line), line).toEqual([c]);
    }
    for (const line of ['1038.6', '3.6.7', '36.7.1', 'x36.7', 'T36.7', '36.7x', '36.7123', '1-36.7', '_36.7', '36.', '.5']) {
      expect(read(line), line).toEqual([]);
    }
    // Junk glued in front of a whole token does not hide it.
    expect(read('\x13\x37T=36.5')).toEqual([36.5]);
  });
});

describe('measurement', () => {
  const frame = (c: number): ThermoFrame => ({ celsius: c, ambientC: null, bodyMode: true, raw: '' });
  const feed = (m: Measurement, values: number[], start = 0): MeasurementEvent[] => values.flatMap((v, i) => m.frame(frame(v), start + i * 100));
  const stables = (events: MeasurementEvent[]) => events.filter((e) => e.type === 'stable').map((e) => (e as Extract<MeasurementEvent, { type: 'stable' }>).reading);

  it('a stable reading is 5 consecutive frames within 0.2 °C, reported as their median', () => {
    const m = new Measurement({ sensorRangeC: [0, 100] });
    expect(stables(feed(m, [36.4, 36.9, 36.5, 36.6, 36.5, 36.7, 36.6]))).toMatchObject([{ celsius: 36.6, frames: [36.5, 36.6, 36.5, 36.7, 36.6] }]);
  });
  it('outside 30–43 °C is no person, never a stable reading; out of sensor range is rejected', () => {
    const m = new Measurement({ sensorRangeC: [0, 100] });
    const events = feed(m, [22, 22, 22, 22, 22, 150, -5]);
    expect(stables(events)).toEqual([]);
    expect(events.filter((e) => e.type === 'reading').every((e) => (e as { reading: { kind: string } }).reading.kind === 'no-person')).toBe(true);
    expect(m.counters.rangeRejects).toBe(2);
  });
  it('applies a bounded calibration offset, recorded with the reading, raw value kept', () => {
    const calibration = { offsetC: 0.4, by: 'tech-07', atMs: 1000 };
    const m = new Measurement({ sensorRangeC: [0, 100], calibration });
    const [s] = stables(feed(m, [36.2, 36.2, 36.2, 36.2, 36.2]));
    expect(s).toMatchObject({ celsius: 36.6, rawC: 36.2, calibration });
    expect(() => m.setCalibration({ offsetC: 1.6, by: 'x', atMs: 0 })).toThrow(/±1.5/);
    expect(() => m.setCalibration({ offsetC: 0.5, by: ' ', atMs: 0 })).toThrow(/who/);
  });
  it('a high reading is measured once more before it is reported', () => {
    const m = new Measurement({ sensorRangeC: [0, 100], remeasureAtC: 37.3 });
    const first = feed(m, [38.0, 38.0, 38.1, 38.0, 38.0]);
    expect(stables(first)).toEqual([]);
    expect(first.some((e) => e.type === 'remeasuring')).toBe(true);
    expect(stables(feed(m, [37.9, 37.9, 37.9, 37.9, 37.9], 1000))).toMatchObject([{ celsius: 37.9, remeasured: true }]);
    expect(stables(feed(m, [36.5, 36.5, 36.5, 36.5, 36.5], 2000))).toMatchObject([{ celsius: 36.5, remeasured: false }]);
  });
  it('a silent port goes offline after the watchdog, and comes back with frames', () => {
    const m = new Measurement({ sensorRangeC: [0, 100], watchdogMs: 2000 });
    expect(m.state).toBe('offline');
    feed(m, [36.5]);
    expect(m.state).toBe('ok');
    expect(m.tick(1500)).toEqual([]);
    expect(m.tick(2500)).toMatchObject([{ type: 'offline' }]);
    expect(m.tick(5000)).toEqual([]);
    expect(m.state).toBe('offline');
    expect(m.frame(frame(36.5), 6000).some((e) => e.type === 'online')).toBe(true);
    expect(m.counters.timeouts).toBe(1);
  });
});

describe('serial scan assembly', () => {
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
  it.each([
    ['CR', 'PHC1:abc\rPHC1:def\r'],
    ['LF', 'PHC1:abc\nPHC1:def\n'],
    ['CRLF', 'PHC1:abc\r\nPHC1:def\r\n'],
  ] as const)('terminator %s, at every split', (terminator, text) => {
    const all = bytes(text);
    for (let cut = 0; cut <= all.length; cut++) {
      const a = new ScanAssembler(terminator, 100);
      expect([...a.push(all.subarray(0, cut), 0), ...a.push(all.subarray(cut), 1)]).toEqual(['PHC1:abc', 'PHC1:def']);
    }
  });
  it('a CRLF ending on a CR scanner leaves no stray LF', () => {
    expect(new ScanAssembler('CR').push(bytes('abc\r\ndef\r\n'), 0)).toEqual(['abc', 'def']);
  });
  it('a quiet line ends a scan without a terminator', () => {
    const a = new ScanAssembler('CR', 100);
    expect(a.push(bytes('PHC1:no-suffix'), 0)).toEqual([]);
    expect(a.idle(50)).toEqual([]);
    expect(a.idle(150)).toEqual(['PHC1:no-suffix']);
    expect(a.counters.timeouts).toBe(1);
  });
  it('a scan over 16 KiB is discarded whole, the next one kept', () => {
    const a = new ScanAssembler('CR', 100);
    expect(a.push(bytes('x'.repeat(17_000) + '\rPHC1:ok\r'), 0)).toEqual(['PHC1:ok']);
    expect(a.counters.overflows).toBe(1);
  });
  it('a text up to 16 KiB is passed on: a DCC or an SHC is longer than PHC1, and an over-long one is TOO_LARGE with a verdict', () => {
    const a = new ScanAssembler('CR', 100);
    const long = 'shc:/' + '5'.repeat(9000);
    expect(a.push(bytes(long + '\r'), 0)).toEqual([long]);
    expect(a.counters.overflows).toBe(0);
  });
});

describe('HID POS (Honeywell layout)', () => {
  /** Reports of 64 bytes: id 0x02, length, AIM id, data, byte 62 (after the id) = more to come. */
  function reports(text: string, aim = ']Q1'): Uint8Array[] {
    const data = new TextEncoder().encode(text);
    const out: Uint8Array[] = [];
    for (let i = 0; i < data.length || i === 0; i += 56) {
      const part = data.subarray(i, i + 56);
      const r = new Uint8Array(64);
      r[0] = 0x02;
      r[1] = part.length;
      r.set(new TextEncoder().encode(aim), 2);
      r.set(part, 5);
      r[63] = i + 56 < data.length ? 1 : 0;
      out.push(r);
    }
    return out;
  }
  it('concatenates reports until the last one, with the symbology', () => {
    const text = 'PHC1:' + 'a'.repeat(300);
    const h = new HoneywellHidPos();
    const results = reports(text).map((r) => h.push(r));
    expect(results.slice(0, -1).every((r) => r === null)).toBe(true);
    expect(results.at(-1)).toEqual({ text, symbology: ']Q1' });
  });
  it('ignores other report ids and short reports', () => {
    const h = new HoneywellHidPos();
    expect(h.push(Uint8Array.of(0x01, 5, 0, 0, 0))).toBeNull();
    expect(h.push(Uint8Array.of(0x02))).toBeNull();
    expect(h.counters.ignored).toBe(2);
    expect(h.push(reports('PHC1:x')[0]!)).toEqual({ text: 'PHC1:x', symbology: ']Q1' });
  });
  it('a runaway sequence over 16 KiB is dropped', () => {
    const h = new HoneywellHidPos();
    const r = reports('y'.repeat(56 * 2))[0]!;
    for (let i = 0; i < 300; i++) h.push(r);
    expect(h.counters.overflows).toBe(1);
  });
});
