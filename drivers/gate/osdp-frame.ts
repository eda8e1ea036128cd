// OSDP (SIA Open Supervised Device Protocol v2.2) frames, pure: the CRC, the
// encoder, a streaming decoder that takes bytes in any split, and the
// sequence counter. The kiosk is the control panel (CP); the module is the
// peripheral device (PD).
//
// Section numbers below are those of SIA OSDP v2.2 as cited by open
// implementations (the specification itself is sold by SIA; none of its text
// is copied here):
// - §5 packet structure (libosdp's doc/protocol/packet-structure.rst):
//   SOM 0x53, ADDR (bit 7 set in the PD's replies), LEN_LSB LEN_MSB (the
//   whole packet, SOM to the last check byte), CTRL, [security block], CMND
//   or REPLY code, DATA, [MAC], CRC_LSB CRC_MSB (or a one-byte checksum);
// - CTRL bits 0–1 the sequence number, bit 2 set = 16-bit CRC (clear =
//   8-bit checksum), bit 3 set = a security control block follows;
// - Annex C: CRC-16 with polynomial 0x1021, initial value 0x1D0F, neither
//   input nor output reflected, no final XOR (the catalogue's
//   CRC-16/AUG-CCITT, check value 0xE5CC), sent least significant byte first.
//
// Secure channel (Annex D) is out of scope: the kiosk never sends a
// security block, and the decoder only reports whether a frame carried one.

export const SOM = 0x53;
/** Set in ADDR on every reply from a PD. */
export const REPLY_FLAG = 0x80;
/** The broadcast address (a PD answers it whatever its own address). */
export const BROADCAST = 0x7f;
export const CTRL_SEQUENCE = 0x03;
export const CTRL_CRC = 0x04;
export const CTRL_SCB = 0x08;

/** The commands the kiosk sends. */
export const CMD = {
  POLL: 0x60,
  ISTAT: 0x65,
  OUT: 0x68,
} as const;

/** The replies it understands (others are counted and ignored). */
export const REPLY = {
  ACK: 0x40,
  NAK: 0x41,
  ISTATR: 0x49,
  OSTATR: 0x4a,
  BUSY: 0x79,
} as const;

/**
 * osdp_OUT control codes (v2.2 §6.7, "Output Control Command"; the record is
 * [output number, control code, timer LSB, timer MSB], the timer in 100 ms units):
 * 0 NOP; 1 permanent OFF, abort a timed operation; 2 permanent ON, abort a
 * timed operation; 3 permanent OFF, let a timed operation complete; 4
 * permanent ON, let a timed operation complete; 5 temporary ON, back to the
 * permanent state when the timer runs out; 6 temporary OFF, likewise.
 */
export const OUT_CONTROL = {
  NOP: 0,
  PERMANENT_OFF_ABORT_TIMED: 1,
  PERMANENT_ON_ABORT_TIMED: 2,
  PERMANENT_OFF_ALLOW_TIMED: 3,
  PERMANENT_ON_ALLOW_TIMED: 4,
  TEMPORARY_ON: 5,
  TEMPORARY_OFF: 6,
} as const;

/** osdp_NAK reasons (v2.2 §7.3). */
export const NAK_REASONS: Readonly<Record<number, string>> = {
  0x00: 'no error',
  0x01: 'message check error (bad CRC or checksum)',
  0x02: 'command length error',
  0x03: 'unknown command',
  0x04: 'unexpected sequence number',
  0x05: 'security block not supported',
  0x06: 'secure channel required',
  0x07: 'BIO_TYPE not supported',
  0x08: 'BIO_FORMAT not supported',
  0x09: 'unable to process command record',
};

export function nakReason(code: number | undefined): string {
  if (code === undefined) return 'NAK without a reason';
  return `NAK ${code}: ${NAK_REASONS[code] ?? 'unknown reason'}`;
}

