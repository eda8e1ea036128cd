// The gate in Electron's drivers' process (issue 15), in plain Node: main's
// DriversProcessDevices forks a fake drivers' process whose messages cross a
// real MessagePort pair (structured clones, delivered asynchronously, as
// Electron's parentPort does), and whose serveGate() drives a FakeGate and
// FakeInputs. Main's side is the real remote OpenedGate and, where it
// matters, the kiosk's real gate rules. Time is a ManualTimers; tests wait on
// events, never on sleeps.
import { EventEmitter } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { DriverStatus } from '../../drivers/contract.js';
import type { OpenedGate } from '../../drivers/open-devices.js';
import { gateControlOptions } from '../../main/app/open-kiosk.js';
import type { DeviceState, GateSettings } from '../../main/contract/devices.js';
import { GateControl, type GateEvent } from '../../main/kiosk/gate-control.js';
import { DriversProcessDevices } from '../../main/shell/electron/drivers-openers.js';
import { parseDriversCommand, serveGate, type DriversConfig, type GateCommand, type GateReport, type ServedGate } from '../../main/shell/electron/drivers-process.js';
import { GATE_CALL_TIMEOUT_MS, parseGateReport, type RemoteGateInputs } from '../../main/shell/electron/remote-gate.js';
import type { SupervisedChild } from '../../main/shell/electron/supervisor.js';
import { FakeGate, FakeInputs } from '../fixtures/fake-gate.js';
import { ManualTimers } from '../fixtures/timers.js';

const BEHAVIOUR = { pulseMs: 500, mode: 'pulse', openSeconds: 5, passSeconds: 5, emergency: { kind: 'none' }, freePassage: false };
/** A relay board with a passage sensor on another adapter's CTS line. */
const LCUS = { driver: 'lcus', path: '/dev/ttyUSB0', channel: 1, baud: 9600, ...BEHAVIOUR, passage: { kind: 'modem-line', path: '/dev/ttyUSB1', line: 'cts', normallyClosed: false } } as GateSettings;
/** An OSDP module: the gate, its passage sensor on input 0, a fire alarm (normally closed) on input 1. */
const OSDP = {
  driver: 'osdp',
  path: '/dev/ttyUSB0',
  address: 1,
  output: 0,
  baud: 9600,
  ...BEHAVIOUR,
  passage: { kind: 'osdp-input', input: 0 },
  emergency: { kind: 'osdp-input', input: 1, normallyClosed: true },
} as GateSettings;
const NO_DEVICES = { simulate: false, thermometer: null, scannerSerial: null, scannerHid: null };

/** Electron's utility process, faked: the drivers' side of the gate protocol behind a MessagePort pair. */
class FakeDriversProcess extends EventEmitter implements SupervisedChild {
  readonly gate: FakeGate;
  readonly module: FakeInputs | null;
  /** The passage sensor on a port of its own (modem line), if any. */
  readonly sensor: FakeInputs | null;
  private readonly ports = new MessageChannel();
  private readonly served: ServedGate;
  private dead = false;

  constructor(
    readonly config: DriversConfig,
    timers: ManualTimers,
  ) {
    super();
    const s = config.gate!;
    this.gate = new FakeGate(timers);
    this.module = s.driver === 'osdp' ? new FakeInputs(timers) : null;
    this.sensor = s.passage.kind === 'modem-line' ? new FakeInputs(timers) : null;
    // As openGateDevice wires them: an OSDP module's input is the passage sensor.
    const opened: OpenedGate = {
      settings: s,
      gate: this.gate,
      passage: this.sensor ?? (s.passage.kind === 'osdp-input' ? this.module : null),
      module: this.module,
      onStatus: (l) => this.gate.onStatus(l),
      close: () => this.emit('gate-closed'),
    };
    const { port1: mainEnd, port2: driversEnd } = this.ports;
    mainEnd.on('message', (m) => this.emit('message', m));
    this.served = serveGate(opened, (r) => this.dead || driversEnd.postMessage(r), { held: s.held, clock: () => timers.now, timers });
    driversEnd.on('message', (m) => {
      const command = parseDriversCommand(m);
      if (command?.type === 'gate/call' || command?.type === 'gate/close') this.served.handle(command);
      this.emit('command', command);
    });
  }

