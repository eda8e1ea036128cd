// The drivers' utility process: opens the configured devices and posts
// their DriverEvents to main, and serves the gate to main's remote gate
// (main/shell/electron/remote-gate.ts). A native module that crashes takes
// down only this process, which the supervisor restarts.
import { nodeHidFeatureApi, REAL_BINDINGS } from '../../../drivers/bindings.js';
import { REAL_TIMERS, type DriverEvent, type DriverStatus, type GateInputEvent, type Timers } from '../../../drivers/contract.js';
import { openGate, openScanners, openSerialThermometer, type OpenedGate } from '../../../drivers/open-devices.js';
import type { SerialThermometer } from '../../../drivers/thermometer/serial-thermometer.js';
import type { Calibration, DeviceSettings, DeviceState, GateSettings } from '../../contract/devices.js';

/**
 * The devices this process opens (never the simulator: that one runs in main); a module re-measures at the policy's fever threshold.
 * The gate carries whether main holds it open, so that a hold outlives a restart of this process as it outlives a lost link.
 */
export type DriversConfig = Pick<DeviceSettings, 'scannerSerial' | 'scannerHid'> & {
  thermometer: (NonNullable<DeviceSettings['thermometer']> & { remeasureAtC: number | null }) | null;
  gate: (GateSettings & { held: boolean }) | null;
};

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

/** Main → drivers: a calibration done on the technician screen. */
export interface SetCalibrationMessage {
  type: 'thermometer/set-calibration';
  calibration: Calibration;
}

/**
 * Which device of the OpenedGate a gate report is about. One device may play
 * two parts (an OSDP module is the gate, the module and the passage sensor):
 * it is then reported once per part, and main needs no map of which is which.
 */
export type GatePart = 'gate' | 'passage' | 'module';

/** Main → drivers: a Gate call, answered by its id; or the gate closed for good. */
export type GateCommand = { type: 'gate/call'; id: number; op: 'open'; pulseMs: number } | { type: 'gate/call'; id: number; op: 'hold' | 'release' } | { type: 'gate/close' };

/** Drivers → main: what the gate and its inputs do. */
export type GateReport =
  /** The answer to call `id`: what the driver resolved, or `error` when it rejected. */
  | { type: 'gate/answer'; id: number; ok: boolean; error: string | null }
  | { type: 'gate/status'; part: GatePart; status: DriverStatus }
  | { type: 'gate/input'; part: 'passage' | 'module'; event: GateInputEvent }
  /** The gate's isOpen, when it changed (the drivers have no event for it: see OPEN_POLL_MS). */
  | { type: 'gate/is-open'; isOpen: boolean };

/** Every message main sends this process. */
export type DriversCommand = SetCalibrationMessage | GateCommand;
/** Every message this process sends main. */
export type DriversReport = DriverEvent | GateReport;

export interface RunningDrivers {
  stop(): void;
  receive(command: DriversCommand): void;
}

const COUNTERS_EVERY_MS = 500;
/**
 * How often the gate's isOpen is looked at: a pulse ends on the driver's own
 * timer, with no event, and main's gate rules wait for it before the next open.
 */
const OPEN_POLL_MS = 100;

/** A message from main, checked: anything else is null (and ignored). */
export function parseDriversCommand(message: unknown): DriversCommand | null {
  if (typeof message !== 'object' || message === null) return null;
  const m = message as Partial<Record<string, unknown>>;
  if (m.type === 'thermometer/set-calibration') {
    const c = m.calibration as Partial<Calibration> | null | undefined;
    return c && Number.isFinite(c.offsetC) ? { type: m.type, calibration: c as Calibration } : null;
  }
  if (m.type === 'gate/close') return { type: m.type };
  if (m.type !== 'gate/call' || typeof m.id !== 'number' || !Number.isSafeInteger(m.id)) return null;
  if (m.op === 'hold' || m.op === 'release') return { type: m.type, id: m.id, op: m.op };
  if (m.op === 'open' && typeof m.pulseMs === 'number' && Number.isFinite(m.pulseMs) && m.pulseMs > 0) return { type: m.type, id: m.id, op: m.op, pulseMs: m.pulseMs };
  return null;
}

/** The thermometer's events main must hear: its readings, what makes a reading stale (a re-measure, nobody in view), its state. */
export function postThermometerEvents(thermo: Pick<SerialThermometer, 'onReading' | 'onNotice' | 'onStatus'>, post: (e: DriverEvent) => void): void {
  thermo.onReading((reading) => post({ type: 'thermometer/reading', reading }));
  thermo.onNotice((notice) => post({ type: 'thermometer/notice', notice }));
  thermo.onStatus((status) => post({ type: 'driver/status', status }));
}

type StatusSource = { readonly state: DeviceState; onStatus?(listener: (status: DriverStatus) => void): () => void };

export interface ServedGate {
  handle(command: GateCommand): void;
  /** Stops reporting and closes the gate (a relay that is on is switched off first); idempotent. */
  close(): void;
}

/**
 * Serves an opened gate to main: its calls answered by id, its parts' states
 * and inputs reported. `held`: main held the gate before this process
 * (re)started, so the hold is asked again (a driver keeps it until it connects).
 */
