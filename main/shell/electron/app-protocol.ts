// The screen served from app://kiosk/ rather than file://: a real origin
// (so permissions and the CSP mean something) and nothing outside the
// built renderer can be read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Protocol } from 'electron';
import { CONTENT_TYPES, contentSecurityPolicy } from '../csp.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'kiosk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Must run before the app is ready. */
export const APP_SCHEME_PRIVILEGES = [{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }];

export function appRequestHandler(rendererDir: string): (request: Request) => Response {
  const root = path.resolve(rendererDir);
  const headers = (file: string): Record<string, string> => ({
    'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-security-policy': contentSecurityPolicy({ connect: [] }),
    'x-content-type-options': 'nosniff',
  });
  return (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('not found', { status: 404 });
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return new Response('not found', { status: 404 });
    return new Response(fs.readFileSync(file), { status: 200, headers: headers(file) });
  };
}

export function registerAppProtocol(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, appRequestHandler(rendererDir));
}