  postMessage(message: unknown): void {
    if (!this.dead) this.ports.port1.postMessage(message);
  }
  kill(): boolean {
    this.dead = true;
    this.ports.port1.close();
    this.ports.port2.close();
    return true;
  }
  /** Crashes (a native module took it down). */
  die(code: number): void {
    this.kill();
    this.emit('exit', code);
  }
  /** The next gate call that reaches this side, once handled (the fake driver has recorded it). */
  nextCall(op: 'open' | 'hold' | 'release'): Promise<GateCommand> {
    return new Promise((resolve) => {
      const seen = (c: GateCommand | null): void => {
        if (c?.type !== 'gate/call' || c.op !== op) return;
        this.off('command', seen);
        resolve(c);
      };
      this.on('command', seen);
    });
  }
}

/** Resolves with the first event that passes `test`. */
function next<T>(subscribe: (listener: (value: T) => void) => () => void, test: (value: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const off = subscribe((v) => {
      if (!test(v)) return;
      off();
      resolve(v);
    });
  });
}

/** Resolves once the part reads `state` (at once if it already does). */
function reads(part: { state: DeviceState; onStatus(l: (s: DriverStatus) => void): () => void }, state: DeviceState): Promise<unknown> {
  return part.state === state ? Promise.resolve() : next(part.onStatus.bind(part), (s) => s.state === state);
}

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** Electron's openers with a gate configured, its drivers' process started. */
function electron(settings: GateSettings) {
  const timers = new ManualTimers();
  const processes: FakeDriversProcess[] = [];
  const drivers = new DriversProcessDevices({
    fork: (config) => {
      const p = new FakeDriversProcess(config, timers);
      processes.push(p);
      return p;
    },
    remeasureAtC: () => null,
    clock: () => timers.now,
    defer: (fn) => fn(),
    timers,
  });
  cleanups.push(() => drivers.stop());
  const opened = drivers.gate({ ...NO_DEVICES, gate: settings })!;
  return { timers, processes, drivers, opened, gate: opened.gate, driversSide: () => processes.at(-1)! };
}

/** The kiosk's gate rules on the remote gate, as open-kiosk.ts wires them; each event also awaitable. */
function control(opened: OpenedGate, timers: ManualTimers) {
  const emitter = new EventEmitter();
  const events: GateEvent[] = [];
  const rules = new GateControl({
    ...gateControlOptions(opened),
    clock: () => timers.now,
    timers,
    startOfDayMs: () => 0,
    onEvent: (e) => (events.push(e), emitter.emit('event', e)),
  });
  cleanups.push(() => rules.close());
  const event = <K extends GateEvent['kind']>(kind: K): Promise<Extract<GateEvent, { kind: K }>> =>
    next<GateEvent>(
      (l) => (emitter.on('event', l), () => emitter.off('event', l)),
      (e) => e.kind === kind,
    ) as Promise<Extract<GateEvent, { kind: K }>>;
  return { rules, events, event };
}

