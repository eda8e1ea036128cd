// The kiosk's state and handlers, shell-agnostic: the browser shell and the
// Electron shell each only add a transport for the same invoke/event
// contract (main/contract/ipc.ts). Main owns the checkpoint's state; the
// renderer renders it.
import type { Scan, ScannerFeed, ThermometerFeed } from '../../drivers/contract.js';
import type { CheckView, KioskStatus, PartialScanView, ScanSource, ScreenConfig } from '../contract/kiosk.js';
import { gateNoteText, partialScanMessage, type GateNote, type Lang, type ReasonContext } from '../contract/messages.js';
import { parseShcChunk, ShcChunkCollector, type DroppedSet } from '../verify/formats/shc-chunks.js';
import {
  handleInvoke,
  handlersFor,
  MAX_SCAN_PAYLOAD_CHARS,
  TECHNICIAN_CHANNELS,
  type InvokeChannel,
  type InvokeChannels,
  type InvokeHandlers,
  type InvokeResult,
  type RendererChannels,
} from '../contract/ipc.js';
import { Checkpoint } from '../checkpoint/checkpoint.js';
import { TimeFloor } from '../clock/time-floor.js';
import { startOfDayMs } from '../clock/time-zone.js';
import { DATA_FILES, DataDir } from '../data-dir.js';
import { DataDirWatch } from '../data-dir-watch.js';
import { clockIsUntrusted } from '../decide/decide.js';
import { CheckLog, type RetentionResult } from '../log/check-log.js';
import { applyRetention, DEFAULT_RETENTION_DAYS, unsyncedPurgeOutlook } from '../log/retention.js';
import { HolderPseudonym } from '../log/holder-pseudonym.js';
import { PolicyStore, type InstalledPolicy } from '../policy/policy-store.js';
import { TrustStore } from '../trust/trust-store.js';
import type { TrustSnapshot } from '../verify/trust.js';
import { TechnicianRefusal, type OpenData, type TechnicianService } from '../technician/technician-service.js';
import { checkView } from './check-view.js';
import { scannersState } from './device-slots.js';
import { ScanPace, type ScanPaceOptions } from './scan-pace.js';
import { checkTemperature, TravellerTemperature } from './traveller-temperature.js';
import { GateControl, type GateControlOptions, type GateEvent, type GateTest } from './gate-control.js';
import { AuditTrail, type AuditType } from '../audit/audit.js';

export interface KioskServiceOptions {
  dataDir: string;
  /** The data directory and log, opened once by the composition root and shared with technician mode; without it they are opened here (and closed with the service). */
  data?: OpenData;
  /** The data directory's one watch (the composition root's); without it the service watches its own files. */
  watch?: DataDirWatch;
  clock: () => number;
  thermometer: ThermometerFeed | null;
  /** Serial and HID scanners: each scan goes through the same entry point as the camera's. */
  scanners?: ScannerFeed[];
  screen: ScreenConfig;
  /** Technician mode's handlers (technician/* channels); none = those channels are unavailable. */
  technician?: TechnicianService;
  /** Where failures outside any request go (a scanner's scan that could not be logged). */
  onError?: (err: Error) => void;
  /** The sync loop's state, or null while the kiosk has no sync endpoint (see main/sync). */
  sync?: () => { online: boolean; lastSuccessAtMs: number | null; receipts?: 'verified' | 'unpinned' } | null;
  /** When the thermometer's calibration falls due (from the technician's configuration). */
  calibrationDueAtMs?: () => number | null;
  /** Warn on screen when the oldest unsynced check is older than this (default 3 days). */
  backlogWarnDays?: number;
  /** A reading older than this is not this traveller's, ms (default 2000; see traveller-temperature.ts). */
  readingFreshMs?: number;
  /** How fast one source may submit scans (default: a human queue's pace, HUMAN_SCAN_PACE). */
  scanPace?: ScanPaceOptions;
  /**
   * How often the kiosk applies retention itself (default hourly): a kiosk
   * that never syncs must still drop what the policy bounds. 0 turns it off.
   */
  retentionEveryMs?: number;
  /**
   * The gate this kiosk opens (issue 15): its devices and timings; the
   * service keeps the rules (gate-control.ts) and logs what they find.
   * None: no gate, a guard waves travellers through as before.
   */
  gate?: KioskGateOptions | null;
  /** An event was logged outside a check (the gate's NOT_PASSED, tailgating…): sync may send it now. */
  onEventLogged?: () => void;
}

