// The kiosk, composed: the checkpoint's service on its data directory, the
// device slots, the technician's service, the settings applier and
// background sync, wired once. The CLI, the browser shell, the Electron
// shell and the benchmarks all start a kiosk here.
import { DataDir } from '../data-dir.js';
import { DEFAULT_POLICY } from '../contract/policy.js';
import type { DeviceOpeners } from '../kiosk/live-settings.js';
import { ScannerSlot, ThermometerSlot } from '../kiosk/device-slots.js';
import { KioskService, SERVICE_FILES, type KioskServiceOptions } from '../kiosk/kiosk-service.js';
import type { OpenedGate } from '../../drivers/open-devices.js';
import { CONFIG_FILE } from '../config/config-store.js';
import { DataDirWatch } from '../data-dir-watch.js';
import { SettingsApplier } from '../kiosk/settings-applier.js';
import { StatusJournal } from '../log/status-journal.js';
import { CheckLog } from '../log/check-log.js';
import { PolicyStore } from '../policy/policy-store.js';
import { syncClientIn } from '../sync/open-sync.js';
import { SyncLoop } from '../sync/sync-loop.js';
import { TechnicianService } from '../technician/technician-service.js';
import type { KioskSettings } from './kiosk-settings.js';
import type { DeviceSettings } from '../contract/devices.js';

/**
 * The gate's devices and timings as the kiosk's gate rules take them: the
 * OSDP module is the gate, its passage sensor and its emergency input at
 * once; a relay board's sensor, if any, is a modem line of its own.
 */
export function gateControlOptions(opened: OpenedGate): NonNullable<KioskServiceOptions['gate']> {
  const s = opened.settings;
  const emergency = s.emergency.kind === 'osdp-input' && opened.module ? { inputs: opened.module, index: s.emergency.input, alarmWhenActive: !s.emergency.normallyClosed } : null;
  return {
    gate: opened.gate,
    sensor: opened.passage,
    emergency,
    mode: s.mode,
    pulseMs: s.pulseMs,
    openSeconds: s.openSeconds,
    passSeconds: s.passSeconds,
    freePassageBy: s.freePassage ? 'technician (gate.freePassage)' : null,
  };
}

/** A high reading is measured again before it decides anything: at the policy's fever threshold. */
export function remeasureAtC(dataDir: string): number | null {
  try {
    return new PolicyStore(DataDir.open(dataDir, { create: false })).load().policy.feverThresholdC;
  } catch {
    // A policy file damaged under a running kiosk (the checkpoint keeps the one it had): the
    // thermometer still opens, re-measuring at the default threshold. At start, the kiosk refuses it.
    return DEFAULT_POLICY.feverThresholdC;
  }
}

export interface KioskCore {
  service: KioskService;
  thermometer: ThermometerSlot;
  stop(): Promise<void>;
}

/**
 * The kiosk without its shell: the service on the data directory, its
 * devices, and background sync when configured. Both shells start here
 * (the one composition root: everything the kiosk runs is made here).
 * A technician's change on the screen is applied here while it runs: the
 * screen's settings, the devices (reopened through `openers`), the sync
 * endpoint, a new policy or bundle.
 */
