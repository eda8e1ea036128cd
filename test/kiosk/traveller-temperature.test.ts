// A temperature must belong to the traveller being checked: never the last
// traveller's reading reused, never one from an unplugged module, from
// nobody in view, or from before a high reading's re-measure ended. Checked
// on the rule alone, on the kiosk service with a fake module, and end to end
// through real drivers on an in-memory port, in the kiosk's own process
// (browser shell) and through the Electron drivers' process. Time is fake
// throughout: nothing sleeps.
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REAL_TIMERS, type DriverEvent, type DriverStatus, type ThermometerFeed, type ThermometerNotice, type ThermometerReading } from '../../drivers/contract.js';
import { Listeners } from '../../drivers/listeners.js';
import { Measurement, type MeasurementEvent } from '../../drivers/thermometer/measurement.js';
import { encodeFrame } from '../../drivers/thermometer/protocols/encoders.js';
import type { ThermoFrame } from '../../drivers/thermometer/protocols/frame-decoder.js';
import { SerialThermometer } from '../../drivers/thermometer/serial-thermometer.js';
import { SimulatedThermometer } from '../../drivers/thermometer/simulated.js';
import { demoCode, loadDemoKeys, setUpDemoDataDir, type DemoKeys } from '../../main/demo/demo.js';
import { ThermometerSlot } from '../../main/kiosk/device-slots.js';
import { KioskService } from '../../main/kiosk/kiosk-service.js';
import { RemoteThermometer, routeDriverEvent } from '../../main/kiosk/remote-drivers.js';
import { checkTemperature, TravellerTemperature } from '../../main/kiosk/traveller-temperature.js';
import { DriversProcessDevices } from '../../main/shell/electron/drivers-openers.js';
import { postThermometerEvents, type DriversConfig } from '../../main/shell/electron/drivers-process.js';
import { tempDir } from '../fixtures/tmp.js';
import { FakeChild } from '../fixtures/child.js';
import { MemoryLink } from '../fixtures/serial.js';
import { ManualTimers } from '../fixtures/timers.js';
import type { DeviceState } from '../../main/contract/devices.js';
import { TEST_SCREEN } from '../fixtures/screen.js';
import { decided } from '../fixtures/scan-answer.js';

const START_MS = Date.UTC(2026, 10, 29, 8);

/** A thermometer module as the kiosk sees it, played by the test. */
class FakeModule implements ThermometerFeed {
  state: DeviceState = 'ok';
  private last: ThermometerReading | null = null;
  private readonly readings = new Listeners<ThermometerReading>();
  private readonly statuses = new Listeners<DriverStatus>();
  private readonly notices = new Listeners<ThermometerNotice>();

  constructor(private readonly clock: () => number) {}

  latest(): ThermometerReading | null {
    return this.last;
  }
  onReading(l: (r: ThermometerReading) => void): () => void {
    return this.readings.add(l);
  }
  onStatus(l: (s: DriverStatus) => void): () => void {
    return this.statuses.add(l);
  }
  onNotice(l: (n: ThermometerNotice) => void): () => void {
    return this.notices.add(l);
  }
  close(): void {
    this.readings.clear();
  }
  /** A stable reading of the person in front of it. */
  read(celsius: number): void {
    this.last = { celsius, atMs: this.clock(), simulated: false, rawC: celsius, calibrationOffsetC: 0, protocol: 'gy-mcu90614' };
    this.readings.emit(this.last);
  }
  remeasuring(firstC: number): void {
    this.notices.emit({ kind: 'remeasuring', firstC, atMs: this.clock() });
  }
  noPerson(): void {
    this.notices.emit({ kind: 'no-person', atMs: this.clock() });
  }
  setState(state: DeviceState): void {
    this.state = state;
    this.statuses.emit({ device: 'thermometer', state, detail: state, atMs: this.clock() });
  }
}

const settledNow = async <T>(p: Promise<T>): Promise<{ done: boolean; value?: T }> => {
  let state: { done: boolean; value?: T } = { done: false };
  void p.then((value) => (state = { done: true, value }));
  await Promise.resolve();
  await Promise.resolve();
  return state;
};