/** The gate's devices and timings as the composition root gives them (the clock, the day and the events are the service's). */
export type KioskGateOptions = Omit<GateControlOptions, 'clock' | 'startOfDayMs' | 'onEvent'>;

const RETENTION_EVERY_MS = 60 * 60_000;

/** The files the service decides with: a change to any is loaded before the next check. */
export const SERVICE_FILES = [DATA_FILES.bundle, DATA_FILES.roots, DATA_FILES.policy] as const;

/** A scan dropped for coming faster than people can present codes: nothing was verified, logged or counted. */
export class ScanDropped extends Error {
  readonly code = 'RATE_LIMITED';
  constructor(source: ScanSource) {
    super(`too many scans from the ${source}: dropped, not checked`);
    this.name = 'ScanDropped';
  }
}

/** Technician channels on a kiosk opened without technician mode. */
class TechnicianUnavailable extends Error {
  readonly code = 'UNAVAILABLE';
  constructor() {
    super('technician mode is not available here');
    this.name = 'TechnicianUnavailable';
  }
}

async function technicianUnavailable(): Promise<never> {
  throw new TechnicianUnavailable();
}

/** Within this long of the last dropped scan, the status bar says scans are being dropped. */
const DROPPED_SCANS_SHOWN_MS = 60_000;

type Emit = <C extends keyof RendererChannels>(channel: C, payload: RendererChannels[C]) => void;

const DAY_S = 86_400;

/** The caller of an in-process request (tests, a shell with a single screen). */
export const LOCAL_CALLER = 'local';

export class KioskService {
  private trust: TrustSnapshot | null = null;
  private policy!: InstalledPolicy;
  private checkpoint: Checkpoint | null = null;
  /** The data directory's watch: a bundle or policy installed under the running kiosk applies at once. */
  private readonly watch: DataDirWatch;
  private readonly unwatch: () => void;
  private reloading: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<Emit>();
  private readonly unsubscribeThermometer: (() => void) | null;
  /** Which reading is the traveller's: each check takes its own. */
  private readonly temperature: TravellerTemperature;
  private readonly unsubscribeScanners: (() => void)[];
  private screen: ScreenConfig;
  /** A technician's test scan waiting for the next scan from a scanner. */
  private scanTest: ((scan: Scan | null) => void) | null = null;
  private readonly pace: ScanPace;
  private retentionTimer: ReturnType<typeof setInterval> | null = null;
  private readonly chunks = new ShcChunkCollector();
  private gate: GateControl | null;
  private chunkTimer: ReturnType<typeof setTimeout> | null = null;
  private chunkSource: ScanSource = 'camera';
  /** Every channel's handler (main/contract/ipc.ts): the kiosk's own, then technician mode's. */
  readonly handlers: InvokeHandlers;

