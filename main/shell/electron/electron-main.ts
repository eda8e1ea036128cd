// The Electron shell's main process: a thin transport around the same core
// the browser shell runs (main/app's openKiosk): a locked-down kiosk window on
// app://kiosk, the contract over IPC, drivers in a supervised utility
// process, one instance, the screen kept on, a systemd heartbeat.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, powerSaveBlocker, protocol, session, utilityProcess } from 'electron';
import { localeLang, readKioskCommandLine } from '../../app/kiosk-flags.js';
import { settingsFor } from '../../app/kiosk-settings.js';
import { openKiosk, remeasureAtC, type KioskCore } from '../../app/open-kiosk.js';
import { packageRoot } from '../../package-root.js';
import { APP_ORIGIN, APP_SCHEME_PRIVILEGES, registerAppProtocol } from './app-protocol.js';
import { DriversProcessDevices } from './drivers-openers.js';
import { permissionCheckHandler, permissionRequestHandler } from './guards.js';
import { registerKioskIpc } from './ipc.js';
import { startSystemdWatchdog } from './systemd-watchdog.js';
import { createKioskWindow } from './window.js';

/** How long quitting waits for the kiosk to stop (sync's pass in progress, the gate's close) before it goes anyway, ms. */
const QUIT_WAIT_MS = 5000;

const here = path.dirname(fileURLToPath(import.meta.url));

protocol.registerSchemesAsPrivileged(APP_SCHEME_PRIVILEGES);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | null = null;
  let core: KioskCore | null = null;
  let drivers: DriversProcessDevices | null = null;

  app.on('second-instance', () => {
    if (window && !window.isDestroyed()) window.focus();
  });
  app.on('window-all-closed', () => app.quit());
  let stopping = false;
  app.on('before-quit', (event) => {
    if (stopping) return;
    stopping = true;
    // The kiosk first, and waited for (bounded): its gate's close is sent to the drivers' process before that
    // process goes (a relay left on is switched off there, or at the driver's next start); then the app quits.
    event.preventDefault();
    const bound = new Promise<void>((resolve) => setTimeout(resolve, QUIT_WAIT_MS).unref());
    void Promise.race([core?.stop() ?? Promise.resolve(), bound])
      .catch(() => undefined)
      .finally(() => {
        drivers?.stop();
        app.quit();
      });
  });

  app.whenReady().then(async () => {
    const { flags, dataDir } = readKioskCommandLine(process.argv.slice(app.isPackaged ? 1 : 2));
    const launch = settingsFor(dataDir, flags, localeLang(), Date.now);
    const production = app.isPackaged || process.env.SENTINEL_PRODUCTION === '1';

    drivers = new DriversProcessDevices({
      fork: (config) => utilityProcess.fork(path.join(here, 'drivers-process.js'), [JSON.stringify(config)], { serviceName: 'sentinel-drivers', stdio: 'inherit' }),
      remeasureAtC: () => remeasureAtC(launch.dataDir),
      clock: Date.now,
    });
    core = await openKiosk(launch, drivers);

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
