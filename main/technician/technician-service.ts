// Technician mode in main: the PIN gate, the session (which ends itself
// after two minutes idle), and what a technician may do — each change
// validated, applied atomically and written to the audit trail. The
// screen only asks; main decides, as for scans.
import { TEST_CARD_TEXT, type CheckView, type ClockView, type FloorTarget, type CodeTest, type DeviceChoices, type ScannerTestResult, type SettingUpdate, type SelfTestItemView, type TechnicianRole, type TechnicianState, type UnlockResult } from '../contract/kiosk.js';
import { handlersFor, TECHNICIAN_CHANNELS, type InvokeHandlers, type ChannelRequest, type ChannelResponse, type TechnicianChannel } from '../contract/ipc.js';
import { ConfigValueError, pinIsSet, redacted } from '../contract/kiosk-config.js';
import type { TrustedIssuerInfo } from '../contract/trust.js';
import { appendAudit, recordAudit } from '../audit/audit.js';
import { ClockSetFailed, clockReportFor, FloorResetRefused, jsonView, resetFloorFor, setClockFor, type ClockRunner } from '../clock/clock-recovery.js';
import { ConfigStore } from '../config/config-store.js';
import { DATA_FILES, DataDir } from '../data-dir.js';
import { CheckLog } from '../log/check-log.js';
import { PolicyRefused, PolicyStore } from '../policy/policy-store.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import { calculateJwkThumbprint } from 'jose';
import { MAX_BUNDLE_FILE_BYTES, MAX_ROOT_FILE_BYTES, readSmallRegularFile, UnreadableFile } from '../trust/bundle-file.js';
import { readRootKeys, TrustStore } from '../trust/trust-store.js';
import { BundleRefused, type PinnedRoot } from '../verify/trust.js';
import { collectRawReadings, computeCalibration, CalibrationRefused } from '../../drivers/thermometer/calibration.js';
import { hashPinAsync, PinGate, verifyPinAsync, WeakPin } from './pin.js';
import { probeSyncEndpoint, runSelfTest } from './selftest.js';
import type { DeviceBindings } from '../../drivers/open-devices.js';
import type { Calibration, ThermometerCounters } from '../contract/devices.js';

export const IDLE_EXIT_MS = 2 * 60_000;
/** The least time between two PIN attempts from one connection: a person types slower; a script gains nothing. */
export const PIN_ATTEMPT_GAP_MS = 1000;

/** A request refused for a reason the technician should read. */
export class TechnicianRefusal extends Error {
  constructor(
    readonly code: 'LOCKED' | 'REFUSED',
    message: string,
  ) {
    super(message);
    this.name = 'TechnicianRefusal';
  }
}

export interface TechnicianOptions {
  dataDir: string;
  clock: () => number;
  idleMs?: number;
  /** How long five wrong PINs lock entry (default 5 minutes). */
  lockoutMs?: number;
  /**
   * Called after a change the running kiosk applies at once: the changed
   * configuration keys, or 'policy' / 'trust'.
   */
  onChanged?: (what: string[]) => void;
  /** The kiosk's scans, for a technician's scanner and camera tests (nothing is logged). */
  scans?: {
    /** How many scanners main reads (serial, HID). */
    scanners(): number;
    capture(ms: number): Promise<{ text: string; symbology: string | null } | null>;
    tryCode(text: string, source: 'scanner' | 'camera'): Promise<CheckView>;
  };
  exportTo?: (dir: string) => Promise<{ folder: string; checks: number }>;
  /** What is plugged in (serial ports, HID devices), for the device pickers. */
  discoverDevices?: () => Promise<DeviceChoices>;
  /** The live thermometer module, calibrated on the screen; absent when simulated. */
  thermometer?: CalibratableThermometer | null;
  /** Runs timedatectl to set the system clock (tests inject a fake). */
  clockRunner?: ClockRunner;
  /** Where devices open in this process (the browser shell): the self-test may open a port the kiosk is not holding. */
  deviceBindings?: () => DeviceBindings;
}

