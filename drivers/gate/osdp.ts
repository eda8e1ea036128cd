// A gate behind an OSDP output module on RS-485 (the kiosk is the control
// panel, CP; the module a peripheral device, PD, at one address). One port,
// one command at a time (the bus is half duplex, and only the CP speaks
// unasked): POLL at a steady rate so a lost module is noticed, osdp_OUT to
// open, hold and release, osdp_ISTAT and the ISTATR a PD sends in reply to a
// POLL when an input changed, for the passage sensor and the emergency input.
//
// Secure channel (OSDP Annex D) is out of scope: nothing is encrypted or
// authenticated beyond the CRC, a reply carrying a security block is ignored,
// and a module that insists on it (NAK 6) is reported out of order saying so.
//
// The rules, with the SIA OSDP v2.2 sections as open implementations cite them:
// - A PD answers every command within 200 ms, or says osdp_BUSY, after which
//   the CP may re-send the command as after a timeout (libosdp's excerpt of
//   the specification's timing rules). Here: a reply is awaited for
//   `replyTimeoutMs` (250: the 200 ms plus the reply's own bytes at 9600 baud),
//   and a command is sent `tries` times (3) before the module counts as silent.
// - Sequence numbers (§5, CTRL bits 0–1): 0 on the first command after the
//   port opened or the module was lost (which tells the PD to start over),
//   then 1, 2, 3, 1, …; a retry repeats the same frame, number included, so a
//   PD that executed the command and only lost its reply answers again without
//   executing it twice. A NAK 4 (unexpected sequence number: the PD restarted)
//   starts over at 0.
// - osdp_OUT (§6.7): control code 5, temporary ON for the timer (100 ms units),
//   opens; the PD's own timer closes, so a kiosk that dies mid-pulse leaves no
//   gate open. 2 (permanent ON) holds, 1 (permanent OFF, aborting a timed
//   operation) releases; 3 (permanent OFF, letting a timed operation finish)
//   re-asserts the closed state when the module comes (back) online. An ACK
//   confirms; so does an osdp_OSTATR showing the output in the state asked for
//   (some PDs answer osdp_OUT with their outputs' states).
// - osdp_ISTATR (§7.7): one byte per input, 0 inactive; anything else is
//   taken as active.
//
// Never two opens for one call: one open() sends one osdp_OUT, with one
// sequence number. A retransmission after a timeout is the same frame byte for
// byte (a PD that executed it and lost only its reply is to recognise the
// repeated number and answer again without executing; the test simulator
// does, a real module should be checked for it); after the last try the call resolves
// false and nothing more is sent for it. A NAK 1 (the PD saw a bad CRC) or 4
// (bad sequence) means the PD did not execute it, so it is sent again (on a
// NAK 4 with sequence 0). A call while an open is in flight or its pulse has
// not run out returns the first call's promise and sends nothing; a call while
// the gate is held resolves true and sends nothing.
import { REAL_TIMERS, type DriverStatus, type Gate, type GateInputEvent, type GateInputs, type OpenSerial, type Timers, type UsbPorts } from '../contract.js';
import { Listeners } from '../listeners.js';
import { ReconnectingSerial } from '../serial-link.js';
import { CMD, OUT_CONTROL, OsdpDecoder, OsdpSequence, REPLY, encodeFrame, nakReason, outRecord, pulseTimer, type OsdpFrame } from './osdp-frame.js';

export interface OsdpGateOptions {
  /** The RS-485 adapter's port. */
  path: string;
  /** 9600 unless the module is set otherwise (OSDP allows 9600–230400). */
  baudRate?: number;
  /** The PD's address, 0–126 (default 0). */
  address?: number;
  /** The output that drives the gate (default 0, the first). */
  output?: number;
  /** The input of the passage sensor; null when there is none (default). */
  passageInput?: number | null;
  /** POLL every this many ms (default 200). */
  pollMs?: number;
  /** How long a reply is awaited (default 250). */
  replyTimeoutMs?: number;
  /** How many times a command is sent before the module counts as silent (default 3). */
  tries?: number;
  /** Inputs are read in full (osdp_ISTAT) this often, besides the changes a PD reports (default 5000). */
  inputRefreshMs?: number;
  /** After a refused output command, the closed (or held) state is re-asserted this often until accepted (default 5000). */
  refusedRetryMs?: number;
  /** A module silent this long gets its port reopened (a wedged adapter; default 10 000). */
  reopenSilentMs?: number;
  openSerial: OpenSerial;
  clock: () => number;
  timers?: Timers;
  exists?: (path: string) => boolean;
  usb?: UsbPorts;
}

