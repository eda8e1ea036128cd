// The Electron shell's main process: a thin transport around the same core
// the browser shell runs (openKioskCore): a locked-down kiosk window on
// app://kiosk, the contract over IPC, drivers in a supervised utility
// process, one instance, the screen kept on, a systemd heartbeat.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, powerSaveBlocker, protocol, session, utilityProcess } from 'electron';
import { SimulatedThermometer } from '../../../drivers/thermometer/simulated.js';
import { kioskOptionsSpec, launchFrom, openKioskCore, type KioskCore } from '../../cli/commands/kiosk.js';
import { commonOf, parseCommand } from '../../cli/options.js';
import { PolicyStore } from '../../policy/policy-store.js';
import { DataDir } from '../../data-dir.js';
import { packageRoot } from '../../package-root.js';
import { RemoteScanner, RemoteThermometer, routeDriverEvent } from '../../kiosk/remote-drivers.js';
import { APP_ORIGIN, APP_SCHEME_PRIVILEGES, registerAppProtocol } from './app-protocol.js';
import type { DriversConfig, SetCalibrationMessage } from './drivers-process.js';
import { permissionCheckHandler, permissionRequestHandler } from './guards.js';
import { registerKioskIpc } from './ipc.js';
import { UtilityProcessSupervisor } from './supervisor.js';
import { startSystemdWatchdog } from './systemd-watchdog.js';
import { createKioskWindow } from './window.js';

const here = path.dirname(fileURLToPath(import.meta.url));

protocol.registerSchemesAsPrivileged(APP_SCHEME_PRIVILEGES);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | null = null;
  let core: KioskCore | null = null;
  let supervisor: UtilityProcessSupervisor | null = null;

  app.on('second-instance', () => {
    if (window && !window.isDestroyed()) window.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => {
    supervisor?.stop();
    void core?.stop();
  });

  app.whenReady().then(async () => {
    const { values } = parseCommand(process.argv.slice(app.isPackaged ? 1 : 2), kioskOptionsSpec(), 0);
    const common = commonOf(values, Date.now);
    const launch = launchFrom(values, common.dataDir, common.lang, Date.now);
    const production = app.isPackaged || process.env.SENTINEL_PRODUCTION === '1';

    const thermometer = launch.simulate ? new SimulatedThermometer({ clock: Date.now }) : launch.thermometer ? new RemoteThermometer() : null;
    const scanner = launch.scannerSerial || launch.scannerHid ? new RemoteScanner() : null;
    core = await openKioskCore(launch, { thermometer, scanners: scanner ? [scanner] : [] });

    if (!launch.simulate && (launch.thermometer || scanner)) {
      const config: DriversConfig = {
        thermometer: launch.thermometer
          ? {
              path: launch.thermometer.path,
              protocol: launch.thermometer.protocol,
              baud: launch.thermometer.baud,
              remeasureAtC: new PolicyStore(DataDir.open(launch.dataDir, { create: false })).load().policy.feverThresholdC,
              calibration: launch.thermometer.calibration ? { offsetC: launch.thermometer.calibration.offsetC, by: launch.thermometer.calibration.by, atMs: launch.thermometer.calibration.atMs } : null,
            }
          : null,
        scannerSerial: launch.scannerSerial,
        scannerHid: launch.scannerHid,
      };
      const remoteThermo = thermometer instanceof RemoteThermometer ? thermometer : new RemoteThermometer();
      const remoteScanner = scanner ?? new RemoteScanner();
      supervisor = new UtilityProcessSupervisor({
        fork: () => utilityProcess.fork(path.join(here, 'drivers-process.js'), [JSON.stringify(config)], { serviceName: 'sentinel-drivers', stdio: 'inherit' }),
        onMessage: (m) => routeDriverEvent(m, remoteThermo, remoteScanner),
        onState: (s) => {
          if (!s.running) {
            // Meanwhile the screen shows the devices as offline.
            const status = { state: 'offline' as const, detail: s.detail, atMs: Date.now() };
            remoteThermo.status({ device: 'thermometer', ...status });
            remoteScanner.status({ device: 'scanner', ...status });
          }
        },
      });
      // A calibration on the technician screen reaches the module now, and
      // survives a restart of the drivers' process.
      remoteThermo.calibrationSink = (calibration) => {
        if (config.thermometer) config.thermometer.calibration = calibration;
        supervisor?.send({ type: 'thermometer/set-calibration', calibration } satisfies SetCalibrationMessage);
      };
      supervisor.start();
    }

    registerAppProtocol(protocol, path.join(packageRoot(), 'dist', 'renderer'));
    session.defaultSession.setPermissionRequestHandler(permissionRequestHandler(APP_ORIGIN));
    session.defaultSession.setPermissionCheckHandler(permissionCheckHandler(APP_ORIGIN));
    window = createKioskWindow(
      { BrowserWindow },
      { preload: path.join(here, 'preload.cjs'), url: `${APP_ORIGIN}/index.html`, appOrigin: APP_ORIGIN, production, hideCursor: process.env.SENTINEL_HIDE_CURSOR === '1' },
    );
    registerKioskIpc(ipcMain, core.service, () => window?.webContents ?? null, APP_ORIGIN);
    powerSaveBlocker.start('prevent-display-sleep');
    startSystemdWatchdog();
  });
}
