// One request at a time to the central log service (spec §6): push a batch
// of unsynced checks, signed by the device key; fetch a newer trust bundle.
// Only a 200 that lists a check as accepted or duplicate makes it synced;
// anything else — another status, a timeout, a reset, a body that does not
// parse — means nothing is known to be stored, and the batch goes again.
import { randomUUID } from 'node:crypto';
import { CompactSign } from 'jose';
import type { TimeFloor } from '../clock/time-floor.js';
import type { DeviceIdentity } from '../device/device-key.js';
import type { CheckLog, LoggedCheck } from '../log/check-log.js';
import type { TrustStore } from '../trust/trust-store.js';
import { BundleRefused } from '../verify/trust.js';
import { isJsonObject } from '../verify/jws.js';
import { retryAfterMs } from './backoff.js';
import type { SyncEndpoints } from './endpoints.js';

export const SYNC_TYP = 'phc-sync+jwt';
export const MAX_BATCH = 500;
/** Audit events per request, beside the checks. */
export const MAX_EVENTS = 100;

/** What a check looks like on the wire: no QR text, no raw subject, no name. */
export interface SyncedCheck {
  checkId: string;
  at: string;
  verdict: string;
  reasons: string[];
  issuer: string | null;
  status: string | null;
  kid: string | null;
  temperatureC: number | null;
  bundleSeq: number | null;
  policyVersion: number;
  clockState: string;
  holder: string | null;
}

export function wireCheck(c: LoggedCheck): SyncedCheck {
  return {
    checkId: c.checkId,
    at: new Date(c.atMs).toISOString(),
    verdict: c.verdict,
    reasons: c.reasons,
    issuer: c.issuer,
    status: c.status,
    kid: c.kid,
    temperatureC: c.temperatureC,
    bundleSeq: c.bundleSeq,
    policyVersion: c.policyVersion,
    clockState: c.clockState,
    holder: c.holder,
  };
}

export type PushResult =
  | { kind: 'empty' }
  | { kind: 'stored'; sent: number; stored: number; pendingLeft: number }
  | { kind: 'failed'; sent: number; reason: string; retryAfterMs: number | null };

export type BundleResult = { kind: 'installed'; seq: number } | { kind: 'unchanged' } | { kind: 'refused'; reason: string } | { kind: 'failed'; reason: string };

export interface SyncClientOptions {
  endpoints: SyncEndpoints;
  log: CheckLog;
  device: DeviceIdentity;
  trust: TrustStore;
  floor: TimeFloor;
  clock: () => number;
  fetch?: typeof fetch;
  timeoutMs?: number;
  batchSize?: number;
}

export class SyncClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: SyncClientOptions) {
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  /**
   * Sends the oldest unsynced checks (at most one batch), and the audit
   * events not yet sent in an `events` member beside them (spec §6 extended:
   * a service that does not know it ignores it, and the events wait).
   */
  async pushBatch(): Promise<PushResult> {
    const { log, device } = this.opts;
    const batch = log.pendingBatch(Math.min(this.opts.batchSize ?? MAX_BATCH, MAX_BATCH));
    const events = log.pendingEvents(MAX_EVENTS);
    if (batch.length === 0 && events.length === 0) return { kind: 'empty' };
    const payload = {
      device: device.deviceId,
      batch: randomUUID(),
      checks: batch.map(wireCheck),
      ...(events.length > 0 ? { events: events.map((e) => ({ eventId: e.eventId, at: new Date(e.atMs).toISOString(), type: e.type, actor: e.actor, detail: e.detail })) } : {}),
    };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'ES256', kid: device.deviceId, typ: SYNC_TYP })
      .sign(device.privateKey);
    let response: Response;
    let body: string;
    try {
      ({ response, body } = await this.request(this.opts.endpoints.checks, { method: 'POST', headers: { 'content-type': 'application/jose' }, body: jws }));
    } catch (err) {
      return { kind: 'failed', sent: batch.length, reason: (err as Error).message, retryAfterMs: null };
    }
    if (response.status !== 200) {
      return { kind: 'failed', sent: batch.length, reason: `HTTP ${response.status}`, retryAfterMs: retryAfterMs(response.headers.get('retry-after'), this.opts.clock()) };
    }
    const stored = this.storedIds(body, new Set([...batch.map((c) => c.checkId), ...events.map((e) => e.eventId)]));
    if (stored === null) return { kind: 'failed', sent: batch.length, reason: 'a 200 whose body does not parse', retryAfterMs: null };
    // Marked in one transaction: a power cut leaves all of them pending or none.
    log.markSynced(stored, this.opts.clock());
    return { kind: 'stored', sent: batch.length + events.length, stored: stored.length, pendingLeft: log.count().pending };
  }

  /** Fetches the newest bundle and installs it through the same checks as `trust install`. */
  async fetchBundle(): Promise<BundleResult> {
    const nowS = this.opts.clock() / 1000;
    let installedSeq: number | null = null;
    try {
      installedSeq = (await this.opts.trust.load(nowS))?.info.seq ?? null;
    } catch {
      /* a damaged installed bundle: any good one replaces it */
    }
    let response: Response;
    let body: string;
    try {
      const headers: Record<string, string> = installedSeq === null ? {} : { 'if-none-match': `"${installedSeq}"` };
      ({ response, body } = await this.request(this.opts.endpoints.trustBundle, { method: 'GET', headers }));
    } catch (err) {
      return { kind: 'failed', reason: (err as Error).message };
    }
    if (response.status === 304) return { kind: 'unchanged' };
    if (response.status !== 200) return { kind: 'failed', reason: `HTTP ${response.status}` };
    try {
      const snapshot = await this.opts.trust.install(body, { nowS });
      return { kind: 'installed', seq: snapshot.info.seq };
    } catch (err) {
      if (err instanceof BundleRefused) return err.problem === 'rollback' ? { kind: 'unchanged' } : { kind: 'refused', reason: err.message };
      return { kind: 'refused', reason: (err as Error).message };
    }
  }

  /** Is the service reachable at all? (Never trust a network flag alone.) */
  async probe(timeoutMs = 3000): Promise<boolean> {
    try {
      const { response } = await this.request(this.opts.endpoints.trustBundle, { method: 'HEAD' }, timeoutMs);
      return response.status < 500;
    } catch {
      return false;
    }
  }

  private async request(url: URL, init: RequestInit, timeoutMs = this.opts.timeoutMs ?? 15_000): Promise<{ response: Response; body: string }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      const response = await this.fetch(url, { ...init, signal: controller.signal, redirect: 'error' });
      const body = init.method === 'HEAD' ? '' : await response.text();
      // A server's Date is evidence of the time: it raises the floor, never lowers it.
      const date = Date.parse(response.headers.get('date') ?? '');
      if (Number.isFinite(date)) this.opts.floor.raise(date);
      return { response, body };
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(controller.signal.aborted ? `timeout: ${String(controller.signal.reason?.message ?? 'aborted')}` : (cause?.code ?? cause?.message ?? (err as Error).message), { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private storedIds(body: string, sent: Set<string>): string[] | null {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      return null;
    }
    if (!isJsonObject(doc)) return null;
    const { accepted, duplicate } = doc;
    const list = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
    if (!list(accepted) || !list(duplicate)) return null;
    // Only ids we sent: a confused server cannot mark other checks synced.
    return [...new Set([...accepted, ...duplicate])].filter((id) => sent.has(id));
  }
}
