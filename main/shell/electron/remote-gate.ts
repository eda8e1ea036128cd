// The gate in Electron's drivers' process, seen from main as the OpenedGate
// that openGate() makes in the browser shell, so the kiosk's gate rules
// (main/kiosk/gate-control.ts) cannot tell the two apart. Calls cross as
// messages with an id; an answer that never comes (the process died or
// hangs) must not leave an admit waiting forever, and while the process is
// gone the gate is out of order ('offline'), as a relay board unplugged is.
import { REAL_TIMERS, type DriverStatus, type Gate, type GateInputEvent, type GateInputs, type Timers } from '../../../drivers/contract.js';
import { Listeners } from '../../../drivers/listeners.js';
import type { OpenedGate } from '../../../drivers/open-devices.js';
import type { DeviceState, GateSettings } from '../../contract/devices.js';
import type { GateCommand, GatePart, GateReport } from './drivers-process.js';

/** A call not answered within this resolves as failed. Above a driver's own worst case (an OSDP command queued behind a poll, tried three times). */
export const GATE_CALL_TIMEOUT_MS = 5000;

// Records, so that the compiler checks them against the types they validate.
const DEVICE_STATES = { ok: true, offline: true, simulated: true, none: true } satisfies Record<DeviceState, true>;
const PARTS = { gate: true, passage: true, module: true } satisfies Record<GatePart, true>;

export interface RemoteGateOptions {
  send(command: GateCommand): void;
  /** A hold was asked for or released: a restarted drivers' process holds the gate again. */
  onHeld(held: boolean): void;
  /** The gate was closed (main no longer drives it). */
  onClose(): void;
  timers?: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
  callTimeoutMs?: number;
}

class RemotePart {
  state: DeviceState = 'offline';
  protected readonly statuses = new Listeners<DriverStatus>();

  onStatus(listener: (status: DriverStatus) => void): () => void {
    return this.statuses.add(listener);
  }
  status(s: DriverStatus): void {
    this.state = s.state;
    this.statuses.emit(s);
  }
  /** Out of order because the process is gone: told once, not again while it stays so. */
  lost(detail: string, atMs: number): void {
    if (this.state !== 'offline') this.status({ device: 'gate', state: 'offline', detail, atMs });
  }
  close(): void {
    this.statuses.clear();
  }
}

export class RemoteGateInputs extends RemotePart implements GateInputs {
  private readonly inputs = new Listeners<GateInputEvent>();

  onInput(listener: (event: GateInputEvent) => void): () => void {
    return this.inputs.add(listener);
  }
  input(e: GateInputEvent): void {
    this.inputs.emit(e);
  }
  override close(): void {
    super.close();
    this.inputs.clear();
  }
}

interface Pending {
  resolve(ok: boolean): void;
  reject(err: Error): void;
  timer: unknown;
}

export class RemoteGate extends RemotePart implements Gate {
  isOpen = false;
  /** Is there a drivers' process to answer? Without one a call fails at once. */
  running = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private readonly timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>;

  constructor(private readonly opts: RemoteGateOptions) {
    super();
    this.timers = opts.timers ?? REAL_TIMERS;
  }

  open(pulseMs: number): Promise<boolean> {
    // As the drivers refuse it, here: a bad pulse would otherwise be dropped over there, unanswered.
    if (!Number.isFinite(pulseMs) || pulseMs <= 0) return Promise.reject(new RangeError(`a pulse must last a positive number of ms, not ${pulseMs}`));
    return this.call({ op: 'open', pulseMs });
  }
  hold(): Promise<boolean> {
    if (!this.closed) this.opts.onHeld(true);
    return this.call({ op: 'hold' });
  }
  release(): Promise<boolean> {
    if (!this.closed) this.opts.onHeld(false);
    return this.call({ op: 'release' });
  }

  /** The answer to call `id`; one that came too late (or from nowhere) is ignored. */
  answer(id: number, ok: boolean, error: string | null): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.timers.clearTimeout(p.timer);
    if (error === null) p.resolve(ok);
    else p.reject(new Error(error));
  }

  /** The process that was to answer is gone: not confirmed. */
  failPending(): void {
    for (const p of this.pending.values()) {
      this.timers.clearTimeout(p.timer);
      p.resolve(false);
    }
    this.pending.clear();
  }

  override close(): void {
    this.closed = true;
    this.failPending();
    super.close();
  }

  private call(call: { op: 'open'; pulseMs: number } | { op: 'hold' | 'release' }): Promise<boolean> {
    if (this.closed || !this.running) return Promise.resolve(false);
    const id = this.nextId++;
    const ms = this.opts.callTimeoutMs ?? GATE_CALL_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the drivers' process did not answer within ${ms} ms`));
      }, ms);
      this.pending.set(id, { resolve, reject, timer });
      this.opts.send({ type: 'gate/call', id, ...call });
    });
  }
}