export interface CalibratableThermometer {
  /** False while what is there cannot be calibrated (a simulator, no module). */
  readonly calibratable?: boolean;
  readonly state: string;
  /** Frame and error counters, where the driver runs in this process. */
  readonly counters?: ThermometerCounters;
  onReading(listener: (r: { celsius: number; rawC?: number }) => void): () => void;
  /** The new offset takes effect on the next reading, without a restart. */
  setCalibration(c: Calibration): void;
}

const isoOrNull = (t: number | null): string | null => (t === null ? null : new Date(t * 1000).toISOString().slice(0, 10));

/** Each issuer's keys with their validity, as the technician's trust view lists them. */
function trustKeys(issuers: TrustedIssuerInfo[]): NonNullable<TechnicianState['trust']>['keys'] {
  return issuers.flatMap((i) => i.keys.map((k) => ({ issuer: i.id, kid: k.kid, alg: k.alg, validFrom: isoOrNull(k.nbf), validUntil: isoOrNull(k.exp), revoked: i.revoked.includes(k.kid) })));
}

/** Stable readings a screen calibration takes, and how long it waits for them. */
const CALIBRATION_READINGS = 3;
const CALIBRATION_TIMEOUT_MS = 30_000;

export class TechnicianService {
  /**
   * The open session belongs to the connection that unlocked it: another
   * screen socket (or a local process that reached one) is locked out of it.
   */
  private session: { role: TechnicianRole; lastMs: number; caller: string } | null = null;
  /** Which connection the request being handled came on, across its awaits ('local' for direct calls). */
  private readonly callers = new AsyncLocalStorage<string>();
  /** Per connection: when its next attempt may come (after a wrong PIN). */
  private readonly nextAttemptMs = new Map<string, number>();
  /** A PIN is being hashed: one attempt at a time on the whole kiosk. */
  private checkingPin = false;
  private calibrating = false;
  private readonly dir: DataDir;

  constructor(private readonly opts: TechnicianOptions) {
    this.dir = DataDir.open(opts.dataDir, { create: false });
  }

  private get caller(): string {
    return this.callers.getStore() ?? 'local';
  }

  private get idleMs(): number {
    return this.opts.idleMs ?? IDLE_EXIT_MS;
  }

  /** The role of the session open on this connection, or null; an idle session has ended itself. */
  role(caller = this.caller): TechnicianRole | null {
    if (this.session && this.opts.clock() - this.session.lastMs > this.idleMs) this.session = null;
    return this.session && this.session.caller === caller ? this.session.role : null;
  }

  private require(role: TechnicianRole = 'technician'): TechnicianRole {
    const current = this.role();
    if (current === null) throw new TechnicianRefusal('LOCKED', 'technician mode is locked: enter the PIN');
    if (role === 'technician' && current !== 'technician') throw new TechnicianRefusal('LOCKED', 'this needs the technician PIN');
    this.session!.lastMs = this.opts.clock();
    return current;
  }

