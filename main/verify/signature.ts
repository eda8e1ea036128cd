// The one signature check every verification goes through: codes, trust
// bundles, and the external test vectors. It calls WebCrypto directly,
// the same primitive jose uses underneath, so that the raw-message vectors
// (Wycheproof) exercise exactly what a scan exercises.
import type { CodeAlg } from '../contract/code.js';

const PARAMS: Readonly<Record<CodeAlg, AlgorithmIdentifier | EcdsaParams>> = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};

/** Expected key algorithm for each JWS alg; a key of another kind verifies nothing. */
const KEY_ALGORITHM: Readonly<Record<CodeAlg, string>> = { ES256: 'ECDSA', EdDSA: 'Ed25519' };

/** Both algorithms use fixed-size raw signatures: P-256 r||s and Ed25519 R||S. */
const SIGNATURE_BYTES = 64;

export async function checkSignature(alg: CodeAlg, key: CryptoKey, signingInput: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (signature.length !== SIGNATURE_BYTES) return false;
  if (key.type !== 'public' || key.algorithm.name !== KEY_ALGORITHM[alg]) return false;
  if (alg === 'ES256' && (key.algorithm as EcKeyAlgorithm).namedCurve !== 'P-256') return false;
  try {
    return await crypto.subtle.verify(PARAMS[alg], key, signature as Uint8Array<ArrayBuffer>, signingInput as Uint8Array<ArrayBuffer>);
  } catch {
    // WebCrypto throws on some malformed inputs; for us that is simply "does not verify".
    return false;
  }
}
