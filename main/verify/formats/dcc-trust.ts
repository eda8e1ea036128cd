// A `dcc` entry of a trust bundle (formats.md §2): its Document Signer
// Certificates parsed and their keys imported once, at install and load, so
// a scan only looks a kid up.
import { createHash, X509Certificate } from 'node:crypto';
import { ISSUER_ID_PATTERN, type DccType } from '../../contract/code.js';
import type { DscInfo, TrustedIssuerInfo } from '../../contract/trust.js';
import { isJsonObject } from '../jws.js';
import { MIN_RSA_BITS } from '../signature.js';
import { BundleRefused, type TrustedDsc } from '../trust.js';

export interface DccEntry {
  /** format 'dcc', country and certificates set. */
  info: TrustedIssuerInfo;
  dscs: TrustedDsc[];
}

/**
 * The extended key usages that limit a DSC to certificate types. The eHealth
 * Network's OIDs are under 1.3.6.1.4.1.1847.2021.1; many countries' DSCs
 * (and most of the reference suite's) carry them with a stray `.0` after
 * the enterprise arc, 1.3.6.1.4.1.0.1847.2021.1 — the EU verifier apps and
 * the suite's own checker accept both, so the kiosk does too.
 */
const EKU_TYPES: ReadonlyMap<string, DccType> = new Map([
  ['1.3.6.1.4.1.1847.2021.1.1', 't'],
  ['1.3.6.1.4.1.1847.2021.1.2', 'v'],
  ['1.3.6.1.4.1.1847.2021.1.3', 'r'],
  ['1.3.6.1.4.1.0.1847.2021.1.1', 't'],
  ['1.3.6.1.4.1.0.1847.2021.1.2', 'v'],
  ['1.3.6.1.4.1.0.1847.2021.1.3', 'r'],
]);

/** The types a DSC's extended key usages allow; null when it carries none of the DCC ones (any type). */
export function dscTypes(ekus: readonly string[] | undefined): DccType[] | null {
  const types = new Set<DccType>();
  for (const oid of ekus ?? []) {
    const t = EKU_TYPES.get(oid);
    if (t) types.add(t);
  }
  return types.size === 0 ? null : (['v', 't', 'r'] as const).filter((t) => types.has(t));
}

/**
 * Whether a DSC's key can check `alg` (formats.md §2): ES256 only on P-256,
 * PS256 only on RSA of 2048 bits or more. A DSC on another curve or a short
 * RSA key stays listed (trust show names it) but signs nothing: its imported
 * key's own parameters say so, and the scan answers UNSUPPORTED_ALG.
 */
export function dscKeyFits(dsc: TrustedDsc, alg: 'ES256' | 'PS256'): boolean {
  if (dsc.alg !== alg) return false;
  const a = dsc.key.algorithm;
  if (alg === 'ES256') return a.name === 'ECDSA' && (a as EcKeyAlgorithm).namedCurve === 'P-256';
  return a.name === 'RSA-PSS' && (a as RsaHashedKeyAlgorithm).modulusLength >= MIN_RSA_BITS;
}

const WEBCRYPTO_CURVES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** Imports a certificate's public key for WebCrypto; null for a key type no DCC alg uses. */
async function importDscKey(cert: X509Certificate): Promise<{ alg: 'ES256' | 'PS256'; key: CryptoKey } | null> {
  const pub = cert.publicKey;
  const spki = new Uint8Array(pub.export({ format: 'der', type: 'spki' }));
  if (pub.asymmetricKeyType === 'ec') {
    const curve = WEBCRYPTO_CURVES[pub.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!curve) return null;
    return { alg: 'ES256', key: await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: curve }, false, ['verify']) };
  }
  if (pub.asymmetricKeyType === 'rsa') {
    // The certificate says rsaEncryption; a DCC signer uses the key for PSS (COSE -37).
    return { alg: 'PS256', key: await crypto.subtle.importKey('spki', spki, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']) };
  }
  return null;
}

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeStdBase64(text: string): Uint8Array | null {
  if (text.length === 0 || !STD_BASE64.test(text)) return null;
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The DCC kid of a DSC: standard base64 of the first 8 bytes of the SHA-256 of its DER. */
export function dscKid(der: Uint8Array): string {
  return createHash('sha256').update(der).digest().subarray(0, 8).toString('base64');
}

async function readCertificate(b64: unknown, where: string, entry: { id: string; country: string; name: TrustedIssuerInfo['name'] }): Promise<{ dsc: TrustedDsc; info: DscInfo }> {
  const der = typeof b64 === 'string' ? decodeStdBase64(b64) : null;
  if (!der) throw new BundleRefused('bad-key', `${where} is not a base64 DER certificate`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    throw new BundleRefused('bad-key', `${where} is not an X.509 certificate`);
  }
  let imported: Awaited<ReturnType<typeof importDscKey>>;
  try {
    imported = await importDscKey(cert);
  } catch {
    imported = null;
  }
  if (!imported) {
    const kind = cert.publicKey.asymmetricKeyType ?? 'unknown';
    throw new BundleRefused('bad-key', `${where} holds a ${kind} key, which no DCC signature algorithm uses`);
  }
  const kid = dscKid(der);
  const types = dscTypes(cert.keyUsage);
  const dsc: TrustedDsc = { kid, entryId: entry.id, country: entry.country, name: entry.name, alg: imported.alg, key: imported.key, types };
  const info: DscInfo = {
    kid,
    subject: cert.subject.replace(/\n/g, ', '),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    alg: imported.alg,
    types: types === null ? null : [...types],
  };
  return { dsc, info };
}

export async function readDccEntry(raw: Record<string, unknown>, where: string): Promise<DccEntry> {
  const { id, country } = raw;
  if (typeof id !== 'string' || !ISSUER_ID_PATTERN.test(id)) throw new BundleRefused('malformed', `${where}.id is not an issuer id such as DCC-AT`);
  if (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country)) {
    throw new BundleRefused('malformed', `${where}.country must be an ISO 3166-1 alpha-2 code such as AT`);
  }
  const name = raw.name === undefined ? { zh: id, en: id } : raw.name;
  if (!isJsonObject(name) || typeof name.zh !== 'string' || typeof name.en !== 'string') {
    throw new BundleRefused('malformed', `${where}.name must have zh and en strings`);
  }
  const revoked = raw.revoked === undefined ? [] : raw.revoked;
  if (!Array.isArray(revoked) || !revoked.every((k) => typeof k === 'string' && decodeStdBase64(k)?.length === 8)) {
    throw new BundleRefused('malformed', `${where}.revoked must be a list of kids (standard base64 of 8 bytes)`);
  }
  if (!Array.isArray(raw.certificates)) throw new BundleRefused('malformed', `${where}.certificates must be a list`);
  const entry = { id, country, name: { zh: name.zh, en: name.en } };
  const dscs: TrustedDsc[] = [];
  const certificates: DscInfo[] = [];
  for (const [i, b64] of raw.certificates.entries()) {
    const { dsc, info } = await readCertificate(b64, `${id} certificates[${i}]`, entry);
    if (dscs.some((d) => d.kid === dsc.kid)) throw new BundleRefused('malformed', `${id} lists certificate ${dsc.kid} twice`);
    dscs.push(dsc);
    certificates.push(info);
  }
  const info: TrustedIssuerInfo = { id, format: 'dcc', name: entry.name, keys: [], revoked: [...(revoked as string[])], country, certificates };
  return { info, dscs };
}
