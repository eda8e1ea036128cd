// One request at a time to the central log service (spec §6): push a batch
// of unsynced checks, signed by the device key; fetch a newer trust bundle.
// Only a 200 that lists a check as accepted or duplicate makes it synced;
// anything else — another status, a timeout, a reset, a body that does not
// parse, a body larger than any true answer — means nothing is known to be
// stored, and the batch goes again. A kiosk that pinned the service's key
// at enrollment (service-pin.ts) also needs the answer's signed receipt to
// verify and name exactly those ids for this device and batch (receipt.ts);
// without it the answer is no success either. The service's Date is
// evidence of the time (the floor, main/clock) only from such a success,
// over https or loopback: never from an error, a probe or a plain-http
// answer. Each push also carries the log's chain head, and from a running
// kiosk its status (kiosk-report.ts); with nothing to send, the running
// kiosk sends its status alone now and then (HEARTBEAT_MS) so the service
// sees it is up.
import { randomUUID } from 'node:crypto';
import { CompactSign } from 'jose';
import type { TimeFloor } from '../clock/time-floor.js';
import type { TrustTimes } from '../clock/time-evidence.js';
import type { DeviceIdentity } from '../device/device-key.js';
import { AuditTrail } from '../audit/audit.js';
import type { CheckLog } from '../log/check-log.js';
import { wireCheck } from '../log/wire-check.js';
import type { SyncedCheck, SyncedEvent } from '../contract/sync-wire.js';
import type { TrustStore } from '../trust/trust-store.js';
import { MAX_BUNDLE_CHARS, type TrustBundleInfo } from '../contract/trust.js';
import type { KioskStatus } from '../contract/kiosk.js';
import type { KioskSyncStatus } from '../contract/sync-status.js';
import { BundleRefused } from '../verify/trust.js';
import { retryAfterMs } from './backoff.js';
import { authenticatedTransport, type SyncEndpoints } from './endpoints.js';
import { chainHeadOf, kioskSyncStatus, type SyncChainHead } from './kiosk-report.js';
import { checkReceipt, readPushAnswer } from './receipt.js';
import { SERVICE_KEY_FILE, type PinState } from './service-pin.js';

export const SYNC_TYP = 'phc-sync+jwt';
export const MAX_BATCH = 500;
/** Audit events per request, beside the checks. */
export const MAX_EVENTS = 100;
/** With nothing to send, a running kiosk's status goes alone this often (the fleet view calls a kiosk silent after 10 min). */
export const HEARTBEAT_MS = 5 * 60_000;

/**
 * The largest answer to a push read: a true one lists at most 600 ids of
 * 36 characters (about 25 KB); anything past 1 MiB is not an answer to us,
 * and is cut off while streaming rather than buffered (a 700 MB body once
 * took 1.55 GB of memory).
 */
export const MAX_CHECKS_ANSWER_BYTES = 1024 * 1024;
/** The largest bundle answer read: nothing longer could be installed anyway. */
export const MAX_BUNDLE_ANSWER_BYTES = MAX_BUNDLE_CHARS;