  private constructor(
    private readonly opts: KioskServiceOptions,
    private readonly dir: DataDir,
    private readonly log: CheckLog,
    private readonly pseudonym: HolderPseudonym,
    watch: DataDirWatch,
  ) {
    this.watch = watch;
    // Installed under the running kiosk: loaded now, and the screens' trust chip told.
    this.unwatch = watch.onChange((files) => void this.reloadFiles(files).then(() => this.emitStatus()));
    this.screen = opts.screen;
    const technicianHandlers = opts.technician?.handlers ?? handlersFor(TECHNICIAN_CHANNELS, technicianUnavailable);
    this.handlers = {
      'scan/submit': ({ text, source }) => this.submitScan(text, source),
      'status/get': async () => this.status(),
      'config/get': async () => this.screen,
      ...technicianHandlers,
      // A supervisor's override to admit opens the gate, as an admit does.
      'supervisor/override': async (request, caller) => {
        const decided = await technicianHandlers['supervisor/override'](request, caller);
        if (decided.verdict === 'admit') this.gate?.overrideAdmitted(decided.checkId, this.opts.clock());
        return decided;
      },
    };
    this.gate = this.gateControl(opts.gate ?? null);
    this.pace = new ScanPace(opts.scanPace);
    this.temperature = new TravellerTemperature(opts.thermometer, { clock: opts.clock, ...(opts.readingFreshMs === undefined ? {} : { freshMs: opts.readingFreshMs }) });
    const offScreen = opts.thermometer?.onReading((r) => this.emit('thermometer/reading', { celsius: r.celsius, atMs: r.atMs, simulated: r.simulated }));
    this.unsubscribeThermometer = () => {
      offScreen?.();
      this.temperature.close();
    };
    this.unsubscribeScanners = (opts.scanners ?? []).flatMap((scanner) => [
      scanner.onScan((scan) => {
        // A technician's test scan is answered, not logged.
        if (this.scanTest) return this.scanTest(scan);
        // No request to answer: a failure is reported, and the scanner keeps going.
        // A dropped scan is counted in the status, not reported one by one.
        this.submitScan(scan.text.slice(0, MAX_SCAN_PAYLOAD_CHARS), 'scanner').catch((err: Error) => err instanceof ScanDropped || opts.onError?.(err));
      }),
      scanner.onStatus(() => this.emitStatus()),
    ]);
    const thermoStatus = opts.thermometer?.onStatus?.(() => this.emitStatus());
    if (thermoStatus) this.unsubscribeScanners.push(thermoStatus);
  }

  /** Throws DataDirError, TrustUnusable, PolicyUnusable or CheckLogUnusable when a part cannot be used. */
  static async open(opts: KioskServiceOptions): Promise<KioskService> {
    const dir = opts.data?.dir ?? DataDir.open(opts.dataDir, { create: false });
    const log = opts.data?.log ?? CheckLog.openIn(dir);
    // Watched before the first load: nothing installed meanwhile goes unseen.
    const watch = opts.watch ?? new DataDirWatch(dir, SERVICE_FILES);
    const service = new KioskService(opts, dir, log, HolderPseudonym.forDataDir(dir), watch);
    try {
      await service.load({ trust: true, policy: true }, true);
    } catch (err) {
      service.close();
      throw err;
    }
    service.startRetention();
    return service;
  }

