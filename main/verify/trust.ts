// Trust bundles (spec §2): verified against the pinned roots, then turned
// into a snapshot whose keys are imported once, so a scan never imports.
import { importJWK, type JWK } from 'jose';
import { CODE_ALGS, CODE_FORMATS, ISSUER_ID_PATTERN, type CodeAlg, type CodeFormat, type DccType, type IssuerName } from '../contract/code.js';
import { MAX_BUNDLE_CHARS, TRUST_BUNDLE_TYP, type TrustBundleInfo, type TrustedIssuerInfo, type TrustedKeyInfo } from '../contract/trust.js';
import { isJsonObject, parseJsonObject, splitCompact } from './jws.js';
import { checkSignature } from './signature.js';
import { readDccEntry } from './formats/dcc-trust.js';
import { readShcEntry } from './formats/shc-trust.js';

export interface TrustedKey extends TrustedKeyInfo {
  key: CryptoKey;
}

export interface TrustedIssuer extends TrustedIssuerInfo {
  keysByKid: ReadonlyMap<string, TrustedKey>;
  revokedKids: ReadonlySet<string>;
}

/** A DCC Document Signer Certificate from a `dcc` entry (formats.md §2), its key imported. */
export interface TrustedDsc {
  /** Standard base64 of the 8-byte kid. */
  kid: string;
  /** The bundle entry it is listed in (DCC-AT), its country and name. */
  entryId: string;
  country: string;
  name: IssuerName;
  alg: 'ES256' | 'PS256';
  key: CryptoKey;
  /** The certificate types its extended key usages allow; null = any. */
  types: readonly DccType[] | null;
}

/** Every `dcc` entry of a bundle, indexed as a scan looks them up. */
export interface DccTrust {
  /** By kid across all entries; a kid two certificates share lists both. */
  byKid: ReadonlyMap<string, readonly TrustedDsc[]>;
  /** Revoked kids, of any entry. */
  revokedKids: ReadonlySet<string>;
  /** The countries the bundle has an entry for (UNKNOWN_KEY rather than UNKNOWN_ISSUER). */
  countries: ReadonlySet<string>;
}

/** An SHC issuer's key (formats.md §3): ES256, named by its RFC 7638 thumbprint. */
export interface TrustedShcKey {
  kid: string;
  key: CryptoKey;
}

/** A card revocation (formats.md §3): a bare rid always; `rid.timestamp` for cards with nbf before it. */
export interface RevokedCard {
  rid: string;
  /** Seconds; null for a bare rid. */
  before: number | null;
}

/** A `shc` entry ready for scanning. */
export interface TrustedShcIssuer {
  /** Its iss, an https URL. */
  id: string;
  name: IssuerName;
  keysByKid: ReadonlyMap<string, TrustedShcKey>;
  /** Revoked cards by the kid of the key that signed them. */
  crl: ReadonlyMap<string, readonly RevokedCard[]>;
}

/** An installed bundle ready for scanning. Immutable: a new bundle is a new snapshot. */
export interface TrustSnapshot {
  info: TrustBundleInfo;
  /** The compact JWS it came from, kept so it can be stored byte for byte. */
  jws: string;
  /** PHC1 issuers by id. */
  issuers: ReadonlyMap<string, TrustedIssuer>;
  dcc: DccTrust;
  /** SHC issuers by iss. */
  shc: ReadonlyMap<string, TrustedShcIssuer>;
}

/** A root key pinned in the kiosk's configuration. */
export interface PinnedRoot {
  kid: string;
  alg: CodeAlg;
  key: CryptoKey;
  /** The public JWK as pinned (for display and storage). */
  jwk: JWK;
}

export type BundleProblem = 'malformed' | 'forbidden-header' | 'foreign-root' | 'bad-signature' | 'private-key' | 'bad-key' | 'expired' | 'rollback';

export class BundleRefused extends Error {
  constructor(
    readonly problem: BundleProblem,
    message: string,
  ) {
    super(message);
    this.name = 'BundleRefused';
  }
}

/** JWK members that only private or symmetric keys carry. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export function privateMembersOf(jwk: Record<string, unknown>): string[] {
  return PRIVATE_MEMBERS.filter((m) => m in jwk);
}

/** Which alg a public JWK can be used with, from its type and curve; null if neither. */
export function algForJwk(jwk: Record<string, unknown>): CodeAlg | null {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  return null;
}

