// A running kiosk taking its technician's changes: from the screen (told
// at once) and from `sentinel config set` or `policy set` (the data
// directory's watch, main/data-dir-watch.ts). One change
// at a time, measured against what was last applied, so a change is never
// applied twice over nor lost under another; what was applied is recorded
// only once it has been.
import { CONFIG_FILE, ConfigStore } from '../config/config-store.js';
import { changedKeys, type KioskConfig } from '../contract/kiosk-config.js';
import { DATA_FILES, type DataDir } from '../data-dir.js';
import type { DataDirWatch } from '../data-dir-watch.js';
import type { ScannerSlot, ThermometerSlot } from './device-slots.js';
import type { KioskService } from './kiosk-service.js';
import { deviceSettingsAfter, screenAfter, touchesGateDevices, touchesScanners, touchesThermometer, type DeviceOpeners } from './live-settings.js';
import { type DeviceSettings, appliedCalibration } from '../contract/devices.js';

export interface ApplierParts {
  dataDir: DataDir;
  /** The data directory's one watch: the configuration or the policy changed by the CLI. */
  watch: DataDirWatch;
  /** The devices in force at start (flags and configuration). */
  devices: DeviceSettings;
  startedSimulated: boolean;
  thermometer: ThermometerSlot;
  scanners: ScannerSlot;
  openers: DeviceOpeners;
  /** Closes the gate in force and opens the one `devices` describe (or none). */
  replaceGate(devices: DeviceSettings, detail: string): void;
  service(): KioskService | null;
  setSyncEndpoint(endpoint: string | null): Promise<void>;
  /** The policy's fever threshold, at which the thermometer measures a high reading again. */
  remeasureAtC(): number | null;
  onError(err: Error): void;
}

export class SettingsApplier {
  private applied: KioskConfig | null;
  private stamp: string;
  private current: DeviceSettings;
  private remeasure: number | null = null;
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly unwatch: () => void;

  constructor(private readonly parts: ApplierParts) {
    this.current = parts.devices;
    this.stamp = parts.dataDir.stamp(CONFIG_FILE);
    this.applied = this.load();
    this.remeasure = this.safeRemeasure();
    this.unwatch = parts.watch.onChange((files) => {
      if (files.includes(CONFIG_FILE)) this.enqueue(() => this.configFileChanged());
      // A new policy may move the fever threshold the thermometer re-measures at.
      if (files.includes(DATA_FILES.policy)) this.enqueue(() => this.apply(['policy'], 'by sentinel policy'));
    });
  }

  /** A technician changed something on the screen: configuration keys, or 'policy' / 'trust'. */
  changed(what: string[]): void {
    this.enqueue(() => this.apply(what, 'on the technician screen'));
  }

  /** `sentinel config set` while the kiosk runs (a save from the screen was applied when it was told). */
  private async configFileChanged(): Promise<void> {
    if (this.parts.dataDir.stamp(CONFIG_FILE) !== this.stamp) await this.apply([], 'by sentinel config');
  }

  /** The configuration in force: read once per change, not at every status. */
  appliedConfig(): KioskConfig | null {
    return this.applied;
  }

  /** Resolves once every change asked for so far has been applied. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Waits for a change being applied; none starts after. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch();
    await this.queue;
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(job).catch((err: Error) => this.parts.onError(err));
  }

  private load(): KioskConfig | null {
    try {
      return new ConfigStore(this.parts.dataDir).load().config;
    } catch {
      // A damaged file leaves the settings in force; the self-test says so.
      return null;
    }
  }

  private async apply(what: string[], by: string): Promise<void> {
    const service = this.parts.service();
    if (this.stopped || !service) return;
    const { thermometer, scanners, openers } = this.parts;
    // Each step that fails is reported once and the rest still happen: a
    // refused sync address must not hold back the screen, nor be retried
    // (with every device reopened) at each tick of the file watch.
    const step = async (fn: () => void | Promise<void>): Promise<void> => {
      if (this.stopped) return;
      try {
        await fn();
      } catch (err) {
        this.parts.onError(err as Error);
      }
    };
    let reopenThermometer = false;
    if (what.includes('policy') || what.includes('trust')) {
      await step(() => service.reload());
      const remeasure = this.safeRemeasure();
      reopenThermometer = remeasure !== this.remeasure;
      this.remeasure = remeasure;
    }
    const stamp = this.parts.dataDir.stamp(CONFIG_FILE);
    const config = this.load();
    // What differs from what was last applied, whoever wrote it.
    const keys = config ? changedKeys(this.applied ?? config, config) : [];
    const devices = config ? deviceSettingsAfter(this.current, config, keys, this.parts.startedSimulated) : this.current;
    await step(() => {
      if (touchesThermometer(keys) || reopenThermometer) thermometer.replace(() => openers.thermometer(devices), `reconfigured ${by}`);
      else if (keys.includes('thermometer.calibration')) {
        const calibration = appliedCalibration(devices.thermometer?.calibration ?? null);
        if (calibration) thermometer.setCalibration(calibration);
      }
    });
    await step(() => {
      if (touchesScanners(keys)) scanners.replace(() => openers.scanners(devices), `reconfigured ${by}`);
    });
    await step(() => {
      if (touchesGateDevices(keys)) this.parts.replaceGate(devices, `reconfigured ${by}`);
      else if (keys.includes('gate.freePassage')) service.setFreePassage(config!.gate.freePassage, `technician (gate.freePassage ${by})`);
    });
    this.current = devices;
    if (config) {
      await step(() => {
        const screen = { ...screenAfter(service.screenConfig(), config, keys), simulated: thermometer.state === 'simulated' };
        if (JSON.stringify(screen) !== JSON.stringify(service.screenConfig())) service.updateScreen(screen);
      });
      if (keys.includes('sync.endpoint')) await step(() => this.parts.setSyncEndpoint(config.sync.endpoint));
      // Applied, as far as it could be: the next change is measured from here.
      this.applied = config;
      this.stamp = stamp;
    }
    if (!this.stopped) service.emitStatus();
  }

  /** The fever threshold to re-measure at; a policy file that cannot be read keeps the one before. */
  private safeRemeasure(): number | null {
    try {
      return this.parts.remeasureAtC();
    } catch {
      return this.remeasure;
    }
  }
}
