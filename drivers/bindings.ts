// The real device libraries, behind the small interfaces the drivers take.
// Only this file imports serialport and node-hid, and only when a device is
// first opened or listed: both load native addons, which a process that
// opens no device (Electron's main, a simulated demo, the CLI's other
// commands) must not carry.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import type { SerialPort as SerialPortClass } from 'serialport';
import type { HidDeviceInfo, HidFeatureApi, HidFeatureDevice, OpenSerial, SerialLink, UsbId, UsbPorts } from './contract.js';
import type { DeviceBindings } from './open-devices.js';
import type { HidApi, HidDeviceLike } from './scanner/hid-pos.js';

const require = createRequire(import.meta.url);
let serialPortClass: typeof SerialPortClass | null = null;

function serialPort(): typeof SerialPortClass {
  serialPortClass ??= (require('serialport') as { SerialPort: typeof SerialPortClass }).SerialPort;
  return serialPortClass;
}

export const openSerialPort: OpenSerial = (path, baudRate) => new (serialPort())({ path, baudRate, autoOpen: false, lock: true }) as unknown as SerialLink;

/** USB serial adapters by identity, from serialport's list (udev on Linux; none known without it). */
export const usbSerialPorts: UsbPorts = {
  idOf: async (path) => {
    const p = (await serialPort().list()).find((x) => x.path === path);
    return p?.vendorId && p.productId ? { vendorId: p.vendorId.toLowerCase(), productId: p.productId.toLowerCase(), serialNumber: p.serialNumber ?? null } : null;
  },
  pathOf: async (id) => pickUsbPort(await serialPort().list(), id),
};

/**
 * The one listed port with this identity, serial number included; null for
 * none, for several, and for an identity without a serial number (identical
 * adapters are never guessed between, even when only one is plugged in).
 */
export function pickUsbPort(ports: readonly { path: string; vendorId?: string | undefined; productId?: string | undefined; serialNumber?: string | undefined }[], id: UsbId): string | null {
  if (!id.serialNumber) return null;
  const matches = ports.filter((p) => p.vendorId?.toLowerCase() === id.vendorId && p.productId?.toLowerCase() === id.productId && p.serialNumber === id.serialNumber);
  return matches.length === 1 ? matches[0]!.path : null;
}

interface NodeHid {
  devices(): { vendorId: number; productId: number; path?: string; usagePage?: number; product?: string; manufacturer?: string; serialNumber?: string; usage?: number; interface?: number }[];
  HID: new (path: string) => HidDeviceLike;
  devicesAsync(): Promise<HidDeviceInfo[]>;
  HIDAsync: { open(path: string): Promise<HidFeatureDevice> };
  setDriverType?(type: 'hidraw' | 'libusb'): void;
}

let hidModule: NodeHid | null = null;

/** node-hid, set to the hidraw driver on Linux (POS interfaces need it). */
export function loadNodeHid(): NodeHid {
  if (!hidModule) {
    hidModule = require('node-hid') as NodeHid;
    if (process.platform === 'linux') hidModule.setDriverType?.('hidraw');
  }
  return hidModule;
}

export const nodeHidApi: HidApi = {
  devices: () => loadNodeHid().devices(),
  open: (path) => new (loadNodeHid().HID)(path),
};

/** USB HID relays' feature reports, asynchronous (a control transfer to a slow board never stalls the kiosk). */
export const nodeHidFeatureApi: HidFeatureApi = {
  devices: () => loadNodeHid().devicesAsync(),
  open: (path) => loadNodeHid().HIDAsync.open(path),
};

/** The real libraries, for drivers/open-devices (each loads on first use). */
export const REAL_BINDINGS: DeviceBindings = { openSerial: openSerialPort, usb: usbSerialPorts, hid: nodeHidApi };

export interface SerialPortInfo {
  path: string;
  vendorId: string | null;
  productId: string | null;
  manufacturer: string | null;
  serialNumber: string | null;
}

/** Serial ports, with USB ids where the system can tell; plain /dev/tty* names when it cannot. */
export async function listSerialPorts(): Promise<{ ports: SerialPortInfo[]; notes: string[] }> {
  const notes: string[] = [];
  let ports: SerialPortInfo[] = [];
  try {
    ports = (await serialPort().list()).map((p) => ({
      path: p.path,
      vendorId: p.vendorId ?? null,
      productId: p.productId ?? null,
      manufacturer: p.manufacturer ?? null,
      serialNumber: p.serialNumber ?? null,
    }));
  } catch (err) {
    notes.push(`the serial port list failed (${(err as Error).message}); listing /dev/tty* instead`);
  }
  if (process.platform === 'linux') {
    // Without udevadm the library may miss USB adapters: add the device nodes it did not list.
    const known = new Set(ports.map((p) => p.path));
    const nodes = fs.existsSync('/dev') ? fs.readdirSync('/dev').filter((n) => /^tty(USB|ACM|S|AMA)\d+$/.test(n)) : [];
    for (const n of nodes) if (!known.has(`/dev/${n}`)) ports.push({ path: `/dev/${n}`, vendorId: null, productId: null, manufacturer: null, serialNumber: null });
    if (!fs.existsSync('/usr/bin/udevadm') && !fs.existsSync('/bin/udevadm')) notes.push('udevadm is not installed: USB vendor/product ids of serial ports are unknown');
  }
  return { ports, notes };
}
