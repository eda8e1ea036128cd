// The central service over HTTP (node:http): spec §6 as the kiosks speak it
// — POST /v1/checks, GET /v1/trust-bundle with ETag/304 — and enrollment,
// POST /v1/enroll. Stateless over the store: any number of processes may
// serve one database. Every request is read within a size cap and a time
// limit; every refusal is a status with {"error","reason"} in JSON; no input
// is answered by a crash. Listens on 127.0.0.1 unless told otherwise. Every
// stored batch is answered with a receipt signed by the store's own key
// (central/receipts.ts, central/service-key.ts), which enrollment hands out.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isJsonObject } from '../main/verify/jws.js';
import { checkSignature } from '../main/verify/signature.js';
import { MAX_CHECKS_PER_BATCH, readSyncJws, readSyncPayload } from './batch.js';
import { Refused } from './refused.js';
import { checkEnrollProof, deviceKey, readDeviceJwk } from './device-keys.js';
import { dropExpiredPartitions } from './partitions.js';
import { handleFleet, type FleetOptions } from './fleet/router.js';
import { signReceipt } from './receipts.js';
import { serviceKey, type ServiceKey } from './service-key.js';
import type { CentralStore } from './store.js';

/**
 * A batch of 500 checks is about 250 KB as JSON, a third more as base64url;
 * this leaves room for the events beside them (a hundred of 64 KiB at most).
 */
export const MAX_BATCH_BODY_BYTES = 8 * 1024 * 1024;
export const MAX_ENROLL_BODY_BYTES = 16 * 1024;
/**
 * Batch bytes one process holds at once, all requests together. A body is
 * buffered (and copied as it is decoded) before its device is known, so
 * without a bound a few clients posting 8 MiB of anything at once would run
 * the process out of memory. 200 kiosks each mid-way through a 500-check
 * batch hold about 40 MB; past this a request is answered 503 with
 * Retry-After and the kiosk comes back later, as after any failure.
 */
export const MAX_IN_FLIGHT_BYTES = 96 * 1024 * 1024;
/** Past this many open connections node closes new ones: each holds memory and a slot of the request timeout's checks. */
export const MAX_CONNECTIONS = 2048;
/** The Retry-After of a 503 for a full budget, seconds. */
const BUSY_RETRY_AFTER_S = 5;
export const RETENTION_INTERVAL_MS = 3_600_000;

export const ROUTES = { checks: '/v1/checks', trustBundle: '/v1/trust-bundle', enroll: '/v1/enroll' } as const;

export interface CentralServiceOptions {
  store: CentralStore;
  /** ms since the epoch. */
  clock?: () => number;
  /** Where the service says what went wrong inside it (never what a kiosk sent). */
  log?: (line: string) => void;
  maxBatchBytes?: number;
  /** Body bytes held at once over all requests (MAX_IN_FLIGHT_BYTES). */
  maxInFlightBytes?: number;
  /** How often retention runs while serving (it also runs at start). */
  retentionIntervalMs?: number;
  /** Whole request (headers and body) within this, ms. */
  requestTimeoutMs?: number;
  /** The fleet view under /fleet (central/fleet/router.ts). */
  fleet?: FleetOptions;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = body === null ? '' : JSON.stringify(body);
  res.writeHead(status, { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...(body === null ? {} : { 'content-type': 'application/json' }), ...headers });
  res.end(text);
}

function refuse(res: http.ServerResponse, r: Refused): void {
  send(res, r.status, { error: r.code, reason: r.message }, r.status === 503 ? { 'retry-after': String(BUSY_RETRY_AFTER_S) } : {});
}

/**
 * What of a body too large is still read (and thrown away) after the 413:
 * a client still sending when the connection closed under it would get a
 * reset and lose the answer, so it is let finish — up to this much more,
 * and within the request timeout; past that its connection is cut.
 */
const DISCARD_BYTES = 16 * 1024 * 1024;

/**
 * The body as UTF-8, at most maxBytes: a declared length over it is refused
 * unread, a stream passing it is refused there. Each chunk is first taken
 * from the process's budget (reserve); a chunk it has no room for refuses
 * the request 503, and what was taken is the caller's to give back.
 */
function readBody(req: http.IncomingMessage, maxBytes: number, reserve: (bytes: number) => boolean = () => true): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let refused = false;
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      if (err) reject(err);
      else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const tooLarge = (): void => {
      refused = true;
      chunks.length = 0;
      finish(new Refused(413, 'too-large', `the body is larger than ${maxBytes} bytes`));
    };
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (refused) {
        if (total > maxBytes + DISCARD_BYTES) req.socket.destroy();
      } else if (total > maxBytes) tooLarge();
      else if (!reserve(chunk.length)) {
        refused = true;
        chunks.length = 0;
        finish(new Refused(503, 'busy', `the service is receiving more than it can hold at once; try again in ${BUSY_RETRY_AFTER_S} s`));
      } else chunks.push(chunk);
    });
    req.on('end', () => finish(null));
    req.on('error', (err) => finish(err));
    req.on('close', () => finish(new Error('the client went away')));
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) tooLarge();
  });
}

