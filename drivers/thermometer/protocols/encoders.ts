// The module's side of each protocol: frames as a thermometer sends them.
// For the simulated modules in tests and benchmarks, and for recording
// fixtures; the kiosk itself only decodes.
import { sum8 } from './frame-decoder.js';
import type { ProtocolName } from '../../../main/contract/devices.js';

function withSum(bytes: number[]): Uint8Array {
  const frame = Uint8Array.from([...bytes, 0]);
  frame[frame.length - 1] = sum8(frame, 0, frame.length - 1);
  return frame;
}

export function encodeFrame(protocol: ProtocolName, celsius: number, opts: { ambientC?: number; materialMode?: boolean } = {}): Uint8Array {
  switch (protocol) {
    case 'gy-mcu90614': {
      const o = Math.round(celsius * 100) & 0xffff;
      const a = Math.round((opts.ambientC ?? 25) * 100) & 0xffff;
      return withSum([0x5a, 0x5a, 0x45, 0x04, o >> 8, o & 0xff, a >> 8, a & 0xff]);
    }
    case 'lu90614': {
      // Rounded first, then split: 36.999 is 37.00, not 36 and 100 hundredths.
      const centi = Math.round(celsius * 100);
      const whole = Math.floor(centi / 100);
      const hundredths = centi % 100;
      return withSum([0xfe, opts.materialMode ? 0xaa : 0xac, whole, hundredths, 0, 0, 0, 0]);
    }
    case 'idc50': {
      const deci = Math.round(celsius * 10);
      const whole = Math.floor(deci / 10);
      const tenths = deci % 10;
      return withSum([0xaa, 0x55, 0x06, whole, tenths]);
    }
    case 'ascii':
      return new TextEncoder().encode(`T=${celsius.toFixed(1)}\r\n`);
  }
}

/** The query a host sends to a query/response module (lu90614). */
export const LU90614_QUERY = Uint8Array.of(0xfa, 0xca, 0xc4);