/** The smallest packet: header (5), code (1) and a 1-byte checksum. */
const MIN_PACKET = 7;
/**
 * Longer packets are junk (a PD's replies here are a few bytes; real PDs
 * announce receive buffers of 128–1440 bytes). Bounds the decoder's buffer.
 */
export const MAX_PACKET = 1440;

/** CRC-16 as OSDP uses it (Annex C): poly 0x1021, init 0x1D0F, not reflected, no final XOR. */
export function crc16(bytes: ArrayLike<number>, init = 0x1d0f): number {
  let crc = init;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= (bytes[i]! & 0xff) << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The 8-bit checksum of checksum-mode packets: the two's complement of the sum. */
export function checksum8(bytes: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) sum += bytes[i]!;
  return -sum & 0xff;
}

export interface FrameFields {
  /** The PD's address, 0–0x7F (the reply flag is added for `reply`). */
  address: number;
  sequence: number;
  code: number;
  data?: ArrayLike<number>;
  /** A PD's reply (ADDR | 0x80); false for the CP's commands. */
  reply?: boolean;
}

/** One packet in CRC mode, no security block. */
export function encodeFrame(fields: FrameFields): Uint8Array {
  const { address, sequence, code } = fields;
  if (!Number.isInteger(address) || address < 0 || address > BROADCAST) throw new RangeError(`OSDP address ${address} is not 0–127`);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 3) throw new RangeError(`OSDP sequence ${sequence} is not 0–3`);
  const data = fields.data ?? [];
  const length = 5 + 1 + data.length + 2;
  if (length > MAX_PACKET) throw new RangeError(`OSDP packet of ${length} bytes is too long`);
  const out = new Uint8Array(length);
  out[0] = SOM;
  out[1] = address | (fields.reply ? REPLY_FLAG : 0);
  out[2] = length & 0xff;
  out[3] = length >> 8;
  out[4] = CTRL_CRC | sequence;
  out[5] = code;
  out.set(Array.from(data), 6);
  const crc = crc16(out.subarray(0, length - 2));
  out[length - 2] = crc & 0xff;
  out[length - 1] = crc >> 8;
  return out;
}

/** One osdp_OUT record. `timer` is in 100 ms units (0–65535). */
export function outRecord(output: number, control: number, timer = 0): number[] {
  const t = Math.max(0, Math.min(0xffff, Math.round(timer)));
  return [output & 0xff, control & 0xff, t & 0xff, t >> 8];
}

/** The timer, in 100 ms units, of a pulse of `pulseMs` (rounded up, at least 1, at most 65535). */
export function pulseTimer(pulseMs: number): number {
  return Math.max(1, Math.min(0xffff, Math.ceil(pulseMs / 100)));
}

export interface OsdpFrame {
  /** The address without the reply flag. */
  address: number;
  /** ADDR had the reply flag (a PD's reply); false for a CP's command (or an echo of ours). */
  reply: boolean;
  sequence: number;
  /** CRC mode (else checksum). */
  crc: boolean;
  /** The security control block (length, type, data), when the frame carried one: secure channel, not handled here. */
  scb: Uint8Array | null;
  code: number;
  /** The data after the code (with a MAC, if a secure frame had one). */
  data: Uint8Array;
  bytes: Uint8Array;
}

export interface OsdpDecoderCounters {
  frames: number;
  /** Frames whose CRC (or checksum) was wrong. */
  checkErrors: number;
  /** A SOM with an impossible length or a malformed security block. */
  badLengths: number;
  /** Times the decoder skipped bytes to find a SOM. */
  resyncs: number;
  droppedBytes: number;
  /** Partial frames thrown away when no more of them could come (see discardPartial). */
  truncated: number;
}

/**
 * A streaming decoder: bytes in any split, frames out. It looks for a SOM,
 * waits for the length it announces, and checks the CRC (or checksum); on a
 * bad length or check it drops one byte and searches again, since 0x53 can
 * occur inside a frame. The buffer never holds more than one maximal packet.
 */
