// The demo: a data directory trusting the published demo root, a fresh
// demo bundle, the default policy, and a handful of fresh codes that show
// each kind of verdict. Uses keys/demo only — never a real kiosk's folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JWK } from 'jose';
import type { HealthStatus, IssuerName } from '../contract/code.js';
import { recordIn } from '../audit/audit.js';
import { ConfigStore } from '../config/config-store.js';
import { pinIsSet } from '../contract/kiosk-config.js';
import { DataDir } from '../data-dir.js';
import { hashPin, verifyPin } from '../technician/pin.js';
import { newSigningKey, signBundle, signCode, signingKeyFromJwk, type SigningKey } from '../issuer/sign.js';
import { packageRoot } from '../package-root.js';
import { PolicyStore } from '../policy/policy-store.js';
import { readRootKeys, TrustStore } from '../trust/trust-store.js';
import { BundleRefused } from '../verify/trust.js';
import { encodeBase64url, decodeBase64url } from '../verify/base64url.js';

export interface DemoIssuer {
  id: string;
  name: IssuerName;
  key: SigningKey;
}

export interface DemoKeys {
  root: SigningKey;
  rootPublicText: string;
  issuers: DemoIssuer[];
}

export interface DemoCase {
  label: string;
  text: string;
  temperatureC: number | null;
}

const DAY_S = 86_400;

export async function loadDemoKeys(): Promise<DemoKeys> {
  const dir = path.join(packageRoot(), 'keys', 'demo');
  const read = (f: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  const root = await signingKeyFromJwk(read('root.private.jwk.json') as JWK);
  const doc = read('issuers.private.json') as { issuers: { id: string; name: IssuerName; key: JWK }[] };
  const issuers = await Promise.all(doc.issuers.map(async (i) => ({ id: i.id, name: i.name, key: await signingKeyFromJwk(i.key) })));
  return { root, rootPublicText: fs.readFileSync(path.join(dir, 'root.public.jwk.json'), 'utf8'), issuers };
}

/** A bundle listing the demo provinces, issued now, valid 30 days; seq grows with time. */
export async function demoBundle(keys: DemoKeys, nowS: number): Promise<string> {
  const issuers = keys.issuers.map((i) => ({
    id: i.id,
    name: i.name,
    keys: [{ ...i.key.publicJwk, nbf: Math.floor(nowS) - 365 * DAY_S, exp: Math.floor(nowS) + 365 * DAY_S }],
    revoked: [],
  }));
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
  const store = new TrustStore(dir);
  const roots = await readRootKeys(keys.rootPublicText, 'keys/demo/root.public.jwk.json');
  let bundleNote: string;
  try {
    const { info } = await store.install(await demoBundle(keys, nowMs / 1000), { nowS: nowMs / 1000, newRoots: roots });
    bundleNote = `installed demo trust bundle seq ${info.seq}`;
  } catch (err) {
    // A clock set back since the last demo: the newer bundle stays, as on a real kiosk.
    if (!(err instanceof BundleRefused)) throw err;
    bundleNote = `kept the installed demo bundle (${err.message})`;
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
    { label: 'a payment QR code', text: 'https://pay.example/qr?order=8842', temperatureC: 36.5 },
  ];
}
