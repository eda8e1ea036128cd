// The DCC's CBOR decoder is strict (main/verify/cbor.ts): every ill-formed or
// ambiguous input is a CborError, never a crash, never a silent second reading.
import { describe, expect, it } from 'vitest';
import { CborError, CborSimple, CborTag, decodeCbor, encodeCbor, MAX_CBOR_DEPTH } from '../../main/verify/cbor.js';

const hex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
const rejects = (h: string): void => {
  expect(() => decodeCbor(hex(h)), h).toThrow(CborError);
};

describe('strictness', () => {
  it('refuses indefinite lengths of every kind, and a stray break', () => {
    for (const h of ['5f4101ff', '7f6161ff', '9f01ff', 'bf6161 01ff'.replace(' ', ''), 'ff']) rejects(h);
  });

  it('refuses duplicate map keys, also when spelled differently', () => {
    rejects('a2010201 03');
    rejects('a2616101616102');
    rejects('a201021801 03'.replace(' ', '')); // 1 and 1 written in two byte-lengths
    rejects('a2410001410002'); // the same byte-string key twice
  });

  it('refuses bytes after the item', () => {
    rejects('0100');
    rejects('a1010200');
  });

  it('refuses nesting deeper than the cap, and takes it at the cap', () => {
    expect(() => decodeCbor(hex('81'.repeat(MAX_CBOR_DEPTH) + '01'))).not.toThrow();
    rejects('81'.repeat(MAX_CBOR_DEPTH + 1) + '01');
    rejects('c1'.repeat(MAX_CBOR_DEPTH + 1) + '01');
  });

  it('refuses truncated heads, strings and containers', () => {
    for (const h of ['', '18', '19 01'.replace(' ', ''), '1a000001', '1b00000000000001', '4201', '6261', '8201', 'a101', 'c1', 'f9 00'.replace(' ', '')]) rejects(h);
  });

  it('refuses declared lengths the input cannot hold, before allocating', () => {
    rejects('5bffffffffffffffff');
    rejects('5a7fffffff00');
    rejects('9b00000000ffffffff01');
    rejects('ba7fffffff0101');
  });

  it('refuses reserved additional information, two-byte low simple values and bad UTF-8', () => {
    for (const h of ['1c', '3d', '5e', 'fc', 'f801', 'f81f', '62c328']) rejects(h);
  });
});

describe('reading', () => {
  it('reads integers, negatives, 64-bit values, floats and simple values', () => {
    expect(decodeCbor(hex('17'))).toBe(23);
    expect(decodeCbor(hex('3903e7'))).toBe(-1000);
    expect(decodeCbor(hex('1bffffffffffffffff'))).toBe(18446744073709551615n);
    expect(decodeCbor(hex('3bffffffffffffffff'))).toBe(-18446744073709551616n);
    expect(decodeCbor(hex('f93c00'))).toBe(1);
    expect(decodeCbor(hex('f90001'))).toBe(5.960464477539063e-8);
    expect(decodeCbor(hex('f97c00'))).toBe(Infinity);
    expect(decodeCbor(hex('f97e00'))).toBeNaN();
    expect(decodeCbor(hex('fa47c35000'))).toBe(100000);
    expect(decodeCbor(hex('fb3ff199999999999a'))).toBe(1.1);
    expect([decodeCbor(hex('f4')), decodeCbor(hex('f5')), decodeCbor(hex('f6')), decodeCbor(hex('f7'))]).toEqual([false, true, null, undefined]);
    expect(decodeCbor(hex('f0'))).toEqual(new CborSimple(16));
    expect(decodeCbor(hex('f8ff'))).toEqual(new CborSimple(255));
  });

  it('returns tags as {tag, value}', () => {
    const t = decodeCbor(hex('d28101'));
    expect(t).toBeInstanceOf(CborTag);
    expect(t).toMatchObject({ tag: 18, value: [1] });
  });

  it('round-trips what the encoder writes', () => {
    const value = new Map<unknown, unknown>([
      [1, 'AT'],
      [-260, new Map([[1, { v: [{ ci: 'URN:UVCI:01:AT:X', dn: 2 }], nam: { fn: 'Müller' }, ver: '1.3.0' }]])],
      [4, 1_700_000_000],
      ['bytes', Uint8Array.of(0, 1, 255)],
      ['big', 2n ** 64n - 1n],
      ['neg', -(2 ** 40)],
      ['float', 0.5],
      ['list', [true, false, null, undefined, new CborTag(18, [])]],
    ]);
    const decoded = decodeCbor(encodeCbor(value));
    const plain = (v: unknown): unknown => (v instanceof Map ? Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)])) : Array.isArray(v) ? v.map(plain) : v);
    expect(plain(decoded)).toEqual(plain(value));
    // Plain objects encode as maps with text keys.
    expect(encodeCbor({ a: 1 })).toEqual(hex('a1616101'));
  });

  it('writes the shortest head for every length', () => {
    for (const n of [0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      expect(decodeCbor(encodeCbor(n))).toBe(n);
      expect(decodeCbor(encodeCbor(-n - 1))).toBe(-n - 1);
    }
    expect(encodeCbor(24)).toEqual(hex('1818'));
    expect(encodeCbor('x'.repeat(300)).subarray(0, 3)).toEqual(hex('79012c'));
  });
});
