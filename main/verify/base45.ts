// Base45 (RFC 9285), the QR alphanumeric-mode encoding of a DCC. Strict: a
// character outside the 45, a group whose value does not fit its bytes, or
// a lone trailing character is not Base45, so two texts never decode alike.

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

function valueAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? VALUES[c]! : -1;
}

/** Decodes Base45, or null for anything that is not strictly Base45. */
export function decodeBase45(text: string): Uint8Array | null {
  const n = text.length;
  if (n % 3 === 1) return null;
  const out = new Uint8Array(Math.floor(n / 3) * 2 + (n % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < n; i += 3) {
    const c = valueAt(text, i);
    const d = valueAt(text, i + 1);
    if (c < 0 || d < 0) return null;
    if (i + 2 < n) {
      const e = valueAt(text, i + 2);
      if (e < 0) return null;
      const v = c + d * 45 + e * 2025;
      if (v > 0xffff) return null;
      out[o++] = v >> 8;
      out[o++] = v & 0xff;
    } else {
      const v = c + d * 45;
      if (v > 0xff) return null;
      out[o++] = v;
    }
  }
  return out;
}

export function encodeBase45(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    let v = (bytes[i]! << 8) | bytes[i + 1]!;
    for (let k = 0; k < 3; k++) {
      out += ALPHABET[v % 45]!;
      v = Math.floor(v / 45);
    }
  }
  if (i < bytes.length) {
    const v = bytes[i]!;
    out += ALPHABET[v % 45]! + ALPHABET[Math.floor(v / 45)]!;
  }
  return out;
}