/**
 * The remote OpenedGate: a proxy for each part the settings give (as
 * openGateDevice makes them: an OSDP driver has a module; a passage sensor
 * is the module's input or a modem line), all on one message channel.
 */
export class RemoteOpenedGate implements OpenedGate {
  readonly gate: RemoteGate;
  readonly passage: RemoteGateInputs | null;
  readonly module: RemoteGateInputs | null;
  private closed = false;

  constructor(
    readonly settings: GateSettings,
    private readonly opts: RemoteGateOptions,
  ) {
    this.gate = new RemoteGate(opts);
    this.module = settings.driver === 'osdp' ? new RemoteGateInputs() : null;
    const p = settings.passage.kind;
    this.passage = p === 'modem-line' || (p === 'osdp-input' && this.module) ? new RemoteGateInputs() : null;
  }

  /** The gate's status and, when the passage sensor has a port of its own, the sensor's (an OSDP module's is the gate's). */
  onStatus(listener: (status: DriverStatus) => void): () => void {
    const offs = [this.gate.onStatus(listener)];
    if (this.passage && this.settings.passage.kind === 'modem-line') offs.push(this.passage.onStatus(listener));
    return () => offs.forEach((off) => off());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.opts.send({ type: 'gate/close' });
    for (const part of this.parts) part.close();
    this.opts.onClose();
  }

  /**
   * The drivers' process started or went: either way a call in flight will
   * never be answered, and every part is out of order until the (new)
   * process reports it.
   */
  driversChanged(running: boolean, detail: string, atMs: number): void {
    if (this.closed) return;
    this.gate.running = running;
    this.gate.failPending();
    this.gate.isOpen = false;
    for (const part of this.parts) part.lost(detail, atMs);
  }

  /** One message from the drivers' process; anything not a well-formed gate report is ignored. */
  receive(message: unknown): void {
    const r = this.closed ? null : parseGateReport(message);
    if (r === null) return;
    switch (r.type) {
      case 'gate/answer':
        this.gate.answer(r.id, r.ok, r.error);
        break;
      case 'gate/is-open':
        this.gate.isOpen = r.isOpen;
        break;
      case 'gate/status':
        this[r.part]?.status(r.status);
        break;
      case 'gate/input':
        this[r.part]?.input(r.event);
        break;
    }
  }

  private get parts(): RemotePart[] {
    return [this.gate, this.passage, this.module].filter((p) => p !== null);
  }
}

/** A gate report from the drivers' process, rebuilt field by field; null when it is not one. */
export function parseGateReport(message: unknown): GateReport | null {
  if (typeof message !== 'object' || message === null) return null;
  const m = message as Partial<Record<string, unknown>>;
  switch (m.type) {
    case 'gate/answer':
      if (typeof m.id !== 'number' || !Number.isSafeInteger(m.id) || typeof m.ok !== 'boolean') return null;
      if (m.error !== null && typeof m.error !== 'string') return null;
      return { type: m.type, id: m.id, ok: m.ok, error: m.error === null ? null : m.error.slice(0, 500) };
    case 'gate/is-open':
      return typeof m.isOpen === 'boolean' ? { type: m.type, isOpen: m.isOpen } : null;
    case 'gate/status': {
      const s = m.status as Partial<Record<string, unknown>> | null | undefined;
      if (typeof m.part !== 'string' || !Object.hasOwn(PARTS, m.part) || typeof s?.state !== 'string' || !Object.hasOwn(DEVICE_STATES, s.state)) return null;
      if (typeof s.detail !== 'string' || typeof s.atMs !== 'number') return null;
      return { type: m.type, part: m.part as GatePart, status: { device: 'gate', state: s.state as DeviceState, detail: s.detail.slice(0, 500), atMs: s.atMs } };
    }
    case 'gate/input': {
      const e = m.event as Partial<Record<string, unknown>> | null | undefined;
      if ((m.part !== 'passage' && m.part !== 'module') || typeof e?.atMs !== 'number') return null;
      if (e.kind === 'passage') return { type: m.type, part: m.part, event: { kind: 'passage', atMs: e.atMs } };
      if (e.kind === 'input' && typeof e.index === 'number' && Number.isSafeInteger(e.index) && e.index >= 0 && typeof e.active === 'boolean')
        return { type: m.type, part: m.part, event: { kind: 'input', index: e.index, active: e.active, atMs: e.atMs } };
      return null;
    }
  }
  return null;
}
