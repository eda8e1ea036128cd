// The checkpoint's gate (issue 15): what an admit does to the turnstile or
// door, whether the traveller then went through, and what the gate is doing
// now. The drivers (drivers/gate/) switch relays and report passages; this
// module holds the rules between a decided check and the gate:
//
// - Admit (or a supervisor's override to admit) → one open: a pulse of
//   `pulseMs` (default 500 ms), or in 'potential' mode a hold of
//   `openSeconds` then a release. Review and deny never reach the gate. One
//   check is opened for at most once (a second admitted() of the same
//   checkId does nothing).
// - A queue of travellers is opened for one at a time, in order: the next
//   open waits until the gate has closed after the one before (the pulse's
//   end plus `gapMs`, or the release) and — with a working passage sensor —
//   until the traveller before has passed or their `passSeconds` ran out. A
//   turnstile's controller takes a pulse as one passage and ignores a second
//   pulse while it is still unlocked: a second open sent before the first
//   traveller turned it would be lost, and the second traveller left at a
//   locked gate. Nothing is dropped: five admits get five opens.
// - With a passage sensor, each passage is matched to the oldest admit whose
//   gate was opened and who has not passed yet (FIFO): 'passed'. None within
//   `passSeconds` of that admit's open → 'not-passed' (the kiosk logs a
//   NOT_PASSED event referring to the checkId; the check is never
//   rewritten). A passage with no admit waiting is a 'tailgate', counted
//   per day (the day's start is injected).
// - Without a passage sensor — or while it is offline — nobody can tell:
//   every admit counts as passed ('passed' with confirmed: false), as before
//   the kiosk had a gate. Never a NOT_PASSED on a guess.
// - Out of order (the driver's state 'offline', or an open/hold/release that
//   resolves false or rejects): an event, the kiosk keeps deciding, no open
//   is sent until the driver says it is ready; admits meanwhile are the
//   guard's to let through by hand (their passage is still watched for).
//   Opens are never replayed on recovery: an open long after its admit lets
//   through whoever stands at the gate then.
// - Free passage (emergency): a technician's action, or an emergency input
//   in alarm. The gate is held open; every check is still decided and
//   logged, an admit counts as passed and opens nothing; passages are
//   nobody's (no tailgates). It ends with the technician's action, or when
//   the input returns from alarm (unless a technician also switched it on).
// - A technician's Test open: one open for no check, refused while an
//   admit's open is under way (admits then wait for it); whoever passes in
//   its window is nobody's tailgate.
//
// Clock and timers are injected: tests never sleep.
import { REAL_TIMERS, type DriverStatus, type Gate, type GateInputEvent, type GateInputs, type Timers } from '../../drivers/contract.js';
import type { DeviceState } from '../contract/devices.js';
import type { GateStatus } from '../contract/kiosk.js';
import type { GateTestOutcome } from '../contract/technician-messages.js';

/** A pulse, unless configured: a turnstile's "one passage" contact, ms. */
export const DEFAULT_PULSE_MS = 500;
/** How long 'potential' mode holds the gate open for one admit, s. */
export const DEFAULT_OPEN_SECONDS = 5;
/** How long a traveller has to pass after their gate opened, s. */
export const DEFAULT_PASS_SECONDS = 5;
/** After a pulse's end (or a release), this long before the next open: the controller sees the contact open again, ms. */
export const DEFAULT_GAP_MS = 250;
/** Still open (the driver's own pulse timer runs later than ours): checked again this many times, `gapMs` apart, before moving on. */
const CLOSE_CHECKS = 20;
/** Passage outcomes kept for passageOf(); older ones are the log's to answer (NOT_PASSED events). */
const OUTCOMES_KEPT = 10_000;

export type GateMode = 'pulse' | 'potential';

/** How a passage was counted: seen by the sensor, or assumed (no sensor, sensor offline, free passage). */
export type PassedHow = 'sensor' | 'no-sensor' | 'sensor-offline' | 'free-passage';

