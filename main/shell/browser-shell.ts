// The browser shell: serves the renderer on loopback and carries the kiosk
// contract over one WebSocket, exposing to the page the same `window.kiosk`
// API the Electron preload exposes. Used by the end-to-end tests and by
// kiosks that run Chromium in kiosk mode.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KioskService } from '../kiosk/kiosk-service.js';
import { CONTENT_TYPES, contentSecurityPolicy } from './csp.js';
import { isLoopbackHost } from './loopback.js';

export interface BrowserShellOptions {
  service: KioskService;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface BrowserShell {
  url: string;
  close(): Promise<void>;
}

/** The most one message from the page may be (a scan is capped far below this). */
const MAX_MESSAGE_BYTES = 64 * 1024;

export async function startBrowserShell(opts: BrowserShellOptions): Promise<BrowserShell> {
  if (!isLoopbackHost(opts.host)) throw new Error(`the kiosk listens on loopback only, not ${opts.host}`);
  const root = path.resolve(opts.rendererDir);
  if (!fs.existsSync(path.join(root, 'index.html'))) throw new Error(`the renderer is not built (${root}/index.html missing): run npm run build`);
  let origin = '';

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(root, rel);
    if (req.method !== 'GET' || !file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': contentSecurityPolicy({ connect: [origin.replace(/^http/, 'ws')] }),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    fs.createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
  });
  server.on('upgrade', (req, socket, head) => {
    // Only the page this shell served may talk to the checkpoint.
    if (new URL(req.url ?? '/', origin).pathname !== '/kiosk' || req.headers.origin !== origin) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('connection', (ws: WebSocket) => {
    const unsubscribe = opts.service.subscribe((channel, payload) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ t: 'event', channel, payload }));
    });
    ws.on('close', unsubscribe);
    ws.on('message', async (data) => {
      let msg: { t?: unknown; id?: unknown; channel?: unknown; payload?: unknown };
      try {
        msg = JSON.parse(data.toString()) as typeof msg;
      } catch {
        return;
      }
      if (msg.t !== 'invoke' || typeof msg.id !== 'number' || typeof msg.channel !== 'string') return;
      const result = await opts.service.invoke(msg.channel, msg.payload);
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ t: 'result', id: msg.id, result }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const hostPart = opts.host.includes(':') ? `[${opts.host.replace(/^\[|\]$/g, '')}]` : opts.host;
  origin = `http://${hostPart}:${port}`;
  return {
    url: `${origin}/`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
