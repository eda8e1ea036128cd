// The central service's public key, pinned on the kiosk at enrollment
// (`sentinel enroll` writes it from the service's answer; nothing else
// does): a file of its own in the data directory, `central-key.json`,
// beside the device key — not a configuration setting, so neither a
// technician's form nor `sentinel config set` can change it. From then on
// the sync client marks checks synced only on a receipt signed by this key
// (main/sync/receipt.ts). A kiosk without the file (enrolled before
// receipts, or with a service that signs none) syncs as before and its
// status says 'unpinned'. A file that is there but damaged marks nothing:
// it fails closed, and says to enroll again.
import type { ServiceKeyJwk } from '../contract/service-key.js';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { importJWK } from 'jose';
import type { DataDir } from '../data-dir.js';
import { isJsonObject } from '../verify/jws.js';

export const SERVICE_KEY_FILE = 'central-key.json';

export type { ServiceKeyJwk } from '../contract/service-key.js';

export interface ServicePin {
  kid: string;
  jwk: ServiceKeyJwk;
  /** The service it was pinned from, and when (for people reading the file). */
  endpoint: string;
  pinnedAtMs: number;
}

export type PinState = { kind: 'none' } | { kind: 'pinned'; pin: ServicePin; key: () => Promise<CryptoKey> } | { kind: 'damaged'; problem: string };

const COORDINATE = /^[A-Za-z0-9_-]{43}$/;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** RFC 7638 thumbprint of a P-256 public key (its required members, in lexical order). */
export function p256Thumbprint(x: string, y: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ crv: 'P-256', kty: 'EC', x, y }))
    .digest('base64url');
}

/**
 * The `serviceKey` member of an enrollment answer, checked: a public EC
 * P-256 key for ES256, its kid (when given) its thumbprint. Throws an Error
 * saying what is wrong.
 */
export function readServiceKey(raw: unknown): ServiceKeyJwk {
  if (!isJsonObject(raw)) throw new Error('the service key is not a JWK');
  const priv = PRIVATE_MEMBERS.filter((m) => m in raw);
  if (priv.length > 0) throw new Error(`the service key holds private members (${priv.join(', ')})`);
  if (raw.kty !== 'EC' || raw.crv !== 'P-256') throw new Error('the service key is not an EC P-256 key');
  if (typeof raw.x !== 'string' || typeof raw.y !== 'string' || !COORDINATE.test(raw.x) || !COORDINATE.test(raw.y)) throw new Error('the service key lacks its x and y coordinates');
  if (raw.alg !== undefined && raw.alg !== 'ES256') throw new Error('the service key is not for ES256');
  const kid = p256Thumbprint(raw.x, raw.y);
  if (raw.kid !== undefined && raw.kid !== kid) throw new Error(`the service key's kid is not its thumbprint (${kid})`);
  return { kty: 'EC', crv: 'P-256', x: raw.x, y: raw.y, kid, alg: 'ES256', use: 'sig' };
}

async function importPublic(jwk: ServiceKeyJwk): Promise<CryptoKey> {
  const key = await importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'ES256');
  if (key instanceof Uint8Array) throw new Error('not an asymmetric key');
  return key;
}

/** Checks the key is a point on the curve (WebCrypto imports it); throws otherwise. */
export async function checkServiceKeyImports(jwk: ServiceKeyJwk): Promise<void> {
  try {
    await importPublic(jwk);
  } catch {
    throw new Error('the service key is not a point on P-256');
  }
}

/** Pins the key (the file written whole, 0600 like everything in the data directory). */
export function pinServiceKey(dir: DataDir, pin: ServicePin): void {
  dir.writeAtomic(SERVICE_KEY_FILE, JSON.stringify({ version: 1, kid: pin.kid, jwk: pin.jwk, endpoint: pin.endpoint, pinnedAtMs: pin.pinnedAtMs }, null, 2) + '\n');
}

/** Removes the pin (an enrollment with a service that signs no receipts); whether there was one. */
export function unpinServiceKey(dir: DataDir): boolean {
  const file = dir.path(SERVICE_KEY_FILE);
  const was = fs.existsSync(file);
  fs.rmSync(file, { force: true });
  return was;
}

/** The pin file read and checked; never throws for what it finds there. */
export function readPin(text: string | null): { kind: 'none' } | { kind: 'pinned'; pin: ServicePin } | { kind: 'damaged'; problem: string } {
  if (text === null) return { kind: 'none' };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { kind: 'damaged', problem: 'it is not JSON' };
  }
  if (!isJsonObject(doc) || doc.version !== 1) return { kind: 'damaged', problem: 'it is not a pin Sentinel wrote' };
  let jwk: ServiceKeyJwk;
  try {
    jwk = readServiceKey(doc.jwk);
  } catch (err) {
    return { kind: 'damaged', problem: (err as Error).message };
  }
  if (doc.kid !== jwk.kid) return { kind: 'damaged', problem: "its kid is not its key's thumbprint" };
  return {
    kind: 'pinned',
    pin: { kid: jwk.kid, jwk, endpoint: typeof doc.endpoint === 'string' ? doc.endpoint : '', pinnedAtMs: typeof doc.pinnedAtMs === 'number' ? doc.pinnedAtMs : 0 },
  };
}

/**
 * The pin of a data directory as it is now: read again whenever the file
 * changes (a re-enrollment while the kiosk runs takes effect at its next
 * push), its key imported once per pin.
 */
export class ServiceKeyPin {
  private stamp: string | null = null;
  private current: PinState = { kind: 'none' };

  constructor(private readonly dir: DataDir) {}

  get file(): string {
    return this.dir.path(SERVICE_KEY_FILE);
  }

  state(): PinState {
    const stamp = this.dir.stamp(SERVICE_KEY_FILE);
    if (stamp === this.stamp) return this.current;
    let read: ReturnType<typeof readPin>;
    try {
      read = readPin(this.dir.readText(SERVICE_KEY_FILE));
    } catch (err) {
      read = { kind: 'damaged', problem: (err as Error).message };
    }
    if (read.kind === 'pinned') {
      let imported: Promise<CryptoKey> | null = null;
      const { jwk } = read.pin;
      this.current = {
        kind: 'pinned',
        pin: read.pin,
        key: () => {
          imported ??= importPublic(jwk);
          return imported;
        },
      };
    } else this.current = read;
    this.stamp = stamp;
    return this.current;
  }
}