export interface OsdpGateCounters {
  commands: number;
  retries: number;
  timeouts: number;
  naks: number;
  busy: number;
  /** Replies from another address. */
  wrongAddress: number;
  /** Replies whose sequence number is not the command's. */
  wrongSequence: number;
  /** Replies when no command was waiting for one (late, after a retry's answer). */
  unexpected: number;
  /** Commands on the line (an RS-485 adapter that echoes what it sends). */
  echoes: number;
  /** Replies with a security block (secure channel is not supported). */
  secure: number;
  /** Replies the gate has no use for (card reads, local status…). */
  otherReplies: number;
  /** Times the module fell silent. */
  lost: number;
}

type Outcome = { kind: 'reply'; frame: OsdpFrame } | { kind: 'nak'; reason: number | undefined } | { kind: 'timeout' } | { kind: 'down' };

interface Command {
  code: number;
  data: number[];
  /** Null until first sent; then the frame every retry repeats. */
  bytes: Uint8Array | null;
  sequence: number;
  tries: number;
  maxTries: number;
  timer: unknown;
  done: (outcome: Outcome) => void;
}

export class OsdpGate implements Gate, GateInputs {
  private readonly timers: Timers;
  private readonly serial: ReconnectingSerial;
  private readonly decoder = new OsdpDecoder();
  private readonly sequence = new OsdpSequence();
  private readonly address: number;
  private readonly output: number;
  private readonly passageInput: number | null;
  private readonly replyTimeoutMs: number;
  private readonly tries: number;
  private readonly pollTimer: unknown;
  private readonly statusListeners = new Listeners<DriverStatus>();
  private readonly inputListeners = new Listeners<GateInputEvent>();
  readonly driverCounters: OsdpGateCounters = {
    commands: 0,
    retries: 0,
    timeouts: 0,
    naks: 0,
    busy: 0,
    wrongAddress: 0,
    wrongSequence: 0,
    unexpected: 0,
    echoes: 0,
    secure: 0,
    otherReplies: 0,
    lost: 0,
  };

  private queue: Command[] = [];
  private inFlight: Command | null = null;
  /** The module answers (since the port opened, or since it came back). */
  private online = false;
  /** Why the last output command was refused, or null. */
  private refused: string | null = null;
  private refusedAt = 0;
  private silentSince: number | null = null;
  private lastInputRefresh = 0;
  /** The inputs as last reported; null until the first report of this connection. */
  private inputs: number[] | null = null;
  /** The first report after (re)connection only sets what is known: no passage from it. */
  private baseline = true;
  private opening: Promise<boolean> | null = null;
  private pulseTimer: unknown = null;
  private pulsing = false;
  /** What the gate should be: held open, or closed (re-asserted when the module comes back). */
  private wantHeld = false;
  private held = false;
  private lastStatus: DriverStatus | null = null;
  private closed = false;

  constructor(private readonly opts: OsdpGateOptions) {
    this.timers = opts.timers ?? REAL_TIMERS;
    this.address = opts.address ?? 0;
    if (!Number.isInteger(this.address) || this.address < 0 || this.address > 0x7e) throw new RangeError(`OSDP address ${this.address} is not 0–126`);
    this.output = opts.output ?? 0;
    this.passageInput = opts.passageInput ?? null;
    this.replyTimeoutMs = opts.replyTimeoutMs ?? 250;
    this.tries = Math.max(1, opts.tries ?? 3);
    this.serial = new ReconnectingSerial({
      path: opts.path,
      baudRate: opts.baudRate ?? 9600,
      openSerial: opts.openSerial,
      timers: this.timers,
      ...(opts.exists ? { exists: opts.exists } : {}),
      ...(opts.usb ? { usb: opts.usb } : {}),
      onOpen: () => this.portOpened(),
      onData: (chunk) => this.received(chunk),
      onDown: (reason) => this.portDown(reason),
    });
    this.pollTimer = this.timers.setInterval(() => this.tick(), opts.pollMs ?? 200);
    this.serial.start();
  }