  /**
   * A PIN attempt. While entry is locked out the answer costs nothing (no
   * hash, no write, no audit row); one attempt checked at a time on the
   * kiosk, and a connection waits a second after a wrong one; the hashes run
   * off the event loop.
   */
  async unlock(pin: string): Promise<UnlockResult> {
    const caller = this.caller;
    const now = this.opts.clock();
    const gate = new PinGate(this.dir, this.opts.lockoutMs);
    const lockedUntil = gate.lockedUntil(now);
    if (lockedUntil !== null) return { result: 'locked', untilMs: lockedUntil };
    // One attempt is checked at a time on the whole kiosk, and each connection waits its pace:
    // many connections at once cannot run many hashes, nor race past the lockout.
    const nextMs = this.nextAttemptMs.get(caller) ?? 0;
    if (this.checkingPin || now < nextMs) return { result: 'too-fast', retryAfterMs: this.checkingPin ? PIN_ATTEMPT_GAP_MS : nextMs - now };
    const config = new ConfigStore(this.dir).load().config;
    const { pinHash, supervisorPinHash } = config.technician;
    if (pinHash === null && supervisorPinHash === null) return { result: 'no-pin' };
    this.checkingPin = true;
    let role: TechnicianRole | null;
    try {
      // Both hashes are checked (in parallel, on the thread pool) so the time taken does not tell which role a PIN is near.
      const [asTechnician, asSupervisor] = await Promise.all([pinHash === null ? false : verifyPinAsync(pin, pinHash), supervisorPinHash === null ? false : verifyPinAsync(pin, supervisorPinHash)]);
      role = asTechnician ? 'technician' : asSupervisor ? 'supervisor' : null;
    } finally {
      this.checkingPin = false;
    }
    // Only a wrong PIN makes this connection wait: guessing is what the pause slows.
    if (role === null) this.nextAttemptMs.set(caller, this.opts.clock() + PIN_ATTEMPT_GAP_MS);
    const at = this.opts.clock();
    // A lockout recorded meanwhile (another process, the CLI) wins, and costs no audit row.
    const lockedMeanwhile = gate.lockedUntil(at);
    if (lockedMeanwhile !== null) return { result: 'locked', untilMs: lockedMeanwhile };
    const attempt = gate.record(role !== null, at);
    if (attempt.result === 'ok' && role) {
      this.session = { role, lastMs: at, caller };
      recordAudit(this.dir.root, 'config/changed', role, { action: 'technician mode entered' }, at);
      return { result: 'ok', role, idleMs: this.idleMs };
    }
    if (attempt.result === 'locked') {
      recordAudit(this.dir.root, 'pin/locked', 'screen', { untilMs: attempt.untilMs }, at);
      return attempt;
    }
    recordAudit(this.dir.root, 'pin/failed', 'screen', { remaining: attempt.result === 'wrong' ? attempt.remaining : 0 }, at);
    return attempt.result === 'wrong' ? attempt : { result: 'wrong', remaining: 0 };
  }

  /**
   * A kiosk's first start has no PIN. It is provisioned with \`sentinel config
   * set-pin\` (by whoever installs the kiosk, on its console), or here from the technician screen,
   * which the screen opens for this only from a keyboard's Ctrl+Alt+T — a
   * physical step a traveller at the touchscreen cannot take. Only while no
   * PIN of either role exists; afterwards a PIN changes only through the CLI.
   */
  async setFirstPin(pin: string): Promise<UnlockResult> {
    const caller = this.caller;
    const store = new ConfigStore(this.dir);
    if (pinIsSet(store.load().config)) throw new TechnicianRefusal('REFUSED', 'a PIN is already set: change it with sentinel config set-pin');
    let hash: string;
    try {
      hash = await hashPinAsync(pin);
    } catch (err) {
      if (err instanceof WeakPin) throw new TechnicianRefusal('REFUSED', err.message);
      throw err;
    }
    // Read again after hashing: two screens racing must not both set a first PIN.
    const config = store.load().config;
    if (pinIsSet(config)) throw new TechnicianRefusal('REFUSED', 'a PIN is already set: change it with sentinel config set-pin');
    const now = this.opts.clock();
    const stored = store.save({ ...config, technician: { ...config.technician, pinHash: hash } }, now);
    recordAudit(this.dir.root, 'pin/set', 'screen', { role: 'technician', firstStart: true, revision: stored.revision }, now);
    this.opts.onChanged?.(['technician.pinHash']);
    this.session = { role: 'technician', lastMs: now, caller };
    return { result: 'ok', role: 'technician', idleMs: this.idleMs };
  }

  lock(): { locked: true } {
    // Only the connection that holds the session can end it.
    if (this.role() === null) return { locked: true };
    this.session = null;
    // A scanner test left waiting would swallow the next traveller's scan.
    void this.opts.scans?.capture(0);
    return { locked: true };
  }

