// The thermometer protocols Sentinel speaks, selectable by name. Vendor
// documents contradict themselves: each adapter is small and
// fixture-tested, so a captured real transcript can correct it.
import type { ProtocolName } from '../../../main/contract/devices.js';
import { BinaryFrameDecoder, newCounters, type DecoderCounters, type ProtocolDecoder, type ThermoFrame } from './frame-decoder.js';

export interface ProtocolInfo {
  defaultBaud: number;
  /** Bytes to send once the port is open (start streaming). */
  onOpen?: Uint8Array;
  /** Bytes to send per measurement, and how often (query/response modules). */
  poll?: { bytes: Uint8Array; everyMs: number };
  /** What the sensor can physically report, °C; anything else is a broken frame. */
  sensorRangeC: [number, number];
  decoder(): ProtocolDecoder;
}

const int16 = (hi: number, lo: number): number => {
  const v = (hi << 8) | lo;
  return v & 0x8000 ? v - 0x10000 : v;
};

export const PROTOCOLS: Readonly<Record<ProtocolName, ProtocolInfo>> = {
  // GY-MCU90614: streams ~14 Hz after A5 45 EA; object and ambient, °C×100 big-endian.
  'gy-mcu90614': {
    defaultBaud: 9600,
    onOpen: Uint8Array.of(0xa5, 0x45, 0xea),
    sensorRangeC: [-70, 380],
    decoder: () =>
      new BinaryFrameDecoder({
        protocol: 'gy-mcu90614',
        header: [0x5a, 0x5a, 0x45, 0x04],
        length: 9,
        parse: (f) => ({ celsius: int16(f[4]!, f[5]!) / 100, ambientC: int16(f[6]!, f[7]!) / 100, bodyMode: false }),
      }),
  },
  // LU90614: query/response; FE AC … is a body reading, FE AA … material mode is not.
  lu90614: {
    defaultBaud: 9600,
    poll: { bytes: Uint8Array.of(0xfa, 0xca, 0xc4), everyMs: 250 },
    sensorRangeC: [0, 100],
    decoder: () =>
      new BinaryFrameDecoder({
        protocol: 'lu90614',
        header: [0xfe],
        length: 9,
        checksumOk: (f) => (f[1] === 0xac || f[1] === 0xaa) && (f.reduce((s, b, i) => (i < 8 ? s + b : s), 0) & 0xff) === f[8],
        parse: (f) => (f[1] !== 0xac || f[3]! > 99 ? null : { celsius: f[2]! + f[3]! / 100, ambientC: null, bodyMode: true }),
      }),
  },
  // IDC50: streams ~2 Hz at 115200; II whole °C, DD tenths.
  idc50: {
    defaultBaud: 115200,
    sensorRangeC: [0, 100],
    decoder: () =>
      new BinaryFrameDecoder({
        protocol: 'idc50',
        header: [0xaa, 0x55, 0x06],
        length: 6,
        parse: (f) => (f[4]! > 9 ? null : { celsius: f[3]! + f[4]! / 10, ambientC: null, bodyMode: true }),
      }),
  },
  // Plain text lines: "36.7", "T=36.7", "{36.7}", ended by CR or LF.
  ascii: {
    defaultBaud: 9600,
    sensorRangeC: [-50, 150],
    decoder: () => new AsciiLineDecoder(),
  },
};

/** The longest line worth reading; longer ones are junk (wrong baud, binary noise). */
const MAX_LINE = 64;

export class AsciiLineDecoder implements ProtocolDecoder {
  readonly protocol = 'ascii';
  readonly counters: DecoderCounters = newCounters();
  private line = '';
  private overflowing = false;

  push(chunk: Uint8Array): ThermoFrame[] {
    const out: ThermoFrame[] = [];
    for (const byte of chunk) {
      if (byte === 0x0d || byte === 0x0a) {
        if (this.overflowing) {
          this.overflowing = false;
          this.counters.resyncs++;
        } else if (this.line.length > 0) {
          this.parseLine(out);
        }
        this.line = '';
        continue;
      }
      if (this.overflowing) {
        this.counters.droppedBytes++;
        continue;
      }
      this.line += String.fromCharCode(byte);
      if (this.line.length > MAX_LINE) {
        this.counters.droppedBytes += this.line.length;
        this.line = '';
        this.overflowing = true;
      }
    }
    return out;
  }

  private parseLine(out: ThermoFrame[]): void {
    // Junk from before the line (a glitch, a wrong-baud burst) may precede it: read the
    // decimal number that ends the line, in any of the forms modules print. It must be a
    // whole token: a number glued to a letter, a digit or a dot ("1038.6", "3.6.7", "x36.7")
    // is a garbled line, and its tail is not a temperature.
    const printable = this.line.replace(/[^\x20-\x7e°]/g, '');
    this.counters.droppedBytes += this.line.length - printable.length;
    const m = /(?<![\w.-])(-?\d{1,3}\.\d{1,3})\s*(?:°?\s*C)?\s*\}?\s*$/.exec(printable);
    if (!m) {
      this.counters.checksumFailures++;
      this.counters.droppedBytes += this.line.length;
      return;
    }
    this.counters.frames++;
    out.push({ celsius: Number(m[1]), ambientC: null, bodyMode: true, raw: this.line });
  }
}
