// This kiosk enrolls with a central service (central/; `sentinel central
// enroll-token` makes the one-time token): it sends the device's public key
// — the private key never leaves the data directory — and, once the service
// has recorded it, keeps the URL as the sync endpoint, exactly as
// `sentinel config set sync.endpoint URL` would (and audited so). The
// service's answer carries its own public key (`serviceKey`): it is pinned
// in the data directory (service-pin.ts), and from then on a check is marked
// synced only on a receipt that key signed. A service that sends none leaves
// the kiosk unpinned (an earlier pin is removed: it belonged to another
// service). Both front doors use this: `sentinel enroll` and the technician's
// screen (the enrollment QR scanned).
import { ConfigStore } from '../config/config-store.js';
import type { DataDir } from '../data-dir.js';
import { CompactSign } from 'jose';
import { ENROLL_PROOF_TYP, type EnrollProofPayload } from '../contract/enrollment.js';
import { loadOrCreateDeviceIdentity, type DeviceIdentity } from '../device/device-key.js';
import { isJsonObject } from '../verify/jws.js';
import { enrollEndpoint, syncEndpoints } from './endpoints.js';
import { SERVICE_KEY_FILE, checkServiceKeyImports, pinServiceKey, readServiceKey, unpinServiceKey, type ServiceKeyJwk } from './service-pin.js';
import { readCapped } from './sync-client.js';

export const ENROLL_TIMEOUT_MS = 15_000;

/** That this kiosk holds the key it enrolls (main/contract/enrollment.ts ENROLL_PROOF_TYP): signed over the token and its id. */
export function signEnrollProof(identity: DeviceIdentity, token: string): Promise<string> {
  const payload: EnrollProofPayload = { token, device: identity.deviceId };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', typ: ENROLL_PROOF_TYP, kid: identity.deviceId }).sign(identity.privateKey);
}

/** The body of POST /v1/enroll. */
export async function enrollBody(identity: DeviceIdentity, token: string): Promise<string> {
  return JSON.stringify({ token, deviceId: identity.deviceId, jwk: identity.jwk, proof: await signEnrollProof(identity, token) });
}
const MAX_ANSWER_BYTES = 64 * 1024;

export type EnrollOutcome =
  | { kind: 'enrolled'; deviceId: string; endpoint: string; gate: string | null; station: string | null; serviceKey: string | null }
  /** The service said no (a used or expired token, a revoked device): its reason. */
  | { kind: 'refused'; status: number; reason: string }
  /** Not reached, a server error, or an answer that does not confirm this device: nothing changed. */
  | { kind: 'unavailable'; reason: string };

export interface EnrollOptions {
  clock: () => number;
  /** Records the change (config/changed), as the caller audits: the CLI's actor, or the technician's session. */
  audit(detail: Record<string, unknown>): void;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * Enrolls this kiosk's device key with the service at `url` using `token`.
 * Throws EndpointRefused for a URL sync would refuse (plain http off
 * loopback…) and ConfigValueError if the endpoint cannot be set; otherwise
 * says what happened. Nothing is changed unless it is 'enrolled'.
 */
export async function enrollWith(dir: DataDir, url: string, token: string, opts: EnrollOptions): Promise<EnrollOutcome> {
  const base = syncEndpoints(url).base;
  const target = enrollEndpoint(url);
  const identity = await loadOrCreateDeviceIdentity(dir);
  const timeoutMs = opts.timeoutMs ?? ENROLL_TIMEOUT_MS;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let status: number;
  let answer: string;
  try {
    const response = await (opts.fetch ?? globalThis.fetch)(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: await enrollBody(identity, token),
      redirect: 'error',
      signal: controller.signal,
    });
    status = response.status;
    answer = await readCapped(response, MAX_ANSWER_BYTES);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = controller.signal.aborted ? `no answer within ${timeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? (err as Error).message);
    return { kind: 'unavailable', reason: `cannot reach the central service at ${base.href} (${why})` };
  } finally {
    clearTimeout(timer);
  }
  let doc: unknown = null;
  try {
    doc = JSON.parse(answer);
  } catch {
    /* judged below */
  }
  if (status !== 200) {
    const why = isJsonObject(doc) && typeof doc.reason === 'string' ? `${typeof doc.error === 'string' ? `${doc.error}: ` : ''}${doc.reason.slice(0, 300)}` : 'no reason given';
    const reason = `the central service at ${base.href} refused the enrollment (HTTP ${status}, ${why})`;
    return status >= 500 ? { kind: 'unavailable', reason } : { kind: 'refused', status, reason };
  }
  if (!isJsonObject(doc) || doc.deviceId !== identity.deviceId) {
    return { kind: 'unavailable', reason: `the answer from ${base.href} does not confirm this device (${identity.deviceId}); the sync endpoint is not changed` };
  }
  let serviceKey: ServiceKeyJwk | null = null;
  if (doc.serviceKey !== undefined && doc.serviceKey !== null) {
    try {
      serviceKey = readServiceKey(doc.serviceKey);
      await checkServiceKeyImports(serviceKey);
    } catch (err) {
      return { kind: 'unavailable', reason: `the answer from ${base.href} carries a service key that cannot be pinned (${(err as Error).message}); the sync endpoint is not changed` };
    }
  }
  // The pin first, then the endpoint; if the endpoint cannot be set, the pin as it was.
  const pinBefore = dir.readText(SERVICE_KEY_FILE);
  if (serviceKey) pinServiceKey(dir, { kid: serviceKey.kid, jwk: serviceKey, endpoint: base.href, pinnedAtMs: opts.clock() });
  else unpinServiceKey(dir);
  let change;
  try {
    change = new ConfigStore(dir).set('sync.endpoint', base.href, opts.clock());
  } catch (err) {
    if (pinBefore === null) unpinServiceKey(dir);
    else dir.writeAtomic(SERVICE_KEY_FILE, pinBefore);
    throw err;
  }
  const gate = typeof doc.gate === 'string' ? doc.gate : null;
  const station = typeof doc.station === 'string' ? doc.station : null;
  opts.audit({ key: 'sync.endpoint', before: change.before, after: change.after, revision: change.stored.revision, enrolledAs: identity.deviceId, gate, station, serviceKey: serviceKey?.kid ?? null });
  return { kind: 'enrolled', deviceId: identity.deviceId, endpoint: base.href, gate, station, serviceKey: serviceKey?.kid ?? null };
}
