// Electron's device openers: the devices live in the drivers' utility
// process, so opening one means rewriting that process's configuration and
// starting it again; main sees them as remote feeds (and the gate as a remote
// OpenedGate). A technician's change (thermometer and scanner in one form)
// restarts the process once.
import type { ScannerFeed, ThermometerFeed, Timers } from '../../../drivers/contract.js';
import { openThermometer, type OpenedGate } from '../../../drivers/open-devices.js';
import { RemoteScanner, RemoteThermometer, routeDriverEvent } from '../../kiosk/remote-drivers.js';
import { type DeviceOpeners } from '../../kiosk/live-settings.js';
import type { DriversCommand, DriversConfig, SetCalibrationMessage } from './drivers-process.js';
import { RemoteOpenedGate } from './remote-gate.js';
import { UtilityProcessSupervisor, type SupervisedChild } from './supervisor.js';
import { type DeviceSettings, appliedCalibration } from '../../contract/devices.js';

const NO_BINDINGS = (): never => {
  throw new Error("devices open in the drivers' process, not in main");
};

export interface DriversProcessOptions {
  /** Starts the drivers' process with this configuration (Electron's utilityProcess.fork). */
  fork(config: DriversConfig): SupervisedChild;
  /** The policy's fever threshold, at which a high reading is measured again. */
  remeasureAtC(): number | null;
  clock: () => number;
  /** Tests run the restart at once. */
  defer?: (fn: () => void) => void;
  /** The supervisor's restart delays and the gate's call deadlines (tests: ManualTimers). */
  timers?: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
}

export class DriversProcessDevices implements DeviceOpeners {
  private readonly config: DriversConfig = { thermometer: null, scannerSerial: null, scannerHid: null, gate: null };
  private thermometerFeed: RemoteThermometer | null = null;
  private scannerFeed: RemoteScanner | null = null;
  private gateLink: RemoteOpenedGate | null = null;
  private restartQueued = false;
  readonly supervisor: UtilityProcessSupervisor;

  constructor(private readonly opts: DriversProcessOptions) {
    this.supervisor = new UtilityProcessSupervisor({
      fork: () => opts.fork(structuredClone(this.config)),
      onMessage: (m) => {
        routeDriverEvent(m, this.thermometerFeed, this.scannerFeed);
        this.gateLink?.receive(m);
      },
      ...(opts.timers ? { timers: opts.timers } : {}),
      onState: (s) => {
        // A new process or none: the gate's calls in flight are lost either way, and it is out of order until it reports.
        this.gateLink?.driversChanged(s.running, s.running ? "the drivers' process started: waiting for the gate" : s.detail, opts.clock());
        if (s.running) return;
        // Meanwhile the screen shows the devices as offline.
        const status = { state: 'offline' as const, detail: s.detail, atMs: opts.clock() };
        this.thermometerFeed?.status({ device: 'thermometer', ...status });
        this.scannerFeed?.status({ device: 'scanner', ...status });
      },
    });
  }

  /** The configuration the drivers' process runs on (the next start's, once changed). */
  get driversConfig(): Readonly<DriversConfig> {
    return this.config;
  }

  thermometer(s: DeviceSettings): ThermometerFeed | null {
    const t = s.simulate ? null : s.thermometer;
    this.config.thermometer = t ? { ...t, calibration: appliedCalibration(t.calibration), remeasureAtC: this.opts.remeasureAtC() } : null;
    this.restartSoon();
    if (!t) {
      this.thermometerFeed = null;
      // The simulator is no device: it runs here, and nothing is opened in the drivers' process.
      return s.simulate ? openThermometer(s, NO_BINDINGS, { clock: this.opts.clock, remeasureAtC: null }) : null;
    }
    const feed = new RemoteThermometer();
    // A calibration on the technician screen reaches the module now, and
    // survives a restart of the drivers' process.
    feed.calibrationSink = (calibration) => {
      if (this.config.thermometer) this.config.thermometer.calibration = calibration;
      this.supervisor.send({ type: 'thermometer/set-calibration', calibration } satisfies SetCalibrationMessage);
    };
    this.thermometerFeed = feed;
    return feed;
  }

  scanners(s: DeviceSettings): ScannerFeed[] {
    this.config.scannerSerial = s.scannerSerial;
    this.config.scannerHid = s.scannerHid;
    this.restartSoon();
    this.scannerFeed = s.scannerSerial || s.scannerHid ? new RemoteScanner() : null;
    return this.scannerFeed ? [this.scannerFeed] : [];
  }

  /** The gate, driven in the drivers' process; its calls and reports cross the process's one channel. */
  gate(s: DeviceSettings): OpenedGate | null {
    const settings = s.gate ?? null;
    const previous = this.gateLink;
    this.gateLink = null;
    previous?.close();
    this.config.gate = settings ? { ...settings, held: false } : null;
    if (settings) {
      const link: RemoteOpenedGate = new RemoteOpenedGate(settings, {
        send: (command) => this.supervisor.send(command satisfies DriversCommand),
        // Kept in the configuration, so that a restarted process holds the gate again (free passage outlives it).
        onHeld: (held) => {
          if (this.gateLink === link && this.config.gate) this.config.gate.held = held;
        },
        // Not opened again by the next restart; the process is not restarted for it (that would lose the close).
        onClose: () => {
          if (this.gateLink !== link) return;
          this.gateLink = null;
          this.config.gate = null;
        },
        ...(this.opts.timers ? { timers: this.opts.timers } : {}),
      });
      this.gateLink = link;
    }
    this.restartSoon();
    return this.gateLink;
  }

  stop(): void {
    this.supervisor.stop();
    this.gateLink?.driversChanged(false, "the drivers' process stopped", this.opts.clock());
  }

  private restartSoon(): void {
    if (this.restartQueued) return;
    this.restartQueued = true;
    (this.opts.defer ?? queueMicrotask)(() => {
      this.restartQueued = false;
      const c = this.config;
      if (!c.thermometer && !c.scannerSerial && !c.scannerHid && !c.gate) this.supervisor.stop();
      else this.supervisor.restart();
    });
  }
}