export class OsdpDecoder {
  readonly counters: OsdpDecoderCounters = { frames: 0, checkErrors: 0, badLengths: 0, resyncs: 0, droppedBytes: 0, truncated: 0 };
  private buf = new Uint8Array(0);

  push(chunk: Uint8Array): OsdpFrame[] {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf, 0);
    joined.set(chunk, this.buf.length);
    this.buf = joined;
    const frames: OsdpFrame[] = [];
    for (;;) {
      const som = this.buf.indexOf(SOM);
      if (som < 0) {
        this.skip(this.buf.length);
        break;
      }
      if (som > 0) this.skip(som);
      if (this.buf.length < 5) break;
      const length = this.buf[2]! | (this.buf[3]! << 8);
      const ctrl = this.buf[4]!;
      const trailer = ctrl & CTRL_CRC ? 2 : 1;
      if (length < MIN_PACKET + trailer - 1 || length > MAX_PACKET) {
        this.counters.badLengths++;
        this.skip(1);
        continue;
      }
      if (this.buf.length < length) break;
      const packet = this.buf.slice(0, length);
      if (!checks(packet, trailer)) {
        this.counters.checkErrors++;
        this.skip(1);
        continue;
      }
      const frame = parse(packet, trailer);
      if (!frame) {
        this.counters.badLengths++;
        this.skip(1);
        continue;
      }
      this.buf = this.buf.slice(length);
      this.counters.frames++;
      frames.push(frame);
    }
    return frames;
  }

  /** Bytes held, waiting for the rest of a frame. */
  get pending(): number {
    return this.buf.length;
  }

  /**
   * Throws away a partial frame (the CP calls this before each command: on a
   * half-duplex bus, whatever part of a reply is left by then will never be
   * completed). Returns how many bytes went.
   */
  discardPartial(): number {
    const n = this.buf.length;
    if (n === 0) return 0;
    this.counters.truncated++;
    this.counters.droppedBytes += n;
    this.buf = new Uint8Array(0);
    return n;
  }

  private skip(n: number): void {
    if (n <= 0) return;
    this.counters.resyncs++;
    this.counters.droppedBytes += n;
    this.buf = this.buf.slice(n);
  }
}

function checks(packet: Uint8Array, trailer: number): boolean {
  const n = packet.length;
  if (trailer === 2) return crc16(packet.subarray(0, n - 2)) === (packet[n - 2]! | (packet[n - 1]! << 8));
  return checksum8(packet.subarray(0, n - 1)) === packet[n - 1];
}

function parse(packet: Uint8Array, trailer: number): OsdpFrame | null {
  const ctrl = packet[4]!;
  const end = packet.length - trailer;
  let at = 5;
  let scb: Uint8Array | null = null;
  if (ctrl & CTRL_SCB) {
    const scbLength = packet[5]!;
    if (scbLength < 2 || 5 + scbLength >= end) return null;
    scb = packet.slice(5, 5 + scbLength);
    at = 5 + scbLength;
  }
  return {
    address: packet[1]! & ~REPLY_FLAG,
    reply: (packet[1]! & REPLY_FLAG) !== 0,
    sequence: ctrl & CTRL_SEQUENCE,
    crc: trailer === 2,
    scb,
    code: packet[at]!,
    data: packet.slice(at + 1, end),
    bytes: packet,
  };
}

/**
 * The CP's sequence numbers: 0 for the first command after a (re)connection
 * (it tells the PD to start over), then 1, 2, 3, 1, 2, 3, … (0 is never used
 * again until the next reset). A retried command keeps its number: the caller
 * re-sends the same frame rather than asking for a new one.
 */
export class OsdpSequence {
  private last: number | null = null;

  next(): number {
    this.last = this.last === null ? 0 : this.last === 3 ? 1 : this.last + 1;
    return this.last;
  }

  /** The next command starts over at 0. */
  reset(): void {
    this.last = null;
  }
}