  async state(): Promise<TechnicianState> {
    const role = this.require('supervisor');
    const now = this.opts.clock();
    const policy = new PolicyStore(this.dir).load();
    const trust = await new TrustStore(this.dir).load(now / 1000).catch(() => null);
    return {
      role,
      config: redacted(new ConfigStore(this.dir).load().config),
      policy: policy.policy as unknown as Record<string, unknown>,
      policyVersion: policy.version,
      trust: trust
        ? { seq: trust.info.seq, iss: trust.info.iss, ageDays: Math.round(((now / 1000 - trust.info.iat) / 86_400) * 10) / 10, expiresAt: new Date(trust.info.exp * 1000).toISOString(), issuers: trust.info.issuers.map((i) => i.id), keys: trustKeys(trust.info.issuers) }
        : null,
    };
  }

  async selftest(): Promise<SelfTestItemView[]> {
    this.require();
    // The kiosk's own thermometer holds the port: its driver's counters are read instead.
    return runSelfTest(this.dir.root, this.opts.clock(), { thermometerSeconds: 1, ...(this.opts.thermometer ? { liveThermometer: this.opts.thermometer } : {}), ...(this.opts.deviceBindings ? { bindings: this.opts.deviceBindings } : {}) });
  }

  /**
   * A technician's form: every value is validated before any is saved, the
   * lot is one revision, each changed value is audited, and the running
   * kiosk applies them at once (screen, devices, sync).
   */
  updateConfig(changes: SettingUpdate[]): { revision: number; changed: { key: string; before: unknown; after: unknown }[] } {
    const role = this.require();
    const now = this.opts.clock();
    try {
      const { changes: changed, stored } = new ConfigStore(this.dir).update(changes, now);
      for (const c of changed) recordAudit(this.dir.root, 'config/changed', role, { key: c.key, before: c.before, after: c.after, revision: stored.revision }, now);
      if (changed.length > 0) this.opts.onChanged?.(changed.map((c) => c.key));
      return { revision: stored.revision, changed };
    } catch (err) {
      if (err instanceof ConfigValueError) throw new TechnicianRefusal('REFUSED', err.message);
      throw err;
    }
  }

  /**
   * "Test scan": waits for the next code from a serial or HID scanner and
   * shows what the checkpoint would decide. The scan is not a check: it is
   * neither logged nor counted.
   */
  async scannerTest(seconds: number): Promise<ScannerTestResult> {
    this.require();
    const scans = this.opts.scans;
    if (seconds === 0) {
      await scans?.capture(0);
      return { received: false, scanners: scans?.scanners() ?? 0 };
    }
    if (!scans || scans.scanners() === 0) throw new TechnicianRefusal('REFUSED', 'no serial or HID scanner is configured (a keyboard-wedge scanner types into the kiosk screen itself)');
    const scan = await scans.capture(seconds * 1000);
    // Waiting for the scanner is activity: the session does not idle out under it.
    if (this.session) this.session.lastMs = this.opts.clock();
    if (!scan) return { received: false, scanners: scans.scanners() };
    return { received: true, symbology: scan.symbology, ...(await this.codeTest(scan.text, 'scanner')) };
  }

  /** The camera test on the devices panel: the test card, or what the checkpoint would decide of the code read, unlogged. */
  async tryCode(text: string): Promise<CodeTest> {
    this.require();
    return this.codeTest(text, 'camera');
  }

  private async codeTest(text: string, source: 'scanner' | 'camera'): Promise<CodeTest> {
    if (text.trim() === TEST_CARD_TEXT) return { testCard: true, length: text.length };
    if (!this.opts.scans) throw new TechnicianRefusal('REFUSED', 'the checkpoint is not available here');
    return { testCard: false, length: text.length, view: await this.opts.scans.tryCode(text, source) };
  }

