// Assembles the sync client for a data directory: log, device key, trust
// store, time floor, endpoints. Shared by `sentinel sync` and the kiosk.
import { TimeFloor } from '../clock/time-floor.js';
import type { DataDir } from '../data-dir.js';
import { loadOrCreateDeviceIdentity } from '../device/device-key.js';
import type { CheckLog } from '../log/check-log.js';
import { TrustStore } from '../trust/trust-store.js';
import { syncEndpoints } from './endpoints.js';
import { ServiceKeyPin } from './service-pin.js';
import { SyncClient, type RunningKiosk } from './sync-client.js';

/**
 * The sync client of a data directory the caller holds open, on its open
 * log: receipts checked against the service key pinned there at enrollment
 * (if any); with `kiosk`, the running kiosk's status in every push.
 */
export async function syncClientIn(dir: DataDir, endpoint: string, log: CheckLog, clock: () => number, opts: { kiosk?: RunningKiosk } = {}): Promise<SyncClient> {
  return new SyncClient({
    endpoints: syncEndpoints(endpoint),
    log,
    device: await loadOrCreateDeviceIdentity(dir),
    trust: new TrustStore(dir, log),
    floor: new TimeFloor(log),
    clock,
    pin: new ServiceKeyPin(dir),
    ...(opts.kiosk ? { kiosk: opts.kiosk } : {}),
  });
}
