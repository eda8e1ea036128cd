// The one signature check every verification goes through: codes of every
// format, trust bundles, and the external test vectors. It calls WebCrypto
// directly, the same primitive jose uses underneath, so that the raw-message
// vectors (Wycheproof) exercise exactly what a scan exercises.
import type { CodeAlg } from '../contract/code.js';

/**
 * Every algorithm a signature may be checked with: PHC1's (and trust
 * bundles'), and PS256, which EU DCC signers may use (COSE alg -37,
 * RSASSA-PSS with SHA-256 and a 32-byte salt).
 */
export type SignatureAlg = CodeAlg | 'PS256';

const PARAMS: Readonly<Record<SignatureAlg, AlgorithmIdentifier | EcdsaParams | RsaPssParams>> = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
  PS256: { name: 'RSA-PSS', saltLength: 32 },
};

/** Expected key algorithm for each alg; a key of another kind verifies nothing. */
const KEY_ALGORITHM: Readonly<Record<SignatureAlg, string>> = { ES256: 'ECDSA', EdDSA: 'Ed25519', PS256: 'RSA-PSS' };

/** ES256 and EdDSA use fixed-size raw signatures: P-256 r||s and Ed25519 R||S. */
const FIXED_SIGNATURE_BYTES: Readonly<Record<SignatureAlg, number | null>> = { ES256: 64, EdDSA: 64, PS256: null };

/** The smallest RSA modulus a PS256 signer may have (formats.md §2). */
export const MIN_RSA_BITS = 2048;

export async function checkSignature(alg: SignatureAlg, key: CryptoKey, signingInput: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const fixed = FIXED_SIGNATURE_BYTES[alg];
  if (fixed !== null && signature.length !== fixed) return false;
  if (key.type !== 'public' || key.algorithm.name !== KEY_ALGORITHM[alg]) return false;
  if (alg === 'ES256' && (key.algorithm as EcKeyAlgorithm).namedCurve !== 'P-256') return false;
  if (alg === 'PS256') {
    const rsa = key.algorithm as RsaHashedKeyAlgorithm;
    if (rsa.modulusLength < MIN_RSA_BITS || rsa.hash.name !== 'SHA-256' || signature.length !== rsa.modulusLength / 8) return false;
  }
  try {
    return await crypto.subtle.verify(PARAMS[alg], key, signature as Uint8Array<ArrayBuffer>, signingInput as Uint8Array<ArrayBuffer>);
  } catch {
    // WebCrypto throws on some malformed inputs; for us that is simply "does not verify".
    return false;
  }
}

/** The order n of the P-256 group: an ECDSA signature (r, s) has the twin (r, n − s), which verifies as well. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function bigIntOf(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/**
 * One of the two texts every P-256 signature has (r||s and r||(n − s)): the
 * one with the smaller s. Whatever keys on a signature — a SMART Health
 * Card's holder pseudonym, and so anti-passback — must key on this, or the
 * twin of a card would be a new holder. A 64-byte r||s in, the same out
 * when s is already low; anything else is returned as given.
 */
export function lowSP256(signature: Uint8Array): Uint8Array {
  if (signature.length !== 64) return signature;
  const s = bigIntOf(signature.subarray(32));
  // s ≥ n is no signature at all (it never verifies): nothing to choose between.
  if (s <= P256_ORDER / 2n || s >= P256_ORDER) return signature;
  const low = P256_ORDER - s;
  const out = new Uint8Array(64);
  out.set(signature.subarray(0, 32));
  for (let i = 63, v = low; i >= 32; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}
