// The kiosk's own ES256 key pair (spec §6): made on first use, private part
// 0600 in the data directory; its RFC 7638 thumbprint is the device id the
// central service enrolls.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { DATA_FILES, DataDirError, type DataDir } from '../data-dir.js';

export interface DeviceIdentity {
  deviceId: string;
  /** Public JWK, with kid = deviceId. */
  jwk: JWK;
  privateKey: CryptoKey;
}

async function fromPrivateJwk(priv: JWK): Promise<DeviceIdentity> {
  const { kty, crv, x, y } = priv;
  if (kty !== 'EC' || crv !== 'P-256' || !x || !y || !priv.d) throw new Error('not a P-256 private key');
  const pub: JWK = { kty, crv, x, y };
  const deviceId = await calculateJwkThumbprint(pub, 'sha256');
  const privateKey = await importJWK(priv, 'ES256');
  if (privateKey instanceof Uint8Array) throw new Error('not an asymmetric key');
  return { deviceId, jwk: { ...pub, kid: deviceId, alg: 'ES256', use: 'sig' }, privateKey };
}

export async function loadOrCreateDeviceIdentity(dir: DataDir): Promise<DeviceIdentity> {
  const file = dir.path(DATA_FILES.deviceKey);
  let text = dir.readText(DATA_FILES.deviceKey);
  if (text === null) {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    // If another process made one first, theirs is the kiosk's key.
    dir.createExclusive(DATA_FILES.deviceKey, JSON.stringify(jwk) + '\n', 0o600);
    text = dir.readText(DATA_FILES.deviceKey) ?? '';
  }
  try {
    return await fromPrivateJwk(JSON.parse(text) as JWK);
  } catch (err) {
    throw new DataDirError(`${file} is damaged (${(err as Error).message}); the kiosk must be enrolled again`);
  }
}
