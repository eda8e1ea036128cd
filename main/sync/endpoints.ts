// The one place that names Sentinel's network endpoints (spec §6). Every
// request the kiosk makes goes to a URL made here: https, or plain http to
// loopback only (a service on the kiosk itself, and the tests) — the
// service's answers decide which checks are marked stored and feed the time
// floor, so they must come from the service and nobody on the way. In test
// mode (SENTINEL_LOOPBACK_ONLY=1, set by the test setup) anything off
// loopback is refused too. Both are refused before a socket is opened.
// Every entry leads here: `sentinel sync --endpoint`, $SENTINEL_SYNC_ENDPOINT,
// `sentinel kiosk --sync-endpoint`, the `sync.endpoint` setting (its
// validator in main/contract/kiosk-config.ts applies the same rule) and the
// technician's Test connection.
import { isLoopbackHost } from '../contract/loopback.js';

export interface SyncEndpoints {
  base: URL;
  checks: URL;
  trustBundle: URL;
}

export class EndpointRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointRefused';
  }
}

export function loopbackOnly(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SENTINEL_LOOPBACK_ONLY === '1';
}

/** Checks and normalises the central service's base URL. */
export function syncEndpoints(base: string, env: NodeJS.ProcessEnv = process.env): SyncEndpoints {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new EndpointRefused(`the sync endpoint "${base}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EndpointRefused(`the sync endpoint must be http(s), not ${url.protocol}`);
  if (!authenticatedTransport(url)) throw new EndpointRefused(`the sync endpoint must use https (plain http only to this machine's loopback), not ${url.origin}`);
  if (url.username || url.password) throw new EndpointRefused('the sync endpoint must not carry credentials');
  if (loopbackOnly(env) && !isLoopbackHost(url.hostname)) throw new EndpointRefused(`test mode: requests go to loopback only, not ${url.hostname}`);
  const root = url.href.endsWith('/') ? url.href : `${url.href}/`;
  return { base: new URL(root), checks: new URL('v1/checks', root), trustBundle: new URL('v1/trust-bundle', root) };
}

/**
 * Is an answer from this URL the service's own? https (the server proved
 * who it is), or http to loopback (nothing between the kiosk and itself).
 */
export function authenticatedTransport(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/** Where a kiosk enrolls with the service (sentinel enroll): beside the sync endpoints, under the same rules. */
export function enrollEndpoint(base: string, env: NodeJS.ProcessEnv = process.env): URL {
  return new URL('v1/enroll', syncEndpoints(base, env).base);
}