/** What became of an admitted check at the gate, as far as this kiosk knows since it started. */
export type Passage =
  /** Admitted; its open waits for the traveller before. */
  | { state: 'queued'; admittedAtMs: number }
  /** The gate opened for it (or the guard was to let them through by hand); a passage is awaited until `untilMs`. */
  | { state: 'waiting'; admittedAtMs: number; untilMs: number }
  /** `confirmed`: a passage sensor saw it; otherwise assumed (`how`). */
  | { state: 'passed'; admittedAtMs: number; atMs: number; confirmed: boolean; how: PassedHow }
  | { state: 'not-passed'; admittedAtMs: number; atMs: number };

export type FreePassageCause = 'technician' | 'input';

/** A Test open's outcome, and the driver's words for it (the journal's, English). */
export interface GateTest {
  outcome: GateTestOutcome;
  detail: string;
}

/** Everything the gate does that the kiosk logs, shows or counts: one callback gets them all, and each changes state(). */
export type GateEvent =
  | { kind: 'opened'; checkId: string; atMs: number; how: 'pulse' | 'hold'; override: boolean }
  | { kind: 'closed'; checkId: string; atMs: number }
  /** Admitted, but no open was sent: the gate is out of order (the guard lets them through by hand). */
  | { kind: 'not-opened'; checkId: string; atMs: number; detail: string }
  | { kind: 'passed'; checkId: string; atMs: number; confirmed: boolean; how: PassedHow }
  /** To be logged as NOT_PASSED, referring to the check; the check itself is never rewritten. */
  | { kind: 'not-passed'; checkId: string; atMs: number; admittedAtMs: number; passSeconds: number }
  | { kind: 'tailgate'; atMs: number; today: number }
  | { kind: 'out-of-order'; atMs: number; detail: string; checkId: string | null }
  | { kind: 'back-in-order'; atMs: number; detail: string }
  /** A technician's Test open: `confirmed` as the driver answered (nobody's check; a passage in its window is no tailgate). */
  | { kind: 'test-opened'; atMs: number; actor: string; confirmed: boolean; detail: string }
  | { kind: 'free-passage-started'; atMs: number; cause: FreePassageCause; actor: string }
  | { kind: 'free-passage-ended'; atMs: number; cause: FreePassageCause; actor: string };

/** The gate for the status bar and the screen. */
/** What the status bar shows of the gate (declared once, in the contract the screen shares). */
export type GateControlState = GateStatus;

/** An emergency contact on an input module (an OSDP input: a fire alarm, normally closed). */
export interface EmergencyInput {
  inputs: GateInputs;
  index: number;
  /** Which level is the alarm (default true: the input reported active). */
  alarmWhenActive?: boolean;
}

export interface GateControlOptions {
  gate: Gate | null;
  /** The passage sensor (its 'passage' events); null: none, every admit counts as passed. */
  sensor: GateInputs | null;
  /** The emergency input, if any (may be the same module as the sensor). */
  emergency?: EmergencyInput | null;
  clock: () => number;
  timers?: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
  /** The start of the day `nowMs` is in (the kiosk's time zone): tailgates are counted per day. */
  startOfDayMs: (nowMs: number) => number;
  onEvent: (event: GateEvent) => void;
  mode?: GateMode;
  pulseMs?: number;
  openSeconds?: number;
  passSeconds?: number;
  gapMs?: number;
  /** Free passage a technician switched on (the `gate.freePassage` setting): held from the start, by this actor. */
  freePassageBy?: string | null;
}

interface Admit {
  checkId: string;
  admittedAtMs: number;
  override: boolean;
  /** Its pass window (a timer), while it waits for a passage. */
  timer: unknown;
  /** The sensor was lost while it waited: no passage can be missed for sure. */
  lapsed: boolean;
}

interface Opening {
  /** null: a technician's Test open. */
  admit: Admit | null;
  how: 'pulse' | 'hold';
  timer: unknown;
}

type StatusSource = { onStatus?: (listener: (status: DriverStatus) => void) => () => void };

const working = (state: DeviceState): boolean => state === 'ok' || state === 'simulated';