export function serveGate(opened: OpenedGate, post: (r: GateReport) => void, opts: { held: boolean; clock: () => number; timers?: Pick<Timers, 'setInterval' | 'clearInterval'> }): ServedGate {
  const { gate } = opened;
  const timers = opts.timers ?? REAL_TIMERS;
  const offs: (() => void)[] = [];
  let isOpen = false;
  let closed = false;
  // Sent before the status or answer that goes with it: main reads both in order.
  const syncOpen = (): void => {
    if (closed || gate.isOpen === isOpen) return;
    isOpen = gate.isOpen;
    post({ type: 'gate/is-open', isOpen });
  };
  // GateInputs declares no status; the sensors that have one (ModemLineSensor, an OSDP module) report it.
  const parts: [GatePart, StatusSource | null][] = [
    ['gate', gate],
    ['passage', opened.passage],
    ['module', opened.module],
  ];
  for (const [part, device] of parts) {
    if (!device) continue;
    const off = device.onStatus?.((status) => {
      syncOpen();
      post({ type: 'gate/status', part, status });
    });
    if (off) offs.push(off);
    // Main counts every part offline from this process's start: a part that is something else already says so now.
    if (device.state !== 'offline') post({ type: 'gate/status', part, status: { device: 'gate', state: device.state, detail: "opened in the drivers' process", atMs: opts.clock() } });
  }
  for (const part of ['passage', 'module'] as const) {
    const inputs = opened[part];
    if (inputs) offs.push(inputs.onInput((event) => post({ type: 'gate/input', part, event })));
  }
  const poll = timers.setInterval(syncOpen, OPEN_POLL_MS);
  offs.push(() => timers.clearInterval(poll));
  if (opts.held) void gate.hold().catch(() => undefined);
  syncOpen();

  const answer = (id: number, ok: boolean, error: string | null): void => {
    syncOpen();
    if (!closed) post({ type: 'gate/answer', id, ok, error });
  };
  const close = (): void => {
    if (closed) return;
    closed = true;
    offs.forEach((off) => off());
    opened.close();
  };
  return {
    close,
    handle(command) {
      if (command.type === 'gate/close') return close();
      if (closed) return answer(command.id, false, null);
      let result: Promise<boolean>;
      try {
        result = command.op === 'open' ? gate.open(command.pulseMs) : command.op === 'hold' ? gate.hold() : gate.release();
      } catch (err) {
        result = Promise.reject(err);
      }
      result.then(
        (ok) => answer(command.id, ok === true, null),
        (err: unknown) => answer(command.id, false, err instanceof Error ? err.message : String(err)),
      );
    },
  };
}

export function startDrivers(config: DriversConfig, post: (e: DriversReport) => void, clock: () => number = Date.now): RunningDrivers {
  const closers: (() => void)[] = [];
  let thermometer: SerialThermometer | null = null;
  if (config.thermometer) {
    const thermo = openSerialThermometer(config.thermometer, REAL_BINDINGS, { clock, remeasureAtC: config.thermometer.remeasureAtC });
    postThermometerEvents(thermo, post);
    // The technician's devices panel shows these live, as in the browser shell.
    const counters = setInterval(() => post({ type: 'thermometer/counters', counters: thermo.counters }), COUNTERS_EVERY_MS);
    closers.push(
      () => clearInterval(counters),
      () => thermo.close(),
    );
    thermometer = thermo;
  }
  for (const { feed, via } of openScanners(config, () => REAL_BINDINGS, { clock })) {
    feed.onScan((s) => post({ type: 'scanner/scan', text: s.text, atMs: s.atMs, symbology: s.symbology, via }));
    feed.onStatus((status) => post({ type: 'driver/status', status }));
    closers.push(() => feed.close());
  }
  let gate: ServedGate | null = null;
  if (config.gate) {
    const { held } = config.gate;
    try {
      const opened = openGate(config, () => ({ openSerial: REAL_BINDINGS.openSerial, usb: REAL_BINDINGS.usb, hidFeature: nodeHidFeatureApi }), { clock });
      gate = opened && serveGate(opened, post, { held, clock });
    } catch (err) {
      // A gate that cannot be made must not take the thermometer and scanners down with it (a throw here restarts the process forever).
      post({ type: 'gate/status', part: 'gate', status: { device: 'gate', state: 'offline', detail: `could not open the gate: ${(err as Error).message}`, atMs: clock() } });
    }
    closers.push(() => gate?.close());
  }
  return {
    stop: () => closers.forEach((c) => c()),
    receive(command) {
      if (command.type === 'thermometer/set-calibration') thermometer?.setCalibration(command.calibration);
      else if (command.type === 'gate/call' && !gate) post({ type: 'gate/answer', id: command.id, ok: false, error: null });
      else gate?.handle(command);
    },
  };
}

// Run as Electron's utility process: the config comes as the first argument.
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (parentPort && process.argv[2]) {
  const drivers = startDrivers(JSON.parse(process.argv[2]) as DriversConfig, (e) => parentPort.postMessage(e));
  parentPort.on('message', (e) => {
    const command = parseDriversCommand(e.data);
    if (command) drivers.receive(command);
  });
  process.on('exit', () => drivers.stop());
}
