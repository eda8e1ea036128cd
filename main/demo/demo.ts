// The demo: a data directory trusting the published demo root, a fresh
// demo bundle, the default policy, and a handful of fresh codes that show
// each kind of verdict — PHC1 codes from demo provinces, an EU DCC from a
// fictional country, a SMART Health Card from a demo issuer. Uses keys/demo
// only — never a real kiosk's folder, never the corpus suites' keys.
import { createPrivateKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { DccType, HealthStatus, IssuerName } from '../contract/code.js';
import { recordIn } from '../audit/audit.js';
import { ConfigStore } from '../config/config-store.js';
import { pinIsSet } from '../contract/kiosk-config.js';
import { DataDir } from '../data-dir.js';
import { CheckLog } from '../log/check-log.js';
import { hashPin, verifyPin } from '../technician/pin.js';
import { newSigningKey, signBundle, signCode, signingKeyFromJwk, type SigningKey } from '../issuer/sign.js';
import { packageRoot } from '../package-root.js';
import { PolicyStore } from '../policy/policy-store.js';
import { readRootKeys, TrustStore } from '../trust/trust-store.js';
import { BundleRefused } from '../verify/trust.js';
import { encodeBase64url, decodeBase64url } from '../verify/base64url.js';
import { dscKid } from '../verify/formats/dcc-trust.js';
import { dccEntry, signDcc } from '../issuer/dcc-sign.js';
import { chunkShc, shcEntry, shcSigningKeyFromJwk, signShc, COMPLETED_IMMUNIZATION, immunizationCard } from '../issuer/shc-sign.js';

export interface DemoIssuer {
  id: string;
  name: IssuerName;
  key: SigningKey;
}

/** A demo country's EU DCC Document Signer: its certificate (listed in the demo bundle) and private key. */
export interface DemoDccSigner {
  /** The bundle entry's id, DCC-XD. */
  id: string;
  /** ISO 3166-1 user-assigned code: no real country has it. */
  country: string;
  name: IssuerName;
  /** The DSC, standard base64 DER, as the bundle lists it. */
  certificate: string;
  kid: string;
  kidBytes: Uint8Array;
  privateKey: KeyObject;
}

/** A demo SMART Health Card issuer: its iss (an https URL on a reserved domain) and key, kid = thumbprint. */
export interface DemoShcIssuer {
  iss: string;
  name: IssuerName;
  key: SigningKey;
}

export interface DemoKeys {
  root: SigningKey;
  rootPublicText: string;
  issuers: DemoIssuer[];
  dcc: DemoDccSigner[];
  shc: DemoShcIssuer[];
}

export interface DemoCase {
  label: string;
  text: string;
  temperatureC: number | null;
}

const DAY_S = 86_400;

/**
 * The one demo card the demo bundle revokes (a bare rid in the SHC issuer's
 * crl), so the demo can show REVOKED: a card is revoked by its rid, not by
 * its key.
 */
export const DEMO_REVOKED_SHC_RID = 'demoRevokedCard1';

function loadDccSigners(doc: { signers: { id: string; country: string; name: IssuerName; kid: string; certificate: string; key: JWK }[] }): DemoDccSigner[] {
  return doc.signers.map((s) => {
    const der = Uint8Array.from(Buffer.from(s.certificate, 'base64'));
    const privateKey = createPrivateKey({ key: s.key as JsonWebKey, format: 'jwk' });
    // A hand-edited file whose key, certificate or kid no longer match would only
    // show up as BAD_SIGNATURE or UNKNOWN_KEY on the demo's screen: say it here.
    if (dscKid(der) !== s.kid) throw new Error(`keys/demo/dcc-signers.private.json: ${s.id}'s kid is not its certificate's (${dscKid(der)})`);
    if (!new X509Certificate(der).checkPrivateKey(privateKey)) throw new Error(`keys/demo/dcc-signers.private.json: ${s.id}'s key is not its certificate's`);
    return { id: s.id, country: s.country, name: s.name, certificate: s.certificate, kid: s.kid, kidBytes: Uint8Array.from(Buffer.from(s.kid, 'base64')), privateKey };
  });
}

async function loadShcIssuers(doc: { issuers: { iss: string; name: IssuerName; key: JWK }[] }): Promise<DemoShcIssuer[]> {
  return Promise.all(
    doc.issuers.map(async (i) => {
      const { d: _d, ...pub } = i.key;
      // SMART names a key by its RFC 7638 thumbprint; a kiosk looks it up by nothing else.
      if (i.key.kid !== (await calculateJwkThumbprint(pub, 'sha256'))) throw new Error(`keys/demo/shc-issuers.private.json: ${i.iss}'s kid is not its key's thumbprint`);
      return { iss: i.iss, name: i.name, key: await shcSigningKeyFromJwk(i.key) };
    }),
  );
}

export async function loadDemoKeys(): Promise<DemoKeys> {
  const dir = path.join(packageRoot(), 'keys', 'demo');
  const read = (f: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  const root = await signingKeyFromJwk(read('root.private.jwk.json') as JWK);
  const doc = read('issuers.private.json') as { issuers: { id: string; name: IssuerName; key: JWK }[] };
  const issuers = await Promise.all(doc.issuers.map(async (i) => ({ id: i.id, name: i.name, key: await signingKeyFromJwk(i.key) })));
  const dcc = loadDccSigners(read('dcc-signers.private.json') as Parameters<typeof loadDccSigners>[0]);
  const shc = await loadShcIssuers(read('shc-issuers.private.json') as Parameters<typeof loadShcIssuers>[0]);
  return { root, rootPublicText: fs.readFileSync(path.join(dir, 'root.public.jwk.json'), 'utf8'), issuers, dcc, shc };
}

/** A bundle listing the demo provinces, the demo DCC country and the demo SHC issuer, issued now, valid 30 days; seq grows with time. */
export async function demoBundle(keys: DemoKeys, nowS: number): Promise<string> {
  const issuers = [
    ...keys.issuers.map((i) => ({
      id: i.id,
      name: i.name,
      keys: [{ ...i.key.publicJwk, nbf: Math.floor(nowS) - 365 * DAY_S, exp: Math.floor(nowS) + 365 * DAY_S }],
      revoked: [],
    })),
    ...keys.dcc.map((s) => dccEntry({ id: s.id, country: s.country, name: s.name, certificates: [s.certificate] })),
    ...keys.shc.map((i) => shcEntry({ iss: i.iss, name: i.name, keys: [i.key], crl: { [i.key.kid]: [DEMO_REVOKED_SHC_RID] } })),
  ];
  return signBundle({ iss: 'CN-NHC-DEMO', seq: Math.floor(nowS), iat: Math.floor(nowS) - 60, exp: Math.floor(nowS) + 30 * DAY_S, issuers }, keys.root);
}

export interface DemoSetup {
  dir: DataDir;
  bundleNote: string;
  /** The demo's technician PIN, or null when this folder's PIN was changed from it. */
  pin: string | null;
}

/**
 * The demo kiosk's technician PIN, published like the demo keys: a kiosk
 * never runs without a PIN (whoever reached a PIN-less screen would own
 * it), so the demo sets this one and says it.
 */
export const DEMO_TECHNICIAN_PIN = '246813';

export async function setUpDemoDataDir(dataDir: string, keys: DemoKeys, nowMs: number): Promise<DemoSetup> {
  const dir = DataDir.open(dataDir, { create: true });
  // With the log, as every install: it remembers the highest bundle seq this folder had.
  const log = CheckLog.openIn(dir);
  const store = new TrustStore(dir, log);
  const roots = await readRootKeys(keys.rootPublicText, 'keys/demo/root.public.jwk.json');
  let bundleNote: string;
  try {
    const { info } = await store.install(await demoBundle(keys, nowMs / 1000), { nowS: nowMs / 1000, newRoots: roots });
    bundleNote = `installed demo trust bundle seq ${info.seq}`;
  } catch (err) {
    // A clock set back since the last demo: the newer bundle stays, as on a real kiosk.
    if (!(err instanceof BundleRefused)) throw err;
    bundleNote = `kept the installed demo bundle (${err.message})`;
  } finally {
    log.close();
  }
  const policies = new PolicyStore(dir);
  if (policies.load().version === 0) policies.set('{}', nowMs);
  return { dir, bundleNote, pin: demoPin(dir, nowMs) };
}

/** Sets the demo PIN where none is set; the PIN in force, if it is still the demo's. */
function demoPin(dir: DataDir, nowMs: number): string | null {
  const store = new ConfigStore(dir);
  const config = store.load().config;
  if (!pinIsSet(config)) {
    const stored = store.save({ ...config, technician: { ...config.technician, pinHash: hashPin(DEMO_TECHNICIAN_PIN) } }, nowMs);
    recordIn(dir, 'pin/set', 'demo', { role: 'technician', demo: true, revision: stored.revision }, nowMs);
    return DEMO_TECHNICIAN_PIN;
  }
  const { pinHash } = config.technician;
  return pinHash !== null && verifyPin(DEMO_TECHNICIAN_PIN, pinHash) ? DEMO_TECHNICIAN_PIN : null;
}

function issuer(keys: DemoKeys, id: string): SigningKey {
  const found = keys.issuers.find((i) => i.id === id);
  if (!found) throw new Error(`no demo issuer ${id} (there are ${keys.issuers.map((i) => i.id).join(', ')})`);
  return found.key;
}

/** One fresh demo code from a demo province, issued at nowS, valid an hour. */
export async function demoCode(keys: DemoKeys, nowS: number, opts: { issuer: string; status: HealthStatus; subject?: string }): Promise<string> {
  const t = Math.floor(nowS);
  const claims: Record<string, unknown> = { iss: opts.issuer, sub: opts.subject ?? `demo-${t}`, st: opts.status, nm: '张*', iat: t - 5, exp: t + 3600 };
  if (opts.status !== 'green') claims.rsn = opts.status === 'yellow' ? '密接 close contact' : '确诊 confirmed case';
  return signCode(claims, issuer(keys, opts.issuer));
}

/** The demo holder of the DCC and the SHC: a birth date is in every real one, and the kiosk must never show, log or sync it. */
const DEMO_HOLDER = { family: 'Chen', given: 'Demo', birthDate: '1985-04-17' };
const isoDay = (s: number): string => new Date(s * 1000).toISOString().slice(0, 10);

function demoDccSigner(keys: DemoKeys, id: string | undefined): DemoDccSigner {
  const found = id === undefined ? keys.dcc[0] : keys.dcc.find((s) => s.id === id);
  if (!found) throw new Error(`no demo DCC country ${id ?? ''} (there are ${keys.dcc.map((s) => s.id).join(', ')})`);
  return found;
}

function demoShcIssuer(keys: DemoKeys, iss: string | undefined): DemoShcIssuer {
  const found = iss === undefined ? keys.shc[0] : keys.shc.find((i) => i.iss === iss);
  if (!found) throw new Error(`no demo SMART Health Card issuer ${iss ?? ''} (there are ${keys.shc.map((i) => i.iss).join(', ')})`);
  return found;
}

export interface DemoDccOptions {
  /** The bundle id of the demo country (default: the first, DCC-XD). */
  issuer?: string;
  /** v vaccination (default), t test, r recovery. */
  type?: DccType;
  /** For a test: "detected" (TEST_POSITIVE), else "not detected". */
  positive?: boolean;
  /** The certificate identifier (ci), which the holder's pseudonym is keyed over. */
  ci?: string;
}

/** A fresh EU DCC from the demo country, signed at nowS: vaccinations and recoveries valid a year, a test three days. */
export function demoDcc(keys: DemoKeys, nowS: number, opts: DemoDccOptions = {}): string {
  const t = Math.floor(nowS);
  const signer = demoDccSigner(keys, opts.issuer);
  const type = opts.type ?? 'v';
  const common = { tg: '840539006', co: signer.country, is: 'Demo ministry of health', ci: opts.ci ?? `URN:UVCI:01:${signer.country}:DEMO${t}` };
  const entry =
    type === 'v'
      ? { v: [{ ...common, vp: 'J07BX03', mp: 'EU/1/20/1528', ma: 'ORG-100030215', dn: 2, sd: 2, dt: isoDay(t - 60 * DAY_S) }] }
      : type === 't'
        ? { t: [{ ...common, tt: 'LP6464-4', sc: new Date((t - 6 * 3600) * 1000).toISOString().replace(/\.\d+Z$/, 'Z'), tr: opts.positive ? '260373001' : '260415000', tc: 'Demo test centre' }] }
        : { r: [{ ...common, fr: isoDay(t - 40 * DAY_S), df: isoDay(t - 29 * DAY_S), du: isoDay(t + 140 * DAY_S) }] };
  const hcert = {
    ver: '1.3.0',
    nam: { fn: DEMO_HOLDER.family, fnt: DEMO_HOLDER.family.toUpperCase(), gn: DEMO_HOLDER.given, gnt: DEMO_HOLDER.given.toUpperCase() },
    dob: DEMO_HOLDER.birthDate,
    ...entry,
  };
  const exp = type === 't' ? t + 3 * DAY_S : t + 365 * DAY_S;
  return signDcc(hcert, { iss: signer.country, iat: t - 3600, exp, key: signer.privateKey, kid: signer.kidBytes, alg: 'ES256' });
}

export interface DemoShcOptions {
  /** The demo issuer's iss (default: the first, https://demo-issuer.example). */
  issuer?: string;
  /** The card's revocation id; DEMO_REVOKED_SHC_RID is the one the demo bundle revokes. */
  rid?: string;
  /** Into this many QR texts `shc:/i/n/…`; 1 (default) is one unchunked text. */
  parts?: number;
}

/** A fresh SMART Health Card (an immunization) from the demo issuer, nbf a day before nowS: its text, or its parts. */
export async function demoShc(keys: DemoKeys, nowS: number, opts: DemoShcOptions = {}): Promise<string[]> {
  const t = Math.floor(nowS);
  const issuer = demoShcIssuer(keys, opts.issuer);
  const immunization = {
    ...COMPLETED_IMMUNIZATION,
    patient: { reference: 'resource:0' },
    occurrenceDateTime: isoDay(t - 60 * DAY_S),
    performer: [{ actor: { display: issuer.name.en } }],
  };
  const card = await signShc(
    immunizationCard({
      iss: issuer.iss,
      nbf: t - DAY_S,
      ...(opts.rid === undefined ? {} : { rid: opts.rid }),
      patient: { family: DEMO_HOLDER.family, given: [DEMO_HOLDER.given], birthDate: DEMO_HOLDER.birthDate },
      immunizations: [immunization],
    }),
    issuer.key,
  );
  return opts.parts === undefined || opts.parts === 1 ? [card] : chunkShc(card, opts.parts);
}

/** Fresh codes for each kind of verdict, issued at nowS. */
export async function demoCases(keys: DemoKeys, nowS: number): Promise<DemoCase[]> {
  const t = Math.floor(nowS);
  const fresh = { iat: t - 20, exp: t + 3600 };
  const green = await signCode({ iss: 'CN-ZJ', sub: 'demo-holder-001', st: 'green', nm: '张*', ...fresh }, issuer(keys, 'CN-ZJ'));
  const red = await signCode({ iss: 'CN-ZJ', sub: 'demo-holder-006', st: 'red', nm: '周*', ...fresh }, issuer(keys, 'CN-ZJ'));
  // A forger's edit: red turned green in the payload, signature left as it was.
  const [prefixedHeader, payload, signature] = red.split('.') as [string, string, string];
  const claims = JSON.parse(new TextDecoder().decode(decodeBase64url(payload)!)) as Record<string, unknown>;
  const forged = `${prefixedHeader}.${encodeBase64url(new TextEncoder().encode(JSON.stringify({ ...claims, st: 'green' })))}.${signature}`;
  const stranger = await newSigningKey('ES256', 'sh-2026-1');
  return [
    { label: 'green code, normal temperature', text: green, temperatureC: 36.5 },
    {
      label: 'yellow code',
      text: await signCode({ iss: 'CN-GD', sub: 'demo-holder-002', st: 'yellow', nm: '李*', rsn: '密接 close contact', ...fresh }, issuer(keys, 'CN-GD')),
      temperatureC: 36.7,
    },
    {
      label: 'red code',
      text: await signCode({ iss: 'CN-BJ', sub: 'demo-holder-003', st: 'red', nm: '王*', rsn: '确诊 confirmed case', ...fresh }, issuer(keys, 'CN-BJ')),
      temperatureC: 36.4,
    },
    {
      label: 'expired code',
      text: await signCode({ iss: 'CN-ZJ', sub: 'demo-holder-004', st: 'green', iat: t - 2 * DAY_S, exp: t - DAY_S }, issuer(keys, 'CN-ZJ')),
      temperatureC: 36.6,
    },
    { label: 'forged code (red edited to green)', text: forged, temperatureC: 36.6 },
    {
      label: 'green code, fever',
      text: await signCode({ iss: 'CN-ZJ', sub: 'demo-holder-005', st: 'green', nm: '赵*', ...fresh }, issuer(keys, 'CN-ZJ')),
      temperatureC: 38.4,
    },
    {
      label: 'code from a province this kiosk does not know',
      text: await signCode({ iss: 'CN-SH', sub: 'demo-holder-007', st: 'green', ...fresh }, stranger),
      temperatureC: 36.5,
    },
    // The same checkpoint decides a traveller's code from another scheme: an EU DCC, a SMART Health Card.
    { label: 'EU vaccination certificate (DCC)', text: demoDcc(keys, t, { ci: 'URN:UVCI:01:XD:DEMO0001' }), temperatureC: 36.6 },
    { label: 'EU test certificate, positive (DCC)', text: demoDcc(keys, t, { type: 't', positive: true, ci: 'URN:UVCI:01:XD:DEMO0002' }), temperatureC: 36.5 },
    { label: 'SMART Health Card, immunization', text: (await demoShc(keys, t))[0]!, temperatureC: 36.7 },
    { label: 'SMART Health Card revoked by its issuer', text: (await demoShc(keys, t, { rid: DEMO_REVOKED_SHC_RID }))[0]!, temperatureC: 36.6 },
    { label: 'a payment QR code', text: 'https://pay.example/qr?order=8842', temperatureC: 36.5 },
  ];
}