export class GateControl {
  private readonly queue: Admit[] = [];
  private readonly waiting: Admit[] = [];
  private readonly passages = new Map<string, Passage>();
  private opening: Opening | null = null;
  /** The last open, hold or release that failed while the driver called itself ready. */
  private failure: string | null = null;
  private reportedOutOfOrder: boolean;
  private freeSince: number | null = null;
  private technicianFree: string | null = null;
  private inputFree = false;
  /** The emergency input's last level (true: alarm); free passage starts on its edge into alarm. */
  private alarmLevel = false;
  /** Which free-passage period a hold/release answer belongs to. */
  private freeEpoch = 0;
  private readonly tailgates: DayCount;
  private readonly notPassed: DayCount;
  private lastNotPassed: GateControlState['lastNotPassed'] = null;
  private lastPassageAtMs: number | null = null;
  /** A passage until then follows a technician's Test open: nobody's, and no tailgate. */
  private testWindowUntilMs = 0;
  private emergencyKnown = false;
  private closed = false;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
  private readonly mode: GateMode;
  private readonly pulseMs: number;
  private readonly openMs: number;
  private readonly passMs: number;
  private readonly gapMs: number;

  constructor(private readonly opts: GateControlOptions) {
    this.timers = opts.timers ?? REAL_TIMERS;
    this.mode = opts.mode ?? 'pulse';
    this.pulseMs = positive(opts.pulseMs ?? DEFAULT_PULSE_MS, 'pulseMs');
    this.openMs = positive(opts.openSeconds ?? DEFAULT_OPEN_SECONDS, 'openSeconds') * 1000;
    this.passMs = positive(opts.passSeconds ?? DEFAULT_PASS_SECONDS, 'passSeconds') * 1000;
    this.gapMs = Math.max(0, opts.gapMs ?? DEFAULT_GAP_MS);
    this.reportedOutOfOrder = this.outOfOrder;
    this.tailgates = new DayCount(opts.startOfDayMs);
    this.notPassed = new DayCount(opts.startOfDayMs);
    const { gate, sensor, emergency } = opts;
    if (gate) this.unsubscribe.push(gate.onStatus((s) => this.gateStatus(s)));
    if (sensor) {
      this.unsubscribe.push(sensor.onInput((e) => e.kind === 'passage' && this.passage(e.atMs)));
      // GateInputs has no status of its own; a sensor that reports one (ModemLineSensor) tells us when it is lost.
      const offStatus = (sensor as GateInputs & StatusSource).onStatus?.((s) => this.sensorStatus(s));
      if (offStatus) this.unsubscribe.push(offStatus);
    }
    if (emergency) this.unsubscribe.push(emergency.inputs.onInput((e) => this.emergencyInput(e)));
    if (opts.freePassageBy) this.startFreePassage(opts.freePassageBy);
  }

  /**
   * A decided check: only an admit reaches the gate (review and deny are
   * ignored, as is a check that was not logged: `checkId` null).
   */
  decided(checkId: string | null, verdict: 'admit' | 'review' | 'deny', atMs?: number): boolean {
    return verdict === 'admit' && checkId !== null && this.admitted(checkId, atMs);
  }

  /**
   * An admitted check: opens the gate for it (now, or when the traveller
   * before has gone). False when this check was already admitted here (it is
   * never opened for twice) or the control is closed.
   */
  admitted(checkId: string, atMs?: number): boolean {
    return this.admit(checkId, atMs ?? this.opts.clock(), false);
  }

  /** A supervisor overrode a review to admit: the gate opens for it as for an admit. */
  overrideAdmitted(checkId: string, atMs?: number): boolean {
    return this.admit(checkId, atMs ?? this.opts.clock(), true);
  }

  /**
   * What became of an admitted check at the gate; null when this kiosk has
   * not admitted it since it started (or it is long past: the log answers).
   */
  passageOf(checkId: string): Passage | null {
    return this.passages.get(checkId) ?? null;
  }

  /**
   * Does this admit count for anti-passback? Only a passage that was not
   * missed does: false after a NOT_PASSED (the traveller never went through
   * and may show their code again), true while it is queued or waiting (a
   * code shown twice while its holder is at the gate is the passback to
   * stop) and once passed (seen, or assumed without a sensor); null when
   * unknown here — then the log's NOT_PASSED events decide.
   */
  countsAsPassage(checkId: string): boolean | null {
    const p = this.passages.get(checkId);
    return p ? p.state !== 'not-passed' : null;
  }

  /** A technician switched free passage on (the setting). */
  startFreePassage(actor: string): void {
    if (this.closed) return;
    this.technicianFree = actor;
    this.freeChanged('technician', actor);
  }

