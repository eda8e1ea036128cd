// Assembles the sync client for a data directory: log, device key, trust
// store, time floor, endpoints. Shared by `sentinel sync` and the kiosk.
import { TimeFloor } from '../clock/time-floor.js';
import type { DataDir } from '../data-dir.js';
import { loadOrCreateDeviceIdentity } from '../device/device-key.js';
import type { CheckLog } from '../log/check-log.js';
import { TrustStore } from '../trust/trust-store.js';
import { syncEndpoints } from './endpoints.js';
import { SyncClient } from './sync-client.js';

/** The sync client of a data directory the caller holds open, on its open log. */
export async function syncClientIn(dir: DataDir, endpoint: string, log: CheckLog, clock: () => number): Promise<SyncClient> {
  return new SyncClient({
    endpoints: syncEndpoints(endpoint),
    log,
    device: await loadOrCreateDeviceIdentity(dir),
    trust: new TrustStore(dir, log),
    floor: new TimeFloor(log),
    clock,
  });
}
