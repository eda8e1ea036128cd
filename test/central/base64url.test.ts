// The central service decodes batches with Node's base64url behind the same
// checks as the pure core's strict decoder: for every text, both answer the
// same bytes or both refuse — padding, stray characters, a length of 4n+1
// and non-canonical trailing bits included.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64urlNative } from '../../central/base64url.js';
import { decodeBase64url, encodeBase64url } from '../../main/verify/base64url.js';

const same = (text: string): void => {
  const pure = decodeBase64url(text);
  const native = decodeBase64urlNative(text);
  expect(native === null ? null : [...native], JSON.stringify(text)).toEqual(pure === null ? null : [...pure]);
};

describe("the central service's base64url", () => {
  it('agrees with the strict decoder on every length and on hand-made faults', () => {
    for (let n = 0; n < 70; n++) same(encodeBase64url(randomBytes(n)));
    for (const text of ['', 'A', 'AA', 'AB', 'AAA', 'AAB', 'AAAA', 'AQ==', 'AQ', 'AR', 'A+B/', 'AB C', 'ABCD\n', 'ab.c', 'É', 'AAA=', '-_-_', '____', 'Zm9v', 'Zm9']) same(text);
  });

  it('agrees on 5,000 mutations of real encodings (a character replaced, dropped or added)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ .';
    for (let i = 0; i < 5000; i++) {
      const text = encodeBase64url(randomBytes(1 + (i % 40)));
      const at = i % (text.length + 1);
      const c = alphabet[i % alphabet.length]!;
      const mutated = i % 3 === 0 ? text.slice(0, at) + c + text.slice(at + 1) : i % 3 === 1 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + c + text.slice(at);
      same(mutated);
    }
  });
});