/** An answer longer than its cap: the request failed, and the rest was never read. */
export class AnswerTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the answer is larger than ${maxBytes} bytes`);
    this.name = 'AnswerTooLarge';
  }
}

/**
 * Reads a body as UTF-8, at most maxBytes: a declared Content-Length over it
 * is refused unread, and a stream that passes it is cancelled at once.
 */
export async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new AnswerTooLarge(maxBytes);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new AnswerTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * What a push signs (spec §6): the device, a fresh batch id, the checks, and the events beside them when there are any;
 * the log's chain head and the kiosk's status when given (kiosk-report.ts).
 */
export function syncPayload(
  deviceId: string,
  checks: SyncedCheck[],
  events: SyncedEvent[] = [],
  batch: string = randomUUID(),
  report: { chain?: SyncChainHead | null; status?: KioskSyncStatus | null } = {},
): Record<string, unknown> {
  return { device: deviceId, batch, checks, ...(events.length > 0 ? { events } : {}), ...(report.chain ? { chain: report.chain } : {}), ...(report.status ? { status: report.status } : {}) };
}

/** The body of a push: the payload as a compact JWS (ES256, typ phc-sync+jwt, kid the device id) signed by the device key. */
export function signSyncPayload(device: DeviceIdentity, payload: unknown): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', kid: device.deviceId, typ: SYNC_TYP }).sign(device.privateKey);
}

export type PushResult =
  | { kind: 'empty' }
  /** heldBack: why the service held some of the batch back (it stays pending and goes again), or null. */
  | { kind: 'stored'; sent: number; stored: number; pendingLeft: number; heldBack: string | null }
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
  /** The service key pinned at enrollment (service-pin.ts): with one, only a receipt it signed marks anything synced. */
  pin?: { state(): PinState };
  /** The running kiosk: its status goes with each push. */
  kiosk?: RunningKiosk;
  /** How often a status goes alone when there is nothing to send (default HEARTBEAT_MS). */
  heartbeatMs?: number;
}

const NO_PIN: PinState = { kind: 'none' };

/** The running kiosk as sync reports it: its status and the policy version it decides with, both from memory. */
export interface RunningKiosk {
  status(): KioskStatus | null;
  policyVersion(): number | null;
}

export class SyncClient {
  private readonly fetch: typeof fetch;
  private readonly audit: AuditTrail;
  /** When a status last reached the service (the heartbeat waits HEARTBEAT_MS from it). */
  private lastReportAtMs: number | null = null;

  constructor(private readonly opts: SyncClientOptions) {
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.audit = new AuditTrail(opts.log);
  }

  /** Whether receipts are required (a service key is pinned, even one whose file is damaged) or not (none pinned). */
  get receipts(): 'verified' | 'unpinned' {
    return (this.opts.pin?.state() ?? NO_PIN).kind === 'none' ? 'unpinned' : 'verified';
  }

  /**
   * Sends the oldest unsynced checks (at most one batch), and the audit
   * events not yet sent in an `events` member beside them (spec §6 extended:
   * a service that does not know it ignores it, and the events wait), with
   * the chain head and the kiosk's status. With nothing to send, the status
   * alone when one is due (answered `empty` once stored).
   */
  async pushBatch(): Promise<PushResult> {
    const { log, device } = this.opts;
    const batch = log.pendingBatch(Math.min(this.opts.batchSize ?? MAX_BATCH, MAX_BATCH));
    const events = log.pendingEvents(MAX_EVENTS);
    const nowMs = this.opts.clock();
    const heartbeat = batch.length === 0 && events.length === 0;
    if (heartbeat && !this.heartbeatDue(nowMs)) return { kind: 'empty' };
    // The bundle in force, loaded once: for the status, and for the service's Date below.
    const bundle = this.opts.kiosk ? await this.bundleInForce(nowMs) : undefined;
    const status = this.statusNow(nowMs, bundle ?? null);
    if (heartbeat && status === null) return { kind: 'empty' };
    const batchId = randomUUID();
    const payload = syncPayload(
      device.deviceId,
      batch.map(wireCheck),
      events.map((e) => ({ eventId: e.eventId, at: new Date(e.atMs).toISOString(), type: e.type, actor: e.actor, detail: e.detail })),
      batchId,
      { chain: chainHeadOf(log, nowMs), status },
    );
    const jws = await signSyncPayload(device, payload);
    let response: Response;
    let body: string | null;
    try {
      ({ response, body } = await this.request(this.opts.endpoints.checks, { method: 'POST', headers: { 'content-type': 'application/jose' }, body: jws }, MAX_CHECKS_ANSWER_BYTES));
    } catch (err) {
      return { kind: 'failed', sent: batch.length, reason: (err as Error).message, retryAfterMs: null };
    }
    if (response.status !== 200 || body === null) {
      return { kind: 'failed', sent: batch.length, reason: `HTTP ${response.status}`, retryAfterMs: retryAfterMs(response.headers.get('retry-after'), this.opts.clock()) };
    }
    const answer = readPushAnswer(body);
    if (answer === null) return { kind: 'failed', sent: batch.length, reason: 'a 200 whose body does not parse', retryAfterMs: null };
    const refused = await this.receiptRefused(answer, batchId);
    if (refused !== null) return { kind: 'failed', sent: batch.length, reason: `receipt refused: ${refused}; nothing is marked synced, the batch goes again`, retryAfterMs: null };
    // Only ids we sent in this batch: a confused (or lying) server cannot mark other
    // checks synced (and so let retention delete checks it never received).
    const sent = new Set([...batch.map((c) => c.checkId), ...events.map((e) => e.eventId)]);
    const stored = [...new Set([...answer.accepted, ...answer.duplicate])].filter((id) => sent.has(id));
    // Marked in one transaction: a power cut leaves all of them pending or none.
    log.markSynced(stored, this.opts.clock());
    if (status !== null) this.lastReportAtMs = nowMs;
    await this.noteServerTime(this.opts.endpoints.checks, response, bundle);
    if (heartbeat) return { kind: 'empty' };
    return { kind: 'stored', sent: batch.length + events.length, stored: stored.length, pendingLeft: log.count().pending, heldBack: answer.heldBack };
  }

  /**
   * Why an answer's receipt does not vouch for it (null: it does, or no key
   * is pinned and none is needed): the pinned key, this device, this batch,
   * and exactly the ids the answer lists.
   */
  private async receiptRefused(answer: { accepted: string[]; duplicate: string[]; receipt: unknown }, batchId: string): Promise<string | null> {
    const pin = this.opts.pin?.state() ?? NO_PIN;
    if (pin.kind === 'none') return null;
    if (pin.kind === 'damaged') return `the pinned service key (${SERVICE_KEY_FILE}) is damaged (${pin.problem}); enroll the kiosk again`;
    let key: CryptoKey;
    try {
      key = await pin.key();
    } catch {
      return `the pinned service key (${SERVICE_KEY_FILE}) is not a usable key; enroll the kiosk again`;
    }
    const verdict = await checkReceipt(answer.receipt, { kid: pin.pin.kid, key }, { device: this.opts.device.deviceId, batch: batchId, accepted: answer.accepted, duplicate: answer.duplicate });
    return verdict.ok ? null : verdict.reason;
  }

  private heartbeatDue(nowMs: number): boolean {
    if (!this.opts.kiosk) return false;
    const last = this.lastReportAtMs;
    return last === null || nowMs < last || nowMs - last >= (this.opts.heartbeatMs ?? HEARTBEAT_MS);
  }

  /** The bundle in force, or null when none loads. */
  private async bundleInForce(nowMs: number): Promise<TrustBundleInfo | null> {
    try {
      return (await this.opts.trust.load(nowMs / 1000))?.info ?? null;
    } catch {
      return null;
    }
  }

  /** The running kiosk's status for this push; null without a kiosk, or when it cannot say (never a reason not to push). */
  private statusNow(nowMs: number, bundle: TrustBundleInfo | null): KioskSyncStatus | null {
    const kiosk = this.opts.kiosk;
    if (!kiosk) return null;
    try {
      const status = kiosk.status();
      if (!status) return null;
      const { log } = this.opts;
      return kioskSyncStatus(status, { sentAtMs: nowMs, bundle, policyVersion: kiosk.policyVersion(), backlog: log.count().pending, oldestPendingAtMs: log.oldestPendingAtMs() });
    } catch {
      return null;
    }
  }

  /** Fetches the newest bundle and installs it through the same checks as `trust install`. */
  async fetchBundle(): Promise<BundleResult> {
    const nowS = this.opts.clock() / 1000;
    let installed: TrustBundleInfo | null = null;
    try {
      installed = (await this.opts.trust.load(nowS))?.info ?? null;
    } catch {
      /* a damaged installed bundle: any good one replaces it */
    }
    const installedSeq = installed?.seq ?? null;
    let response: Response;
    let body: string | null;
    try {
      const headers: Record<string, string> = installedSeq === null ? {} : { 'if-none-match': `"${installedSeq}"` };
      ({ response, body } = await this.request(this.opts.endpoints.trustBundle, { method: 'GET', headers }, MAX_BUNDLE_ANSWER_BYTES));
    } catch (err) {
      return { kind: 'failed', reason: (err as Error).message };
    }
    if (response.status === 304) {
      await this.noteServerTime(this.opts.endpoints.trustBundle, response, installed);
      return { kind: 'unchanged' };
    }
    if (response.status !== 200 || body === null) return { kind: 'failed', reason: `HTTP ${response.status}` };
    let result: BundleResult;
    // The bundle in force once this answer is dealt with: the one just installed, or the one loaded above.
    let inForce = installed;
    try {
      const snapshot = await this.opts.trust.install(body, { nowS });
      result = { kind: 'installed', seq: snapshot.info.seq };
      inForce = snapshot.info;
      // In the keyed chain like a technician's import: the log then remembers the highest seq
      // (anti-rollback at load) even if the trust-highest-seq file is deleted.
      const atMs = this.opts.clock();
      this.audit.record('trust/installed', 'sync', { seq: snapshot.info.seq, rootKid: snapshot.info.rootKid, from: this.opts.endpoints.trustBundle.href }, atMs);
    } catch (err) {
      if (err instanceof BundleRefused) result = err.problem === 'rollback' ? { kind: 'unchanged' } : { kind: 'refused', reason: err.message };
      else result = { kind: 'refused', reason: (err as Error).message };
    }
    // A bundle the root signed (installed, or just not newer) shows the answer was the service's.
    if (result.kind !== 'refused') await this.noteServerTime(this.opts.endpoints.trustBundle, response, inForce);
    return result;
  }

  /**
   * Is the service reachable at all? (Never trust a network flag alone.) Its
   * answer is no evidence of the time: a probe proves nothing of who answered.
   */
  async probe(timeoutMs = 3000): Promise<boolean> {
    try {
      const { response } = await this.request(this.opts.endpoints.trustBundle, { method: 'HEAD' }, 0, timeoutMs);
      return response.status < 500;
    } catch {
      return false;
    }
  }

  /**
   * The server's Date from an answer already established as a success: it may
   * raise the floor, never lower it, and is refused (and audited) when far
   * beyond everything else known. Only over https or loopback.
   */
  private async noteServerTime(url: URL, response: Response, known?: TrustBundleInfo | null): Promise<void> {
    if (!authenticatedTransport(url)) return;
    const date = Date.parse(response.headers.get('date') ?? '');
    if (!Number.isFinite(date)) return;
    const nowMs = this.opts.clock();
    // The bundle in force, when the caller has not just loaded it itself.
    let info = known;
    if (info === undefined) {
      try {
        info = (await this.opts.trust.load(nowMs / 1000))?.info ?? null;
      } catch {
        info = null; // a damaged bundle vouches for nothing
      }
    }
    const trust: TrustTimes | null = info ? { iat: info.iat, exp: info.exp } : null;
    this.opts.floor.offerServerTime(date, { nowMs, trust });
  }

  /**
   * One request; a 200's body is read (at most maxBytes, streamed), any other
   * answer's body is discarded unread (body null).
   */
  private async request(url: URL, init: RequestInit, maxBytes: number, timeoutMs = this.opts.timeoutMs ?? 15_000): Promise<{ response: Response; body: string | null }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      const response = await this.fetch(url, { ...init, signal: controller.signal, redirect: 'error' });
      if (init.method === 'HEAD' || response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        return { response, body: null };
      }
      return { response, body: await readCapped(response, maxBytes) };
    } catch (err) {
      if (err instanceof AnswerTooLarge) {
        // Cut the connection too: nothing more of it is wanted.
        controller.abort(err);
        throw err;
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(controller.signal.aborted ? `timeout: ${String(controller.signal.reason?.message ?? 'aborted')}` : (cause?.code ?? cause?.message ?? (err as Error).message), { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }
}
