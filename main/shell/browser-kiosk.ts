// The browser shell's kiosk: the composed kiosk with its devices in this
// process, and its screen served on loopback for Chromium.
import * as path from 'node:path';
import { localDevices } from '../app/local-devices.js';
import { openKiosk } from '../app/open-kiosk.js';
import type { KioskSettings } from '../app/kiosk-settings.js';
import type { ThermometerSlot } from '../kiosk/device-slots.js';
import type { KioskService } from '../kiosk/kiosk-service.js';
import { packageRoot } from '../package-root.js';
import { startBrowserShell } from './browser-shell.js';

export interface RunningKiosk {
  url: string;
  service: KioskService;
  thermometer: ThermometerSlot;
  stop(): Promise<void>;
}

export async function launchKiosk(l: KioskSettings): Promise<RunningKiosk> {
  const core = await openKiosk(l, localDevices(l.dataDir, l.clock));
  try {
    const shell = await startBrowserShell({
      service: core.service,
      rendererDir: path.join(packageRoot(), 'dist', 'renderer'),
      host: l.host,
      port: l.port,
      ...(l.onError ? { onError: l.onError } : {}),
    });
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