  setPolicy(policy: Record<string, unknown>): { version: number } {
    const role = this.require();
    const store = new PolicyStore(this.dir);
    const before = store.load().policy;
    try {
      const installed = store.set(JSON.stringify(policy), this.opts.clock());
      recordAudit(this.dir.root, 'policy/set', role, { version: installed.version, before, after: installed.policy }, this.opts.clock());
      this.opts.onChanged?.(['policy']);
      return { version: installed.version };
    } catch (err) {
      if (err instanceof PolicyRefused) {
        recordAudit(this.dir.root, 'policy/refused', role, { field: err.field, reason: err.message }, this.opts.clock());
        throw new TechnicianRefusal('REFUSED', err.message);
      }
      throw err;
    }
  }

  /**
   * Imports a bundle from a file (the USB stick) through the checks of
   * `sentinel trust install`. Pinning a new root needs its fingerprint typed
   * in: the first 12 characters of its RFC 7638 thumbprint, read off the
   * trust operator's letter — a stick alone cannot change whom the kiosk trusts.
   */
  async importTrust(bundlePath: string, rootPath?: string, fingerprint?: string): Promise<{ seq: number; pinnedRoots: string[] }> {
    const role = this.require();
    const now = this.opts.clock();
    // A path typed on the screen may name a FIFO, a device or a huge file: only a bounded regular file is read.
    const read = async (file: string, what: string, maxBytes: number): Promise<string> => {
      try {
        return await readSmallRegularFile(file, what, maxBytes);
      } catch (err) {
        if (!(err instanceof UnreadableFile)) throw err;
        recordAudit(this.dir.root, 'trust/refused', role, { bundlePath, rootPath: rootPath ?? null, problem: err.problem, reason: err.message }, now);
        throw new TechnicianRefusal('REFUSED', err.message);
      }
    };
    const jws = await read(bundlePath, 'bundle', MAX_BUNDLE_FILE_BYTES);
    let newRoots: PinnedRoot[] = [];
    if (rootPath) {
      try {
        newRoots = await readRootKeys(await read(rootPath, 'root key', MAX_ROOT_FILE_BYTES), rootPath);
      } catch (err) {
        if (err instanceof TechnicianRefusal) throw err;
        throw new TechnicianRefusal('REFUSED', (err as Error).message);
      }
      for (const root of newRoots) {
        const thumbprint = await calculateJwkThumbprint(root.jwk, 'sha256');
        if (!fingerprint || fingerprint.trim() !== thumbprint.slice(0, 12)) {
          recordAudit(this.dir.root, 'trust/refused', role, { bundlePath, rootPath, problem: 'fingerprint', reason: 'the typed fingerprint does not match the root key' }, now);
          throw new TechnicianRefusal('REFUSED', `to pin root ${root.kid}, type the first 12 characters of its fingerprint`);
        }
      }
    }
    try {
      const snap = await new TrustStore(this.dir).install(jws, { nowS: now / 1000, newRoots });
      recordAudit(this.dir.root, 'trust/installed', role, { bundlePath, seq: snap.info.seq, rootKid: snap.info.rootKid, pinnedRoots: newRoots.map((r) => r.kid) }, now);
      this.opts.onChanged?.(['trust']);
      return { seq: snap.info.seq, pinnedRoots: newRoots.map((r) => r.kid) };
    } catch (err) {
      const reason = (err as Error).message;
      recordAudit(this.dir.root, 'trust/refused', role, { bundlePath, problem: err instanceof BundleRefused ? err.problem : 'unusable', reason }, now);
      throw new TechnicianRefusal('REFUSED', `bundle refused: ${reason}`);
    }
  }