describe("which reading is the traveller's (the rule alone)", () => {
  function rule(freshMs?: number) {
    const timers = new ManualTimers();
    timers.now = START_MS;
    const module = new FakeModule(() => timers.now);
    const t = new TravellerTemperature(module, { clock: () => timers.now, timers, ...(freshMs === undefined ? {} : { freshMs }) });
    return { timers, module, t };
  }

  it('a check takes the reading: the next check gets none until a new one is made', async () => {
    const { module, t } = rule();
    module.read(36.5);
    expect(t.peek()?.celsius).toBe(36.5);
    expect((await t.take())?.celsius).toBe(36.5);
    expect(t.peek()).toBeNull();
    expect(await t.take()).toBeNull();
    module.read(36.7);
    expect((await t.take())?.celsius).toBe(36.7);
  });

  it('fresh for 2 s by default, or as configured', async () => {
    const { timers, module, t } = rule();
    module.read(36.5);
    timers.advance(2000);
    expect(t.peek()?.celsius).toBe(36.5);
    timers.advance(1);
    expect(await t.take()).toBeNull();
    const slow = rule(5000);
    slow.module.read(36.6);
    slow.timers.advance(4000);
    expect((await slow.t.take())?.celsius).toBe(36.6);
  });

  it('"no person", a re-measure and going offline each drop the reading held', async () => {
    const { module, t } = rule();
    module.read(36.5);
    module.noPerson();
    expect(await t.take()).toBeNull();
    module.read(36.5);
    module.setState('offline');
    expect(await t.take()).toBeNull();
    module.setState('ok');
    expect(await t.take()).toBeNull();
    module.read(36.5);
    module.remeasuring(38.6);
    expect(t.peek()).toBeNull();
  });

  it('a module that is not measuring gives nothing, whatever it held', async () => {
    const { module, t } = rule();
    module.read(36.5);
    module.state = 'offline'; // no status said (yet)
    expect(await t.take()).toBeNull();
  });

  it('a check during a re-measure waits for it and gets its result; a second check waiting gets nothing', async () => {
    const { timers, module, t } = rule();
    module.read(36.5);
    module.remeasuring(38.6);
    const first = t.take();
    const second = t.take();
    timers.advance(1000);
    expect((await settledNow(first)).done).toBe(false);
    module.read(38.6);
    expect((await first)?.celsius).toBe(38.6);
    expect(await second).toBeNull();
    expect(timers.count).toBe(0);
    // The re-measure went to the check that waited: it is not held for the next one.
    expect(await t.take()).toBeNull();
  });

  it('the wait is bounded (1.5 s), and ends at once when the person goes or the module does', async () => {
    const { timers, module, t } = rule();
    module.remeasuring(38.6);
    const late = t.take();
    timers.advance(1499);
    expect((await settledNow(late)).done).toBe(false);
    timers.advance(1);
    expect(await late).toBeNull();
    const gone = t.take();
    module.noPerson();
    expect(await gone).toBeNull();
    module.remeasuring(38.6);
    const unplugged = t.take();
    module.setState('offline');
    expect(await unplugged).toBeNull();
    expect(timers.count).toBe(0);
  });

  it("a reading made just before the kiosk listened can be the first traveller's (if recent and the module is up)", async () => {
    const timers = new ManualTimers();
    timers.now = START_MS;
    const module = new FakeModule(() => timers.now);
    module.read(36.6);
    expect((await new TravellerTemperature(module, { clock: () => timers.now, timers }).take())?.celsius).toBe(36.6);
    module.state = 'offline';
    expect(await new TravellerTemperature(module, { clock: () => timers.now, timers }).take()).toBeNull();
    expect(await new TravellerTemperature(null, { clock: () => timers.now, timers }).take()).toBeNull();
  });

  it('the check records the reading with its raw value and calibration; a simulator has neither', () => {
    expect(checkTemperature(null)).toEqual({ temperatureC: null, temperatureRawC: null, calibrationOffsetC: null });
    expect(checkTemperature({ celsius: 36.8, rawC: 36.5, calibrationOffsetC: 0.3, atMs: 1, simulated: false })).toEqual({ temperatureC: 36.8, temperatureRawC: 36.5, calibrationOffsetC: 0.3 });
    expect(checkTemperature({ celsius: 36.6, atMs: 1, simulated: true })).toEqual({ temperatureC: 36.6, temperatureRawC: null, calibrationOffsetC: null });
  });
});

