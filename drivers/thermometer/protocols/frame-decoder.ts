// Decoding a thermometer's byte stream into frames, for every protocol:
// search for the header, check the checksum, on a bad one drop a single
// byte and search again (a header byte can occur inside a payload), and
// keep the buffer bounded so junk at a wrong baud rate cannot grow memory.
// Pure: bytes in, frames out, counters kept.

export interface ThermoFrame {
  /** Object (body or surface) temperature, °C, as the module reports it. */
  celsius: number;
  /** Ambient temperature, °C, when the module reports it. */
  ambientC: number | null;
  /** True when the module itself reports a body temperature (never compensated again). */
  bodyMode: boolean;
  /** The frame's bytes (or line), for logs and recorded transcripts. */
  raw: string;
}

export interface DecoderCounters {
  frames: number;
  checksumFailures: number;
  resyncs: number;
  /** Bytes thrown away while searching for a header or when the buffer was full. */
  droppedBytes: number;
  /** Well-formed frames that carry no usable body reading (e.g. material mode). */
  ignoredFrames: number;
}

export interface ProtocolDecoder {
  readonly protocol: string;
  readonly counters: DecoderCounters;
  push(chunk: Uint8Array): ThermoFrame[];
}

export function newCounters(): DecoderCounters {
  return { frames: 0, checksumFailures: 0, resyncs: 0, droppedBytes: 0, ignoredFrames: 0 };
}

/** The low 8 bits of the sum of bytes [from, to). */
export function sum8(bytes: Uint8Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += bytes[i]!;
  return s & 0xff;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

export interface BinaryFrameSpec {
  protocol: string;
  header: readonly number[];
  length: number;
  /** Parses a frame whose header and checksum are good; null = valid frame, no body reading. */
  parse(frame: Uint8Array): Omit<ThermoFrame, 'raw'> | null;
  /** Defaults to sum8 over everything before the last byte. */
  checksumOk?(frame: Uint8Array): boolean;
}

/** The most a decoder keeps between chunks; far above one frame, far below trouble. */
export const MAX_BUFFER = 256;

export class BinaryFrameDecoder implements ProtocolDecoder {
  readonly counters = newCounters();
  private buf = new Uint8Array(MAX_BUFFER * 2);
  private len = 0;
  /** Out of step since the last good frame: one resync is counted per episode, however the bytes arrive. */
  private lost = false;

  constructor(private readonly spec: BinaryFrameSpec) {}

  get protocol(): string {
    return this.spec.protocol;
  }

  push(chunk: Uint8Array): ThermoFrame[] {
    const out: ThermoFrame[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const room = this.buf.length - this.len;
      const take = Math.min(room, chunk.length - offset);
      this.buf.set(chunk.subarray(offset, offset + take), this.len);
      this.len += take;
      offset += take;
      this.drain(out);
      if (this.len > MAX_BUFFER) {
        // Only junk keeps a buffer this full: keep the tail, where a header may be starting.
        const drop = this.len - this.spec.length;
        this.consume(drop);
        this.counters.droppedBytes += drop;
      }
    }
    return out;
  }

  private drain(out: ThermoFrame[]): void {
    const { header, length } = this.spec;
    for (;;) {
      const start = this.findHeader();
      if (start < 0) {
        // Keep a possible partial header at the end.
        const keep = Math.min(this.len, header.length - 1);
        if (this.len - keep > 0) {
          this.counters.droppedBytes += this.len - keep;
          this.consume(this.len - keep);
          this.loseStep();
        }
        return;
      }
      if (start > 0) {
        this.counters.droppedBytes += start;
        this.consume(start);
        this.loseStep();
      }
      if (this.len < length) return;
      const frame = this.buf.slice(0, length);
      const ok = this.spec.checksumOk ? this.spec.checksumOk(frame) : sum8(frame, 0, length - 1) === frame[length - 1];
      if (!ok) {
        this.counters.checksumFailures++;
        this.counters.droppedBytes++;
        this.consume(1);
        this.loseStep();
        continue;
      }
      this.consume(length);
      this.lost = false;
      const parsed = this.spec.parse(frame);
      if (parsed === null) {
        this.counters.ignoredFrames++;
        continue;
      }
      this.counters.frames++;
      out.push({ ...parsed, raw: hex(frame) });
    }
  }

  private loseStep(): void {
    if (!this.lost) this.counters.resyncs++;
    this.lost = true;
  }

  private findHeader(): number {
    const h = this.spec.header;
    outer: for (let i = 0; i + h.length <= this.len; i++) {
      for (let j = 0; j < h.length; j++) if (this.buf[i + j] !== h[j]) continue outer;
      return i;
    }
    // A header cut by the chunk boundary: its first bytes at the very end.
    for (let i = Math.max(0, this.len - h.length + 1); i < this.len; i++) {
      let match = true;
      for (let j = 0; i + j < this.len; j++) if (this.buf[i + j] !== h[j]) match = false;
      if (match) return i;
    }
    return -1;
  }

  private consume(n: number): void {
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
  }
}
