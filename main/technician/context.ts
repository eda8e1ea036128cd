// What every part of technician mode works on: the kiosk's data directory and
// its stores, opened once by whoever composes the kiosk, and the session.
import type { AuditTrail } from '../audit/audit.js';
import type { ConfigStore } from '../config/config-store.js';
import type { DataDir } from '../data-dir.js';
import type { CheckLog } from '../log/check-log.js';
import type { PolicyStore } from '../policy/policy-store.js';
import type { TrustStore } from '../trust/trust-store.js';
import type { TechnicianSession } from './session.js';

export interface TechnicianContext {
  dir: DataDir;
  log: CheckLog;
  audit: AuditTrail;
  config: ConfigStore;
  policy: PolicyStore;
  trust: TrustStore;
  session: TechnicianSession;
  clock: () => number;
  /** A change the running kiosk applies at once: the changed configuration keys, or 'policy' / 'trust'. */
  changed(what: string[]): void;
}
