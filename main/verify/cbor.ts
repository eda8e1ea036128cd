// A small, strict CBOR codec (RFC 8949) for the EU DCC (formats.md §2).
// Strict because a scanned code is hostile input: two different byte strings
// must not decode to the same certificate, and nothing may make the decoder
// allocate more than the input could hold. So: definite lengths only, no
// duplicate map keys, no reserved or ill-formed heads, valid UTF-8, a depth
// cap, and exactly one item with no bytes after it. Every failure is a
// CborError; the verifier turns it into MALFORMED.

export class CborError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CborError';
  }
}

/** A tagged item (major type 6): the tag number and the item it wraps. */
export class CborTag<V = CborValue> {
  constructor(
    readonly tag: number,
    readonly value: V,
  ) {}
}

/** A simple value other than false, true, null and undefined (major type 7). */
export class CborSimple {
  constructor(readonly value: number) {}
}

export type CborMap = Map<CborValue, CborValue>;

export type CborValue = number | bigint | string | boolean | null | undefined | Uint8Array | CborValue[] | CborMap | CborTag | CborSimple;

/** Deep enough for a COSE_Sign1 holding a CWT holding an hcert; hostile nesting stops here. */
export const MAX_CBOR_DEPTH = 16;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A text string's bytes as text. An hcert is dozens of short ASCII strings,
 * and a TextDecoder call costs more than such a string: those are made
 * from their char codes, anything else goes through the strict decoder.
 */
function text(bytes: Uint8Array): string {
  if (bytes.length > 64) return utf8.decode(bytes);
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b > 0x7f) return utf8.decode(bytes);
    out += String.fromCharCode(b);
  }
  return out;
}

class Reader {
  pos = 0;
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  need(n: number): void {
    if (n > this.remaining) throw new CborError(`truncated: ${n} bytes needed at offset ${this.pos}, ${this.remaining} left`);
  }

