// sentinel kiosk: the kiosk itself. Today the browser shell (a loopback
// server + Chromium); the Electron shell carries the same contract later.
import * as path from 'node:path';
import { nodeHidApi, openSerialPort, usbSerialPorts } from '../../../drivers/bindings.js';
import type { ScannerFeed } from '../../../drivers/contract.js';
import { HidScanner } from '../../../drivers/scanner/hid-pos.js';
import { SerialScanner } from '../../../drivers/scanner/serial-scanner.js';
import { isProtocolName, PROTOCOL_NAMES, PROTOCOLS } from '../../../drivers/thermometer/protocols/index.js';
import { SerialThermometer } from '../../../drivers/thermometer/serial-thermometer.js';
import { SimulatedThermometer } from '../../../drivers/thermometer/simulated.js';
import { DATA_FILES, DataDir } from '../../data-dir.js';
import { ConfigStore, ConfigUnusable, type StoredConfig } from '../../config/config-store.js';
import { DEFAULT_KIOSK_CONFIG } from '../../contract/kiosk-config.js';
import { DEFAULT_POLICY } from '../../contract/policy.js';
import { CheckLog } from '../../log/check-log.js';
import { syncEndpoints } from '../../sync/endpoints.js';
import { openSyncClient } from '../../sync/open-sync.js';
import { SyncLoop } from '../../sync/sync-loop.js';
import { TechnicianService } from '../../technician/technician-service.js';
import { PolicyStore } from '../../policy/policy-store.js';
import type { ScreenConfig } from '../../contract/kiosk.js';
import { ScannerSlot, ThermometerSlot } from '../../kiosk/device-slots.js';
import { KioskService } from '../../kiosk/kiosk-service.js';
import { StatusJournal } from '../../kiosk/status-journal.js';
import { pinIsSet } from '../../contract/kiosk-config.js';
import type { ScanPaceOptions } from '../../kiosk/scan-pace.js';
import { driverCalibration, parseHidId, type DeviceOpeners, type DeviceSettings } from '../../kiosk/live-settings.js';
import { SettingsApplier } from '../../kiosk/settings-applier.js';
import { packageRoot } from '../../package-root.js';
import { startBrowserShell } from '../../shell/browser-shell.js';
import { isLoopbackHost } from '../../shell/loopback.js';
import { chromiumProfileDir, openChromium } from '../../shell/open-chromium.js';
import { electronBinary, runElectronShell } from '../../shell/open-electron.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';

export const KIOSK_HELP = `usage: sentinel kiosk [--browser] [--port N] [--host 127.0.0.1] [--data DIR] [--simulate] [--no-open]
                     [--thermometer PATH --thermo-protocol ${PROTOCOL_NAMES.join('|')} [--thermo-baud N]]
                     [--scanner-serial PATH [--scanner-terminator CR|LF|CRLF] | --scanner-hid VID:PID]
                     [--sync-endpoint URL [--backlog-warn-days N]]
                     [--lang zh-CN|en] [--result-seconds N] [--no-sound] [--camera DEVICE-ID] [--json]

Runs the kiosk: the screen served on loopback (default 127.0.0.1, a free
port) and opened in the system Chromium in kiosk mode unless --no-open.
--simulate feeds a simulated thermometer (the screen says so); otherwise
--thermometer reads a serial IR thermometer. Serial and HID scanners feed
the same checkpoint as the camera. Devices that are unplugged are reopened
when they come back. --sync-endpoint keeps the central log service up to
date in the background (the status bar shows the backlog). Stops on SIGINT or SIGTERM. Prints the screen's URL
(--json: {"url":…}); it ends in #k=… (the screen socket's token for this run): open it whole.`;

export interface RunningKiosk {
  url: string;
  service: KioskService;
  thermometer: ThermometerSlot;
  stop(): Promise<void>;
}

export interface KioskLaunch extends DeviceSettings {
  dataDir: string;
  host: string;
  port: number;
  syncEndpoint: string | null;
  backlogWarnDays: number;
  /** Technician mode's idle exit and PIN lockout (tests shorten them). */
  technicianIdleMs?: number;
  technicianLockoutMs?: number;
  /** How fast one source may submit scans (benchmarks that measure the pipeline lift it; default a human queue's pace). */
  scanPace?: ScanPaceOptions;
  screen: ScreenConfig;
  clock: () => number;
  onError?: (err: Error) => void;
}

