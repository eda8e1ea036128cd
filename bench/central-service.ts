// A small reference central log service (spec §6) for tests and benchmarks:
// verifies each batch's device signature against enrolled keys,
// de-duplicates by checkId, serves trust bundles, and injects the faults a
// real network has. Listens on 127.0.0.1 only.
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { compactVerify, importJWK, type JWK } from 'jose';

export type Fault = 'error500' | 'tooMany' | 'reset' | 'hang' | 'lostAnswer' | 'slow' | 'malformed' | 'partial';
export const FAULTS: readonly Fault[] = ['error500', 'tooMany', 'reset', 'hang', 'lostAnswer', 'slow', 'malformed', 'partial'];

export interface CentralServiceOptions {
  /** Fraction of check pushes that meet a fault (0–1). */
  faultRate?: number;
  faults?: readonly Fault[];
  random?: () => number;
  /** How long a hang lasts before the socket is dropped, ms. */
  hangMs?: number;
  retryAfterSeconds?: number;
  /** Every check push takes this long to answer, ms (a slow link). */
  delayMs?: number;
}

export class CentralService {
  /** Every check stored, by id (what exactly-once is judged on). */
  readonly stored = new Map<string, Record<string, unknown>>();
  /** Every audit event stored, by id (the `events` extension of §6). */
  readonly storedEvents = new Map<string, Record<string, unknown>>();
  readonly stats = { requests: 0, badSignatures: 0, faults: 0, accepted: 0, duplicates: 0, bundleRequests: 0 };
  /** Raw request bodies, for privacy checks. */
  readonly bodies: string[] = [];
  keepBodies = true;
  bundle: { jws: string; seq: number } | null = null;
  /** Fixed Date header to send (else now). */
  dateHeader: string | null = null;
  down = false;
  private readonly devices = new Map<string, CryptoKey>();
  private server: http.Server | null = null;
  private readonly sockets = new Set<Socket>();
  url = '';

  constructor(private opts: CentralServiceOptions = {}) {}

  configure(opts: CentralServiceOptions): void {
    this.opts = { ...this.opts, ...opts };
  }

  async enroll(deviceId: string, jwk: JWK): Promise<void> {
    const key = await importJWK({ kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! }, 'ES256');
    this.devices.set(deviceId, key as CryptoKey);
  }

  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private pickFault(): Fault | null {
    const random = this.opts.random ?? Math.random;
    if (random() >= (this.opts.faultRate ?? 0)) return null;
    const faults = this.opts.faults ?? FAULTS;
    return faults[Math.floor(random() * faults.length)] ?? null;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { date: this.dateHeader ?? new Date().toUTCString(), ...extra };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.stats.requests++;
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/v1/trust-bundle' && (req.method === 'GET' || req.method === 'HEAD')) {
      this.stats.bundleRequests++;
      if (!this.bundle) return void res.writeHead(404, this.headers()).end();
      if (req.headers['if-none-match'] === `"${this.bundle.seq}"`) return void res.writeHead(304, this.headers()).end();
      res.writeHead(200, this.headers({ 'content-type': 'application/jose' }));
      return void res.end(req.method === 'HEAD' ? undefined : this.bundle.jws);
    }
    if (url.pathname !== '/v1/checks' || req.method !== 'POST') return void res.writeHead(404, this.headers()).end();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
    const body = Buffer.concat(chunks).toString('utf8');
    if (this.keepBodies) this.bodies.push(body);
    const fault = this.pickFault();
    if (fault) this.stats.faults++;
    if (fault === 'reset') return void req.socket.destroy();
    if (fault === 'hang') return void setTimeout(() => req.socket.destroy(), this.opts.hangMs ?? 20_000);
    if (fault === 'error500') return void res.writeHead(500, this.headers()).end('internal error');
    if (fault === 'tooMany') return void res.writeHead(429, this.headers({ 'retry-after': String(this.opts.retryAfterSeconds ?? 1) })).end();
    if (fault === 'malformed') return void res.writeHead(200, this.headers({ 'content-type': 'application/json' })).end('{"accepted": [');

    const verified = await this.verify(body);
    const checks = verified?.checks ?? null;
    if (!verified || !checks) {
      this.stats.badSignatures++;
      return void res.writeHead(401, this.headers()).end('bad signature');
    }
    // Partial: the service takes only the first half this time.
    const taken = fault === 'partial' ? checks.slice(0, Math.ceil(checks.length / 2)) : checks;
    const accepted: string[] = [];
    const duplicate: string[] = [];
    for (const c of taken) {
      const id = String(c.checkId);
      if (this.stored.has(id)) duplicate.push(id);
      else {
        this.stored.set(id, c);
        accepted.push(id);
      }
    }
    for (const ev of fault === 'partial' ? [] : verified.events) {
      const id = String(ev.eventId);
      if (this.storedEvents.has(id)) duplicate.push(id);
      else {
        this.storedEvents.set(id, ev);
        accepted.push(id);
      }
    }
    this.stats.accepted += accepted.length;
    this.stats.duplicates += duplicate.length;
    if (fault === 'lostAnswer') return void req.socket.destroy();
    const answer = (): void => void res.writeHead(200, this.headers({ 'content-type': 'application/json' })).end(JSON.stringify({ accepted, duplicate }));
    if (fault === 'slow') setTimeout(answer, 300);
    else answer();
  }

  private async verify(jws: string): Promise<{ checks: Record<string, unknown>[]; events: Record<string, unknown>[] } | null> {
    try {
      const header = JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString('utf8')) as { kid?: string; typ?: string; alg?: string };
      const key = header.kid ? this.devices.get(header.kid) : undefined;
      if (!key || header.typ !== 'phc-sync+jwt' || header.alg !== 'ES256') return null;
      const { payload } = await compactVerify(jws, key, { algorithms: ['ES256'] });
      const doc = JSON.parse(new TextDecoder().decode(payload)) as { device?: string; batch?: string; checks?: Record<string, unknown>[]; events?: Record<string, unknown>[] };
      if (doc.device !== header.kid || typeof doc.batch !== 'string' || !Array.isArray(doc.checks) || doc.checks.length > 500) return null;
      return { checks: doc.checks, events: Array.isArray(doc.events) ? doc.events : [] };
    } catch {
      return null;
    }
  }
}