  byte(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** The argument of a head: additional info 0–23 inline, 24–27 in 1, 2, 4 or 8 bytes. */
  argument(info: number): number | bigint {
    if (info < 24) return info;
    switch (info) {
      case 24:
        return this.byte();
      case 25:
        this.need(2);
        return this.view.getUint16((this.pos += 2) - 2);
      case 26:
        this.need(4);
        return this.view.getUint32((this.pos += 4) - 4);
      case 27: {
        this.need(8);
        const big = this.view.getBigUint64((this.pos += 8) - 8);
        return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      }
      case 31:
        throw new CborError(`indefinite length at offset ${this.pos - 1}`);
      default:
        throw new CborError(`reserved additional information ${info} at offset ${this.pos - 1}`);
    }
  }

  /** A length or count, refused before allocating when the input cannot hold it. */
  length(info: number, bytesPerUnit: number): number {
    const n = this.argument(info);
    if (typeof n === 'bigint' || n * bytesPerUnit > this.remaining) {
      throw new CborError(`declared length ${String(n)} exceeds the ${this.remaining} bytes left at offset ${this.pos}`);
    }
    return n;
  }

  float(info: number): number {
    if (info === 25) {
      this.need(2);
      return halfToNumber(this.view.getUint16((this.pos += 2) - 2));
    }
    if (info === 26) {
      this.need(4);
      return this.view.getFloat32((this.pos += 4) - 4);
    }
    this.need(8);
    return this.view.getFloat64((this.pos += 8) - 8);
  }
}

/** IEEE 754 binary16 to a number (RFC 8949 Appendix D, written out). */
function halfToNumber(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exp = (half >> 10) & 0x1f;
  const mant = half & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** How duplicate keys are recognised: by value for numbers and texts, by their bytes otherwise. */
function keyIdentity(key: CborValue, raw: Uint8Array): string {
  if (typeof key === 'number' || typeof key === 'bigint') return `n${String(key)}`;
  if (typeof key === 'string') return `s${key}`;
  return `r${Array.from(raw, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function readItem(r: Reader, depth: number): CborValue {
  if (depth > MAX_CBOR_DEPTH) throw new CborError(`nesting deeper than ${MAX_CBOR_DEPTH}`);
  const head = r.byte();
  const major = head >> 5;
  const info = head & 0x1f;
  switch (major) {
    case 0:
      return r.argument(info);
    case 1: {
      const n = r.argument(info);
      return typeof n === 'bigint' ? -1n - n : -1 - n;
    }
    case 2:
      return r.take(r.length(info, 1)).slice();
    case 3:
      try {
        return text(r.take(r.length(info, 1)));
      } catch (err) {
        if (err instanceof CborError) throw err;
        throw new CborError(`text string that is not UTF-8 before offset ${r.pos}`);
      }
    case 4: {
      // Every item takes at least one byte: a count over what is left is a lie.
      const n = r.length(info, 1);
      const out: CborValue[] = [];
      for (let i = 0; i < n; i++) out.push(readItem(r, depth + 1));
      return out;
    }
    case 5: {
      const n = r.length(info, 2);
      const out: CborMap = new Map();
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const start = r.pos;
        const key = readItem(r, depth + 1);
        const id = keyIdentity(key, r.bytes.subarray(start, r.pos));
        if (seen.has(id)) throw new CborError(`duplicate map key at offset ${start}`);
        seen.add(id);
        out.set(key, readItem(r, depth + 1));
      }
      return out;
    }
    case 6: {
      const tag = r.argument(info);
      if (typeof tag === 'bigint') throw new CborError(`tag number ${tag} is too large`);
      return new CborTag(tag, readItem(r, depth + 1));
    }
    default:
      return readSimple(r, info);
  }
}

function readSimple(r: Reader, info: number): CborValue {
  if (info < 20) return new CborSimple(info);
  switch (info) {
    case 20:
      return false;
    case 21:
      return true;
    case 22:
      return null;
    case 23:
      return undefined;
    case 24: {
      const v = r.byte();
      // RFC 8949 §3.3: values below 32 in the one-byte form are not well-formed.
      if (v < 32) throw new CborError(`simple value ${v} in two-byte form`);
      return new CborSimple(v);
    }
    case 25:
    case 26:
    case 27:
      return r.float(info);
    case 31:
      throw new CborError(`break outside an indefinite-length item at offset ${r.pos - 1}`);
    default:
      throw new CborError(`reserved simple value encoding ${info}`);
  }
}

/** Decodes exactly one item; bytes after it are an error (a second message smuggled behind the first). */
export function decodeCbor(bytes: Uint8Array): CborValue {
  const r = new Reader(bytes);
  const value = readItem(r, 0);
  if (r.remaining !== 0) throw new CborError(`${r.remaining} trailing bytes after the item`);
  return value;
}

// ——— Encoding: the shortest form of every head, definite lengths only. ———

/** What the encoder takes: CborValue, plus plain objects (text keys) and Maps or arrays of anything encodable. */
export type CborEncodable = unknown;

class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  head(major: number, n: number | bigint): void {
    const m = major << 5;
    if (typeof n === 'bigint' || n > 0xffffffff) {
      const out = new Uint8Array(9);
      out[0] = m | 27;
      new DataView(out.buffer).setBigUint64(1, BigInt(n));
      this.push(out);
    } else if (n < 24) this.push(Uint8Array.of(m | n));
    else if (n <= 0xff) this.push(Uint8Array.of(m | 24, n));
    else if (n <= 0xffff) this.push(Uint8Array.of(m | 25, n >> 8, n & 0xff));
    else {
      const out = new Uint8Array(5);
      out[0] = m | 26;
      new DataView(out.buffer).setUint32(1, n);
      this.push(out);
    }
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

const utf8Encoder = new TextEncoder();

function writeItem(w: Writer, value: unknown): void {
  if (value === false) w.push(Uint8Array.of(0xf4));
  else if (value === true) w.push(Uint8Array.of(0xf5));
  else if (value === null) w.push(Uint8Array.of(0xf6));
  else if (value === undefined) w.push(Uint8Array.of(0xf7));
  else if (typeof value === 'number') writeNumber(w, value);
  else if (typeof value === 'bigint') {
    if (value >= 0n) w.head(0, value);
    else w.head(1, -1n - value);
  } else if (typeof value === 'string') {
    const b = utf8Encoder.encode(value);
    w.head(3, b.length);
    w.push(b);
  } else if (value instanceof Uint8Array) {
    w.head(2, value.length);
    w.push(value);
  } else if (Array.isArray(value)) {
    w.head(4, value.length);
    for (const item of value) writeItem(w, item);
  } else if (value instanceof Map) {
    w.head(5, value.size);
    for (const [k, v] of value) {
      writeItem(w, k);
      writeItem(w, v);
    }
  } else if (value instanceof CborTag) {
    w.head(6, value.tag);
    writeItem(w, value.value);
  } else if (value instanceof CborSimple) {
    if (value.value < 24) w.push(Uint8Array.of(0xe0 | value.value));
    else w.push(Uint8Array.of(0xf8, value.value));
  } else if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    w.head(5, entries.length);
    for (const [k, v] of entries) {
      writeItem(w, k);
      writeItem(w, v);
    }
  } else throw new CborError(`cannot encode a ${typeof value}`);
}

function writeNumber(w: Writer, n: number): void {
  if (Number.isSafeInteger(n)) {
    if (n >= 0) w.head(0, n);
    else w.head(1, -1 - n);
    return;
  }
  // Non-integers as doubles: the signer has no need for the shorter float forms.
  const out = new Uint8Array(9);
  out[0] = 0xfb;
  new DataView(out.buffer).setFloat64(1, n);
  w.push(out);
}

/** Encodes a value: integers, texts, byte strings, arrays, Maps (any keys), plain objects (text keys), tags. */
export function encodeCbor(value: CborEncodable): Uint8Array {
  const w = new Writer();
  writeItem(w, value);
  return w.bytes();
}
