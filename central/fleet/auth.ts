// The fleet view's web defences, apart from the accounts themselves
// (operators.ts): cookies, the headers every answer carries, where a
// request came from (Origin and Sec-Fetch-Site, for every POST) and the
// CSRF tokens compared in constant time.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** The session's cookie: its random token (the store keeps only its hash). */
export const SESSION_COOKIE = 'sentinel_fleet';
/** The login form's CSRF token's twin (double submit: there is no session yet to hold it). */
export const LOGIN_COOKIE = 'sentinel_fleet_login';
/** The operator's language choice. */
export const LANG_COOKIE = 'sentinel_fleet_lang';
/** Every cookie is scoped to the fleet view. */
export const COOKIE_PATH = '/fleet';

/**
 * No script or style but the service's own files, no frames, no forms to
 * elsewhere, nothing fetched from anywhere else.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** What every answer under /fleet carries. */
export function securityHeaders(secure: boolean): Record<string, string> {
  return {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // Not no-referrer: under it a browser sends "Origin: null" with the view's own forms, which fromOwnPage must refuse.
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=()',
    ...(secure ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    // The first of a name wins (the most specific path comes first).
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

export function setCookie(name: string, value: string, opts: { secure: boolean; maxAgeS?: number }): string {
  return [`${name}=${value}`, `Path=${COOKIE_PATH}`, 'HttpOnly', 'SameSite=Strict', ...(opts.secure ? ['Secure'] : []), ...(opts.maxAgeS === undefined ? [] : [`Max-Age=${opts.maxAgeS}`])].join('; ');
}

export function clearCookie(name: string, secure: boolean): string {
  return setCookie(name, '', { secure, maxAgeS: 0 });
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export const isToken = (v: string | undefined): v is string => v !== undefined && /^[A-Za-z0-9_-]{43}$/.test(v);

/** Equal tokens, compared in constant time (a mismatch of length is not one of content). */
export function tokensEqual(a: string | undefined | null, b: string | undefined | null): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Did the request reach us over TLS, as the browser sees it: a TLS socket,
 * an https public URL, or a proxy in front saying so. (Believing a
 * forwarded https only makes the cookie Secure: a lie sent over plain http
 * costs the liar their own session.)
 */
export function isSecure(req: IncomingMessage, publicUrl: URL | null): boolean {
  if ((req.socket as TLSSocket).encrypted === true) return true;
  if (publicUrl?.protocol === 'https:') return true;
  const forwarded = req.headers['x-forwarded-proto'];
  return typeof forwarded === 'string' && forwarded.split(',')[0]!.trim().toLowerCase() === 'https';
}

/**
 * Is a state-changing request from the fleet view's own pages? A browser
 * says where a request comes from in Sec-Fetch-Site (all current ones) and
 * Origin (every POST): if it sends them, they must say this very site (its
 * Host, over http or https, or the public URL it is configured with). A
 * client that sends neither is no browser a forged form could drive; the
 * CSRF token is required of it all the same.
 */
export function fromOwnPage(req: IncomingMessage, publicUrl: URL | null): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const allowed = new Set<string>();
  if (publicUrl) allowed.add(publicUrl.origin);
  const host = req.headers.host;
  if (host !== undefined && /^[A-Za-z0-9.:[\]-]{1,300}$/.test(host)) {
    allowed.add(`http://${host.toLowerCase()}`);
    allowed.add(`https://${host.toLowerCase()}`);
  }
  return allowed.has(origin.toLowerCase());
}
