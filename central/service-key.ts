// The service's own signing key (ES256), with which it signs a receipt for
// every batch it stores (central/receipts.ts). One per store, not per
// process: it is made on first need (the first `serve`, the first batch or
// enrollment, `sentinel central key`) and kept in the store's service_keys
// table (migration 2), so every service process over one database signs with
// the same key, and a kiosk that pinned it at enrollment verifies receipts
// from any of them. Two processes making it at once both end with the one
// that was inserted first (a unique index allows one key in use).
//
// The private key is kept in the database as a JWK: whoever can read the
// store can sign receipts. Rotation (retiring the key in use and making a
// new one, kiosks re-enrolled to pin it) is left for later: the table has
// room for it (retired_at), nothing here retires a key yet.
import type { ServiceKeyJwk } from '../main/contract/service-key.js';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { isJsonObject } from '../main/verify/jws.js';
import { isoOf, type Row, type SqlQueryable } from './sql.js';

export interface ServiceKey {
  /** The RFC 7638 thumbprint of the public key: every receipt's kid. */
  kid: string;
  publicJwk: ServiceKeyJwk;
  /** A Node key object: receipts are signed with node:crypto (central/receipts.ts says why). */
  privateKey: KeyObject;
  createdAt: string;
}

const COORDINATE = /^[A-Za-z0-9_-]{43}$/;

async function keyOf(row: Row): Promise<ServiceKey> {
  const parse = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
  const priv = parse(row.private_jwk);
  const kid = String(row.kid);
  if (!isJsonObject(priv) || priv.kty !== 'EC' || priv.crv !== 'P-256' || typeof priv.d !== 'string' || typeof priv.x !== 'string' || typeof priv.y !== 'string') {
    throw new Error(`the service key ${kid} in the store is damaged (not a P-256 private key)`);
  }
  if (!COORDINATE.test(priv.x) || !COORDINATE.test(priv.y)) throw new Error(`the service key ${kid} in the store is damaged (bad coordinates)`);
  const publicJwk: ServiceKeyJwk = { kty: 'EC', crv: 'P-256', x: priv.x, y: priv.y, kid, alg: 'ES256', use: 'sig' };
  if ((await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: priv.x, y: priv.y }, 'sha256')) !== kid) {
    throw new Error(`the service key ${kid} in the store is damaged (its kid is not its thumbprint)`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: { kty: 'EC', crv: 'P-256', x: priv.x, y: priv.y, d: priv.d }, format: 'jwk' });
  } catch (err) {
    throw new Error(`the service key ${kid} in the store is damaged (${(err as Error).message})`, { cause: err });
  }
  return { kid, publicJwk, privateKey, createdAt: isoOf(row.created_at) ?? '' };
}

/** The key in use, or null when the store has none yet. */
export async function currentServiceKey(sql: SqlQueryable): Promise<ServiceKey | null> {
  const [row] = await sql.query('SELECT kid, private_jwk, created_at FROM service_keys WHERE retired_at IS NULL');
  return row ? keyOf(row) : null;
}

/**
 * The key in use, made now if the store has none. Safe to call from many
 * processes at once: a key inserted by another first wins (ON CONFLICT on
 * the one-in-use index), and this one's is thrown away unused.
 */
export async function serviceKey(sql: SqlQueryable, nowMs: number): Promise<ServiceKey> {
  const found = await currentServiceKey(sql);
  if (found) return found;
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! }, 'sha256');
  await sql.query('INSERT INTO service_keys (kid, private_jwk, created_at) VALUES ($1, $2::jsonb, $3::timestamptz) ON CONFLICT DO NOTHING', [
    kid,
    JSON.stringify({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d }),
    new Date(nowMs).toISOString(),
  ]);
  const made = await currentServiceKey(sql);
  if (!made) throw new Error('the service key could not be made in the store');
  return made;
}
