// Drivers on real pseudo-terminals (socat): a simulated module at the far
// end speaking each protocol, corrupted frames and junk in the stream, and
// unplugging (killing socat) and plugging back (starting it again on the
// same link paths), after which readings resume.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { openSerialPort } from '../../drivers/bindings.js';
import type { DriverStatus, ThermometerReading } from '../../drivers/contract.js';
import { SerialScanner } from '../../drivers/scanner/serial-scanner.js';
import { SerialThermometer } from '../../drivers/thermometer/serial-thermometer.js';
import { SENTINEL } from '../fixtures/cli.js';
import { PtyPair, SimulatedModule } from '../fixtures/pty.js';
import { until } from '../fixtures/until.js';
import { ManualTimers, WatchedTimers } from '../fixtures/timers.js';
import { tempDir } from '../fixtures/tmp.js';
import { PROTOCOL_NAMES, type ProtocolName } from '../../main/contract/devices.js';

const missing = inject('socatMissing');

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

describe.skipIf(missing !== '')('drivers on pseudo-terminals', () => {
  let pty: PtyPair;
  let module: SimulatedModule | null = null;
  const closers: (() => void | Promise<void>)[] = [];

  /** A gy-mcu90614 driver on the pty, its statuses and readings collected, once the first reading is in. */
  async function watchedThermometer(
    extra: Partial<ConstructorParameters<typeof SerialThermometer>[0]> = {},
  ): Promise<{ thermo: SerialThermometer; statuses: DriverStatus[]; readings: ThermometerReading[] }> {
    const thermo = new SerialThermometer({ path: pty.kiosk, protocol: 'gy-mcu90614', openSerial: openSerialPort, clock: Date.now, ...extra });
    closers.push(() => thermo.close());
    const statuses: DriverStatus[] = [];
    thermo.onStatus((s) => statuses.push(s));
    const readings: ThermometerReading[] = [];
    thermo.onReading((r) => readings.push(r));
    await until(() => readings.length > 0, 10_000, 'first reading');
    return { thermo, statuses, readings };
  }

  /** A long-running sentinel command, its output read as it comes; stopped after the test. */
  function runSentinel(args: string[]): { child: ChildProcess; out: () => string; err: () => string } {
    const child = spawn(process.execPath, [SENTINEL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    closers.push(() => {
      child.kill('SIGTERM');
    });
    return { child, out: () => out, err: () => err };
  }

  beforeEach(async () => {
    pty = new PtyPair(tempDir('sentinel-pty-'));
    await pty.plug();
  });
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    await module?.stop();
    module = null;
    await pty.unplug();
  });

  it.each(PROTOCOL_NAMES.map((p) => [p]))('%s: stable readings through corruption and junk', async (protocol: ProtocolName) => {
    module = new SimulatedModule(pty.module, { protocol, celsius: 36.6, everyMs: 40, corruptEvery: 4, junk: true });
    await module.start();
    const thermo = new SerialThermometer({ path: pty.kiosk, protocol, baudRate: 9600, openSerial: openSerialPort, clock: Date.now });
    closers.push(() => thermo.close());
    const readings: ThermometerReading[] = [];
    thermo.onReading((r) => readings.push(r));
    await until(() => readings.length >= 2, 10_000, 'two stable readings');
    expect(readings[0]).toMatchObject({ celsius: 36.6, simulated: false, protocol });
    expect(thermo.state).toBe('ok');
    expect(thermo.counters.checksumFailures).toBeGreaterThan(0);
    expect(thermo.latest()?.celsius).toBe(36.6);
  });

  it('unplugged: offline within 2 s; plugged back: readings resume, no handle leaked', async () => {
    module = new SimulatedModule(pty.module, { protocol: 'gy-mcu90614', everyMs: 70 });
    await module.start();
    const fdsBefore = openFds();
    const timers = new WatchedTimers();
    const { thermo, statuses, readings } = await watchedThermometer({ timers });

    for (let round = 0; round < 3; round++) {
      await module.stop();
      const unpluggedAt = Date.now();
      await pty.unplug();
      await until(() => thermo.state === 'offline', 2000, 'offline after unplug');
      expect(Date.now() - unpluggedAt).toBeLessThan(2000);
      // Left unplugged until the driver has looked for it again and not found it.
      await timers.timeoutsFired(1);
      await pty.plug();
      module = new SimulatedModule(pty.module, { protocol: 'gy-mcu90614', everyMs: 70, celsius: 36.8 + round / 10 });
      await module.start();
      const count = readings.length;
      await until(() => readings.length > count, 10_000, `readings after replug ${round}`);
      expect(thermo.state).toBe('ok');
    }
    expect(readings.at(-1)!.celsius).toBeCloseTo(37.0, 5);
    expect(thermo.counters.opens - thermo.counters.closes).toBe(1);
    thermo.close();
    closers.length = 0;
    // Closing a port lets go of its handle asynchronously.
    await until(() => openFds() <= fdsBefore + 2, 2000, "the port's handles released");
    expect(openFds()).toBeLessThanOrEqual(fdsBefore + 2);
    expect(statuses.some((s) => s.state === 'offline')).toBe(true);
  });

  it('a USB adapter that comes back under another name is followed by its identity (checked again there), and back to its own name when that returns', async () => {
    module = new SimulatedModule(pty.module, { protocol: 'gy-mcu90614', everyMs: 50, celsius: 36.6 });
    await module.start();
    const renamed = new PtyPair(tempDir('sentinel-pty-'), 'renamed');
    closers.push(() => renamed.unplug());
    const adapter = { vendorId: '1a86', productId: '7523', serialNumber: 'TH-0042' };
    let nowAt: string | null = null;
    // What the port found says it is: another adapter at first (a stale udev list), then ours.
    let thereId = { ...adapter, serialNumber: 'SCANNER-7' };
    const asked: string[] = [];
    const usb = {
      idOf: async (path: string) => (path === pty.kiosk ? adapter : path === nowAt ? thereId : null),
      pathOf: async (id: typeof adapter) => {
        asked.push(id.serialNumber ?? '');
        return nowAt;
      },
    };
    const { thermo, statuses, readings } = await watchedThermometer({ usb });

    // Unplugged; it comes back as another device node, the old one stays gone.
    await module.stop();
    await pty.unplug();
    await until(() => thermo.state === 'offline', 2000, 'offline after unplug');
    await renamed.plug();
    // Not yet known to be the same adapter (the lookup finds nothing, or two alike): not followed.
    await until(() => asked.length >= 2, 5000, 'lookups by identity');
    expect(thermo.state).toBe('offline');
    nowAt = renamed.kiosk;
    module = new SimulatedModule(renamed.module, { protocol: 'gy-mcu90614', everyMs: 50, celsius: 36.9 });
    await module.start();
    // The list says it is there, but the port says it is another adapter: not opened.
    const lookups = asked.length;
    await until(() => asked.length >= lookups + 2, 5000, 'lookups while the port disagrees');
    expect(thermo.state).toBe('offline');
    thereId = adapter;
    await until(() => readings.at(-1)?.celsius === 36.9, 10_000, 'readings from the renamed adapter');
    expect(asked.every((x) => x === 'TH-0042')).toBe(true);
    expect(statuses.some((s) => s.detail.includes(renamed.kiosk))).toBe(true);

    // Back under its own name: the configured path is always tried first.
    await module.stop();
    await renamed.unplug();
    nowAt = null;
    await until(() => thermo.state === 'offline', 2000, 'offline after the second unplug');
    await pty.plug();
    module = new SimulatedModule(pty.module, { protocol: 'gy-mcu90614', everyMs: 50, celsius: 36.4 });
    await module.start();
    await until(() => readings.at(-1)?.celsius === 36.4, 10_000, 'readings under the configured name again');
    expect(statuses.at(-1)?.detail ?? '').not.toContain(renamed.kiosk);
    expect(thermo.counters.opens - thermo.counters.closes).toBe(1);
  });

  it('an adapter without a serial number is never followed to another name', async () => {
    module = new SimulatedModule(pty.module, { protocol: 'gy-mcu90614', everyMs: 50, celsius: 36.6 });
    await module.start();
    const twin = new PtyPair(tempDir('sentinel-pty-'), 'twin');
    closers.push(() => twin.unplug());
    const asked: string[] = [];
    // A CH340 has no serial number: the scanner's identical adapter would match.
    const usb = { idOf: async () => ({ vendorId: '1a86', productId: '7523', serialNumber: null }), pathOf: async () => (asked.push('?'), twin.kiosk) };
    const timers = new WatchedTimers();
    const { thermo } = await watchedThermometer({ usb, timers });
    await module.stop();
    await pty.unplug();
    await twin.plug();
    await until(() => thermo.state === 'offline', 2000, 'offline after unplug');
    // Two of its one-second retries have come and gone (each one a chance to follow the twin).
    await timers.timeoutsFired(2, 1000);
    expect(thermo.state).toBe('offline');
    expect(asked).toEqual([]);
    expect(thermo.counters.opens - thermo.counters.closes).toBe(0);
  });

  it('a port that stays silent is offline (watchdog), not "normal"', async () => {
    const timers = new ManualTimers();
    timers.now = Date.now();
    const thermo = new SerialThermometer({ path: pty.kiosk, protocol: 'idc50', openSerial: openSerialPort, clock: () => timers.now, timers, watchdogMs: 500 });
    closers.push(() => thermo.close());
    const statuses: string[] = [];
    const open = new Promise<void>((resolve) => thermo.onStatus((st) => (statuses.push(st.detail), st.detail.includes('open') && resolve())));
    await open;
    // 1.2 s of the driver's clock on the open, silent port.
    timers.advance(1200);
    expect(thermo.state).toBe('offline');
    expect(thermo.latest()).toBeNull();
  });

  it('lu90614 answers only when asked: the driver polls it', async () => {
    module = new SimulatedModule(pty.module, { protocol: 'lu90614', celsius: 36.42 });
    await module.start();
    const thermo = new SerialThermometer({ path: pty.kiosk, protocol: 'lu90614', openSerial: openSerialPort, clock: Date.now });
    closers.push(() => thermo.close());
    await until(() => thermo.latest() !== null, 10_000, 'a polled reading');
    expect(thermo.latest()!.celsius).toBe(36.42);
  });

  it('serial scanner: scans, then unplug and replug, scans again', async () => {
    const scanner = new SerialScanner({ path: pty.kiosk, terminator: 'CRLF', openSerial: openSerialPort, clock: Date.now });
    closers.push(() => scanner.close());
    const scans: string[] = [];
    scanner.onScan((s) => scans.push(s.text));
    module = new SimulatedModule(pty.module, { protocol: 'ascii', stream: false });
    await until(() => scanner.state === 'ok', 5000, 'scanner open');
    await module.start();
    module.write(new TextEncoder().encode('PHC1:first.code.here\r\n'));
    await until(() => scans.length === 1, 5000, 'first scan');
    await module.stop();
    await pty.unplug();
    await until(() => scanner.state === 'offline', 2500, 'scanner offline');
    await pty.plug();
    await until(() => scanner.state === 'ok', 5000, 'scanner back');
    module = new SimulatedModule(pty.module, { protocol: 'ascii', stream: false });
    await module.start();
    module.write(new TextEncoder().encode('PHC1:second.code\r\n'));
    await until(() => scans.length === 2, 5000, 'second scan');
    expect(scans).toEqual(['PHC1:first.code.here', 'PHC1:second.code']);
  });

  it('sentinel scanner --serial prints each scan', async () => {
    const { out, err } = runSentinel(['scanner', '--serial', pty.kiosk, '--terminator', 'CR', '--json']);
    await until(() => err().includes('"ok"'), 5000, 'scanner open');
    module = new SimulatedModule(pty.module, { protocol: 'ascii', stream: false });
    await module.start();
    module.write(new TextEncoder().encode('PHC1:a.b.c\rhttps://pay.example/x\r'));
    await until(() => out().split('\n').length > 2, 5000, 'two scans');
    expect(
      out()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).text),
    ).toEqual(['PHC1:a.b.c', 'https://pay.example/x']);
  });

  it('sentinel thermo --stable --json keeps running across an unplug', async () => {
    module = new SimulatedModule(pty.module, { protocol: 'gy-mcu90614', everyMs: 50, celsius: 36.5 });
    await module.start();
    const { child, out, err } = runSentinel(['thermo', '--port', pty.kiosk, '--protocol', 'gy-mcu90614', '--stable', '--json']);
    await until(() => out().split('\n').length > 2, 10_000, 'thermo output');
    const first = JSON.parse(out().split('\n')[0]!);
    expect(first).toMatchObject({ celsius: 36.5, raw: 36.5, ambient: 25, protocol: 'gy-mcu90614' });
    expect(Object.keys(first).sort()).toEqual(['ambient', 'at', 'celsius', 'protocol', 'raw']);
    await module.stop();
    await pty.unplug();
    await until(() => err().includes('"offline"'), 3000, 'offline status on stderr');
    await pty.plug();
    module = new SimulatedModule(pty.module, { protocol: 'gy-mcu90614', everyMs: 50, celsius: 36.9 });
    await module.start();
    await until(() => out().includes('36.9'), 10_000, 'readings after replug');
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
  });
});
