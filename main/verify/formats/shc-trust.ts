// A `shc` entry of a trust bundle (formats.md §3): the issuer's key set and
// its revocation lists, keys imported once, at install and load.
//
// Each key's kid must be its RFC 7638 thumbprint, as the SMART framework
// requires of issuers. We check it here rather than trust the label: a card
// names its key only by kid, so a bundle whose kid and key disagree (a typo,
// a key swapped while assembling the bundle) would either deny every card of
// that key as UNKNOWN_KEY or, worse, file a key under another key's name.
// Refusing the bundle at install names the fault while it can still be fixed.
//
// An `x5c` chain, if a key carries one, is not judged: the national root's
// signature over the bundle is what vouches for the key here.
import { calculateJwkThumbprint } from 'jose';
import { SHC_ISSUER_PATTERN, type IssuerName } from '../../contract/code.js';
import type { TrustedIssuerInfo } from '../../contract/trust.js';
import { isJsonObject } from '../jws.js';
import { BundleRefused, algForJwk, importPublicKey, privateMembersOf, type RevokedCard, type TrustedShcIssuer, type TrustedShcKey } from '../trust.js';

export interface ShcEntry {
  /** format 'shc', keys and revokedCards set. */
  info: TrustedIssuerInfo;
  issuer: TrustedShcIssuer;
}

/** An SHC rid: base64url, at most 24 characters (the SMART framework's limit). */
export const SHC_RID_PATTERN = /^[A-Za-z0-9_-]{1,24}$/;
/** A crl item: a bare rid, or `rid.timestamp` (whole seconds). */
const CRL_ITEM = /^([A-Za-z0-9_-]{1,24})(?:\.(0|[1-9]\d{0,11}))?$/;

/** An https URL, as SMART issuers are named: also the entry's id and the policy's name for it. */
export function isShcIssuerUrl(value: unknown): value is string {
  if (typeof value !== 'string' || !SHC_ISSUER_PATTERN.test(value)) return false;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

function readName(raw: unknown, id: string, where: string): IssuerName {
  if (raw === undefined) return { zh: id, en: id };
  if (!isJsonObject(raw) || typeof raw.zh !== 'string' || typeof raw.en !== 'string') {
    throw new BundleRefused('malformed', `${where}.name must have zh and en strings`);
  }
  return { zh: raw.zh, en: raw.en };
}

async function readKey(jwk: unknown, where: string): Promise<TrustedShcKey> {
  if (!isJsonObject(jwk)) throw new BundleRefused('malformed', `${where} is not a JWK`);
  const priv = privateMembersOf(jwk);
  if (priv.length > 0) throw new BundleRefused('private-key', `${where} holds private key material (${priv.join(', ')})`);
  // SMART Health Cards are ES256 only: an Ed25519 key, though PHC1 takes it, is refused.
  if (algForJwk(jwk) !== 'ES256') throw new BundleRefused('bad-key', `${where} is not an EC P-256 key (SMART Health Cards are signed with ES256)`);
  if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) throw new BundleRefused('malformed', `${where} has no kid`);
  const { key } = await importPublicKey(jwk, where);
  const thumbprint = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x as string, y: jwk.y as string }, 'sha256');
  if (jwk.kid !== thumbprint) {
    throw new BundleRefused('bad-key', `${where} has kid ${jwk.kid}, but its RFC 7638 thumbprint is ${thumbprint}`);
  }
  return { kid: jwk.kid, key };
}

function readCrl(raw: unknown, kids: ReadonlySet<string>, where: string): Map<string, RevokedCard[]> {
  const crl = new Map<string, RevokedCard[]>();
  if (raw === undefined) return crl;
  if (!isJsonObject(raw)) throw new BundleRefused('malformed', `${where}.crl must be an object of key ids to lists of rids`);
  for (const [kid, items] of Object.entries(raw)) {
    const lwhere = `${where}.crl["${kid}"]`;
    if (!kids.has(kid)) throw new BundleRefused('malformed', `${lwhere} names a key the entry does not list`);
    if (!Array.isArray(items)) throw new BundleRefused('malformed', `${lwhere} must be a list of rids`);
    const cards: RevokedCard[] = [];
    const seen = new Set<string>();
    for (const [i, item] of items.entries()) {
      const m = typeof item === 'string' ? CRL_ITEM.exec(item) : null;
      if (!m) throw new BundleRefused('malformed', `${lwhere}[${i}] is not a rid (base64url, at most 24 characters) or rid.timestamp`);
      const rid = m[1]!;
      // One rid, one rule: two entries for it (bare and timed, or two times) leave its meaning to the reader's order.
      if (seen.has(rid)) throw new BundleRefused('malformed', `${lwhere} lists rid ${rid} more than once`);
      seen.add(rid);
      cards.push({ rid, before: m[2] === undefined ? null : Number(m[2]) });
    }
    crl.set(kid, cards);
  }
  return crl;
}

export async function readShcEntry(raw: Record<string, unknown>, where: string): Promise<ShcEntry> {
  const id = raw.id;
  if (!isShcIssuerUrl(id)) throw new BundleRefused('malformed', `${where}.id must be the issuer's https URL (its iss)`);
  const ewhere = `${where} (${id})`;
  const name = readName(raw.name, id, ewhere);
  if (!Array.isArray(raw.keys) || raw.keys.length === 0) throw new BundleRefused('malformed', `${ewhere}.keys must be a non-empty list of JWKs`);
  const keysByKid = new Map<string, TrustedShcKey>();
  for (const [k, jwk] of raw.keys.entries()) {
    const key = await readKey(jwk, `${ewhere} keys[${k}]`);
    if (keysByKid.has(key.kid)) throw new BundleRefused('malformed', `${ewhere} lists key ${key.kid} twice`);
    keysByKid.set(key.kid, key);
  }
  const crl = readCrl(raw.crl, new Set(keysByKid.keys()), ewhere);
  const revokedCards = [...crl.values()].reduce((n, cards) => n + cards.length, 0);
  const info: TrustedIssuerInfo = {
    id,
    format: 'shc',
    name,
    keys: [...keysByKid.keys()].map((kid) => ({ kid, alg: 'ES256', nbf: null, exp: null })),
    revoked: [],
    revokedCards,
  };
  return { info, issuer: { id, name, keysByKid, crl } };
}
