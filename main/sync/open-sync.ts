// Assembles the sync client for a data directory: log, device key, trust
// store, time floor, endpoints. Shared by `sentinel sync` and the kiosk.
import { TimeFloor } from '../clock/time-floor.js';
import type { DataDir } from '../data-dir.js';
import { loadOrCreateDeviceIdentity } from '../device/device-key.js';
import type { KioskStatus } from '../contract/kiosk.js';
import type { CheckLog } from '../log/check-log.js';
import { PolicyStore } from '../policy/policy-store.js';
import { TrustStore } from '../trust/trust-store.js';
import { syncEndpoints } from './endpoints.js';
import { ServiceKeyPin } from './service-pin.js';
import { SyncClient } from './sync-client.js';

/**
 * The sync client of a data directory the caller holds open, on its open
 * log: receipts checked against the service key pinned there at enrollment
 * (if any); with `kiosk`, the running kiosk's status in every push.
 */
export async function syncClientIn(dir: DataDir, endpoint: string, log: CheckLog, clock: () => number, opts: { kiosk?: () => KioskStatus | null } = {}): Promise<SyncClient> {
  const status = opts.kiosk;
  return new SyncClient({
    endpoints: syncEndpoints(endpoint),
    log,
    device: await loadOrCreateDeviceIdentity(dir),
    trust: new TrustStore(dir, log),
    floor: new TimeFloor(log),
    clock,
    pin: new ServiceKeyPin(dir),
    ...(status
      ? {
          kiosk: {
            status,
            policyVersion: () => {
              try {
                return new PolicyStore(dir).load().version;
              } catch {
                return null; // a damaged policy file: the kiosk keeps the one it had, the status says none
              }
            },
          },
        }
      : {}),
  });
}