  /**
   * A technician ended free passage (PIN): whatever switched it on. An
   * emergency input still in alarm starts it again only when it returns
   * and goes into alarm anew.
   */
  endFreePassage(actor: string): void {
    if (this.closed) return;
    this.technicianFree = null;
    this.inputFree = false;
    this.freeChanged('technician', actor);
  }

  /**
   * A technician's Test open: one open now, as an admit's would be (a pulse,
   * or a hold for `openSeconds`), for no check. Asked of a gate out of order
   * too: it is how a technician sees it answer again. Refused while the gate
   * is opening for a traveller or held open for free passage.
   */
  async testOpen(actor: string): Promise<GateTest> {
    const gate = this.opts.gate;
    if (this.closed || !gate) return { outcome: 'noGate', detail: 'this kiosk drives no gate' };
    if (this.freePassage) return { outcome: 'freePassage', detail: 'the gate is held open for free passage' };
    if (this.opening) return { outcome: 'busy', detail: 'the gate is opening for a traveller: try again in a moment' };
    const how = this.mode === 'pulse' ? 'pulse' : 'hold';
    const opening: Opening = { admit: null, how, timer: null };
    this.opening = opening;
    const failed = await this.call(() => (how === 'pulse' ? gate.open(this.pulseMs) : gate.hold()));
    const atMs = this.opts.clock();
    const detail = failed ?? (how === 'pulse' ? `opened for ${this.pulseMs} ms` : `held open for ${this.openMs / 1000} s`);
    if (this.opening === opening) {
      if (failed !== null) {
        this.opening = null;
        this.failed(failed, null);
      } else {
        this.recovered('test open');
        this.testWindowUntilMs = atMs + (how === 'pulse' ? this.pulseMs : this.openMs) + this.passMs;
        this.closeLater(opening);
      }
    }
    this.opts.onEvent({ kind: 'test-opened', atMs, actor, confirmed: failed === null, detail });
    if (this.opening === null) this.pump();
    return { outcome: failed === null ? 'opened' : 'noAnswer', detail };
  }

  state(): GateControlState {
    const gate = this.opts.gate;
    const outOfOrder = this.outOfOrder;
    const now = this.opts.clock();
    return {
      gate: !gate ? 'none' : this.freeSince !== null ? 'free-passage' : outOfOrder ? 'out-of-order' : this.opening || gate.isOpen ? 'open' : 'ready',
      outOfOrder,
      detail: outOfOrder ? this.outOfOrderDetail() : null,
      freePassage: this.freeSince === null ? null : { since: this.freeSince, technician: this.technicianFree, input: this.inputFree },
      sensor: this.opts.sensor?.state ?? 'none',
      queued: this.queue.length,
      waiting: this.waiting.length,
      tailgatesToday: this.tailgates.on(now),
      notPassedToday: this.notPassed.on(now),
      lastNotPassed: this.lastNotPassed,
      lastPassageAtMs: this.lastPassageAtMs,
      emergencyInput: !this.opts.emergency ? 'none' : !this.emergencyKnown ? 'unknown' : this.alarmLevel ? 'alarm' : 'normal',
    };
  }

  /**
   * Stops listening and drops every timer. A potential-mode hold for an
   * admit is released; free passage is left as it is (the drivers decide
   * what a closing kiosk leaves the relay at).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe.splice(0)) u();
    for (const a of [...this.queue.splice(0), ...this.waiting.splice(0)]) this.timers.clearTimeout(a.timer);
    const opening = this.opening;
    this.opening = null;
    if (opening) {
      this.timers.clearTimeout(opening.timer);
      if (opening.how === 'hold' && this.freeSince === null) void this.call(() => this.opts.gate!.release()).catch(() => undefined);
    }
  }

  private get sensing(): boolean {
    return this.opts.sensor !== null && working(this.opts.sensor.state);
  }

  private get freePassage(): boolean {
    return this.freeSince !== null;
  }

  /** The driver calls itself ready (an open may be sent). */
  private get gateReady(): boolean {
    return this.opts.gate !== null && working(this.opts.gate.state);
  }

  private get outOfOrder(): boolean {
    return this.opts.gate !== null && (!working(this.opts.gate.state) || this.failure !== null);
  }

