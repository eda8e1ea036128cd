// Under Electron the devices live in their own process: main must not load a
// device library's native addon by importing the kiosk, nor a kiosk on a
// simulator by starting. A hook on process.dlopen (every addon loads through
// it) records what a fresh process loads.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = path.resolve(import.meta.dirname, '..', '..', 'dist');

/** The native addons a fresh node loads while running `body` (an ES module body with top-level await). */
function addonsLoadedBy(body: string): string[] {
  const script = `
    const loaded = [];
    const dlopen = process.dlopen;
    process.dlopen = (module, filename, ...rest) => { loaded.push(filename); return dlopen(module, filename, ...rest); };
    ${body}
    process.stdout.write(JSON.stringify(loaded));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dist, encoding: 'utf8' })) as string[];
}

const DEVICE_ADDON = /serialport|bindings-cpp|node-hid|HID\.node/i;

describe('native device addons load only where a device is opened', () => {
  it('importing the composition root, the kiosk service, the self-test and the Electron openers loads none', () => {
    const loaded = addonsLoadedBy(`
      await import('./main/app/open-kiosk.js');
      await import('./main/app/local-devices.js');
      await import('./main/kiosk/kiosk-service.js');
      await import('./main/technician/selftest.js');
      await import('./main/shell/electron/drivers-openers.js');
      const { openThermometer } = await import('./drivers/open-devices.js');
      const { REAL_BINDINGS } = await import('./drivers/bindings.js');
      openThermometer({ simulate: true, thermometer: null }, () => REAL_BINDINGS, { clock: Date.now, remeasureAtC: null }).close();
    `);
    expect(loaded.filter((f) => DEVICE_ADDON.test(f))).toEqual([]);
  });

  it("listing serial ports loads serialport's addon (the hook sees it)", () => {
    const loaded = addonsLoadedBy(`
      const { REAL_BINDINGS } = await import('./drivers/bindings.js');
      await REAL_BINDINGS.usb.idOf('/dev/null').catch(() => null);
    `);
    expect(loaded.some((f) => /bindings-cpp|serialport/i.test(f))).toBe(true);
  });
});
