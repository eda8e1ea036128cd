// What a kiosk tells the central service about itself with each batch
// (issue 16): enough for the fleet view's row and its alerts (silent, stale
// or expired bundle, clock off, a device out of order), nothing about any
// traveller. It extends the spec §6 payload as an optional `status` member:
// a kiosk from before sends none, and a service from before ignores it.
import type { DeviceState } from './devices.js';
import type { GateStatus } from './kiosk.js';

export const DEVICE_STATES: readonly DeviceState[] = ['ok', 'offline', 'simulated', 'none'];
export const GATE_STATES: readonly GateStatus['gate'][] = ['none', 'ready', 'open', 'out-of-order', 'free-passage'];

export interface KioskSyncStatus {
  /** The kiosk's Sentinel version (package.json). */
  appVersion: string;
  /** The kiosk's clock as it sent the batch, ms since the epoch: the service holds it against its own (the clock offset). */
  sentAtMs: number;
  /** The trust bundle in force; null when it has none that loads. */
  bundleSeq: number | null;
  bundleExpiresAtMs: number | null;
  /** The policy version in force. */
  policyVersion: number | null;
  /** Checks not yet synced (this batch included), and the oldest one's time. */
  backlog: number;
  oldestPendingAtMs: number | null;
  devices: { thermometer: DeviceState; scanner: DeviceState; gate: GateStatus['gate'] };
  /** Today's gate counts, in the kiosk's zone; absent without a gate. */
  gate?: { notPassedToday: number; tailgatesToday: number };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1e12;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 8.64e15;
const orNull = <T>(v: unknown, ok: (v: unknown) => v is T): v is T | null => v === null || ok(v);
const oneOf =
  <T extends string>(list: readonly T[]) =>
  (v: unknown): v is T =>
    typeof v === 'string' && (list as readonly string[]).includes(v);

/**
 * A status as it arrived (from a kiosk: checked field by field, unknown
 * members dropped); null when it is not one. The service never stores more
 * than this shape says.
 */
export function parseKioskSyncStatus(v: unknown): KioskSyncStatus | null {
  if (!isObject(v) || !isObject(v.devices)) return null;
  const d = v.devices;
  if (typeof v.appVersion !== 'string' || v.appVersion.length === 0 || v.appVersion.length > 32) return null;
  if (!isTime(v.sentAtMs) || !orNull(v.bundleSeq, isCount) || !orNull(v.bundleExpiresAtMs, isTime) || !orNull(v.policyVersion, isCount)) return null;
  if (!isCount(v.backlog) || !orNull(v.oldestPendingAtMs, isTime)) return null;
  if (!oneOf(DEVICE_STATES)(d.thermometer) || !oneOf(DEVICE_STATES)(d.scanner) || !oneOf(GATE_STATES)(d.gate)) return null;
  const status: KioskSyncStatus = {
    appVersion: v.appVersion,
    sentAtMs: v.sentAtMs,
    bundleSeq: v.bundleSeq,
    bundleExpiresAtMs: v.bundleExpiresAtMs,
    policyVersion: v.policyVersion,
    backlog: v.backlog,
    oldestPendingAtMs: v.oldestPendingAtMs,
    devices: { thermometer: d.thermometer, scanner: d.scanner, gate: d.gate },
  };
  if (v.gate !== undefined) {
    if (!isObject(v.gate) || !isCount(v.gate.notPassedToday) || !isCount(v.gate.tailgatesToday)) return null;
    status.gate = { notPassedToday: v.gate.notPassedToday, tailgatesToday: v.gate.tailgatesToday };
  }
  return status;
}
