// A kiosk's device key as the service knows it: the public P-256 JWK it
// sent at enrollment, named by its RFC 7638 thumbprint (the id the kiosk
// puts in every batch's kid, main/device/device-key.ts). Imported keys are
// kept by their JWK, so a busy device's key is not imported per batch;
// whether the device may still send is read from the store every time.
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { ENROLL_PROOF_TYP } from '../main/contract/enrollment.js';
import { isJsonObject, parseJsonObject, splitCompact } from '../main/verify/jws.js';
import { checkSignature } from '../main/verify/signature.js';
import { decodeBase64urlNative } from './base64url.js';
import { privateMembersOf } from '../main/verify/trust.js';
import { Refused } from './refused.js';

/** The public members of a device key, exactly what is stored. */
export interface DeviceJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

const COORDINATE = /^[A-Za-z0-9_-]{43}$/;

/** Reads the JWK a kiosk enrolls with; its id is the thumbprint. Throws Refused (400) naming what is wrong. */
export async function readDeviceJwk(raw: unknown): Promise<{ id: string; jwk: DeviceJwk }> {
  if (!isJsonObject(raw)) throw new Refused(400, 'malformed', 'jwk must be a JSON object (the public key of sentinel device show)');
  const priv = privateMembersOf(raw);
  if (priv.length > 0) throw new Refused(400, 'private-key', `the jwk holds private key material (${priv.join(', ')}): send only the public key`);
  if (raw.kty !== 'EC' || raw.crv !== 'P-256') throw new Refused(400, 'malformed', 'the device key must be an EC P-256 key (ES256)');
  if (typeof raw.x !== 'string' || typeof raw.y !== 'string' || !COORDINATE.test(raw.x) || !COORDINATE.test(raw.y)) {
    throw new Refused(400, 'malformed', 'the device key lacks its x and y coordinates');
  }
  if (raw.alg !== undefined && raw.alg !== 'ES256') throw new Refused(400, 'malformed', 'the device key must be for ES256');
  const jwk: DeviceJwk = { kty: 'EC', crv: 'P-256', x: raw.x, y: raw.y };
  try {
    await importJWK(jwk as JWK, 'ES256');
  } catch {
    throw new Refused(400, 'malformed', 'the device key is not a point on P-256');
  }
  const id = await calculateJwkThumbprint(jwk as JWK, 'sha256');
  if (raw.kid !== undefined && raw.kid !== id) throw new Refused(400, 'malformed', `the jwk's kid is not its RFC 7638 thumbprint (${id})`);
  return { id, jwk };
}

const MAX_KEYS = 10_000;
const keys = new Map<string, Promise<CryptoKey>>();

/** The verifying key of a stored device JWK, imported once per process. */
export function deviceKey(jwk: DeviceJwk): Promise<CryptoKey> {
  const cacheKey = `${jwk.x}.${jwk.y}`;
  let key = keys.get(cacheKey);
  if (!key) {
    if (keys.size >= MAX_KEYS) keys.clear();
    key = importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'ES256').then((k) => {
      if (k instanceof Uint8Array) throw new Error('not an asymmetric key');
      return k;
    });
    key.catch(() => keys.delete(cacheKey));
    keys.set(cacheKey, key);
  }
  return key;
}

/**
 * Checks that the enrolling kiosk holds the key it sends
 * (main/contract/enrollment.ts): the proof must be a JWS of exactly that
 * typ and kid, over this token and device, verifying with the sent key.
 * Refused 400 when missing or not a proof, 401 when it does not verify.
 */
export async function checkEnrollProof(raw: unknown, expected: { id: string; jwk: DeviceJwk; token: string }): Promise<void> {
  if (raw === undefined || raw === null) {
    throw new Refused(400, 'no-proof', 'the enrollment carries no proof that the kiosk holds the key it sends (a JWS over the token signed by the device key): update the kiosk');
  }
  const parts = typeof raw === 'string' && raw.length <= 4096 ? splitCompact(raw, decodeBase64urlNative) : null;
  if (!parts) throw new Refused(400, 'malformed', 'proof must be a compact JWS');
  const { header } = parts;
  if (Object.keys(header).some((m) => m !== 'alg' && m !== 'kid' && m !== 'typ') || header.alg !== 'ES256' || header.typ !== ENROLL_PROOF_TYP || header.kid !== expected.id) {
    throw new Refused(400, 'malformed', `proof's header must be exactly alg ES256, typ ${ENROLL_PROOF_TYP} and kid the device id`);
  }
  const payload = parseJsonObject(parts.payloadBytes);
  const verifies = await checkSignature('ES256', await deviceKey(expected.jwk), parts.signingInput, parts.signature);
  if (!verifies || !payload || payload.token !== expected.token || payload.device !== expected.id) {
    throw new Refused(401, 'bad-proof', 'the proof does not verify with the key sent, or is not over this token and device: nothing is enrolled');
  }
}
