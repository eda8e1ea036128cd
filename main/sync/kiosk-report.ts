// What a push tells the central service of the kiosk itself, beside the
// checks (issue 16; both optional members of the spec §6 payload, which a
// service from before ignores):
//
// - `chain`: the head of the log's keyed chain — {length, head, atMs}, the
//   newest chain position and its link as the sealed record in the log's
//   meta holds them (main/log/chain-writer.ts), and the kiosk's time of
//   reading it. The link is an HMAC under the kiosk's chain key: it tells
//   the service nothing of any entry, only whether the history it saw
//   before is still the history now (central/alerts.ts).
// - `status`: KioskSyncStatus (main/contract/sync-status.ts), from the
//   running kiosk's own status, the bundle and policy in force, the backlog
//   and the app's version. Only the running kiosk sends one: `sentinel
//   sync` on its own does not know the devices' states.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KioskStatus } from '../contract/kiosk.js';
import type { KioskSyncStatus } from '../contract/sync-status.js';
import type { TrustBundleInfo } from '../contract/trust.js';
import type { CheckLog } from '../log/check-log.js';
import { packageRoot } from '../package-root.js';

/** The chain member of a push. */
export interface SyncChainHead {
  length: number;
  head: string;
  atMs: number;
}

/** The log's sealed chain head as it stands; null for a log that never held an entry, or a record that is not one. */
export function chainHeadOf(log: CheckLog, nowMs: number): SyncChainHead | null {
  const text = log.getMeta('chain_head');
  if (text === null) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  const { seq, hash } = (doc ?? {}) as { seq?: unknown; hash?: unknown };
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0 || typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) return null;
  return { length: seq, head: hash, atMs: nowMs };
}

let version: string | null = null;

/** This Sentinel's version, from its package.json (read once); 'unknown' when it cannot be read. */
export function appVersion(): string {
  if (version !== null) return version;
  try {
    const doc = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    version = typeof doc.version === 'string' && doc.version.length > 0 ? doc.version.slice(0, 32) : 'unknown';
  } catch {
    version = 'unknown';
  }
  return version;
}

/** What the sync client knows itself, beside the running kiosk's status. */
export interface KnownToSync {
  sentAtMs: number;
  bundle: Pick<TrustBundleInfo, 'seq' | 'exp'> | null;
  policyVersion: number | null;
  backlog: number;
  oldestPendingAtMs: number | null;
}

/** The status object of a push (main/contract/sync-status.ts), from the kiosk's status and what sync knows. Pure. */
export function kioskSyncStatus(kiosk: KioskStatus, known: KnownToSync, app: string = appVersion()): KioskSyncStatus {
  const status: KioskSyncStatus = {
    appVersion: app,
    sentAtMs: Math.round(known.sentAtMs),
    bundleSeq: known.bundle?.seq ?? null,
    bundleExpiresAtMs: known.bundle ? Math.round(known.bundle.exp * 1000) : null,
    policyVersion: known.policyVersion,
    backlog: known.backlog,
    oldestPendingAtMs: known.oldestPendingAtMs === null ? null : Math.round(known.oldestPendingAtMs),
    devices: { thermometer: kiosk.thermometer.state, scanner: kiosk.scanner.state, gate: kiosk.gate?.gate ?? 'none' },
  };
  if (kiosk.gate) status.gate = { notPassedToday: kiosk.gate.notPassedToday, tailgatesToday: kiosk.gate.tailgatesToday };
  return status;
}
