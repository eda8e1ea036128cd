// The browser shell: serves the renderer on loopback and carries the kiosk
// contract over one WebSocket, exposing to the page the same `window.kiosk`
// API the Electron preload exposes. Used by the end-to-end tests and by
// kiosks that run Chromium in kiosk mode.
//
// Its door, from outside in: the server listens on loopback only; every
// request must name the exact host:port it serves (a DNS-rebound name is
// refused, so a web page elsewhere cannot read the screen through its own
// name); the socket further needs the page's own Origin and a per-launch
// token that only the page holds (any local process can set an Origin
// header). Nothing a client sends may end the process: every request,
// upgrade and message is handled inside its own try, and every socket has
// an error listener.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { InvokeChannel, KioskEndpoint } from '../contract/ipc.js';
import { CONTENT_TYPES, contentSecurityPolicy } from './csp.js';
import { isLoopbackHost } from '../contract/loopback.js';

/**
 * What the shell needs of the kiosk service (tests pass a fake that records
 * callers). Any channel name goes through: the service parses it against the
 * contract's table, so an unknown one is answered UNKNOWN_CHANNEL there.
 */
export interface BrowserShellOptions {
  service: KioskEndpoint;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** A request the service threw on (a bug, answered INTERNAL to the page). */
  onError?: (err: Error) => void;
}

export interface BrowserShell {
  /**
   * The screen's address with the socket's token in its fragment:
   * `http://127.0.0.1:PORT/#k=TOKEN`. Open exactly this; the fragment never
   * reaches the server, the page takes it from there.
   */
  url: string;
  close(): Promise<void>;
}

/** The most one message from the page may be (a scan is capped far below this). */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** The socket's path, and the query parameter (and fragment key) carrying the token. */
export const SOCKET_PATH = '/kiosk';
export const TOKEN_PARAM = 'k';
/** Longer request targets are refused before any parsing (the screen's own are short). */
const MAX_TARGET_CHARS = 2048;
/** Close code for a message the contract has no answer for (RFC 6455 §7.4.1: policy violation). */
const CLOSE_MALFORMED = 1008;

