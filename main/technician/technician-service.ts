// Technician mode in main: the session (PIN, roles, idle exit), the changes
// a technician makes, the diagnostics they run and the screen calibration,
// put together on the kiosk's open data and routed from the contract's
// channels. The screen only asks; main decides, as for scans.
import { AuditTrail } from '../audit/audit.js';
import type { ClockRunner } from '../clock/clock-recovery.js';
import { ConfigStore } from '../config/config-store.js';
import { handlersFor, TECHNICIAN_CHANNELS, type ChannelRequest, type ChannelResponse, type InvokeHandlers, type TechnicianChannel } from '../contract/ipc.js';
import { DataDir } from '../data-dir.js';
import { CheckLog } from '../log/check-log.js';
import { PolicyStore } from '../policy/policy-store.js';
import { TrustStore } from '../trust/trust-store.js';
import { ScreenCalibration, type CalibratableThermometer } from './calibration.js';
import { TechnicianChanges } from './changes.js';
import type { TechnicianContext } from './context.js';
import { TechnicianDiagnostics, type DiagnosticsOptions } from './diagnostics.js';
import { TechnicianSession } from './session.js';

export { IDLE_EXIT_MS, PIN_ATTEMPT_GAP_MS, TechnicianRefusal } from './session.js';
export type { CalibratableThermometer } from './calibration.js';

/** The kiosk's data directory and log, opened once by the composition root. */
export interface OpenData {
  dir: DataDir;
  log: CheckLog;
}

/** The open data (a kiosk), or a data directory's path, opened here and closed with the service (tools and tests). */
export type TechnicianOptions = TechnicianSettings & ({ data: OpenData } | { dataDir: string });

interface TechnicianSettings extends Omit<DiagnosticsOptions, 'thermometer'> {
  clock: () => number;
  idleMs?: number;
  /** How long five wrong PINs lock entry (default 5 minutes). */
  lockoutMs?: number;
  /** A change the running kiosk applies at once: the changed configuration keys, or 'policy' / 'trust'. */
  onChanged?: (what: string[]) => void;
  /** The live thermometer module, calibrated on the screen; absent when simulated. */
  thermometer?: CalibratableThermometer | null;
  /** Runs timedatectl to set the system clock (tests inject a fake). */
  clockRunner?: ClockRunner;
}

export class TechnicianService {
  readonly session: TechnicianSession;
  readonly changes: TechnicianChanges;
  readonly diagnostics: TechnicianDiagnostics;
  readonly calibration: ScreenCalibration;
  /** The log this service opened itself (a path was given), closed with it. */
  private readonly ownLog: CheckLog | null;

  constructor(opts: TechnicianOptions) {
    const data = 'data' in opts ? opts.data : openData(opts.dataDir);
    this.ownLog = 'data' in opts ? null : data.log;
    const audit = new AuditTrail(data.log);
    const config = new ConfigStore(data.dir);
    const changed = (what: string[]): void => opts.onChanged?.(what);
    this.session = new TechnicianSession({
      dir: data.dir,
      config,
      audit,
      clock: opts.clock,
      ...(opts.idleMs ? { idleMs: opts.idleMs } : {}),
      ...(opts.lockoutMs ? { lockoutMs: opts.lockoutMs } : {}),
      onPinSet: () => changed(['technician.pinHash']),
      onLock: () => this.diagnostics.stopScannerTest(),
    });
    const context: TechnicianContext = {
      dir: data.dir,
      log: data.log,
      audit,
      config,
      policy: new PolicyStore(data.dir),
      trust: new TrustStore(data.dir, data.log),
      session: this.session,
      clock: opts.clock,
      changed,
    };
    this.changes = new TechnicianChanges(context, opts.clockRunner);
    this.diagnostics = new TechnicianDiagnostics(context, opts);
    this.calibration = new ScreenCalibration(context, opts.thermometer);
  }

  /**
   * Each technician and supervisor channel to its part. Requests arrive
   * parsed by the contract (main/contract/ipc.ts); a channel missing here
   * does not compile.
   */
  private readonly routes: { [C in TechnicianChannel]: (request: ChannelRequest<C>) => ChannelResponse<C> | Promise<ChannelResponse<C>> } = {
    'technician/set-first-pin': ({ pin }) => this.session.setFirstPin(pin),
    'technician/unlock': ({ pin }) => this.session.unlock(pin),
    'technician/lock': () => this.session.lock(),
    'technician/state': () => this.diagnostics.state(),
    'technician/selftest': () => this.diagnostics.selftest(),
    'technician/config-update': ({ changes }) => this.changes.updateConfig(changes),
    'technician/scanner-test': ({ seconds }) => this.diagnostics.scannerTest(seconds),
    'technician/try-code': ({ text }) => this.diagnostics.tryCode(text),
    'technician/policy-set': ({ policy }) => this.changes.setPolicy(policy),
    'technician/export': ({ dir }) => this.diagnostics.exportTo(dir),
    'technician/drives': () => this.diagnostics.drives(),
    'technician/devices': () => this.diagnostics.devices(),
    'technician/thermometer-counters': () => this.diagnostics.thermometerCounters(),
    'technician/gate-test': () => this.diagnostics.testGate(),
    'technician/enroll': ({ code }) => this.changes.enroll(code),
    'technician/sync-test': ({ endpoint }) => this.diagnostics.testSync(endpoint),
    'technician/calibrate': ({ referenceC, by }) => this.calibration.calibrate(referenceC, by),
    'supervisor/override': ({ checkId, verdict, reason }) => this.changes.override(checkId, verdict, reason),
    'technician/trust-import': ({ bundlePath, rootPath, fingerprint }) => this.changes.importTrust(bundlePath, rootPath, fingerprint),
    'technician/clock': () => this.diagnostics.clock(),
    'technician/clock-reset': ({ to }) => this.changes.resetClockFloor(to),
    'technician/clock-set': ({ at, resetFloor }) => this.changes.setClock(at, resetFloor),
  };

  /** Handles a technician/* request made on connection `caller`. */
  async handle<C extends TechnicianChannel>(channel: C, request: ChannelRequest<C>, caller = 'local'): Promise<ChannelResponse<C>> {
    return this.session.on(caller, () => this.routes[channel](request));
  }

  /** The technician's channels as the kiosk's handler map takes them. */
  readonly handlers: InvokeHandlers<TechnicianChannel> = handlersFor(TECHNICIAN_CHANNELS, (channel, request, caller) => this.handle(channel, request, caller));

  close(): void {
    this.ownLog?.close();
  }
}

function openData(path: string): OpenData {
  const dir = DataDir.open(path, { create: false });
  return { dir, log: CheckLog.openIn(dir) };
}