/** Does If-None-Match name this ETag (or *)? Weak validators compare by their opaque tag (RFC 9110 §13.1.2). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((raw) => {
    const tag = raw.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

export class CentralService {
  readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly clock: () => number;
  private readonly log: (line: string) => void;
  private retentionTimer: NodeJS.Timeout | null = null;
  /** The store's receipt key, read (or made) on first need and kept for the process's life. */
  private receiptKey: Promise<ServiceKey> | null = null;
  /** Batch body bytes held now, over all requests (MAX_IN_FLIGHT_BYTES). */
  private inFlightBytes = 0;
  url = '';

  constructor(private readonly opts: CentralServiceOptions) {
    this.clock = opts.clock ?? Date.now;
    this.log = opts.log ?? ((line) => process.stderr.write(line + '\n'));
    const requestTimeout = opts.requestTimeoutMs ?? 30_000;
    // Timeouts are checked every second (node's default is every 30 s), so a stalled client is let go on time.
    const timeouts = { requestTimeout, headersTimeout: Math.min(15_000, requestTimeout), keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 };
    this.server = http.createServer(timeouts, (req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, err));
    });
    this.server.maxConnections = MAX_CONNECTIONS;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    // A request no HTTP parser takes, or one not in within the time: that connection is answered and ended, nothing else.
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (socket.writable) {
        const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
        socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      }
      socket.destroy();
    });
  }

  get store(): CentralStore {
    return this.opts.store;
  }

  /** Listens (127.0.0.1 unless told otherwise) and starts retention; returns the service's base URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.url = `http://${shown}:${address.port}/`;
    return this.url;
  }

  /**
   * Retention now (what it dropped is returned) and then every interval
   * (what those runs drop goes to onDropped); the timer does not keep the
   * process alive.
   */
  startRetention(onDropped?: (names: string[]) => void): Promise<string[]> {
    const run = async (): Promise<string[]> => {
      try {
        return await dropExpiredPartitions(this.store.sql, { nowMs: this.clock(), retentionDays: this.store.retentionDays });
      } catch (err) {
        this.log(`retention failed (tried again at the next run): ${(err as Error).message}`);
        return [];
      }
    };
    this.retentionTimer = setInterval(() => {
      void run().then((dropped) => {
        if (dropped.length > 0) onDropped?.(dropped);
      });
    }, this.opts.retentionIntervalMs ?? RETENTION_INTERVAL_MS);
    this.retentionTimer.unref();
    return run();
  }

  /** The key receipts are signed with: the store's (made there on first need, central/service-key.ts). */
  serviceKey(): Promise<ServiceKey> {
    if (!this.receiptKey) {
      const loading = serviceKey(this.store.sql, this.clock());
      // A store that could not be read this time is asked again next time.
      loading.catch(() => {
        if (this.receiptKey === loading) this.receiptKey = null;
      });
      this.receiptKey = loading;
    }
    return this.receiptKey;
  }

  async close(): Promise<void> {
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.retentionTimer = null;
    const closed = new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private fail(res: http.ServerResponse, err: unknown): void {
    if (err instanceof Refused) return refuse(res, err);
    this.log(`internal error: ${(err as Error).stack ?? String(err)}`);
    send(res, 500, { error: 'internal', reason: 'the service could not complete the request; send it again later' });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://service.invalid').pathname;
    } catch {
      return send(res, 400, { error: 'malformed', reason: 'the request target is not a path' });
    }
    const method = req.method ?? '';
    if (path === ROUTES.checks) {
      if (method !== 'POST') return send(res, 405, { error: 'method', reason: 'POST a signed batch here' }, { allow: 'POST' });
      return this.postChecks(req, res);
    }
    if (path === ROUTES.trustBundle) {
      if (method !== 'GET' && method !== 'HEAD') return send(res, 405, { error: 'method', reason: 'GET the newest trust bundle here' }, { allow: 'GET, HEAD' });
      return this.getBundle(req, res, method === 'HEAD');
    }
    if (path === ROUTES.enroll) {
      if (method !== 'POST') return send(res, 405, { error: 'method', reason: 'POST {token, jwk, proof} here' }, { allow: 'POST' });
      return this.postEnroll(req, res);
    }
    if (path === '/fleet' || path.startsWith('/fleet/')) return handleFleet(this, this.opts, req, res, path);
    return send(res, 404, { error: 'not-found', reason: `no such endpoint: ${path.slice(0, 100)}` });
  }

  /**
   * Spec §6. The signature is verified with the enrolled device's key
   * before anything is written; the device must also be unrevoked when the
   * batch is written (the store locks its row).
   */
  private async postChecks(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const budget = this.opts.maxInFlightBytes ?? MAX_IN_FLIGHT_BYTES;
    let held = 0;
    const reserve = (bytes: number): boolean => {
      if (this.inFlightBytes + bytes > budget) return false;
      this.inFlightBytes += bytes;
      held += bytes;
      return true;
    };
    try {
      await this.storeBatch(await readBody(req, this.opts.maxBatchBytes ?? MAX_BATCH_BODY_BYTES, reserve), res);
    } finally {
      // Held until the answer: the body's decoded copies live as long as the batch is handled.
      this.inFlightBytes -= held;
    }
  }

  private async storeBatch(body: string, res: http.ServerResponse): Promise<void> {
    const { kid, parts } = readSyncJws(body);
    const device = await this.store.device(kid);
    if (!device) throw new Refused(401, 'unknown-device', `device ${kid} is not enrolled here (sentinel enroll URL TOKEN)`);
    if (device.revokedAt !== null) throw new Refused(403, 'device-revoked', `device ${kid} was revoked at ${device.revokedAt}; nothing it sends is stored`);
    if (!(await checkSignature('ES256', await deviceKey(device.jwk), parts.signingInput, parts.signature))) {
      throw new Refused(401, 'bad-signature', `the batch's signature does not verify with the key enrolled for device ${kid}`);
    }
    const batch = readSyncPayload(parts.payloadBytes, kid);
    const key = await this.serviceKey();
    const nowMs = this.clock();
    const answer = await this.store.storeBatch(batch, nowMs);
    for (const alert of answer.alerts) this.log(`alert ${alert.kind} for device ${kid} (gate ${device.gate ?? '-'}): ${JSON.stringify(alert.detail)}`);
    // Signed over exactly the lists answered (central/receipts.ts): a kiosk that pinned the key marks only what it names.
    const receipt = signReceipt(key, { device: kid, batch: batch.batch, accepted: answer.accepted, duplicate: answer.duplicate, chain: batch.chain ?? null, at: new Date(nowMs).toISOString() });
    send(res, 200, {
      accepted: answer.accepted,
      duplicate: answer.duplicate,
      ...(answer.pastRetention.length > 0 ? { pastRetention: answer.pastRetention } : {}),
      // Beside spec §6's lists: what was not stored and why (it is in neither list, so the kiosk sends it again).
      ...(answer.held.length > 0 ? { heldBack: answer.held } : {}),
      receipt,
    });
  }

  private async getBundle(req: http.IncomingMessage, res: http.ServerResponse, head: boolean): Promise<void> {
    const bundle = await this.store.newestBundle();
    if (!bundle) return send(res, 404, head ? null : { error: 'no-bundle', reason: 'no trust bundle is published yet (sentinel central bundle publish)' });
    const etag = `"${bundle.seq}"`;
    if (etagMatches(req.headers['if-none-match'], etag)) {
      res.writeHead(304, { etag, 'cache-control': 'no-cache' });
      return void res.end();
    }
    res.writeHead(200, { etag, 'content-type': 'application/jose', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'content-length': String(Buffer.byteLength(bundle.jws)) });
    res.end(head ? undefined : bundle.jws);
  }

  private async postEnroll(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_ENROLL_BODY_BYTES);
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      throw new Refused(400, 'malformed', 'the body is not JSON');
    }
    if (!isJsonObject(doc)) throw new Refused(400, 'malformed', 'the body must be a JSON object {token, jwk}');
    if (typeof doc.token !== 'string' || doc.token.length === 0 || doc.token.length > 256) throw new Refused(400, 'malformed', 'token must be the enrollment token, as text');
    const { id, jwk } = await readDeviceJwk(doc.jwk);
    if (doc.deviceId !== undefined && doc.deviceId !== id) throw new Refused(400, 'malformed', `deviceId is not the thumbprint of the jwk (${id})`);
    await checkEnrollProof(doc.proof, { id, jwk, token: doc.token });
    // Read before the token is spent: a store that cannot give the key enrolls nobody.
    const key = await this.serviceKey();
    const device = await this.store.enroll({ token: doc.token, id, jwk, nowMs: this.clock() });
    // serviceKey: what the kiosk pins to verify every receipt from now on.
    send(res, 200, { deviceId: device.id, gate: device.gate, station: device.station, enrolledAt: device.enrolledAt, maxBatch: MAX_CHECKS_PER_BATCH, serviceKey: key.publicJwk });
  }
}