  /**
   * A guard supervisor (or technician) overrides a review verdict to admit
   * or deny, with a reason. The decision record is never changed: the
   * override is an audit event of its own, pointing at the check.
   */
  override(checkId: string, verdict: 'admit' | 'deny', reason: string): { checkId: string; verdict: 'admit' | 'deny'; role: TechnicianRole } {
    const role = this.require('supervisor');
    const log = CheckLog.open(this.dir.path(DATA_FILES.database));
    try {
      const check = log.findCheck(checkId);
      if (!check) throw new TechnicianRefusal('REFUSED', 'no such check');
      if (check.verdict !== 'review') throw new TechnicianRefusal('REFUSED', `only a review verdict can be overridden (this check is ${check.verdict})`);
      // One decision per traveller: a second override would leave two answers.
      if (log.overrideOf(checkId)) throw new TechnicianRefusal('REFUSED', 'this check has already been decided by a guard');
      const now = this.opts.clock();
      appendAudit(log, 'override', role, { checkId, originalVerdict: check.verdict, reasons: check.reasons, verdict, reason }, now);
    } finally {
      log.close();
    }
    // An override is one act: the session ends with it.
    this.session = null;
    return { checkId, verdict, role };
  }

  /**
   * Guided calibration against the running module: the technician holds it
   * on a reference of `referenceC`; the offset comes from its stable raw
   * readings, is bounded by computeCalibration, saved, audited, and applied
   * to the live thermometer at once.
   */
  async calibrate(referenceC: number, by: string): Promise<{ offsetC: number; previousOffsetC: number | null; readingsC: number[]; dueAtMs: number }> {
    const role = this.require();
    const thermo = this.opts.thermometer;
    if (!thermo || thermo.calibratable === false) throw new TechnicianRefusal('REFUSED', 'no thermometer module to calibrate (a simulated one has nothing to correct)');
    if (this.calibrating) throw new TechnicianRefusal('REFUSED', 'a calibration is already running');
    this.calibrating = true;
    const store = new ConfigStore(this.dir);
    let readingsC: number[] = [];
    try {
      readingsC = await collectRawReadings(thermo, CALIBRATION_READINGS, CALIBRATION_TIMEOUT_MS);
      const now = this.opts.clock();
      const result = computeCalibration({ referenceC, readingsC, by, atMs: now });
      const config = store.load().config;
      const previousOffsetC = config.thermometer.calibration?.offsetC ?? null;
      store.save({ ...config, thermometer: { ...config.thermometer, calibration: result } }, now);
      recordAudit(this.dir.root, 'calibration/done', role, { by, offsetC: result.offsetC, previousOffsetC, referenceC, readingsC: result.readingsC, dueAtMs: result.dueAtMs, on: 'screen' }, now);
      thermo.setCalibration({ offsetC: result.offsetC, by, atMs: now });
      this.opts.onChanged?.(['thermometer.calibration']);
      return { offsetC: result.offsetC, previousOffsetC, readingsC: result.readingsC, dueAtMs: result.dueAtMs };
    } catch (err) {
      if (!(err instanceof CalibrationRefused)) throw err;
      recordAudit(this.dir.root, 'calibration/refused', role, { by, referenceC, readingsC, reason: err.message, on: 'screen' }, this.opts.clock());
      throw new TechnicianRefusal('REFUSED', `calibration refused: ${err.message}`);
    } finally {
      this.calibrating = false;
      // Holding the module steady is activity: the session does not idle out under it.
      if (this.session) this.session.lastMs = this.opts.clock();
    }
  }

  thermometerCounters(): ThermometerCounters | null {
    this.require();
    const c = this.opts.thermometer?.counters;
    return c ? { frames: c.frames, checksumFailures: c.checksumFailures, resyncs: c.resyncs, droppedBytes: c.droppedBytes } : null;
  }

  async devices(): Promise<DeviceChoices> {
    this.require();
    if (!this.opts.discoverDevices) return { serial: [], hid: [], notes: ['device discovery is not available here'] };
    return this.opts.discoverDevices();
  }

  /** "Test connection": probes an endpoint before (or after) it is saved. */
  async testSync(endpoint: string): Promise<{ reachable: boolean; detail: string }> {
    this.require();
    const log = CheckLog.open(this.dir.path(DATA_FILES.database));
    try {
      return await probeSyncEndpoint(this.dir.root, endpoint, log, this.opts.clock());
    } finally {
      log.close();
    }
  }