/** Imports the public part of an ES256 or EdDSA JWK, refusing private keys. */
export async function importPublicKey(jwk: Record<string, unknown>, where: string): Promise<{ alg: CodeAlg; key: CryptoKey }> {
  const priv = privateMembersOf(jwk);
  if (priv.length > 0) throw new BundleRefused('private-key', `${where} holds private key material (${priv.join(', ')})`);
  const alg = algForJwk(jwk);
  if (!alg) throw new BundleRefused('bad-key', `${where} is not a P-256 or Ed25519 public key`);
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    throw new BundleRefused('bad-key', `${where} says alg ${String(jwk.alg)} but is a ${alg} key`);
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new BundleRefused('bad-key', `${where} is not a signing key (use ${String(jwk.use)})`);
  const publicOnly: JWK = alg === 'ES256' ? { kty: 'EC', crv: 'P-256', x: jwk.x as string, y: jwk.y as string } : { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string };
  if (typeof jwk.x !== 'string' || (alg === 'ES256' && typeof jwk.y !== 'string')) {
    throw new BundleRefused('bad-key', `${where} lacks its public coordinates`);
  }
  try {
    const key = await importJWK(publicOnly, alg);
    if (key instanceof Uint8Array) throw new Error('symmetric');
    return { alg, key };
  } catch {
    throw new BundleRefused('bad-key', `${where} is not a valid ${alg} public key`);
  }
}

export interface BundleCheckOptions {
  /** The time to judge expiry at, seconds since the epoch. */
  nowS: number;
  /** The installed bundle's seq; a new bundle must be greater. Null when none is installed. */
  installedSeq: number | null;
  /** True when re-loading the bundle already installed: an expired one still loads (TRUST_EXPIRED). */
  allowExpired: boolean;
}

const BUNDLE_HEADER_MEMBERS = new Set(['alg', 'kid', 'typ']);

function finiteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function optionalTime(value: unknown, where: string): number | null {
  if (value === undefined || value === null) return null;
  if (!finiteNumber(value)) throw new BundleRefused('malformed', `${where} must be a NumericDate`);
  return value;
}

/**
 * Verifies a compact trust bundle against the pinned roots and imports its
 * keys. Throws BundleRefused with the problem and a sentence naming it.
 */
export async function verifyBundle(jws: string, roots: readonly PinnedRoot[], opts: BundleCheckOptions): Promise<TrustSnapshot> {
  const text = jws.trim();
  if (text.length > MAX_BUNDLE_CHARS) throw new BundleRefused('malformed', 'the bundle is larger than 1 MB');
  const parts = splitCompact(text);
  if (!parts) throw new BundleRefused('malformed', 'the bundle is not a compact JWS');
  const { header } = parts;
  for (const member of Object.keys(header)) {
    if (!BUNDLE_HEADER_MEMBERS.has(member)) throw new BundleRefused('forbidden-header', `the bundle header carries "${member}"`);
  }
  if (header.typ !== TRUST_BUNDLE_TYP) throw new BundleRefused('forbidden-header', `the bundle's typ is not ${TRUST_BUNDLE_TYP}`);
  if (typeof header.alg !== 'string' || !(CODE_ALGS as readonly string[]).includes(header.alg)) {
    throw new BundleRefused('forbidden-header', `the bundle's alg ${String(header.alg)} is not ES256 or EdDSA`);
  }
  const root = roots.find((r) => r.kid === header.kid);
  if (!root) {
    throw new BundleRefused('foreign-root', `the bundle is signed by root "${String(header.kid)}", which is not pinned here`);
  }
  if (root.alg !== header.alg) throw new BundleRefused('forbidden-header', `root ${root.kid} signs with ${root.alg}, not ${header.alg}`);
  if (!(await checkSignature(root.alg, root.key, parts.signingInput, parts.signature))) {
    throw new BundleRefused('bad-signature', `the bundle's signature does not verify with root ${root.kid}`);
  }
  const body = parseJsonObject(parts.payloadBytes);
  if (!body) throw new BundleRefused('malformed', 'the bundle payload is not a JSON object');
  const info = await readBundleBody(body, root.kid);
  if (!opts.allowExpired && opts.nowS >= info.exp) {
    throw new BundleRefused('expired', `the bundle expired at ${new Date(info.exp * 1000).toISOString()}`);
  }
  if (opts.installedSeq !== null && info.seq <= opts.installedSeq) {
    throw new BundleRefused('rollback', `the bundle's seq ${info.seq} is not newer than the installed seq ${opts.installedSeq}`);
  }
  return { info: info.info, jws: text, issuers: info.issuers, dcc: info.dcc, shc: info.shc };
}

/** An entry's format: absent means phc1 (bundles written before formats.md). */
function entryFormat(raw: Record<string, unknown>, where: string): CodeFormat {
  if (raw.format === undefined) return 'phc1';
  if (typeof raw.format !== 'string' || !(CODE_FORMATS as readonly string[]).includes(raw.format)) {
    throw new BundleRefused('malformed', `${where}.format must be one of ${CODE_FORMATS.join(', ')}`);
  }
  return raw.format as CodeFormat;
}

interface BundleBody {
  info: TrustBundleInfo;
  issuers: Map<string, TrustedIssuer>;
  dcc: DccTrust;
  shc: Map<string, TrustedShcIssuer>;
  seq: number;
  exp: number;
}

