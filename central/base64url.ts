// Strict base64url for the central service's batches, decoded by Node: a
// 500-check batch is about 200 KB of base64url, which the pure core's
// decoder (main/verify/base64url.ts, no Node in the pure core) reads
// character by character — 11% of the service's CPU in the benchmark's
// profile. Exactly as strict: the alphabet alone, no padding, no length of
// 4n+1, and canonical trailing bits (else two texts would carry one
// signature).
const ALPHABET = /^[A-Za-z0-9_-]*$/;

export function decodeBase64urlNative(text: string): Uint8Array | null {
  const rest = text.length % 4;
  if (rest === 1 || !ALPHABET.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  // The last group's unused bits must be zero: the last 1 or 2 bytes, encoded again, give the same characters.
  if (rest !== 0 && Buffer.from(bytes.subarray(bytes.length - (rest - 1))).toString('base64url') !== text.slice(-rest)) return null;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
