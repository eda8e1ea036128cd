// Kiosks as the central service meets them: a device key made the way
// main/device makes one, checks in the wire shape of main/log/wire-check.ts,
// batches signed exactly as main/sync/sync-client.ts signs them, and the
// requests the service answers.
import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { CentralStore } from '../../central/store.js';
import type { DeviceIdentity } from '../../main/device/device-key.js';
import { uuidv7 } from '../../main/log/check-id.js';
import type { SyncedCheck } from '../../main/log/wire-check.js';
import { enrollBody } from '../../main/sync/enroll.js';
import { pseudonymOf } from '../fixtures/check-records.js';

export async function newDevice(): Promise<DeviceIdentity> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const pub: JWK = { kty, crv, x, y };
  const deviceId = await calculateJwkThumbprint(pub, 'sha256');
  return { deviceId, jwk: { ...pub, kid: deviceId, alg: 'ES256', use: 'sig' }, privateKey };
}

let n = 0;

/** A check as a kiosk sends it, at atMs (its id a fresh UUIDv7 unless given). */
export function wireCheck(atMs: number, over: Partial<SyncedCheck> = {}): SyncedCheck {
  n++;
  return {
    checkId: uuidv7(atMs),
    at: new Date(atMs).toISOString(),
    verdict: 'admit',
    reasons: ['OK'],
    format: 'phc1',
    issuer: 'CN-ZJ',
    status: 'green',
    kid: 'zj-2026-1',
    temperatureC: 36.5,
    bundleSeq: 17,
    policyVersion: 1,
    clockState: 'trusted',
    holder: pseudonymOf(n),
    ...over,
  };
}

export function wireChecks(count: number, startMs: number): SyncedCheck[] {
  return Array.from({ length: count }, (_, i) => wireCheck(startMs + i * 1000));
}

export interface WireEvent {
  eventId: string;
  at: string;
  type: string;
  actor: string;
  detail: Record<string, unknown>;
}

export function wireEvent(atMs: number, type = 'config/changed'): WireEvent {
  return { eventId: uuidv7(atMs), at: new Date(atMs).toISOString(), type, actor: 'tech-07', detail: { key: 'screen.sound', before: true, after: false } };
}

/** The payload of a push (spec §6 and the events extension). */
export function payloadOf(device: DeviceIdentity, checks: readonly unknown[], events: readonly unknown[] = [], batch: string = crypto.randomUUID()): Record<string, unknown> {
  return { device: device.deviceId, batch, checks, ...(events.length > 0 ? { events } : {}) };
}

/** Signs a payload as the sync client does; `header` replaces members of the protected header. */
export function sign(device: DeviceIdentity, payload: unknown, header: Record<string, unknown> = {}): Promise<string> {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return new CompactSign(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'ES256', kid: device.deviceId, typ: 'phc-sync+jwt', ...header }).sign(device.privateKey);
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | null;
}

export async function request(base: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(new URL(path.replace(/^\//, ''), base), init);
  const text = await response.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function postChecks(base: string, jws: string): Promise<Answer> {
  return request(base, '/v1/checks', { method: 'POST', headers: { 'content-type': 'application/jose' }, body: jws });
}

export function postEnroll(base: string, body: unknown): Promise<Answer> {
  return request(base, '/v1/enroll', { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** The body a kiosk posts to enroll with this token, as an object (main/sync/enroll.ts makes it, proof included). */
export async function enrollDoc(device: DeviceIdentity, token: string): Promise<Record<string, unknown>> {
  return JSON.parse(await enrollBody(device, token)) as Record<string, unknown>;
}

/** Enrolls a device through the service with a fresh token for gate/station. */
export async function enroll(base: string, store: CentralStore, device: DeviceIdentity, opts: { gate?: string; station?: string; nowMs?: number } = {}): Promise<Answer> {
  const { token } = await store.createEnrollToken({ gate: opts.gate ?? 'G1', station: opts.station ?? 'Hongqiao', ttlMinutes: 10, nowMs: opts.nowMs ?? Date.now() });
  return postEnroll(base, await enrollBody(device, token));
}