describe("the measurement says when a reading stops being anyone's", () => {
  const frame = (c: number): ThermoFrame => ({ celsius: c, ambientC: 24, bodyMode: false, raw: '' });
  const feed = (m: Measurement, values: number[], start: number): MeasurementEvent[] => values.flatMap((v, i) => m.frame(frame(v), start + i * 100));
  const kinds = (events: MeasurementEvent[]) => events.filter((e) => e.type !== 'reading').map((e) => e.type);

  it('"no person" once when the person goes (not every ambient frame), and again after the next person', () => {
    const m = new Measurement({ sensorRangeC: [-70, 380] });
    expect(kinds(feed(m, [24, 24, 24], 0))).toEqual(['no-person']);
    expect(kinds(feed(m, [36.5, 36.5, 36.5, 36.5, 36.5], 1000))).toEqual(['stable']);
    expect(kinds(feed(m, [24, 24, 23.9], 2000))).toEqual(['no-person']);
    expect(kinds(feed(m, [36.5, 29.0, 24], 3000))).toEqual(['no-person']);
  });

  it('a re-measure is said, ends with the stable reading, and is abandoned when the person goes or the module falls silent', () => {
    const m = new Measurement({ sensorRangeC: [-70, 380], remeasureAtC: 37.3 });
    expect(feed(m, [38.6, 38.6, 38.6, 38.6, 38.6], 0).filter((e) => e.type === 'remeasuring')).toMatchObject([{ firstC: 38.6, atMs: 400 }]);
    expect(kinds(feed(m, [24], 500))).toEqual(['no-person']);
    // The person gone, the next high reading is a first one again, not the re-measure of the last.
    expect(kinds(feed(m, [38.6, 38.6, 38.6, 38.6, 38.6], 1000))).toEqual(['remeasuring']);
    expect(m.tick(4000)).toMatchObject([{ type: 'offline' }]);
    expect(kinds(feed(m, [38.6, 38.6, 38.6, 38.6, 38.6], 5000))).toEqual(['online', 'remeasuring']);
    expect(kinds(feed(m, [38.6, 38.6, 38.6, 38.6, 38.6], 6000))).toEqual(['stable']);
  });

  it('the serial driver hands both on as notices', () => {
    const link = new MemoryLink();
    const thermo = new SerialThermometer({
      path: '/dev/ttyFAKE',
      protocol: 'gy-mcu90614',
      openSerial: () => link,
      clock: () => 0,
      timers: { ...REAL_TIMERS, setInterval: () => 0, clearInterval: () => undefined },
      exists: () => true,
      remeasureAtC: 37.3,
    });
    const notices: ThermometerNotice[] = [];
    thermo.onNotice((n) => notices.push(n));
    for (const c of [38.6, 38.6, 38.6, 38.6, 38.6, 24]) link.emit('data', Buffer.from(encodeFrame('gy-mcu90614', c, { ambientC: 24 })));
    expect(notices).toEqual([
      { kind: 'remeasuring', firstC: 38.6, atMs: 0 },
      { kind: 'no-person', atMs: 0 },
    ]);
    thermo.close();
  });
});

