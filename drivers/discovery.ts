// What is plugged in: serial ports, HID devices and cameras, for
// `sentinel devices` and the technician screen's pickers.
import * as fs from 'node:fs';
import { listSerialPorts, loadNodeHid, type SerialPortInfo } from './bindings.js';

export interface DiscoveredDevices {
  serial: SerialPortInfo[];
  hid: { vendorId: string; productId: string; usagePage: string | null; product: string | null; path: string | null }[];
  cameras: { path: string; name: string | null }[];
  notes: string[];
}

/** What is plugged in: for `sentinel devices` and the technician screen's pickers. */
export async function discoverDevices(): Promise<DiscoveredDevices> {
  const { ports, notes } = await listSerialPorts();
  let hid: DiscoveredDevices['hid'] = [];
  try {
    hid = loadNodeHid()
      .devices()
      .map((d) => ({
        vendorId: d.vendorId.toString(16).padStart(4, '0'),
        productId: d.productId.toString(16).padStart(4, '0'),
        usagePage: d.usagePage === undefined ? null : `0x${d.usagePage.toString(16)}`,
        product: d.product ?? null,
        path: d.path ?? null,
      }));
  } catch (err) {
    notes.push(`HID devices could not be listed (${(err as Error).message})`);
  }
  const cameras = listCameras(notes);
  return { serial: ports, hid, cameras, notes };
}

/** V4L2 video devices (Linux), with their names from sysfs; the screen picks among them by device id. */
function listCameras(notes: string[]): { path: string; name: string | null }[] {
  if (process.platform !== 'linux') {
    notes.push('cameras are listed by the kiosk screen on this platform');
    return [];
  }
  const nodes = fs.existsSync('/dev')
    ? fs
        .readdirSync('/dev')
        .filter((n) => /^video\d+$/.test(n))
        .sort()
    : [];
  return nodes.map((n) => {
    let name: string | null = null;
    try {
      name = fs.readFileSync(`/sys/class/video4linux/${n}/name`, 'utf8').trim() || null;
    } catch {
      /* no sysfs name */
    }
    return { path: `/dev/${n}`, name };
  });
}
