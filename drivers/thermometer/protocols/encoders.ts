// The module's side of each protocol: frames as a thermometer sends them.
// For the simulated modules in tests and benchmarks, and for recording
// fixtures; the kiosk itself only decodes.
import type { ProtocolName } from './index.js';
import { sum8 } from './frame-decoder.js';

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
      const whole = Math.floor(celsius);
      const hundredths = Math.round((celsius - whole) * 100);
      return withSum([0xfe, opts.materialMode ? 0xaa : 0xac, whole, hundredths, 0, 0, 0, 0]);
    }
    case 'idc50': {
      const whole = Math.floor(celsius);
      const tenths = Math.round((celsius - whole) * 10);
      return withSum([0xaa, 0x55, 0x06, whole, tenths]);
    }
    case 'ascii':
      return new TextEncoder().encode(`T=${celsius.toFixed(1)}\r\n`);
  }
}

/** The query a host sends to a query/response module (lu90614). */
export const LU90614_QUERY = Uint8Array.of(0xfa, 0xca, 0xc4);