describe("the kiosk's checks take only the traveller's own temperature", () => {
  let keys: DemoKeys;
  let dataDir: string;
  let service: KioskService | null = null;
  const closers: (() => void)[] = [];

  beforeEach(async () => {
    vi.useFakeTimers({ now: START_MS, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    keys = await loadDemoKeys();
    dataDir = path.join(tempDir(), 'data');
    await setUpDemoDataDir(dataDir, keys, START_MS);
  });
  afterEach(() => {
    service?.close();
    service = null;
    for (const c of closers.splice(0)) c();
    vi.useRealTimers();
  });

  async function kiosk(thermometer: ThermometerFeed, readingFreshMs?: number): Promise<KioskService> {
    service = await KioskService.open({
      dataDir,
      clock: Date.now,
      thermometer,
      ...(readingFreshMs === undefined ? {} : { readingFreshMs }),
      screen: TEST_SCREEN,
    });
    return service;
  }
  let n = 0;
  const green = (): Promise<string> => demoCode(keys, Date.now() / 1000, { issuer: 'CN-ZJ', status: 'green', subject: `traveller-${++n}` });
  /** A traveller's check; given the code, it starts at once (a code signed now would let time pass). */
  const scan = async (s: KioskService, code?: string): Promise<{ verdict: string; reasons: string[]; temperatureC: number | null }> => {
    const v = decided(await s.submitScan(code ?? (await green()), 'scanner'));
    return { verdict: v.verdict, reasons: v.reasons.map((r) => r.code), temperatureC: v.temperatureC };
  };
  const MISSING = { verdict: 'review', reasons: ['TEMPERATURE_MISSING'], temperatureC: null };
  const ADMIT = (c: number) => ({ verdict: 'admit', reasons: ['OK'], temperatureC: c });
  const FEVER = (c: number) => ({ verdict: 'deny', reasons: ['FEVER'], temperatureC: c });

  it('(a) a high reading being re-measured: the next traveller waits for it and is stopped for the fever, not admitted on the 36.5 before', async () => {
    const module = new FakeModule(Date.now);
    const s = await kiosk(module);
    module.read(36.5);
    expect(await scan(s)).toEqual(ADMIT(36.5));
    await vi.advanceTimersByTimeAsync(1500);
    module.remeasuring(38.6);
    const b = s.submitScan(await green(), 'scanner');
    await vi.advanceTimersByTimeAsync(400);
    expect((await settledNow(b)).done).toBe(false);
    module.read(38.6);
    const view = decided(await b);
    expect({ verdict: view.verdict, reasons: view.reasons.map((r) => r.code), temperatureC: view.temperatureC }).toEqual(FEVER(38.6));
  });

  it('(a) … and gets no temperature when the re-measure does not come in time', async () => {
    const module = new FakeModule(Date.now);
    const s = await kiosk(module);
    module.read(36.5);
    expect(await scan(s)).toEqual(ADMIT(36.5));
    module.read(36.5); // A's reading again, before A steps away…
    await vi.advanceTimersByTimeAsync(500);
    module.remeasuring(38.6); // …and B's first, high reading
    const b = scan(s, await green());
    await vi.advanceTimersByTimeAsync(1500);
    expect(await b).toEqual(MISSING);
  });

  it('(b) an unplugged thermometer: the next check has no temperature, never the last reading (nor once it is back)', async () => {
    const module = new FakeModule(Date.now);
    const s = await kiosk(module);
    module.read(36.5);
    expect(await scan(s)).toEqual(ADMIT(36.5));
    module.read(36.6);
    await vi.advanceTimersByTimeAsync(300);
    module.setState('offline');
    expect(await scan(s)).toEqual(MISSING);
    // Measured, unplugged and plugged back within a second: that reading is still not the next traveller's.
    module.setState('ok');
    module.read(36.6);
    module.setState('offline');
    module.setState('ok');
    expect(await scan(s)).toEqual(MISSING);
  });

  it('(c) a reading serves one check only', async () => {
    const module = new FakeModule(Date.now);
    const s = await kiosk(module);
    module.read(36.6);
    expect(await scan(s)).toEqual(ADMIT(36.6));
    await vi.advanceTimersByTimeAsync(100);
    expect(await scan(s)).toEqual(MISSING);
    module.read(36.7);
    expect(await scan(s)).toEqual(ADMIT(36.7));
  });

  it('(c) two checks at once: one gets the reading, the other none', async () => {
    const module = new FakeModule(Date.now);
    const s = await kiosk(module);
    module.read(36.6);
    const both = await Promise.all([scan(s), scan(s)]);
    expect(both).toEqual(expect.arrayContaining([ADMIT(36.6), MISSING]));
  });

  it("(d) a reading older than 2 s is not this traveller's; readingFreshMs still sets it", async () => {
    const module = new FakeModule(Date.now);
    const s = await kiosk(module);
    module.read(36.6);
    await vi.advanceTimersByTimeAsync(2001);
    expect(await scan(s)).toEqual(MISSING);
    module.read(36.6);
    await vi.advanceTimersByTimeAsync(1900);
    expect(await scan(s)).toEqual(ADMIT(36.6));
    s.close();
    const patient = await kiosk(module, 5000);
    module.read(36.7);
    await vi.advanceTimersByTimeAsync(4000);
    expect(await scan(patient)).toEqual(ADMIT(36.7));
  });

  it('(e) "no person" in front of the module drops the reading held', async () => {
    const module = new FakeModule(Date.now);
    const s = await kiosk(module);
    module.read(36.6);
    await vi.advanceTimersByTimeAsync(200);
    module.noPerson();
    expect(await scan(s)).toEqual(MISSING);
  });

  it("(f) a technician's test decision looks at the reading without taking it", async () => {
    const module = new FakeModule(Date.now);
    const s = await kiosk(module);
    module.read(36.6);
    const test = async (): Promise<number | null> => (await s.tryCode(await green(), 'scanner')).temperatureC;
    expect([await test(), await test()]).toEqual([36.6, 36.6]);
    expect(await scan(s)).toEqual(ADMIT(36.6));
    // What a test shows is what the next check would get: nothing, once a traveller's check took it.
    expect(await test()).toBeNull();
    // A test during a re-measure neither waits nor shows the reading before it.
    module.read(36.6);
    module.remeasuring(38.6);
    expect(await test()).toBeNull();
  });

  it("the demo's simulator measures each traveller afresh: the demo admits one after another, never on the last one's reading", async () => {
    const sim = new SimulatedThermometer({ clock: Date.now, random: () => 0.5, setInterval: (fn, ms) => setInterval(fn, ms), clearInterval: (h) => clearInterval(h as NodeJS.Timeout) });
    closers.push(() => sim.close());
    const s = await kiosk(sim);
    expect(await scan(s)).toEqual(ADMIT(36.6));
    expect(await scan(s)).toEqual(MISSING);
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(500);
      expect(await scan(s)).toEqual(ADMIT(36.6));
    }
  });

  /** Real drivers on an in-memory port, streaming at ~14 Hz. */
  function module(protocol: 'gy-mcu90614' = 'gy-mcu90614') {
    const link = new MemoryLink();
    let plugged = true;
    const thermo = new SerialThermometer({ path: '/dev/ttyFAKE', protocol, openSerial: () => link, clock: Date.now, exists: () => plugged, remeasureAtC: 37.3 });
    return {
      thermo,
      /** The module sends `count` frames of this temperature, 70 ms apart. */
      async frames(celsius: number, count: number): Promise<void> {
        for (let i = 0; i < count; i++) {
          link.emit('data', Buffer.from(encodeFrame(protocol, celsius, { ambientC: 24 })));
          await vi.advanceTimersByTimeAsync(70);
        }
      },
      unplug(): void {
        plugged = false;
        link.emit('close');
      },
    };
  }

  async function travellers(s: KioskService, m: ReturnType<typeof module>): Promise<void> {
    await m.frames(36.5, 5);
    expect(await scan(s)).toEqual(ADMIT(36.5));
    // B steps up with a fever: the driver measures it again before reporting it; B's code is read meanwhile.
    const codeB = await green();
    await m.frames(38.6, 5);
    const b = scan(s, codeB);
    await m.frames(38.6, 5);
    expect(await b).toEqual(FEVER(38.6));
    // B leaves; the module sees the wall; C's code is read before C is measured.
    await m.frames(24, 3);
    expect(await scan(s)).toEqual(MISSING);
    await m.frames(36.6, 5);
    expect(await scan(s)).toEqual(ADMIT(36.6));
    // D is measured, then the thermometer is unplugged (red chip) before D's code is read.
    await m.frames(36.6, 5);
    m.unplug();
    expect(s.status().thermometer.state).toBe('offline');
    expect(await scan(s)).toEqual(MISSING);
  }

  it("end to end in the kiosk's own process (browser shell): serial driver → device slot → checks", async () => {
    const m = module();
    const slot = new ThermometerSlot(Date.now);
    closers.push(() => slot.close());
    slot.replace(m.thermo, 'opened');
    await travellers(await kiosk(slot), m);
  });

  it("(g) end to end through the Electron drivers' process: driver events as messages → remote feed → device slot → checks", async () => {
    const children: FakeChild[] = [];
    const drivers = new DriversProcessDevices({
      fork: (config: DriversConfig) => {
        expect(config.thermometer).toMatchObject({ path: '/dev/ttyFAKE', remeasureAtC: 37.3 });
        const child = new FakeChild();
        children.push(child);
        return child;
      },
      remeasureAtC: () => 37.3,
      clock: Date.now,
      defer: (fn) => fn(),
    });
    const feed = drivers.thermometer({ simulate: false, thermometer: { path: '/dev/ttyFAKE', protocol: 'gy-mcu90614', baud: 9600, calibration: null }, scannerSerial: null, scannerHid: null });
    expect(feed).toBeInstanceOf(RemoteThermometer);
    const slot = new ThermometerSlot(Date.now);
    slot.replace(feed, 'opened');
    closers.push(
      () => slot.close(),
      () => drivers.stop(),
    );
    // The drivers' process side: the driver posts its events, which cross as structured clones.
    const m = module();
    postThermometerEvents(m.thermo, (e: DriverEvent) => children.at(-1)!.emit('message', structuredClone(e)));
    closers.push(() => m.thermo.close());
    await travellers(await kiosk(slot), m);
  });

  /** A module, in the kiosk's own process (slot) or through the Electron drivers' process (remote feed). */
  function wired(path_: 'local' | 'electron'): { m: ReturnType<typeof module>; feed: ThermometerFeed } {
    const m = module();
    closers.push(() => m.thermo.close());
    const slot = new ThermometerSlot(Date.now);
    closers.push(() => slot.close());
    if (path_ === 'local') {
      slot.replace(m.thermo, 'opened');
      return { m, feed: slot };
    }
    const remote = new RemoteThermometer();
    postThermometerEvents(m.thermo, (e: DriverEvent) => routeDriverEvent(structuredClone(e), remote, null));
    slot.replace(remote, 'opened');
    return { m, feed: slot };
  }

  /**
   * The module goes on sending `frame(i)` until the check in flight is decided
   * (a check's own steps are real async work, so not a fixed number of frames).
   * Codes are signed before: signing is real async work the frames would outrun.
   */
  async function until<T>(check: Promise<T>, frame: (i: number) => number, m: ReturnType<typeof module>): Promise<T> {
    let settled = false;
    void check.then(() => (settled = true));
    for (let i = 0; i < 60 && !settled; i++) await m.frames(frame(i), 1);
    return check;
  }

  for (const via of ['local', 'electron'] as const) {
    it(`two travellers without a gap: B is measured for themself, never on A's re-read (${via})`, async () => {
      const { m, feed } = wired(via);
      const s = await kiosk(feed);
      await m.frames(36.5, 5);
      expect(await scan(s)).toEqual(ADMIT(36.5));
      // A stays: the module keeps making stable readings of A …
      await m.frames(36.5, 5);
      // … then feverish B steps in with no wall frame between them, and B's code is read at once.
      const codeB = await green();
      await m.frames(38.6, 3);
      expect(await until(scan(s, codeB), () => 38.6, m)).toEqual(FEVER(38.6));
    });

    it(`a re-measure that ends after its check gave up is nobody's: the next traveller is not admitted on it (${via})`, async () => {
      const { m, feed } = wired(via);
      const s = await kiosk(feed);
      // A's first stable reading is high: re-measured; A fidgets, so it does not settle in time.
      const codeA = await green();
      await m.frames(37.6, 5);
      expect(await until(scan(s, codeA), (i) => (Math.floor(i / 2) % 2 ? 37.6 : 37.2), m)).toEqual(MISSING);
      // A settles at last (the re-measure's result, for nobody now); feverish B steps in.
      await m.frames(37.2, 5);
      const codeB = await green();
      await m.frames(38.9, 2);
      expect(await until(scan(s, codeB), () => 38.9, m)).toEqual(FEVER(38.9));
    });
  }

  it('a high reading left unresolved is reviewed even where the policy makes the temperature optional', async () => {
    const { PolicyStore } = await import('../../main/policy/policy-store.js');
    const { DataDir } = await import('../../main/data-dir.js');
    new PolicyStore(DataDir.open(dataDir, { create: false })).set(JSON.stringify({ temperature: 'optional' }), START_MS);
    const { m, feed } = wired('local');
    const s = await kiosk(feed);
    const code = await green();
    await m.frames(38.6, 5);
    expect(await until(scan(s, code), (i) => (Math.floor(i / 2) % 2 ? 38.8 : 38.3), m)).toEqual(MISSING);
    // With no high reading in view, optional means what it says: no temperature, no reason.
    await m.frames(24, 2);
    expect(await scan(s)).toEqual({ verdict: 'admit', reasons: ['OK'], temperatureC: null });
  });

  it('(g) the remote feed passes on well-formed notices only', () => {
    const t = new RemoteThermometer();
    const got: ThermometerNotice[] = [];
    t.onNotice((x) => got.push(x));
    routeDriverEvent({ type: 'thermometer/notice', notice: { kind: 'remeasuring', firstC: 38.6, atMs: 5, extra: 'x' } }, t, null);
    routeDriverEvent({ type: 'thermometer/notice', notice: { kind: 'no-person', atMs: 6 } }, t, null);
    for (const junk of [
      { type: 'thermometer/notice' },
      { type: 'thermometer/notice', notice: { kind: 'remeasuring', atMs: 7 } },
      { type: 'thermometer/notice', notice: { kind: 'nope', atMs: 8 } },
      { type: 'thermometer/notice', notice: { kind: 'no-person', atMs: '9' } },
    ]) {
      routeDriverEvent(junk, t, null);
    }
    expect(got).toEqual([
      { kind: 'remeasuring', firstC: 38.6, atMs: 5 },
      { kind: 'no-person', atMs: 6 },
    ]);
  });
});