  private outOfOrderDetail(): string {
    return this.failure ?? `gate ${this.opts.gate?.state ?? 'none'}`;
  }

  private admit(checkId: string, atMs: number, override: boolean): boolean {
    if (this.closed || this.passages.has(checkId)) return false;
    const admit: Admit = { checkId, admittedAtMs: atMs, override, timer: null, lapsed: false };
    if (this.freePassage) {
      // The gate stands open: nothing to send, and no passage can be told apart.
      this.pass(admit, 'free-passage', false);
      return true;
    }
    this.setPassage(checkId, { state: 'queued', admittedAtMs: atMs });
    // Without a working sensor nobody will ever know: it counts as passed now, and the gate still opens.
    if (!this.sensing) this.pass(admit, this.opts.sensor ? 'sensor-offline' : 'no-sensor', false);
    if (!this.opts.gate) {
      // No gate: the guard waves them through; the sensor (if any) still watches.
      if (this.sensing) this.watch(admit);
      return true;
    }
    this.queue.push(admit);
    this.pump();
    return true;
  }

  /** Opens for the next traveller in the queue, if the gate and the traveller before allow. */
  private pump(): void {
    if (this.closed || this.opening || this.freePassage || !this.opts.gate) return;
    if (!this.gateReady) {
      this.handOver(`gate ${this.opts.gate.state}`);
      return;
    }
    // One traveller in the gate at a time: the next open waits for the passage (or the time-out) of the one before.
    if (this.sensing && this.waiting.length > 0) return;
    const admit = this.queue.shift();
    if (admit) this.open(admit);
  }

  /** The gate cannot open: every queued admit is the guard's to let through by hand (their passage still watched for). */
  private handOver(detail: string): void {
    for (const admit of this.queue.splice(0)) {
      this.opts.onEvent({ kind: 'not-opened', checkId: admit.checkId, atMs: this.opts.clock(), detail });
      if (this.isOpenQuestion(admit)) this.watch(admit);
    }
  }

  private open(admit: Admit): void {
    const gate = this.opts.gate!;
    const how = this.mode === 'pulse' ? 'pulse' : 'hold';
    const opening: Opening = { admit, how, timer: null };
    this.opening = opening;
    // The traveller's time to pass starts as their gate opens, not at their scan (they may have queued behind another).
    if (this.isOpenQuestion(admit)) this.watch(admit);
    void this.call(() => (how === 'pulse' ? gate.open(this.pulseMs) : gate.hold())).then((failed) => {
      if (this.opening !== opening) return;
      if (failed !== null) {
        this.opening = null;
        this.failed(failed, admit.checkId);
        this.pump();
        return;
      }
      this.recovered('opened');
      this.opts.onEvent({ kind: 'opened', checkId: admit.checkId, atMs: this.opts.clock(), how, override: admit.override });
      this.closeLater(opening);
    });
  }

  /** The confirmed open ends: a pulse by itself (then the gap), a hold by its release after `openSeconds`. */
  private closeLater(opening: Opening): void {
    // Timed from the confirmation: a driver's pulse starts no earlier (OSDP's runs on the module's own timer from the ACK).
    if (opening.how === 'pulse') opening.timer = this.timers.setTimeout(() => this.pulseEnded(opening, 0), this.pulseMs + this.gapMs);
    else opening.timer = this.timers.setTimeout(() => this.holdEnded(opening), this.openMs);
  }

  private pulseEnded(opening: Opening, checks: number): void {
    if (this.opening !== opening) return;
    // The driver's pulse may end a little after ours (rounded to its own units): the next open must not fall into it.
    if (this.opts.gate!.isOpen && checks < CLOSE_CHECKS) {
      opening.timer = this.timers.setTimeout(() => this.pulseEnded(opening, checks + 1), Math.max(1, this.gapMs));
      return;
    }
    this.closedFor(opening);
  }

  private holdEnded(opening: Opening): void {
    if (this.opening !== opening) return;
    opening.timer = null;
    void this.call(() => this.opts.gate!.release()).then((failed) => {
      if (this.opening !== opening) return;
      if (failed !== null) {
        // Still held, perhaps: out of order; the driver re-asserts "closed" when it is back.
        this.opening = null;
        this.failed(failed, opening.admit?.checkId ?? null);
        this.pump();
        return;
      }
      opening.timer = this.timers.setTimeout(() => this.closedFor(opening), this.gapMs);
    });
  }

