// One hour of a streaming thermometer compressed into a moment (fake timers,
// an in-memory port), with corrupted frames and junk: exact counters, and
// no memory growth. And the HID scanner's open/error/close paths on a fake
// node-hid.
import { EventEmitter } from 'node:events';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Timers } from '../../drivers/contract.js';
import { MemoryLink } from '../fixtures/serial.js';
import { HidScanner, type HidApi, type HidDeviceLike } from '../../drivers/scanner/hid-pos.js';
import { encodeFrame } from '../../drivers/thermometer/protocols/encoders.js';
import { SerialThermometer } from '../../drivers/thermometer/serial-thermometer.js';

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;

const fakeTimers: Timers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

describe('soak: one hour of streaming', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 29, 8) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gy-mcu90614 at ~14 Hz for an hour: exact counters, bounded memory, one connection', () => {
    const link = new MemoryLink();
    const thermo = new SerialThermometer({ path: '/dev/ttyFAKE', protocol: 'gy-mcu90614', openSerial: () => link, clock: Date.now, timers: fakeTimers, exists: () => true });
    let stable = 0;
    thermo.onReading(() => stable++);
    let sent = 0;
    let corrupted = 0;
    const junk = Uint8Array.of(0x13, 0x37, 0x5a, 0x00);
    const module = setInterval(() => {
      sent++;
      const frame = encodeFrame('gy-mcu90614', 36.6, { ambientC: 24.5 });
      if (sent % 50 === 0) {
        frame[8] = frame[8]! ^ 0xff;
        corrupted++;
      }
      // Frames arrive cut at arbitrary points, with junk now and then.
      const bytes = sent % 7 === 0 ? Uint8Array.from([...junk, ...frame]) : frame;
      const cut = sent % bytes.length;
      link.emit('data', Buffer.from(bytes.subarray(0, cut)));
      link.emit('data', Buffer.from(bytes.subarray(cut)));
    }, 71);

    vi.advanceTimersByTime(60_000); // warm up
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const sentBefore = sent;
    vi.advanceTimersByTime(3_600_000);
    clearInterval(module);
    gc();
    const heapAfter = process.memoryUsage().heapUsed;

    const valid = sent - corrupted;
    const c = thermo.counters;
    expect(sent).toBe(Math.floor(3_660_000 / 71));
    expect(sent - sentBefore).toBeGreaterThan(50_000);
    expect(c.frames).toBe(valid);
    expect(c.checksumFailures).toBe(corrupted);
    // A corrupted frame is dropped before measurement: it does not break a run of five.
    expect(c.stable).toBe(Math.floor(valid / 5));
    expect(stable).toBe(c.stable);
    expect(c.timeouts).toBe(0);
    expect(c.opens).toBe(1);
    expect(link.written).toHaveLength(1); // the start command, once
    expect(heapAfter - heapBefore).toBeLessThan(8 * 2 ** 20);
    thermo.close();
  });

  it('a module that stops for 5 s mid-hour: offline within 2 s, reopened, back', () => {
    const links: MemoryLink[] = [];
    const thermo = new SerialThermometer({
      path: '/dev/ttyFAKE',
      protocol: 'idc50',
      openSerial: () => {
        const l = new MemoryLink();
        links.push(l);
        return l;
      },
      clock: Date.now,
      timers: fakeTimers,
      exists: () => true,
    });
    const states: string[] = [];
    thermo.onStatus((s) => states.push(s.state));
    let silent = false;
    const module = setInterval(() => {
      if (!silent) links.at(-1)?.emit('data', Buffer.from(encodeFrame('idc50', 36.6)));
    }, 500);
    vi.advanceTimersByTime(10_000);
    expect(thermo.state).toBe('ok');
    silent = true;
    // Frames every 500 ms: the last one came at most 500 ms ago; offline within 2 s of it.
    vi.advanceTimersByTime(2_000);
    expect(thermo.state).toBe('offline');
    silent = false;
    vi.advanceTimersByTime(5_000);
    expect(thermo.state).toBe('ok');
    expect(thermo.counters.timeouts).toBe(1);
    expect(thermo.counters.opens - thermo.counters.closes).toBe(1);
    clearInterval(module);
    thermo.close();
    expect(links.every((l) => !l.isOpen)).toBe(true);
  });
});

describe('HID POS scanner on a fake node-hid', () => {
  class FakeDevice extends EventEmitter implements HidDeviceLike {
    closed = false;
    close(): void {
      this.closed = true;
    }
  }

  function fakeHid() {
    const state = { plugged: true, opened: [] as FakeDevice[], failOpen: false };
    const api: HidApi = {
      devices: () =>
        state.plugged
          ? [
              { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw3', usagePage: 0x8c },
              { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw2', usagePage: 0x01 },
            ]
          : [],
      open: (path) => {
        if (state.failOpen) throw new Error('permission denied');
        expect(path).toBe('/dev/hidraw3');
        const d = new FakeDevice();
        state.opened.push(d);
        return d;
      },
    };
    return { api, state };
  }

  const report = (text: string): Buffer => {
    const r = Buffer.alloc(64);
    r[0] = 0x02;
    r[1] = text.length;
    r.write(']Q1', 2, 'latin1');
    r.write(text, 5, 'latin1');
    return r;
  };

  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens the POS interface, scans, survives an error, reopens when the device returns', () => {
    const { api, state } = fakeHid();
    const scanner = new HidScanner({ vendorId: 0x0c2e, productId: 0x0b61, hid: api, clock: Date.now, timers: fakeTimers });
    const scans: string[] = [];
    scanner.onScan((s) => scans.push(s.text));
    expect(scanner.state).toBe('ok');
    state.opened[0]!.emit('data', report('PHC1:one'));
    state.plugged = false;
    state.opened[0]!.emit('error', new Error('could not read from HID device'));
    expect(scanner.state).toBe('offline');
    expect(state.opened[0]!.closed).toBe(true);
    vi.advanceTimersByTime(3000);
    expect(scanner.state).toBe('offline');
    state.plugged = true;
    vi.advanceTimersByTime(1000);
    expect(scanner.state).toBe('ok');
    state.opened[1]!.emit('data', report('PHC1:two'));
    expect(scans).toEqual(['PHC1:one', 'PHC1:two']);
    expect(scanner.counters.opens - scanner.counters.closes).toBe(1);
    scanner.close();
    expect(state.opened[1]!.closed).toBe(true);
  });

  it('a device that cannot be opened is reported and retried, never thrown', () => {
    const { api, state } = fakeHid();
    state.failOpen = true;
    const statuses: string[] = [];
    const scanner = new HidScanner({ vendorId: 0x0c2e, productId: 0x0b61, hid: api, clock: Date.now, timers: fakeTimers });
    scanner.onStatus((s) => statuses.push(s.detail));
    vi.advanceTimersByTime(2500);
    expect(scanner.state).toBe('offline');
    expect(scanner.counters.failedOpens).toBeGreaterThanOrEqual(2);
    state.failOpen = false;
    vi.advanceTimersByTime(1000);
    expect(scanner.state).toBe('ok');
    scanner.close();
  });
});