  /** Subscribes to the renderer events; returns the unsubscribe function. */
  subscribe(listener: Emit): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.chunkTimer) clearTimeout(this.chunkTimer);
    this.gate?.close();
    this.retentionTimer = null;
    this.scanTest?.(null);
    this.unsubscribeThermometer?.();
    for (const u of this.unsubscribeScanners) u();
    this.listeners.clear();
    this.unwatch();
    // A log or watch the composition root opened is closed there, after everything using it.
    if (!this.opts.watch) this.watch.close();
    if (!this.opts.data) this.log.close();
  }

  /**
   * The one door for renderer requests: validated here, whatever the
   * transport. `caller` names the connection the request came on (one per
   * screen socket or window): a technician or supervisor session belongs to
   * the connection that unlocked it.
   */
  async invoke<C extends InvokeChannel>(channel: C, payload: unknown, caller?: string): Promise<InvokeResult<C>>;
  async invoke(channel: string, payload: unknown, caller?: string): Promise<InvokeResult<InvokeChannel>>;
  async invoke(channel: string, payload: unknown, caller = LOCAL_CALLER): Promise<InvokeResult<InvokeChannel>> {
    try {
      return await handleInvoke(this.handlers, channel, payload, caller);
    } catch (err) {
      // A technician's refusal carries what the panel says, rendered there in the operator's language.
      if (err instanceof TechnicianRefusal) return { ok: false, error: { code: err.code, message: err.message, says: err.says } };
      if (err instanceof ScanDropped || err instanceof TechnicianUnavailable) return { ok: false, error: { code: err.code, message: err.message } };
      return { ok: false, error: { code: 'INTERNAL', message: (err as Error).message } };
    }
  }

  /** Throws ScanDropped when `source` submits faster than a queue of people can. */
  async submitScan(text: string, source: InvokeChannels['scan/submit']['request']['source']): Promise<InvokeChannels['scan/submit']['response']> {
    const arrivedMs = this.opts.clock();
    const quietBefore = this.pace.summary().lastDroppedAtMs;
    if (!this.pace.admit(source, arrivedMs)) {
      // The first drop of a burst shows on the status bar; the rest only count.
      if (quietBefore === null || arrivedMs - quietBefore > DROPPED_SCANS_SHOWN_MS) this.emitStatus();
      throw new ScanDropped(source);
    }
    await this.current();
    // A part of a card in several QR codes is held, not checked: nothing is decided or
    // logged until every part is in (formats.md §3), or its 60 s are up.
    if (parseShcChunk(text) !== null) {
      const held = this.chunks.add(text, this.opts.clock());
      this.chunkSource = source;
      await this.logAbandoned(held.dropped.filter((d) => d.why !== 'conflict'));
      this.armChunkExpiry();
      if (held.kind === 'partial') {
        const view = this.partialView(held, source);
        this.emit('scan/partial', view);
        return view;
      }
      // A conflict (one part read twice, differently: two cards at once) is refused as
      // the incomplete card it leaves; the traveller scans one card at a time.
      if (held.kind === 'complete') return this.decideScan(held.text, source);
    }
    return this.decideScan(text, source);
  }

  /**
   * One traveller's check, logged: the temperature is theirs, taken now —
   * unless `measured` is false (an abandoned card logged when its time is
   * up: whoever stands at the thermometer then is someone else, whose
   * reading must stay theirs).
   */
  private async decideScan(text: string, source: ScanSource, measured = true): Promise<CheckView> {
    const now = this.opts.clock();
    // Taken by this check: a later one never gets the same reading.
    const took = measured ? await this.temperature.takeForCheck() : { reading: null, unresolved: false };
    const temperature = { ...checkTemperature(took.reading), temperatureUnresolved: took.unresolved };
    const outcome = await this.checkpoint!.check({ text, ...temperature, atMs: now }, { record: true });
    // Logged before the gate moves: an open is always for a check on disk.
    this.gate?.decided(outcome.checkId, outcome.verdict, outcome.atMs);
    const view = { ...checkView(outcome, source, this.reasonContext()), gateNote: outcome.verdict === 'admit' ? this.gateNote() : null };
    this.emit('checkpoint/decided', view);
    this.emit('status/changed', this.status());
    return view;
  }

  private partialView(p: { index: number; total: number; have: number[]; missing: number[] }, source: ScanSource): PartialScanView {
    const nowMs = this.opts.clock();
    return {
      partial: { index: p.index, total: p.total, have: p.have, missing: p.missing, expiresAtMs: this.chunks.nextExpiryMs() ?? nowMs, nowMs },
      message: { 'zh-CN': partialScanMessage(p.index, p.total, p.missing, 'zh-CN'), en: partialScanMessage(p.index, p.total, p.missing, 'en') },
      source,
    };
  }

  /**
   * A card whose parts stopped coming is checked when its 60 s are up (or
   * when a part of another card replaces it): as an incomplete card,
   * MALFORMED, and logged — an abandoned card is on record like any refused
   * code. No text of it is kept, so it is checked as a bare part header.
   */
  private async logAbandoned(dropped: readonly DroppedSet[]): Promise<void> {
    for (const set of dropped) {
      await this.decideScan(`shc:/${set.have[0] ?? 1}/${set.total}/`, this.chunkSource, false).catch((err: Error) => this.opts.onError?.(err));
    }
  }

  private armChunkExpiry(): void {
    if (this.chunkTimer) clearTimeout(this.chunkTimer);
    this.chunkTimer = null;
    const next = this.chunks.nextExpiryMs();
    if (next === null) return;
    this.chunkTimer = setTimeout(
      () => {
        this.chunkTimer = null;
        void this.logAbandoned(this.chunks.expire(this.opts.clock())).then(() => this.armChunkExpiry());
      },
      Math.max(0, next - this.opts.clock()) + 1,
    );
    this.chunkTimer.unref?.();
  }

  /** The policy deciding checks now (retention reads its bound on unsynced checks). */
  policyInForce(): InstalledPolicy['policy'] {
    return this.policy.policy;
  }

  /** The version of that policy (the status sync sends with each push). */
  policyVersionInForce(): number {
    return this.policy.version;
  }

  /**
   * One retention pass on this kiosk's log, with the policy in force: synced
   * checks past the retention period, unsynced ones past the policy's
   * unsyncedMaxAgeDays (recorded in the chain; the status bar warned first).
   */
  retain(): RetentionResult {
    const result = applyRetention(this.log, this.policy.policy, { nowMs: this.opts.clock(), retentionDays: DEFAULT_RETENTION_DAYS });
    if (result.deleted + result.unsyncedDropped > 0) this.emitStatus();
    return result;
  }

  private startRetention(): void {
    const every = this.opts.retentionEveryMs ?? RETENTION_EVERY_MS;
    if (every <= 0) return;
    const pass = (): void => {
      try {
        this.retain();
      } catch (err) {
        this.opts.onError?.(err as Error);
      }
    };
    pass();
    this.retentionTimer = setInterval(pass, every);
    // Retention never keeps a stopping process alive.
    this.retentionTimer.unref?.();
  }

  /** Picks up a policy or bundle installed just now and tells the screens (the status bar's trust chip). */
  async reload(): Promise<void> {
    await this.reloadFiles([DATA_FILES.bundle, DATA_FILES.policy]);
    this.emitStatus();
  }

  /** The screen settings in force. */
  screenConfig(): ScreenConfig {
    return this.screen;
  }

  /** A technician changed a screen setting: every screen shows it now. */
  updateScreen(screen: ScreenConfig): void {
    this.screen = screen;
    this.emit('config/changed', screen);
    this.emitStatus();
  }

  /**
   * Decides a code without logging it: a technician's test of a scanner or
   * camera must not count as a traveller's check.
   */
  async tryCode(text: string, source: InvokeChannels['scan/submit']['request']['source']): Promise<CheckView> {
    await this.current();
    const now = this.opts.clock();
    // Looked at, not taken: the traveller's check after the test still has it.
    const outcome = await this.checkpoint!.check({ text: text.slice(0, MAX_SCAN_PAYLOAD_CHARS), ...checkTemperature(this.temperature.peek()), atMs: now }, { record: false });
    return checkView(outcome, source, this.reasonContext());
  }

  /** What changes who a reason is for: a missing temperature is the traveller's to fix only while the thermometer works. */
  private reasonContext(): ReasonContext {
    const state = this.opts.thermometer?.state ?? 'none';
    return { thermometerWorking: state === 'ok' || state === 'simulated' };
  }

  /**
   * The next scan from main's scanners, taken away from the checkpoint for
   * a technician's test; null when none comes within `ms`.
   */
  /** Whether a technician's test scan is waiting: the screen shows "scan now" before main has taken the request. */
  get waitingForTestScan(): boolean {
    return this.scanTest !== null;
  }

  captureNextScan(ms: number): Promise<Scan | null> {
    // A new test replaces one still waiting (the screen moved on): the old one ends with nothing.
    this.scanTest?.(null);
    if (ms <= 0) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), ms);
      const done = (scan: Scan | null): void => {
        clearTimeout(timer);
        if (this.scanTest === done) this.scanTest = null;
        resolve(scan);
      };
      this.scanTest = done;
    });
  }

  /** Pushes the status to the screens (trust age and clock change with time alone). */
  emitStatus(): void {
    // Devices may report before the checkpoint is loaded: there is no status to tell yet.
    if (!this.checkpoint) return;
    this.emit('status/changed', this.status());
  }

  status(): KioskStatus {
    const now = this.opts.clock();
    const info = this.trust?.info ?? null;
    const ageSeconds = info ? Math.floor(now / 1000 - info.iat) : null;
    const state = !info ? 'missing' : now / 1000 >= info.exp ? 'expired' : ageSeconds! > this.policy.policy.trustMaxAgeDays * DAY_S ? 'stale' : 'ok';
    const floorMs = new TimeFloor(this.log).currentMs(info?.iat ?? null);
    const reading = this.opts.thermometer?.latest() ?? null;
    const sync = this.opts.sync?.() ?? null;
    const thermoState = this.opts.thermometer?.state ?? 'none';
    const live = thermoState === 'ok' || thermoState === 'simulated';
    const dueAtMs = thermoState !== 'simulated' && thermoState !== 'none' ? (this.opts.calibrationDueAtMs?.() ?? null) : null;
    const oldestPendingAtMs = this.log.oldestPendingAtMs();
    return {
      online: sync?.online ?? false,
      pendingSync: this.log.count().pending,
      sync: {
        configured: sync !== null,
        lastSuccessAtMs: sync?.lastSuccessAtMs ?? null,
        oldestPendingAtMs,
        backlogWarning: oldestPendingAtMs !== null && now - oldestPendingAtMs > (this.opts.backlogWarnDays ?? 3) * DAY_S * 1000,
        unsyncedPurge: this.unsyncedPurge(now),
        receipts: sync?.receipts ?? 'unpinned',
      },
      trust: { state, seq: info?.seq ?? null, ageSeconds },
      clock: clockIsUntrusted(now / 1000, floorMs === null ? null : floorMs / 1000, this.policy.policy) ? 'untrusted' : 'trusted',
      thermometer: {
        state: thermoState,
        // An offline module's last reading is nobody's now: the guard sees none.
        lastC: live ? (reading?.celsius ?? null) : null,
        atMs: live ? (reading?.atMs ?? null) : null,
        calibrationDueAtMs: dueAtMs,
        calibrationOverdue: dueAtMs !== null && now > dueAtMs,
      },
      scanner: { state: scannersState(this.opts.scanners ?? []) },
      scans: this.scansStatus(now),
      today: this.log.verdictCountsSince(startOfDayMs(now, this.screen.timeZone)),
      gate: this.gate?.state() ?? null,
    };
  }

  /**
   * A gate reconfigured by a technician: the rules start again on the new
   * devices (or none). Admits still waiting for their passage are dropped
   * unjudged — never a NOT_PASSED on a guess; they count as passed, as
   * without a sensor.
   */
  replaceGate(options: KioskGateOptions | null): void {
    this.gate?.close();
    this.gate = this.gateControl(options);
    this.emitStatus();
  }

  /** A technician's Test open, audited; refused (not confirmed, with why) without a gate. */
  async testOpenGate(actor: string): Promise<GateTest> {
    return this.gate ? this.gate.testOpen(actor) : { outcome: 'noGate', detail: 'this kiosk drives no gate' };
  }

  /** The technician's free-passage setting changed: on holds the gate open, off ends free passage (an input still in alarm starts it again on its next edge). */
  setFreePassage(on: boolean, actor: string): void {
    if (on) this.gate?.startFreePassage(actor);
    else this.gate?.endFreePassage(actor);
  }

  private gateControl(options: KioskGateOptions | null): GateControl | null {
    return options ? new GateControl({ ...options, clock: this.opts.clock, startOfDayMs: (ms) => startOfDayMs(ms, this.screen.timeZone), onEvent: (e) => this.gateEvent(e) }) : null;
  }

  /** What an admitted traveller is told when the gate will not open for them by itself; null when it will (or there is no gate). */
  private gateNote(): Record<Lang, string> | null {
    const g = this.gate?.state().gate;
    const note: GateNote | null = g === 'out-of-order' ? 'outOfOrder' : g === 'free-passage' ? 'freePassage' : null;
    return note === null ? null : { 'zh-CN': gateNoteText(note, 'zh-CN'), en: gateNoteText(note, 'en') };
  }

  /**
   * What the gate found, into the keyed log (synced like every event) and
   * onto the status bar. A traveller admitted who did not pass gets a
   * NOT_PASSED event referring to the check, which is never rewritten;
   * anti-passback then no longer counts that admit (CheckLog). Opens,
   * closes and passes nobody could confirm are not logged: they would only
   * repeat the checks.
   */
  private gateEvent(e: GateEvent): void {
    const record = (type: AuditType, actor: string, detail: Record<string, unknown>): void => {
      try {
        new AuditTrail(this.log).record(type, actor, detail, e.atMs);
        this.opts.onEventLogged?.();
      } catch (err) {
        this.opts.onError?.(err as Error);
      }
    };
    if (e.kind === 'not-passed') record('gate/not-passed', 'gate', { checkId: e.checkId, code: 'NOT_PASSED', admittedAtMs: e.admittedAtMs, passSeconds: e.passSeconds });
    else if (e.kind === 'passed' && e.confirmed) record('gate/passed', 'gate', { checkId: e.checkId });
    else if (e.kind === 'tailgate') record('gate/tailgate', 'gate', { today: e.today });
    else if (e.kind === 'out-of-order') record('gate/out-of-order', 'gate', { detail: e.detail, checkId: e.checkId });
    else if (e.kind === 'back-in-order') record('gate/back-in-order', 'gate', { detail: e.detail });
    else if (e.kind === 'free-passage-started' || e.kind === 'free-passage-ended') record('gate/free-passage', e.actor, { on: e.kind === 'free-passage-started', cause: e.cause });
    else if (e.kind === 'test-opened') record('gate/test-open', e.actor, { confirmed: e.confirmed, detail: e.detail });
    this.emitStatus();
  }

  /** When the policy's bound will drop the oldest unsynced check, and whether to warn of it yet. */
  private unsyncedPurge(now: number): KioskStatus['sync']['unsyncedPurge'] {
    const bound = this.policy.policy.unsyncedMaxAgeDays;
    const { effectivePurgeAtMs, warn } = unsyncedPurgeOutlook(this.log.oldestUnsyncedAtMs(), this.policy.policy, now, this.log.unsyncedWarnedSinceMs(bound));
    return { purgeAtMs: effectivePurgeAtMs, warn };
  }

  private scansStatus(now: number): KioskStatus['scans'] {
    const { dropped, lastDroppedAtMs } = this.pace.summary();
    return { dropped, lastDroppedAtMs, dropping: lastDroppedAtMs !== null && now - lastDroppedAtMs < DROPPED_SCANS_SHOWN_MS };
  }

  /**
   * Loads the bundle and the policy (those that changed). A file that no
   * longer loads leaves the one in force: the kiosk never runs on half a
   * change, and at start it refuses to run on none.
   */
  private async load(which: { trust: boolean; policy: boolean }, first: boolean): Promise<void> {
    if (which.trust) {
      try {
        this.trust = await new TrustStore(this.dir, this.log).load(this.opts.clock() / 1000);
      } catch (err) {
        if (first) throw err;
      }
    }
    if (which.policy) {
      try {
        this.policy = new PolicyStore(this.dir).load();
      } catch (err) {
        if (first) throw err;
      }
    }
    this.checkpoint = new Checkpoint({ trust: this.trust, policy: this.policy, log: this.log, pseudonym: this.pseudonym });
  }

  /** Queues a reload behind any still running, so they apply in the order the files changed. */
  private reloadFiles(files: readonly string[]): Promise<void> {
    const trust = files.includes(DATA_FILES.bundle) || files.includes(DATA_FILES.roots);
    const policy = files.includes(DATA_FILES.policy);
    if (trust || policy) this.reloading = this.reloading.then(() => this.load({ trust, policy }, false));
    return this.reloading;
  }

  /** The bundle and policy in force now: every change made before this call applies first. */
  private async current(): Promise<void> {
    await this.watch.settled();
    await this.reloading;
  }

  private emit: Emit = (channel, payload) => {
    for (const l of this.listeners) l(channel, payload);
  };
}