export async function openKiosk(l: KioskSettings, openers: DeviceOpeners): Promise<KioskCore> {
  // The data directory and the screen's log, opened once: the kiosk's service and technician mode share them.
  const dataDir = DataDir.open(l.dataDir, { create: false });
  const data = { dir: dataDir, log: CheckLog.openIn(dataDir) };
  // One watch on the data directory: the service reloads its bundle and policy, the applier the configuration.
  const watch = new DataDirWatch(dataDir, [...SERVICE_FILES, CONFIG_FILE]);
  const thermometer = new ThermometerSlot(l.clock);
  const scanners = new ScannerSlot(l.clock);
  // Devices and sync going down and back, kept for a technician's export.
  const journal = new StatusJournal(dataDir, l.clock);
  journal.record('kiosk', 'started', `pid ${process.pid}`);
  thermometer.onStatus((s) => journal.record('thermometer', s.state, s.detail));
  scanners.onStatus((s) => journal.record('scanner', s.state, s.detail));
  // Sync has its own connection to the log: it never waits on the screen's.
  let syncLog: CheckLog | null = null;
  let loop: SyncLoop | null = null;
  let service: KioskService | null = null;
  let technician: TechnicianService | null = null;
  let stopped = false;
  let gate: OpenedGate | null = null;
  /** Closes the gate in force (the service lets go of it first) and opens the one `settings` describe. */
  const replaceGate = (settings: DeviceSettings, detail: string): void => {
    service?.replaceGate(null);
    gate?.close();
    gate = null;
    if (settings.gate && !openers.gate) journal.record('gate', 'unsupported', 'this shell drives no gate: the guard opens it by hand');
    try {
      gate = settings.gate ? (openers.gate?.(settings) ?? null) : null;
    } catch (err) {
      // A gate that cannot even be made is said in the journal; the kiosk runs on, the guard opening by hand.
      journal.record('gate', 'offline', `cannot open the gate: ${(err as Error).message}`);
      l.onError?.(err as Error);
    }
    gate?.onStatus((st) => journal.record('gate', st.state, st.detail));
    if (settings.gate) journal.record('gate', gate ? gate.gate.state : 'none', detail);
    service?.replaceGate(gate ? gateControlOptions(gate) : null);
  };
  const setSyncEndpoint = async (endpoint: string | null): Promise<void> => {
    const previous = loop;
    loop = null;
    await previous?.stop();
    if (!endpoint || stopped) return;
    syncLog ??= CheckLog.openIn(dataDir);
    let client;
    try {
      // The kiosk's status (devices, gate counts) goes with every push, for the fleet view.
      client = await syncClientIn(dataDir, endpoint, syncLog, l.clock, {
        kiosk: { status: () => service?.status() ?? null, policyVersion: () => service?.policyVersionInForce() ?? null },
      });
    } catch (err) {
      // An address saved before https was required (plain http off loopback): the
      // gate keeps working and logging, unsynced, and the technician is told.
      if ((err as Error).name !== 'EndpointRefused') throw err;
      journal.record('sync', 'refused', (err as Error).message);
      l.onError?.(err as Error);
      return;
    }
    if (stopped) return;
    const next = new SyncLoop({
      client,
      log: syncLog,
      clock: l.clock,
      // The policy in force bounds unsynced checks (retention after each pass).
      policy: () => service?.policyInForce() ?? { unsyncedMaxAgeDays: null },
      onEvent: (e) => {
        if (e.type === 'failed') journal.record('sync', 'failing', e.reason);
        else if (e.type === 'batch' || e.type === 'idle') journal.record('sync', 'ok', `reaching ${endpoint}`);
        else if (e.type === 'bundle' && e.result.kind === 'installed') journal.record('sync', 'bundle', `trust bundle seq ${e.result.seq} installed`);
        service?.emitStatus();
      },
    });
    loop = next;
    next.start();
  };
  const applier = new SettingsApplier({
    dataDir,
    watch,
    devices: l,
    startedSimulated: l.simulate,
    thermometer,
    scanners,
    openers,
    replaceGate,
    service: () => service,
    setSyncEndpoint,
    remeasureAtC: () => remeasureAtC(l.dataDir),
    onError: (err) => l.onError?.(err),
  });
  // The status changes with time alone (the bundle's age, the clock against its floor): told every 5 s.
  const statusTimer = setInterval(() => service?.emitStatus(), 5000);
  statusTimer.unref();
  const stop = async (): Promise<void> => {
    stopped = true;
    journal.record('kiosk', 'stopped', `pid ${process.pid}`);
    clearInterval(statusTimer);
    // A change being applied finishes first (it may be starting sync on a new endpoint).
    await applier.stop();
    await loop?.stop();
    loop = null;
    syncLog?.close();
    thermometer.close();
    scanners.close();
    service?.close();
    gate?.close();
    technician?.close();
    watch.close();
    data.log.close();
  };
  try {
    // Inside the try: a device that cannot be made (or anything after) still closes what was opened.
    thermometer.replace(() => openers.thermometer(l), 'opened');
    scanners.replace(() => openers.scanners(l), 'opened');
    // The gate opens with the kiosk (the service takes it below); a technician's change reopens it (replaceGate).
    replaceGate(l, 'opened');
    technician = new TechnicianService({
      data,
      // A real module (here or in Electron's drivers process) is calibrated on screen; a simulator is not.
      thermometer,
      clock: l.clock,
      ...(l.technicianIdleMs ? { idleMs: l.technicianIdleMs } : {}),
      ...(l.technicianLockoutMs ? { lockoutMs: l.technicianLockoutMs } : {}),
      onChanged: (what) => applier.changed(what),
      ...(openers.bindings ? { deviceBindings: openers.bindings } : {}),
      gate: { testOpen: (actor) => service?.testOpenGate(actor) ?? Promise.resolve({ outcome: 'noGate', detail: 'the kiosk is starting' }) },
      scans: {
        scanners: () => scanners.count,
        capture: (ms) => service!.captureNextScan(ms),
        tryCode: (text, source) => service!.tryCode(text, source),
      },
      discoverDevices: async () => {
        const { discoverDevices } = await import('../../drivers/discovery.js');
        const found = await discoverDevices();
        return {
          serial: found.serial.map((p) => ({ path: p.path, label: [p.path, p.vendorId ? `usb ${p.vendorId}:${p.productId}` : '', p.manufacturer ?? ''].filter(Boolean).join('  ') })),
          hid: found.hid.map((d) => ({
            id: `${d.vendorId}:${d.productId}`,
            label: [`${d.vendorId}:${d.productId}`, d.usagePage === '0x8c' ? 'POS scanner' : '', d.product ?? ''].filter(Boolean).join('  '),
          })),
          notes: found.notes,
        };
      },
      exportTo: async (dir) => {
        const { exportDataDir } = await import('../technician/export.js');
        return exportDataDir(l.dataDir, dir, l.clock(), { thermometer, status: () => service?.status() ?? null });
      },
    });
    const opened = await KioskService.open({
      dataDir: l.dataDir,
      data,
      watch,
      technician,
      clock: l.clock,
      thermometer,
      scanners: [scanners],
      screen: l.screen,
      backlogWarnDays: l.backlogWarnDays,
      calibrationDueAtMs: () => applier.appliedConfig()?.thermometer.calibration?.dueAtMs ?? null,
      sync: () => loop?.state ?? null,
      ...(l.scanPace ? { scanPace: l.scanPace } : {}),
      ...(l.onError ? { onError: l.onError } : {}),
      gate: gate ? gateControlOptions(gate) : null,
      // A NOT_PASSED goes to the central service as soon as it is reachable, as a check does.
      onEventLogged: () => loop?.state.online && loop.nudge(),
    });
    service = opened;
    // A new check goes out at once when the service is reachable.
    opened.subscribe((channel) => {
      if (channel === 'checkpoint/decided' && loop?.state.online) loop.nudge();
    });
    await setSyncEndpoint(l.syncEndpoint);
    return { service: opened, thermometer, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