  /** 'ok' when the module answers and accepted the last output command; else 'offline' (out of order). */
  get state(): 'ok' | 'offline' {
    return this.serial.isUp && this.online && this.refused === null ? 'ok' : 'offline';
  }

  get isOpen(): boolean {
    return this.held || this.pulsing;
  }

  get counters() {
    return { ...this.decoder.counters, ...this.driverCounters, ...this.serial.counters };
  }

  open(pulseMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.opening) return this.opening;
    if (this.held) return Promise.resolve(true);
    if (!this.serial.isUp || !this.online) return Promise.resolve(false);
    const timer = pulseTimer(pulseMs);
    const opening = this.command(CMD.OUT, outRecord(this.output, OUT_CONTROL.TEMPORARY_ON, timer)).then((outcome) => {
      const ok = this.outputAnswer(outcome, 'open', true);
      if (!ok || this.closed || this.opening !== opening) {
        if (this.opening === opening) this.opening = null;
        return ok;
      }
      // Open until the PD's timer runs out (it started when the command arrived); this call's promise stands until then.
      this.pulsing = true;
      this.report(`open for ${timer * 100} ms`);
      this.pulseTimer = this.timers.setTimeout(() => this.pulseEnded(), timer * 100);
      return true;
    });
    this.opening = opening;
    return opening;
  }

  hold(): Promise<boolean> {
    this.wantHeld = true;
    if (this.closed || !this.serial.isUp || !this.online) return Promise.resolve(false);
    return this.command(CMD.OUT, outRecord(this.output, OUT_CONTROL.PERMANENT_ON_ABORT_TIMED)).then((outcome) => {
      const ok = this.outputAnswer(outcome, 'hold', true);
      if (ok && this.wantHeld) {
        this.endPulse();
        this.held = true;
        this.report('held open');
      }
      return ok;
    });
  }

  release(): Promise<boolean> {
    this.wantHeld = false;
    if (this.closed || !this.serial.isUp || !this.online) return Promise.resolve(false);
    return this.command(CMD.OUT, outRecord(this.output, OUT_CONTROL.PERMANENT_OFF_ABORT_TIMED)).then((outcome) => {
      const ok = this.outputAnswer(outcome, 'release', false);
      if (ok && !this.wantHeld) {
        // Code 1 aborts a timed operation too: a pulse in progress has ended.
        this.endPulse();
        this.held = false;
        this.report('closed');
      }
      return ok;
    });
  }

  onStatus(listener: (status: DriverStatus) => void): () => void {
    return this.statusListeners.add(listener);
  }

  onInput(listener: (event: GateInputEvent) => void): () => void {
    return this.inputListeners.add(listener);
  }

  /** Stops polling and lets go of the port. The module's outputs stay as they are (a pulse ends on the PD's own timer). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timers.clearInterval(this.pollTimer);
    this.endPulse();
    this.failAll({ kind: 'down' });
    this.serial.close();
    this.statusListeners.clear();
    this.inputListeners.clear();
  }

  // --- the command queue ---

  private command(code: number, data: number[], maxTries = this.tries): Promise<Outcome> {
    return new Promise((resolve) => {
      this.queue.push({ code, data, bytes: null, sequence: 0, tries: 0, maxTries, timer: null, done: resolve });
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed || this.inFlight || !this.serial.isUp) return;
    const next = this.queue.shift();
    if (next) this.transmit(next);
  }

  private transmit(cmd: Command): void {
    if (cmd.bytes === null) {
      // A module not (yet) answering is addressed from 0 each time: whichever command it hears first starts it over.
      if (!this.online) this.sequence.reset();
      cmd.sequence = this.sequence.next();
      cmd.bytes = encodeFrame({ address: this.address, sequence: cmd.sequence, code: cmd.code, data: cmd.data });
    }
    if (cmd.tries === 0) this.driverCounters.commands++;
    else this.driverCounters.retries++;
    // Half duplex: whatever part of a reply is still buffered now will never be completed.
    this.decoder.discardPartial();
    cmd.tries++;
    this.inFlight = cmd;
    cmd.timer = this.timers.setTimeout(() => this.timedOut(cmd), this.replyTimeoutMs);
    this.serial.write(cmd.bytes);
  }

  private timedOut(cmd: Command): void {
    if (this.inFlight !== cmd) return;
    this.driverCounters.timeouts++;
    this.inFlight = null;
    if (cmd.tries < cmd.maxTries) {
      this.transmit(cmd);
      return;
    }
    cmd.done({ kind: 'timeout' });
    this.lost(`module at address ${this.address} silent: no reply to ${cmd.tries} ${cmd.tries === 1 ? 'try' : 'tries'}`);
    this.pump();
  }

  private failAll(outcome: Outcome): void {
    const cmds = this.inFlight ? [this.inFlight, ...this.queue] : [...this.queue];
    if (this.inFlight) this.timers.clearTimeout(this.inFlight.timer);
    this.inFlight = null;
    this.queue = [];
    for (const cmd of cmds) cmd.done(outcome);
  }

  /** The poll loop: a POLL when nothing else is to be said; inputs re-read and refused outputs re-asserted now and then. */
  private tick(): void {
    if (this.closed || !this.serial.isUp) return;
    const now = this.opts.clock();
    if (!this.online && this.silentSince !== null && now - this.silentSince >= (this.opts.reopenSilentMs ?? 10_000)) {
      this.silentSince = now;
      this.serial.down(`module at address ${this.address} silent; reopening ${this.serial.path}`);
      return;
    }
    if (this.inFlight || this.queue.length > 0) return;
    if (this.online && this.refused !== null && now - this.refusedAt >= (this.opts.refusedRetryMs ?? 5000)) {
      this.refusedAt = now;
      this.assertState();
      return;
    }
    if (this.online && now - this.lastInputRefresh >= (this.opts.inputRefreshMs ?? 5000)) {
      this.readInputs();
      return;
    }
    // While the module is silent, one try per POLL: the poll rate is the retry.
    void this.command(CMD.POLL, [], this.online ? this.tries : 1);
  }

  // --- what comes back ---

  private received(chunk: Uint8Array): void {
    for (const frame of this.decoder.push(chunk)) this.frame(frame);
  }

  private frame(frame: OsdpFrame): void {
    if (!frame.reply) {
      this.driverCounters.echoes++;
      return;
    }
    if (frame.address !== this.address) {
      this.driverCounters.wrongAddress++;
      return;
    }
    const cmd = this.inFlight;
    if (!cmd) {
      this.driverCounters.unexpected++;
      return;
    }
    if (frame.sequence !== cmd.sequence) {
      this.driverCounters.wrongSequence++;
      return;
    }
    if (frame.scb) {
      this.driverCounters.secure++;
      return;
    }
    this.timers.clearTimeout(cmd.timer);
    this.inFlight = null;
    if (frame.code === REPLY.BUSY) {
      this.driverCounters.busy++;
      if (cmd.tries < cmd.maxTries) this.transmit(cmd);
      else cmd.done({ kind: 'timeout' });
    } else if (frame.code === REPLY.NAK) {
      this.driverCounters.naks++;
      const reason = frame.data[0];
      if ((reason === 0x01 || reason === 0x04) && cmd.tries < cmd.maxTries) {
        // Not executed: send it again (a PD that lost track of the sequence starts over at 0).
        if (reason === 0x04) {
          this.sequence.reset();
          cmd.bytes = null;
        }
        this.transmit(cmd);
      } else {
        if (reason === 0x04) this.sequence.reset();
        cmd.done({ kind: 'nak', reason });
      }
    } else {
      if (frame.code === REPLY.ISTATR) this.inputReport(frame.data);
      else if (frame.code !== REPLY.ACK && frame.code !== REPLY.OSTATR) this.driverCounters.otherReplies++;
      cmd.done({ kind: 'reply', frame });
    }
    // Any valid answer means the module is there (what it asks for next waits its turn in the queue).
    this.cameOnline();
    this.pump();
  }

  /**
   * Whether an output command was confirmed: an ACK, or an osdp_OSTATR (some PDs
   * answer osdp_OUT with their outputs' states) showing the output as `on`
   * expects (null: either). Anything else is a refusal, and the gate out of order.
   */
  private outputAnswer(outcome: Outcome, what: string, on: boolean | null): boolean {
    const confirmed =
      outcome.kind === 'reply' &&
      (outcome.frame.code === REPLY.ACK || (outcome.frame.code === REPLY.OSTATR && (on === null || (outcome.frame.data[this.output] !== undefined && outcome.frame.data[this.output] !== 0) === on)));
    if (confirmed) {
      if (this.refused !== null) {
        this.refused = null;
        this.report(`module at address ${this.address} accepts output ${this.output} again`);
      }
      return true;
    }
    if (outcome.kind === 'nak' || outcome.kind === 'reply') {
      this.refused = `module at address ${this.address} refused to ${what} output ${this.output}: ${outcome.kind === 'nak' ? nakReason(outcome.reason) : `reply 0x${outcome.frame.code.toString(16)}`}`;
      this.refusedAt = this.opts.clock();
      this.report(this.refused);
    }
    // A timeout or a lost port has already been reported (module silent, port down).
    return false;
  }

  private inputReport(data: Uint8Array): void {
    this.lastInputRefresh = this.opts.clock();
    const now = Array.from(data, (b) => (b === 0 ? 0 : 1));
    const before = this.inputs;
    const baseline = this.baseline;
    this.inputs = now;
    this.baseline = false;
    const atMs = this.opts.clock();
    for (let index = 0; index < now.length; index++) {
      const active = now[index] === 1;
      const was = before?.[index];
      if (was !== undefined && (was === 1) === active) continue;
      // Every input the first time it is reported, then every change. The first report of a
      // connection says how things are now (what changed while the module was away is not a
      // passage seen): no passage from it, only from an active edge seen while online.
      this.inputListeners.emit({ kind: 'input', index, active, atMs });
      if (!baseline && active && index === this.passageInput) this.inputListeners.emit({ kind: 'passage', atMs });
    }
  }

  // --- the link ---

  private portOpened(): void {
    this.sequence.reset();
    this.online = false;
    this.silentSince = this.opts.clock();
    this.report(`port ${this.serial.path} open, waiting for the OSDP module at address ${this.address}`);
    // Polled at once, not at the next tick.
    this.tick();
  }

  private portDown(reason: string): void {
    this.online = false;
    this.sequence.reset();
    this.failAll({ kind: 'down' });
    this.report(reason);
  }

  private lost(reason: string): void {
    this.failAll({ kind: 'timeout' });
    if (this.online) this.driverCounters.lost++;
    if (this.online || this.silentSince === null) this.silentSince = this.opts.clock();
    this.online = false;
    this.sequence.reset();
    this.report(reason);
  }

  private cameOnline(): void {
    if (this.online) return;
    this.online = true;
    this.silentSince = null;
    this.baseline = true;
    this.report(`module at address ${this.address} answering on ${this.serial.path}`);
    // What the gate should be (a module that restarted forgot it), and how the inputs are now.
    this.assertState();
    this.readInputs();
  }

  /** Re-asserts the permanent state: held (2), or closed letting a pulse in progress finish (3). */
  private assertState(): void {
    const held = this.wantHeld;
    const code = held ? OUT_CONTROL.PERMANENT_ON_ABORT_TIMED : OUT_CONTROL.PERMANENT_OFF_ALLOW_TIMED;
    void this.command(CMD.OUT, outRecord(this.output, code)).then((outcome) => {
      if (!this.outputAnswer(outcome, held ? 'hold' : 'close', held ? true : null) || held !== this.wantHeld || held === this.held) return;
      this.held = held;
      this.report(held ? 'held open' : 'closed');
    });
  }

  private readInputs(): void {
    this.lastInputRefresh = this.opts.clock();
    void this.command(CMD.ISTAT, []);
  }

  private pulseEnded(): void {
    this.pulseTimer = null;
    this.pulsing = false;
    this.opening = null;
    if (!this.held) this.report('closed');
  }

  private endPulse(): void {
    if (this.pulseTimer !== null) this.timers.clearTimeout(this.pulseTimer);
    this.pulseTimer = null;
    this.pulsing = false;
    this.opening = null;
  }

  private report(detail: string): void {
    if (this.closed) return;
    const status: DriverStatus = { device: 'gate', state: this.state, detail, atMs: this.opts.clock() };
    if (this.lastStatus && this.lastStatus.state === status.state && this.lastStatus.detail === status.detail) return;
    this.lastStatus = status;
    this.statusListeners.emit(status);
  }
}