export async function startBrowserShell(opts: BrowserShellOptions): Promise<BrowserShell> {
  if (!isLoopbackHost(opts.host)) throw new Error(`the kiosk listens on loopback only, not ${opts.host}`);
  const root = path.resolve(opts.rendererDir);
  if (!fs.existsSync(path.join(root, 'index.html'))) throw new Error(`the renderer is not built (${root}/index.html missing): run npm run build`);
  // Made per launch and held only by the page it is handed to (in the URL's
  // fragment): the socket serves whoever presents it and nobody else. Only
  // its digest is compared, so the comparison is constant-time whatever the
  // length of what a client sends.
  const token = randomBytes(32).toString('base64url');
  const tokenDigest = sha256(token);
  // Known once listening (the port may be picked by the system).
  let host = '';
  let origin = '';

  const server = http.createServer((req, res) => {
    try {
      serveFile(req, res);
    } catch {
      // Whatever went wrong was this request's alone.
      plain(res, 500, 'internal error');
    }
  });

  function serveFile(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    if (!hostIsOurs(req)) return plain(res, 403, 'forbidden host');
    const target = requestTarget(req.url);
    if (!target) return plain(res, 400, 'bad request');
    const rel = target.path === '/' ? 'index.html' : target.path.replace(/^\/+/, '');
    const file = path.resolve(root, rel);
    const stat = file.startsWith(root + path.sep) ? fs.statSync(file, { throwIfNoEntry: false }) : undefined;
    if (!stat?.isFile()) return plain(res, 404, 'not found');
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': stat.size,
      'content-security-policy': contentSecurityPolicy({ connect: [origin.replace(/^http/, 'ws')] }),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // pipeline listens for errors on both ends: a file that vanished or a
    // client that went away costs this response only.
    pipeline(fs.createReadStream(file), res, (err) => {
      if (err) res.destroy();
    });
  }

  // A request the parser refused (malformed line, oversized headers, a
  // timeout) or a socket error before a request: answered when the socket
  // can still take it, and closed.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    refuse(socket, status);
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands an upgrade's socket over with no error listener of its own:
    // a reset from the client would otherwise be an uncaught exception.
    socket.on('error', () => socket.destroy());
    try {
      const target = requestTarget(req.url);
      if (!target) return refuse(socket, 400);
      if (target.path !== SOCKET_PATH) return refuse(socket, 404);
      if (!hostIsOurs(req)) return refuse(socket, 403, 'forbidden host');
      // Only the page this shell served may talk to the checkpoint...
      if (req.headers.origin !== origin) return refuse(socket, 403, 'forbidden origin');
      // ...and any local process can claim that origin: the token is what the page alone has.
      const given = new URLSearchParams(target.query).getAll(TOKEN_PARAM);
      if (given.length !== 1 || !timingSafeEqual(sha256(given[0]!), tokenDigest)) return refuse(socket, 403, 'forbidden: no valid token');
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    } catch {
      refuse(socket, 400);
    }
  });

  // Each connection is its own caller: a technician or supervisor session
  // unlocked on one screen socket belongs to that socket alone.
  let connections = 0;
  wss.on('connection', (ws: WebSocket) => {
    const caller = `ws:${++connections}`;
    // ws reports here what it already acts on (a message over maxPayload,
    // invalid UTF-8, a reset) and closes the socket itself; without a
    // listener the error would end the process.
    ws.on('error', () => undefined);
    const send = (msg: object): void => {
      if (ws.readyState !== ws.OPEN) return;
      try {
        // A send that fails (the peer went away meanwhile) closes this connection only.
        ws.send(JSON.stringify(msg), (err) => err && ws.terminate());
      } catch {
        ws.terminate();
      }
    };
    const unsubscribe = opts.service.subscribe((channel, payload) => send({ t: 'event', channel, payload }));
    ws.on('close', () => {
      unsubscribe();
      // A technician or supervisor session ends with the connection that opened it.
      opts.service.invoke('technician/lock' satisfies InvokeChannel, {}, caller).catch((err: unknown) => opts.onError?.(err instanceof Error ? err : new Error(String(err))));
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const msg = isBinary ? null : parseMessage(data);
      if (!msg) {
        // Nothing the page sends looks like this, and nothing can be answered: hang up.
        ws.close(CLOSE_MALFORMED, 'malformed message');
        return;
      }
      if (typeof msg.channel !== 'string') {
        send({ t: 'result', id: msg.id, result: { ok: false, error: { code: 'BAD_REQUEST', message: 'a request names its channel' } } });
        return;
      }
      const { id, channel, payload } = msg;
      // A throwing or rejecting service (a bug) is one INTERNAL answer, not the end of the kiosk.
      Promise.resolve()
        .then(() => opts.service.invoke(channel, payload, caller))
        .then(
          (result) => send({ t: 'result', id, result }),
          (err: unknown) => {
            opts.onError?.(err instanceof Error ? err : new Error(String(err)));
            send({ t: 'result', id, result: { ok: false, error: { code: 'INTERNAL', message: 'the kiosk could not handle this request' } } });
          },
        );
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const hostPart = opts.host.includes(':') ? `[${opts.host.replace(/^\[|\]$/g, '')}]` : opts.host;
  host = `${hostPart}:${port}`.toLowerCase();
  origin = `http://${host}`;

  /** Only the name this shell serves: `Host: evil.example:PORT` resolving here is a DNS rebinding. */
  function hostIsOurs(req: http.IncomingMessage): boolean {
    return req.headers.host?.toLowerCase() === host;
  }

  return {
    url: `${origin}/#${TOKEN_PARAM}=${token}`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A client holding a request open (or sending it a byte a minute) must not hold up the stop.
      server.closeAllConnections();
      await closed;
    },
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * The path (percent-decoded) and raw query of an origin-form request target,
 * or null for anything else: an absolute URL (`http://[::1`), `*`, a path
 * that does not decode (`/%E0%A4%A`), a NUL byte, an absurd length.
 * Parsed by hand rather than with `new URL(target, base)`, which reads
 * `//[` as a host and throws.
 */
export function requestTarget(target: string | undefined): { path: string; query: string } | null {
  if (!target || target[0] !== '/' || target.length > MAX_TARGET_CHARS) return null;
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  return { path: decoded, query };
}

/**
 * One message from the page, `{t:'invoke', id, channel, payload}`, or null
 * when it cannot even be answered (not JSON, not an object, no usable id).
 */
function parseMessage(data: RawData): { id: number; channel: unknown; payload: unknown } | null {
  const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  const text = bytes.toString('utf8');
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return null;
  const { t, id, channel, payload } = msg as Record<string, unknown>;
  if (t !== 'invoke' || typeof id !== 'number' || !Number.isSafeInteger(id)) return null;
  return { id, channel, payload };
}

function plain(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** Answers a refused upgrade (or unparseable request) on the raw socket, then closes it. */
function refuse(socket: Duplex, status: number, text = http.STATUS_CODES[status] ?? 'refused'): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = Buffer.from(text, 'utf8');
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${text}`,
    // Closed once written, whether or not the client ever closes its end.
    () => socket.destroy(),
  );
}