  private closedFor(opening: Opening): void {
    if (this.opening !== opening) return;
    this.opening = null;
    if (opening.admit) this.opts.onEvent({ kind: 'closed', checkId: opening.admit.checkId, atMs: this.opts.clock() });
    this.pump();
  }

  /** Drops the open in progress without waiting for it (the gate went out of order, or free passage took over). */
  private dropOpening(releaseHold: boolean): void {
    const opening = this.opening;
    if (!opening) return;
    this.opening = null;
    this.timers.clearTimeout(opening.timer);
    // A hold asked for must not come back when the driver reconnects (drivers keep a hold across a lost link).
    if (releaseHold && opening.how === 'hold') void this.call(() => this.opts.gate!.release());
  }

  /** Is this admit's passage still open to question (not yet counted)? */
  private isOpenQuestion(admit: Admit): boolean {
    const p = this.passages.get(admit.checkId);
    return p !== undefined && (p.state === 'queued' || p.state === 'waiting');
  }

  /** Waits `passSeconds` for this admit's passage — if a sensor is watching; else it counts as passed. */
  private watch(admit: Admit): void {
    if (!this.sensing) {
      this.pass(admit, this.opts.sensor ? 'sensor-offline' : 'no-sensor', false);
      return;
    }
    const now = this.opts.clock();
    this.waiting.push(admit);
    this.setPassage(admit.checkId, { state: 'waiting', admittedAtMs: admit.admittedAtMs, untilMs: now + this.passMs });
    admit.timer = this.timers.setTimeout(() => this.windowEnded(admit), this.passMs);
  }

  private windowEnded(admit: Admit): void {
    const i = this.waiting.indexOf(admit);
    if (i < 0) return;
    this.waiting.splice(i, 1);
    admit.timer = null;
    if (admit.lapsed || !this.sensing) {
      // The sensor was not watching the whole time: a passage may have been missed, so none is claimed missing.
      this.pass(admit, 'sensor-offline', false);
    } else {
      const atMs = this.opts.clock();
      this.setPassage(admit.checkId, { state: 'not-passed', admittedAtMs: admit.admittedAtMs, atMs });
      this.notPassed.add(atMs);
      this.lastNotPassed = { checkId: admit.checkId, admittedAtMs: admit.admittedAtMs, atMs };
      this.opts.onEvent({ kind: 'not-passed', checkId: admit.checkId, atMs, admittedAtMs: admit.admittedAtMs, passSeconds: this.passMs / 1000 });
    }
    this.pump();
  }

  private pass(admit: Admit, how: PassedHow, confirmed: boolean): void {
    const atMs = this.opts.clock();
    this.setPassage(admit.checkId, { state: 'passed', admittedAtMs: admit.admittedAtMs, atMs, confirmed, how });
    this.opts.onEvent({ kind: 'passed', checkId: admit.checkId, atMs, confirmed, how });
  }

  private passage(atMs: number): void {
    if (this.closed) return;
    this.lastPassageAtMs = atMs;
    if (this.freePassage) return;
    const admit = this.waiting.shift();
    if (admit) {
      this.timers.clearTimeout(admit.timer);
      admit.timer = null;
      this.pass(admit, 'sensor', true);
      this.pump();
      return;
    }
    // Whoever a technician's Test open let through is nobody's tailgate.
    if (atMs <= this.testWindowUntilMs) return;
    this.opts.onEvent({ kind: 'tailgate', atMs, today: this.tailgates.add(atMs) });
  }

  private sensorStatus(s: DriverStatus): void {
    if (working(s.state)) {
      this.pump();
      return;
    }
    for (const admit of this.waiting) admit.lapsed = true;
    // Nobody can be waited for now: the queue moves on the gate's own pace.
    this.pump();
  }

  private gateStatus(s: DriverStatus): void {
    if (this.closed) return;
    if (working(s.state)) {
      this.failure = null;
      this.orderChanged(s.detail, null);
      this.pump();
      return;
    }
    // A pulse in progress is over (the driver drops it); a hold is released so that it does not return with the link.
    this.dropOpening(true);
    this.orderChanged(s.detail, null);
    this.pump();
  }

