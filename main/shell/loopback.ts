// Sentinel's servers listen on loopback only: the kiosk's own screen is the
// only client, and nothing else on the station network may reach it.
import { isIP } from 'node:net';

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1';
  return false;
}