describe("Electron: the gate in the drivers' process", () => {
  it('opens through the drivers process: each answer goes to its own caller, isOpen and the hold as the driver has them', async () => {
    const e = electron(LCUS);
    await reads(e.gate, 'ok');
    const d = e.driversSide();
    expect(d.config.gate).toMatchObject({ driver: 'lcus', path: '/dev/ttyUSB0', held: false });
    // The open is answered only after the hold sent behind it: the ids keep them apart.
    d.gate.answers.push('later');
    const open = e.gate.open(500);
    expect(await e.gate.hold()).toBe(true);
    expect(e.gate.isOpen).toBe(true);
    expect(e.drivers.driversConfig.gate?.held).toBe(true);
    d.gate.later.shift()!(false);
    expect(await open).toBe(false);
    expect(await e.gate.release()).toBe(true);
    expect(e.gate.isOpen).toBe(false);
    expect(e.drivers.driversConfig.gate?.held).toBe(false);
    expect(d.gate.calls).toEqual(['open 500', 'hold', 'release']);
  });

  it('a write that fails comes back as false (the gate rules call it out of order), a driver that throws as a rejection; passages cross to the rules', async () => {
    const e = electron(LCUS);
    const c = control(e.opened, e.timers);
    await Promise.all([reads(e.gate, 'ok'), reads(e.opened.passage as RemoteGateInputs, 'ok')]);
    const d = e.driversSide();
    d.gate.answers.push(false, new Error('write EIO'));

    const outOfOrder = c.event('out-of-order');
    c.rules.admitted('c1');
    expect(await outOfOrder).toMatchObject({ checkId: 'c1', detail: 'the gate did not confirm' });
    expect(c.rules.state()).toMatchObject({ gate: 'out-of-order', outOfOrder: true });
    await expect(e.gate.open(500)).rejects.toThrow('write EIO');
    // The guard lets the traveller through by hand; the sensor sees them pass.
    const passed = c.event('passed');
    d.sensor!.passage();
    expect(await passed).toMatchObject({ checkId: 'c1', confirmed: true, how: 'sensor' });

    const back = c.event('back-in-order');
    const opened = c.event('opened');
    c.rules.admitted('c2');
    await back;
    expect(await opened).toMatchObject({ checkId: 'c2', how: 'pulse' });
    expect(d.gate.calls).toEqual(['open 500', 'open 500', 'open 500']);
  });

  it("an OSDP module's passage input and emergency input reach main: a confirmed passage, then free passage held and released", async () => {
    const e = electron(OSDP);
    const c = control(e.opened, e.timers);
    await Promise.all([reads(e.gate, 'ok'), reads(e.opened.module as RemoteGateInputs, 'ok'), reads(e.opened.passage as RemoteGateInputs, 'ok')]);
    const d = e.driversSide();

    const opened = c.event('opened');
    c.rules.admitted('c1');
    await opened;
    const passed = c.event('passed');
    d.module!.passage();
    expect(await passed).toMatchObject({ checkId: 'c1', confirmed: true });

    // The fire alarm's closed loop opens: free passage, the gate held.
    const started = c.event('free-passage-started');
    const held = d.nextCall('hold');
    d.module!.input(1, false);
    expect(await started).toMatchObject({ cause: 'input', actor: 'input 1' });
    await held;
    const ended = c.event('free-passage-ended');
    const released = d.nextCall('release');
    d.module!.input(1, true);
    await ended;
    await released;
    expect(d.gate.calls).toEqual(['open 500', 'hold', 'release']);
  });

  it('the drivers process gone: a call in flight resolves false at once, the gate and its sensor read offline, and both come back with the restarted process', async () => {
    const e = electron(LCUS);
    await reads(e.gate, 'ok');
    const d0 = e.driversSide();
    d0.gate.answers.push('later');
    const inFlight = e.gate.open(500);
    await d0.nextCall('open');

    const offline = next(e.opened.onStatus.bind(e.opened), (s) => s.state === 'offline');
    d0.die(1);
    // No time passes: the answer is not waited for.
    expect(await inFlight).toBe(false);
    expect((await offline).detail).toMatch(/exited with code 1; restarting in 500 ms/);
    expect([e.gate.state, e.opened.passage!.state]).toEqual(['offline', 'offline']);
    expect(await e.gate.open(500)).toBe(false);

    e.timers.advance(500);
    expect(e.processes).toHaveLength(2);
    await Promise.all([reads(e.gate, 'ok'), reads(e.opened.passage as RemoteGateInputs, 'ok')]);
    expect(await e.gate.open(500)).toBe(true);
    expect(e.driversSide().gate.calls).toEqual(['open 500']);
  });

  it('a drivers process that hangs: the call rejects after the bound, a late answer is dropped, the next call is answered', async () => {
    const e = electron(LCUS);
    await reads(e.gate, 'ok');
    const d = e.driversSide();
    d.gate.answers.push('later');
    let settled = false;
    const call = e.gate.open(500).finally(() => (settled = true));
    const outcome = call.then(
      (ok) => ok,
      (err: Error) => err.message,
    );
    await d.nextCall('open');
    e.timers.advance(GATE_CALL_TIMEOUT_MS - 1);
    await Promise.resolve();
    expect(settled).toBe(false);
    e.timers.advance(1);
    expect(await outcome).toBe(`the drivers' process did not answer within ${GATE_CALL_TIMEOUT_MS} ms`);
    d.gate.later.shift()!(true);
    expect(await e.gate.release()).toBe(true);
    expect(e.gate.state).toBe('ok');
  });

  it('a restart for a changed thermometer keeps the gate and its hold: the call in flight fails, the gate is offline until the new process reports it', async () => {
    const e = electron(LCUS);
    await reads(e.gate, 'ok');
    const d0 = e.driversSide();
    // Free passage starts just as the process is restarted: the hold's answer is lost with it.
    d0.gate.answers.push('later');
    const inFlight = e.gate.hold();
    await d0.nextCall('hold');
    const offline = next(e.gate.onStatus.bind(e.gate), (s) => s.state === 'offline');
    e.drivers.thermometer({ ...NO_DEVICES, thermometer: { path: '/dev/ttyACM0', protocol: 'gy-mcu90614', baud: 9600, calibration: null } });
    expect(await inFlight).toBe(false);
    expect((await offline).detail).toBe("the drivers' process started: waiting for the gate");
    const d1 = e.driversSide();
    expect(d1).not.toBe(d0);
    // The hold stands: the new process asks its driver for it again, as a driver does when its link comes back.
    expect(d1.config).toMatchObject({ thermometer: { path: '/dev/ttyACM0' }, gate: { driver: 'lcus', held: true } });
    expect(d1.gate.calls).toEqual(['hold']);
    await reads(e.gate, 'ok');
  });

  it('close closes the gate in the drivers process; it is not opened again, and calls after it fail', async () => {
    const e = electron(OSDP);
    await reads(e.gate, 'ok');
    const d = e.driversSide();
    const closed = new Promise((resolve) => d.once('gate-closed', resolve));
    e.opened.close();
    await closed;
    expect(e.drivers.driversConfig.gate).toBeNull();
    expect(await e.gate.open(500)).toBe(false);
    expect(d.gate.calls).toEqual([]);
  });

  it("isOpen follows the driver's own pulse, which ends with no event: the drivers' side looks every 100 ms, and tells main before the answer", async () => {
    const timers = new ManualTimers();
    const gate = new FakeGate(timers);
    const posted: GateReport[] = [];
    const answered = new EventEmitter();
    const post = (r: GateReport): void => {
      posted.push(r);
      if (r.type === 'gate/answer') answered.emit('answer');
    };
    const served = serveGate({ settings: LCUS, gate, passage: null, module: null, onStatus: (l) => gate.onStatus(l), close: () => undefined }, post, { held: false, clock: () => timers.now, timers });
    cleanups.push(() => served.close());
    const answer = new Promise((resolve) => answered.once('answer', resolve));
    served.handle({ type: 'gate/call', id: 1, op: 'open', pulseMs: 500 });
    await answer;
    expect(posted.splice(0)).toEqual([
      { type: 'gate/status', part: 'gate', status: { device: 'gate', state: 'ok', detail: "opened in the drivers' process", atMs: 0 } },
      { type: 'gate/is-open', isOpen: true },
      { type: 'gate/answer', id: 1, ok: true, error: null },
    ]);
    // The pulse ends at 500 ms; the next look after it is at 600.
    timers.advance(599);
    expect(posted).toEqual([]);
    timers.advance(1);
    expect(posted).toEqual([{ type: 'gate/is-open', isOpen: false }]);
    served.close();
    gate.isOpen = true;
    timers.advance(1000);
    expect(posted).toHaveLength(1);
  });

  it('messages are checked on receipt, both ways: malformed ones are ignored, good ones rebuilt field by field', () => {
    for (const junk of [
      null,
      'gate/close',
      { type: 'gate/call', id: 1, op: 'open' },
      { type: 'gate/call', id: 1, op: 'open', pulseMs: -5 },
      { type: 'gate/call', id: 1.5, op: 'hold' },
      { type: 'gate/call', id: 1, op: 'explode' },
      { type: 'thermometer/set-calibration', calibration: { offsetC: 'x' } },
    ])
      expect(parseDriversCommand(junk), JSON.stringify(junk)).toBeNull();
    expect(parseDriversCommand({ type: 'gate/call', id: 7, op: 'open', pulseMs: 300, extra: 1 })).toEqual({ type: 'gate/call', id: 7, op: 'open', pulseMs: 300 });

    for (const junk of [
      undefined,
      { type: 'gate/answer', id: '1', ok: true, error: null },
      { type: 'gate/answer', id: 1, ok: 'yes', error: null },
      { type: 'gate/answer', id: 1, ok: false, error: 42 },
      { type: 'gate/is-open', isOpen: 1 },
      { type: 'gate/status', part: 'door', status: { device: 'gate', state: 'ok', detail: '', atMs: 1 } },
      { type: 'gate/status', part: 'gate', status: { device: 'gate', state: 'broken', detail: '', atMs: 1 } },
      { type: 'gate/status', part: 'gate', status: null },
      { type: 'gate/input', part: 'gate', event: { kind: 'passage', atMs: 1 } },
      { type: 'gate/input', part: 'module', event: { kind: 'input', index: -1, active: true, atMs: 1 } },
      { type: 'gate/input', part: 'module', event: { kind: 'input', index: 2, active: 'yes', atMs: 1 } },
    ])
      expect(parseGateReport(junk), JSON.stringify(junk)).toBeNull();
    expect(parseGateReport({ type: 'gate/input', part: 'passage', event: { kind: 'passage', atMs: 9, extra: true } })).toEqual({
      type: 'gate/input',
      part: 'passage',
      event: { kind: 'passage', atMs: 9 },
    });
    expect(parseGateReport({ type: 'gate/status', part: 'module', status: { device: 'scanner', state: 'offline', detail: 'silent', atMs: 3 } })).toEqual({
      type: 'gate/status',
      part: 'module',
      status: { device: 'gate', state: 'offline', detail: 'silent', atMs: 3 },
    });
  });
});