  async exportTo(dir: string): Promise<{ folder: string; checks: number }> {
    this.require();
    if (!this.opts.exportTo) throw new TechnicianRefusal('REFUSED', 'export is not available here');
    return this.opts.exportTo(dir);
  }

  /** What the kiosk knows of the time: the clock, the floor, each source's evidence, what was refused. */
  async clock(): Promise<ClockView> {
    this.require();
    return jsonView(await clockReportFor(this.dir.root, this.opts.clock()));
  }

  /**
   * Lowers the time floor to one source's evidence, or to the clock as it
   * reads now (the technician vouches for it): the way back from a floor
   * poisoned before evidence was checked. Audited with before and after.
   */
  async resetClockFloor(to: FloorTarget): Promise<ClockView> {
    const role = this.require();
    try {
      return jsonView((await resetFloorFor(this.dir.root, to, this.opts.clock(), role)).after);
    } catch (err) {
      if (err instanceof FloorResetRefused) throw new TechnicianRefusal('REFUSED', err.message);
      throw err;
    }
  }

  /** Sets the system clock (a kiosk allowed to, through timedatectl), audited; with resetFloor the floor follows it. */
  async setClock(atIso: string, resetFloor: boolean): Promise<ClockView> {
    const role = this.require();
    const targetMs = Date.parse(atIso);
    try {
      await setClockFor(this.dir.root, targetMs, { fromMs: this.opts.clock(), actor: role, resetFloor, ...(this.opts.clockRunner ? { runner: this.opts.clockRunner } : {}) });
    } catch (err) {
      if (err instanceof ClockSetFailed) throw new TechnicianRefusal('REFUSED', err.message);
      throw err;
    }
    return jsonView(await clockReportFor(this.dir.root, targetMs));
  }

  /**
   * Each technician and supervisor channel to its method. Requests arrive
   * parsed by the contract (main/contract/ipc.ts); a channel missing here
   * does not compile.
   */
  private readonly routes: { [C in TechnicianChannel]: (request: ChannelRequest<C>) => ChannelResponse<C> | Promise<ChannelResponse<C>> } = {
    'technician/set-first-pin': ({ pin }) => this.setFirstPin(pin),
    'technician/unlock': ({ pin }) => this.unlock(pin),
    'technician/lock': () => this.lock(),
    'technician/state': () => this.state(),
    'technician/selftest': () => this.selftest(),
    'technician/config-update': ({ changes }) => this.updateConfig(changes),
    'technician/scanner-test': ({ seconds }) => this.scannerTest(seconds),
    'technician/try-code': ({ text }) => this.tryCode(text),
    'technician/policy-set': ({ policy }) => this.setPolicy(policy),
    'technician/export': ({ dir }) => this.exportTo(dir),
    'technician/devices': () => this.devices(),
    'technician/thermometer-counters': () => this.thermometerCounters(),
    'technician/sync-test': ({ endpoint }) => this.testSync(endpoint),
    'technician/calibrate': ({ referenceC, by }) => this.calibrate(referenceC, by),
    'supervisor/override': ({ checkId, verdict, reason }) => this.override(checkId, verdict, reason),
    'technician/trust-import': ({ bundlePath, rootPath, fingerprint }) => this.importTrust(bundlePath, rootPath, fingerprint),
    'technician/clock': () => this.clock(),
    'technician/clock-reset': ({ to }) => this.resetClockFloor(to),
    'technician/clock-set': ({ at, resetFloor }) => this.setClock(at, resetFloor),
  };

  /** Handles a technician/* request made on connection `caller`. */
  async handle<C extends TechnicianChannel>(channel: C, request: ChannelRequest<C>, caller = 'local'): Promise<ChannelResponse<C>> {
    // Requests interleave at their awaits: each carries its own caller through them.
    return this.callers.run(caller, () => this.routes[channel](request));
  }

  /** The technician's channels as the kiosk's handler map takes them. */
  readonly handlers: InvokeHandlers<TechnicianChannel> = handlersFor(TECHNICIAN_CHANNELS, (channel, request, caller) => this.handle(channel, request, caller));
}