  private failed(detail: string, checkId: string | null): void {
    this.failure = detail;
    this.orderChanged(detail, checkId);
  }

  private recovered(detail: string): void {
    this.failure = null;
    this.orderChanged(detail, null);
  }

  private orderChanged(detail: string, checkId: string | null): void {
    const now = this.outOfOrder;
    if (now === this.reportedOutOfOrder) return;
    this.reportedOutOfOrder = now;
    const atMs = this.opts.clock();
    this.opts.onEvent(now ? { kind: 'out-of-order', atMs, detail, checkId } : { kind: 'back-in-order', atMs, detail });
  }

  private emergencyInput(e: GateInputEvent): void {
    const em = this.opts.emergency!;
    if (this.closed || e.kind !== 'input' || e.index !== em.index) return;
    const alarm = e.active === (em.alarmWhenActive ?? true);
    const was = this.alarmLevel;
    this.alarmLevel = alarm;
    this.emergencyKnown = true;
    if (alarm === was) return;
    this.inputFree = alarm;
    this.freeChanged('input', `input ${em.index}`);
  }

  /** Free passage on or off, as the technician's and the input's wishes now say. */
  private freeChanged(cause: FreePassageCause, actor: string): void {
    const want = this.technicianFree !== null || this.inputFree;
    if (want === this.freePassage) return;
    const atMs = this.opts.clock();
    const epoch = ++this.freeEpoch;
    const gate = this.opts.gate;
    if (want) {
      this.freeSince = atMs;
      // The hold below takes over from any open in progress (a hold keeps the relay on).
      this.dropOpening(false);
      // Everyone admitted can walk through now, and no passage can be told apart.
      const open = [...this.waiting.splice(0), ...this.queue.splice(0)];
      for (const admit of open) {
        this.timers.clearTimeout(admit.timer);
        if (this.isOpenQuestion(admit)) this.pass(admit, 'free-passage', false);
      }
      this.opts.onEvent({ kind: 'free-passage-started', atMs, cause, actor });
      // Asked even of a gate out of order: the drivers keep a hold and re-assert it when the link returns.
      if (gate) void this.call(() => gate.hold()).then((failed) => this.freeAnswer(epoch, failed, 'hold'));
      return;
    }
    this.freeSince = null;
    this.opts.onEvent({ kind: 'free-passage-ended', atMs, cause, actor });
    if (gate) void this.call(() => gate.release()).then((failed) => this.freeAnswer(epoch, failed, 'release'));
  }

  private freeAnswer(epoch: number, failed: string | null, what: 'hold' | 'release'): void {
    if (this.closed || epoch !== this.freeEpoch) return;
    if (failed === null) this.recovered(what === 'hold' ? 'held open' : 'closed');
    else this.failed(failed, null);
    if (what === 'release') this.pump();
  }

  /** Runs a gate call: null when it succeeded, else what went wrong (false, or a rejection's message). */
  private call(fn: () => Promise<boolean>): Promise<string | null> {
    let p: Promise<boolean>;
    try {
      p = fn();
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.then(
      (ok) => (ok ? null : 'the gate did not confirm'),
      (err: unknown) => `the gate failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  }

  private setPassage(checkId: string, p: Passage): void {
    this.passages.delete(checkId);
    this.passages.set(checkId, p);
    if (this.passages.size > OUTCOMES_KEPT) {
      const oldest = this.passages.keys().next();
      if (!oldest.done) this.passages.delete(oldest.value);
    }
  }
}

/** A count that starts again at each day's start (the kiosk's zone). */
class DayCount {
  private day: number | null = null;
  private n = 0;

  constructor(private readonly startOfDayMs: (nowMs: number) => number) {}

  on(nowMs: number): number {
    const day = this.startOfDayMs(nowMs);
    if (day !== this.day) {
      this.day = day;
      this.n = 0;
    }
    return this.n;
  }

  /** Counts one at `atMs`; the day's count after it. */
  add(atMs: number): number {
    this.n = this.on(atMs) + 1;
    return this.n;
  }
}

function positive(n: number, name: string): number {
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`${name} must be a positive number, not ${n}`);
  return n;
}