async function readBundleBody(body: Record<string, unknown>, rootKid: string): Promise<BundleBody> {
  const { iss, seq, iat, exp, issuers } = body;
  if (typeof iss !== 'string' || iss.length === 0) throw new BundleRefused('malformed', 'the bundle has no iss');
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw new BundleRefused('malformed', 'the bundle seq is not a whole number');
  if (!finiteNumber(iat) || !finiteNumber(exp)) throw new BundleRefused('malformed', 'the bundle iat and exp must be NumericDates');
  if (exp <= iat) throw new BundleRefused('malformed', 'the bundle expires before it was issued');
  if (!Array.isArray(issuers)) throw new BundleRefused('malformed', 'the bundle has no issuers list');

  const byId = new Map<string, TrustedIssuer>();
  const infos: TrustedIssuerInfo[] = [];
  const ids = new Set<string>();
  const dscsByKid = new Map<string, TrustedDsc[]>();
  const dccRevoked = new Set<string>();
  const countries = new Set<string>();
  const shc = new Map<string, TrustedShcIssuer>();
  for (const [i, raw] of issuers.entries()) {
    const where = `issuers[${i}]`;
    if (!isJsonObject(raw)) throw new BundleRefused('malformed', `${where} is not an object`);
    const format = entryFormat(raw, where);
    if (format === 'dcc') {
      const entry = await readDccEntry(raw, where);
      if (ids.has(entry.info.id)) throw new BundleRefused('malformed', `issuer ${entry.info.id} is listed twice`);
      ids.add(entry.info.id);
      infos.push(entry.info);
      countries.add(entry.info.country!);
      for (const kid of entry.info.revoked) dccRevoked.add(kid);
      for (const dsc of entry.dscs) dscsByKid.set(dsc.kid, [...(dscsByKid.get(dsc.kid) ?? []), dsc]);
      continue;
    }
    if (format === 'shc') {
      const entry = await readShcEntry(raw, where);
      if (ids.has(entry.info.id)) throw new BundleRefused('malformed', `issuer ${entry.info.id} is listed twice`);
      ids.add(entry.info.id);
      infos.push(entry.info);
      shc.set(entry.issuer.id, entry.issuer);
      continue;
    }
    const id = raw.id;
    if (typeof id !== 'string' || !ISSUER_ID_PATTERN.test(id)) throw new BundleRefused('malformed', `${where}.id is not an issuer id such as CN-ZJ`);
    if (ids.has(id)) throw new BundleRefused('malformed', `issuer ${id} is listed twice`);
    ids.add(id);
    const name = raw.name === undefined ? { zh: id, en: id } : raw.name;
    if (!isJsonObject(name) || typeof name.zh !== 'string' || typeof name.en !== 'string') {
      throw new BundleRefused('malformed', `${where}.name must have zh and en strings`);
    }
    const revoked = raw.revoked === undefined ? [] : raw.revoked;
    if (!Array.isArray(revoked) || !revoked.every((k) => typeof k === 'string')) {
      throw new BundleRefused('malformed', `${where}.revoked must be a list of key ids`);
    }
    if (!Array.isArray(raw.keys)) throw new BundleRefused('malformed', `${where}.keys must be a list`);
    const keysByKid = new Map<string, TrustedKey>();
    for (const [k, jwk] of raw.keys.entries()) {
      const kwhere = `${id} keys[${k}]`;
      if (!isJsonObject(jwk)) throw new BundleRefused('malformed', `${kwhere} is not a JWK`);
      const priv = privateMembersOf(jwk);
      if (priv.length > 0) throw new BundleRefused('private-key', `${kwhere} holds private key material (${priv.join(', ')})`);
      if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) throw new BundleRefused('malformed', `${kwhere} has no kid`);
      if (keysByKid.has(jwk.kid)) throw new BundleRefused('malformed', `${id} lists key ${jwk.kid} twice`);
      const nbf = optionalTime(jwk.nbf, `${kwhere}.nbf`);
      const kexp = optionalTime(jwk.exp, `${kwhere}.exp`);
      const { alg, key } = await importPublicKey(jwk, kwhere);
      keysByKid.set(jwk.kid, { kid: jwk.kid, alg, nbf, exp: kexp, key });
    }
    const keys = [...keysByKid.values()].map(({ kid, alg, nbf, exp: e }) => ({ kid, alg, nbf, exp: e }));
    const issuerInfo: TrustedIssuerInfo = { id, format: 'phc1', name: { zh: name.zh, en: name.en }, keys, revoked: [...(revoked as string[])] };
    infos.push(issuerInfo);
    byId.set(id, { ...issuerInfo, keysByKid, revokedKids: new Set(revoked as string[]) });
  }
  const info: TrustBundleInfo = { iss, seq, iat, exp, rootKid, issuers: infos };
  return { info, issuers: byId, dcc: { byKid: dscsByKid, revokedKids: dccRevoked, countries }, shc, seq, exp };
}