/** Devices opened in this process: the browser shell's (Electron's live in its drivers' process). */
export function localDevices(dataDir: string, clock: () => number): DeviceOpeners {
  return {
    thermometer: (s) => {
      if (s.simulate) return new SimulatedThermometer({ clock });
      if (!s.thermometer) return null;
      return new SerialThermometer({
        path: s.thermometer.path,
        protocol: s.thermometer.protocol,
        baudRate: s.thermometer.baud,
        openSerial: openSerialPort,
        usb: usbSerialPorts,
        clock,
        remeasureAtC: remeasureAtC(dataDir),
        calibration: driverCalibration(s.thermometer.calibration),
      });
    },
    scanners: (s) => {
      const scanners: ScannerFeed[] = [];
      if (s.scannerSerial) scanners.push(new SerialScanner({ path: s.scannerSerial.path, terminator: s.scannerSerial.terminator, openSerial: openSerialPort, usb: usbSerialPorts, clock }));
      if (s.scannerHid) scanners.push(new HidScanner({ ...s.scannerHid, hid: nodeHidApi, clock }));
      return scanners;
    },
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
 * devices, and background sync when configured. Both shells start here.
 * A technician's change on the screen is applied here while it runs: the
 * screen's settings, the devices (reopened through `openers`), the sync
 * endpoint, a new policy or bundle.
 */
export async function openKioskCore(l: KioskLaunch, openers: DeviceOpeners): Promise<KioskCore> {
  const dataDir = DataDir.open(l.dataDir, { create: false });
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
  let stopped = false;
  const setSyncEndpoint = async (endpoint: string | null): Promise<void> => {
    const previous = loop;
    loop = null;
    await previous?.stop();
    if (!endpoint || stopped) return;
    syncLog ??= CheckLog.open(dataDir.path(DATA_FILES.database));
    let client;
    try {
      client = await openSyncClient(l.dataDir, endpoint, syncLog, l.clock);
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
    devices: l,
    startedSimulated: l.simulate,
    thermometer,
    scanners,
    openers,
    service: () => service,
    setSyncEndpoint,
    remeasureAtC: () => remeasureAtC(l.dataDir),
    onError: (err) => l.onError?.(err),
  });
  const statusTimer = setInterval(() => {
    service?.emitStatus();
    applier.watch();
  }, 5000);
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
  };
  try {
    // Inside the try: a device that cannot be made (or anything after) still closes what was opened.
    thermometer.replace(() => openers.thermometer(l), 'opened');
    scanners.replace(() => openers.scanners(l), 'opened');
    const technician = new TechnicianService({
      dataDir: l.dataDir,
      // A real module (here or in Electron's drivers process) is calibrated on screen; a simulator is not.
      thermometer,
      clock: l.clock,
      ...(l.technicianIdleMs ? { idleMs: l.technicianIdleMs } : {}),
      ...(l.technicianLockoutMs ? { lockoutMs: l.technicianLockoutMs } : {}),
      onChanged: (what) => applier.changed(what),
      scans: {
        scanners: () => scanners.count,
        capture: (ms) => service!.captureNextScan(ms),
        tryCode: (text, source) => service!.tryCode(text, source),
      },
      discoverDevices: async () => {
        const { discoverDevices } = await import('./devices.js');
        const found = await discoverDevices();
        return {
          serial: found.serial.map((p) => ({ path: p.path, label: [p.path, p.vendorId ? `usb ${p.vendorId}:${p.productId}` : '', p.manufacturer ?? ''].filter(Boolean).join('  ') })),
          hid: found.hid.map((d) => ({ id: `${d.vendorId}:${d.productId}`, label: [`${d.vendorId}:${d.productId}`, d.usagePage === '0x8c' ? 'POS scanner' : '', d.product ?? ''].filter(Boolean).join('  ') })),
          notes: found.notes,
        };
      },
      exportTo: async (dir) => {
        const { exportDataDir } = await import('../../technician/export.js');
        return exportDataDir(l.dataDir, dir, l.clock(), { thermometer, status: () => service?.status() ?? null });
      },
    });
    const opened = await KioskService.open({
      dataDir: l.dataDir,
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

/** The browser shell's kiosk: devices in this process, the screen served on loopback. */
export async function launchKiosk(l: KioskLaunch): Promise<RunningKiosk> {
  const core = await openKioskCore(l, localDevices(l.dataDir, l.clock));
  try {
    const shell = await startBrowserShell({ service: core.service, rendererDir: path.join(packageRoot(), 'dist', 'renderer'), host: l.host, port: l.port, ...(l.onError ? { onError: l.onError } : {}) });
    return {
      url: shell.url,
      service: core.service,
      thermometer: core.thermometer,
      stop: async () => {
        await shell.close();
        await core.stop();
      },
    };
  } catch (err) {
    await core.stop();
    throw err;
  }
}

export function kioskOptionsSpec() {
  return {
    browser: { type: 'boolean' },
    port: { type: 'string' },
    host: { type: 'string' },
    simulate: { type: 'boolean' },
    'no-open': { type: 'boolean' },
    'result-seconds': { type: 'string' },
    'no-sound': { type: 'boolean' },
    camera: { type: 'string' },
    thermometer: { type: 'string' },
    'thermo-protocol': { type: 'string' },
    'thermo-baud': { type: 'string' },
    'scanner-serial': { type: 'string' },
    'scanner-terminator': { type: 'string' },
    'scanner-hid': { type: 'string' },
    'sync-endpoint': { type: 'string' },
    'backlog-warn-days': { type: 'string' },
  } as const;
}

/** The data directory's kiosk configuration, or the defaults where there is none yet. */
function storedConfig(dataDir: string): StoredConfig | null {
  try {
    return new ConfigStore(DataDir.open(dataDir, { create: false })).load();
  } catch (err) {
    if (err instanceof ConfigUnusable) throw err;
    return null;
  }
}

/**
 * The kiosk's settings: flags first, then the technician's configuration
 * (sentinel config), then defaults.
 */
export function launchFrom(values: Record<string, string | boolean | undefined | string[]>, dataDir: string, lang: ScreenConfig['operatorLang'], clock: () => number): KioskLaunch {
  const stored = storedConfig(dataDir);
  const cfg = stored?.config ?? null;
  // A flag is checked here (a usage error); a saved address is checked when sync starts, which reports it and lets the gate run.
  const endpointFlag = values['sync-endpoint'] !== undefined;
  values = { ...values };
  if (cfg && values.simulate !== true) {
    if (values.thermometer === undefined && cfg.thermometer.path) {
      values.thermometer = cfg.thermometer.path;
      values['thermo-protocol'] ??= cfg.thermometer.protocol;
      if (cfg.thermometer.baud !== null) values['thermo-baud'] ??= String(cfg.thermometer.baud);
    }
  }
  if (cfg) {
    if (values['scanner-serial'] === undefined && cfg.scanner.serialPath) {
      values['scanner-serial'] = cfg.scanner.serialPath;
      values['scanner-terminator'] ??= cfg.scanner.terminator;
    }
    if (values['scanner-hid'] === undefined && cfg.scanner.hid) values['scanner-hid'] = cfg.scanner.hid;
    if (values['sync-endpoint'] === undefined && cfg.sync.endpoint) values['sync-endpoint'] = cfg.sync.endpoint;
    if (values['result-seconds'] === undefined) values['result-seconds'] = String(cfg.screen.resultSeconds);
    if (values['no-sound'] === undefined && !cfg.screen.sound) values['no-sound'] = true;
    if (values.camera === undefined && cfg.camera.deviceId) values.camera = cfg.camera.deviceId;
    if (values.lang === undefined && stored && stored.revision > 0) lang = cfg.screen.operatorLang;
  }
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  if (!isLoopbackHost(host)) throw new UsageError(`--host must be a loopback address (127.0.0.1, ::1, localhost), not "${host}"`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be a port number, not "${String(values.port)}"`);
  const resultSeconds = values['result-seconds'] === undefined ? 6 : Number(values['result-seconds']);
  if (!Number.isFinite(resultSeconds) || resultSeconds < 1 || resultSeconds > 120) throw new UsageError('--result-seconds must be between 1 and 120');
  let thermometer: KioskLaunch['thermometer'] = null;
  if (values.thermometer !== undefined) {
    if (values.simulate === true) throw new UsageError('--thermometer and --simulate exclude each other');
    const protocol = values['thermo-protocol'];
    if (!isProtocolName(protocol)) throw new UsageError(`--thermo-protocol must be one of ${PROTOCOL_NAMES.join(', ')}`);
    const baud = values['thermo-baud'] === undefined ? PROTOCOLS[protocol].defaultBaud : Number(values['thermo-baud']);
    if (!Number.isInteger(baud) || baud < 300) throw new UsageError(`--thermo-baud must be a baud rate, not "${String(values['thermo-baud'])}"`);
    thermometer = { path: values.thermometer as string, protocol, baud, calibration: cfg?.thermometer.calibration ?? null };
  }
  let scannerSerial: KioskLaunch['scannerSerial'] = null;
  if (values['scanner-serial'] !== undefined) {
    const terminator = String(values['scanner-terminator'] ?? 'CR').toUpperCase();
    if (terminator !== 'CR' && terminator !== 'LF' && terminator !== 'CRLF') throw new UsageError('--scanner-terminator must be CR, LF or CRLF');
    scannerSerial = { path: values['scanner-serial'] as string, terminator };
  }
  let scannerHid: KioskLaunch['scannerHid'] = null;
  if (values['scanner-hid'] !== undefined) {
    scannerHid = parseHidId(String(values['scanner-hid']));
    if (!scannerHid) throw new UsageError(`--scanner-hid must be VID:PID in hex, not "${String(values['scanner-hid'])}"`);
  }
  const syncEndpoint = (values['sync-endpoint'] as string | undefined) ?? null;
  if (syncEndpoint !== null && endpointFlag) {
    try {
      syncEndpoints(syncEndpoint);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const backlogWarnDays = values['backlog-warn-days'] === undefined ? 3 : Number(values['backlog-warn-days']);
  if (!Number.isFinite(backlogWarnDays) || backlogWarnDays <= 0) throw new UsageError('--backlog-warn-days must be a number of days');
  return {
    dataDir,
    host,
    port,
    simulate: values.simulate === true,
    thermometer,
    scannerSerial,
    scannerHid,
    syncEndpoint,
    backlogWarnDays,
    clock,
    screen: {
      operatorLang: lang,
      holderLangs: cfg && stored && stored.revision > 0 ? cfg.screen.holderLangs : lang === 'zh-CN' ? ['zh-CN', 'en'] : ['en', 'zh-CN'],
      resultSeconds,
      sound: values['no-sound'] !== true,
      cameraId: (values.camera as string | undefined) ?? cfg?.camera.deviceId ?? null,
      simulated: values.simulate === true,
      gate: cfg?.identity.gate ?? DEFAULT_KIOSK_CONFIG.identity.gate,
      station: cfg?.identity.station ?? DEFAULT_KIOSK_CONFIG.identity.station,
      timeZone: cfg?.identity.timeZone ?? DEFAULT_KIOSK_CONFIG.identity.timeZone,
      pinSet: cfg ? pinIsSet(cfg) : false,
    },
  };
}

/** Runs until SIGINT/SIGTERM; opens Chromium unless told not to. */
export async function serveUntilStopped(kiosk: RunningKiosk, io: CommandIo, opts: { open: boolean; json: boolean; dataDir: string }): Promise<number> {
  // The address's #k= token is the screen socket's key: printed (and so journaled) only when someone must open it by hand.
  const browser = opts.open ? openChromium(kiosk.url, chromiumProfileDir(opts.dataDir), { kiosk: true }) : null;
  const shown = browser ? kiosk.url.replace(/#.*$/, '') : kiosk.url;
  io.out(opts.json ? JSON.stringify({ url: shown, opened: browser !== null }) + '\n' : `Sentinel kiosk: ${shown}${browser ? ' (opened in Chromium)' : ''}\n`);
  if (opts.open && !browser) io.err(`sentinel: no Chromium found; open ${kiosk.url} in a browser on this machine\n`);
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    browser?.once('exit', done);
  });
  browser?.kill();
  await kiosk.stop();
  return EXIT.OK;
}

export async function kioskCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(args, kioskOptionsSpec(), 0);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(KIOSK_HELP + '\n');
    return EXIT.OK;
  }
  if (values.at !== undefined) throw new UsageError('the kiosk runs on the real clock; --at is for single commands');
  const launch = launchFrom(values, common.dataDir, common.lang, io.clock);
  if (!values.browser) {
    const electron = electronBinary();
    if (electron) return runElectronShell(electron, args);
    io.err('sentinel: the Electron binary is not installed here; starting the browser shell\n');
  }
  const kiosk = await launchKiosk({ ...launch, onError: (err) => io.err(`sentinel: ${err.message}\n`) });
  return serveUntilStopped(kiosk, io, { open: !values['no-open'], json: common.json, dataDir: common.dataDir });
}
