// Devices opened in this process: the browser shell's kiosk (Electron's live
// in its drivers' process, main/shell/electron/drivers-openers.ts).
import { nodeHidFeatureApi, REAL_BINDINGS } from '../../drivers/bindings.js';
import { openGate, openScanners, openThermometer, type DeviceBindings } from '../../drivers/open-devices.js';
import type { DeviceOpeners } from '../kiosk/live-settings.js';
import { remeasureAtC } from './open-kiosk.js';

export function localDevices(dataDir: string, clock: () => number, bindings: () => DeviceBindings = () => REAL_BINDINGS): DeviceOpeners {
  return {
    bindings,
    thermometer: (s) => openThermometer(s, bindings, { clock, remeasureAtC: remeasureAtC(dataDir) }),
    scanners: (s) => openScanners(s, bindings, { clock }).map((o) => o.feed),
    gate: (s) => openGate(s, () => ({ openSerial: bindings().openSerial, usb: bindings().usb, hidFeature: nodeHidFeatureApi }), { clock }),
  };
}
