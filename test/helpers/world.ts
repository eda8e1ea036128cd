// A test world made at test time: a national root, issuers with ES256 and
// EdDSA keys, a trust bundle, and a pinned clock. No key is read from disk.
import { encodeBase64url } from '../../main/verify/base64url.js';
import { newSigningKey, signBundle, signCode, type SigningKey } from '../../main/issuer/sign.js';
import { verifyBundle, type PinnedRoot, type TrustSnapshot } from '../../main/verify/trust.js';
import { readRootKeys } from '../../main/trust/trust-store.js';

/** The pinned validation clock: 2026-11-29T08:00:00Z. */
export const T0 = Date.UTC(2026, 10, 29, 8, 0, 0) / 1000;
export const DAY = 86_400;

export interface World {
  root: SigningKey;
  roots: PinnedRoot[];
  zj: SigningKey; // CN-ZJ, ES256
  gd: SigningKey; // CN-GD, EdDSA
  bj: SigningKey; // CN-BJ, ES256
  bjOld: SigningKey; // CN-BJ, revoked
  zjFuture: SigningKey; // CN-ZJ, valid only from T0 + 10 days
  bundlePayload: Record<string, unknown>;
  bundle: string;
  trust: TrustSnapshot;
}

export async function makeWorld(opts: { seq?: number; iat?: number; exp?: number } = {}): Promise<World> {
  const root = await newSigningKey('ES256', 'root-test-1');
  const roots = await readRootKeys(JSON.stringify(root.publicJwk), 'test root');
  const zj = await newSigningKey('ES256', 'zj-2026-1');
  const gd = await newSigningKey('EdDSA', 'gd-2026-1');
  const bj = await newSigningKey('ES256', 'bj-2026-1');
  const bjOld = await newSigningKey('ES256', 'bj-2025-3');
  const zjFuture = await newSigningKey('ES256', 'zj-2027-1');
  const bundlePayload = {
    iss: 'CN-NHC',
    seq: opts.seq ?? 17,
    iat: opts.iat ?? T0 - DAY,
    exp: opts.exp ?? T0 + 30 * DAY,
    issuers: [
      {
        id: 'CN-ZJ',
        name: { zh: '浙江省', en: 'Zhejiang' },
        keys: [
          { ...zj.publicJwk, nbf: T0 - 365 * DAY, exp: T0 + 365 * DAY },
          { ...zjFuture.publicJwk, nbf: T0 + 10 * DAY, exp: T0 + 400 * DAY },
        ],
        revoked: [],
      },
      { id: 'CN-GD', name: { zh: '广东省', en: 'Guangdong' }, keys: [{ ...gd.publicJwk }] },
      { id: 'CN-BJ', name: { zh: '北京市', en: 'Beijing' }, keys: [{ ...bj.publicJwk }, { ...bjOld.publicJwk }], revoked: ['bj-2025-3'] },
    ],
  };
  const bundle = await signBundle(bundlePayload, root);
  const trust = await verifyBundle(bundle, roots, { nowS: T0, installedSeq: null, allowExpired: true });
  return { root, roots, zj, gd, bj, bjOld, zjFuture, bundlePayload, bundle, trust };
}

/** Claims of a fresh green code from CN-ZJ at T0. */
export function claims(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: 'CN-ZJ', sub: 'holder-0001', st: 'green', iat: T0 - 30, exp: T0 + 3600, nm: '张*', ...over };
}

export function code(key: SigningKey, over: Record<string, unknown> = {}): Promise<string> {
  return signCode(claims(over), key);
}

const te = new TextEncoder();

export function b64json(value: unknown): string {
  return encodeBase64url(te.encode(typeof value === 'string' ? value : JSON.stringify(value)));
}

/**
 * A PHC1 code with any header and payload, truly signed by `key` over exactly
 * those bytes: for attacks whose signature is genuine but whose form is not.
 */
export async function rawCode(header: unknown, payload: unknown, key: SigningKey): Promise<string> {
  const signingInput = `${b64json(header)}.${b64json(payload)}`;
  const params = key.alg === 'ES256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'Ed25519' };
  const sig = new Uint8Array(await crypto.subtle.sign(params, key.privateKey, te.encode(signingInput)));
  return `PHC1:${signingInput}.${encodeBase64url(sig)}`;
}
