// The issuing side of PHC1, for the demo, the tests and the benchmarks: an
// issuer signs codes, the national root signs trust bundles. The kiosk never
// signs a code; it only holds the demo keys shipped in keys/demo.
import { CompactSign, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { PHC1_PREFIX, type CodeAlg } from '../contract/code.js';
import { TRUST_BUNDLE_TYP } from '../contract/trust.js';
import { CODE_TYP } from '../verify/code.js';
import { algForJwk } from '../verify/trust.js';

export interface SigningKey {
  kid: string;
  alg: CodeAlg;
  privateKey: CryptoKey;
  /** The public JWK, with kid and alg, as a bundle lists it. */
  publicJwk: JWK;
}

const encoder = new TextEncoder();

export async function signCode(claims: Record<string, unknown>, key: SigningKey): Promise<string> {
  const jws = await new CompactSign(encoder.encode(JSON.stringify(claims))).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CODE_TYP }).sign(key.privateKey);
  return PHC1_PREFIX + jws;
}

export async function signBundle(payload: Record<string, unknown>, root: SigningKey): Promise<string> {
  return new CompactSign(encoder.encode(JSON.stringify(payload))).setProtectedHeader({ alg: root.alg, kid: root.kid, typ: TRUST_BUNDLE_TYP }).sign(root.privateKey);
}

export async function newSigningKey(alg: CodeAlg, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

/** A signing key from a private JWK (which must carry its kid). */
export async function signingKeyFromJwk(jwk: JWK): Promise<SigningKey> {
  const alg = algForJwk(jwk as Record<string, unknown>);
  if (!alg || typeof jwk.kid !== 'string' || typeof jwk.d !== 'string') {
    throw new Error('not a private P-256 or Ed25519 JWK with a kid');
  }
  const privateKey = await importJWK(jwk, alg);
  if (privateKey instanceof Uint8Array) throw new Error('not an asymmetric key');
  const { d: _d, ...pub } = jwk;
  return { kid: jwk.kid, alg, privateKey, publicJwk: { ...pub, alg, use: 'sig' } };
}

export async function exportPrivateJwk(key: SigningKey): Promise<JWK> {
  return { ...(await exportJWK(key.privateKey)), kid: key.kid, alg: key.alg };
}
