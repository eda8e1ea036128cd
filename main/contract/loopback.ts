// Loopback: where Sentinel's servers listen (the kiosk's own screen is their
// only client) and the one place plain http may go (the central service over
// the network is https). Pure, so the configuration's validator, the sync
// endpoints and the shells apply the same rule.

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const LOOPBACK_V4 = new RegExp(`^127\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/** A host name or address (IPv6 with or without brackets) that can only mean this machine. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  return LOOPBACK_V4.test(bare) || bare === '::1';
}
