// What a kiosk reports of itself with each batch, kept on its device row
// (migration 2), and the alerts the service raises from it for the operator.
//
// - The chain head (`chain`: {length, head, atMs}): the kiosk's keyed log
//   chain (main/log/chain-writer.ts), its newest position and link. The link
//   is opaque here: the service only compares it with the last one the same
//   device reported. A later batch showing a shorter chain is history
//   truncated (an older copy of the log put back, or the log replaced); the
//   same length under another head is history rewritten. Either raises one
//   alert; the batch is still stored (its checks are real), and the head it
//   shows becomes the one later batches are compared with. What cannot be
//   seen: a rewrite that also grew the chain past the last length reported.
// - The status (`status`, main/contract/sync-status.ts): validated with
//   parseKioskSyncStatus and kept whole with when it arrived and the
//   kiosk's clock against the service's (clock_offset_ms: the kiosk's
//   sentAtMs minus the service's time, so positive is a kiosk ahead;
//   transit time included). Absent or invalid: ignored, never refused.
//
// A request the kiosk gave up on (its 15 s timeout) may still be stored
// after the one it sent next; its chain and status are older, not a
// truncation: a report whose own time (chain.atMs, status.sentAtMs) is
// earlier than the last one's by at most LATE_WINDOW_MS changes nothing.
// Further back than that is the kiosk's clock set back, and is taken.
//
// Everything here runs inside the batch's transaction, after its device row
// was locked (CentralStore.storeBatch): two processes receiving batches of
// one kiosk compare and update one after the other.
import { parseKioskSyncStatus, type KioskSyncStatus } from '../main/contract/sync-status.js';
import { storableText } from '../main/contract/sync-wire.js';
import { isJsonObject } from '../main/verify/jws.js';
import type { HeldBack, SyncBatch } from './batch.js';
import { isoOf, numberOf, textOf, type Row, type SqlQueryable } from './sql.js';

/** The kiosk's log chain as a batch reports it. */
export interface ChainHead {
  /** The newest chain position (entries ever appended: checks, events, retention's markers). */
  length: number;
  /** That position's link, opaque to the service. */
  head: string;
  /** The kiosk's clock when it read the head, ms; null when not given. */
  atMs: number | null;
}

export type AlertKind = 'chain-truncated' | 'chain-rewritten' | 'checks-held-back';

/** A kiosk sends checks or events the service cannot store (central/batch.ts HeldBack). */
export const HELD_BACK_ALERT = 'checks-held-back' satisfies AlertKind;

export interface Alert {
  id: number;
  deviceId: string;
  kind: string;
  detail: Record<string, unknown>;
  raisedAt: string;
  clearedAt: string | null;
}

/** What a device row holds of the kiosk's own reports. */
export interface KioskReport {
  chain: ChainHead | null;
  status: KioskSyncStatus | null;
  statusAt: string | null;
  clockOffsetMs: number | null;
}

/** How much older a report may be than the last one and still be a late delivery rather than a clock set back. */
export const LATE_WINDOW_MS = 5 * 60_000;
/** clock_offset_ms is an integer column: a kiosk off by more than about 24 days is recorded at this bound (its status keeps the exact sentAtMs). */
export const MAX_CLOCK_OFFSET_MS = 2_147_483_647;

const HEAD = /^[A-Za-z0-9+/=_-]{1,128}$/;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 8.64e15;

/** The chain member of a payload; null when absent or not one (ignored, never refused). */
export function readChainHead(raw: unknown): ChainHead | null {
  if (!isJsonObject(raw)) return null;
  const { length, head, atMs } = raw;
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) return null;
  if (typeof head !== 'string' || !HEAD.test(head)) return null;
  if (atMs !== undefined && atMs !== null && !isTime(atMs)) return null;
  return { length, head, atMs: atMs ?? null };
}

/** Is `later`'s time a little before `earlier`'s: a request stored after the one the kiosk sent next. */
function lateDelivery(laterAtMs: number | null, earlierAtMs: number | null): boolean {
  return laterAtMs !== null && earlierAtMs !== null && laterAtMs < earlierAtMs && earlierAtMs - laterAtMs <= LATE_WINDOW_MS;
}

export type ChainJudgement = 'first' | 'same' | 'grown' | 'late' | 'truncated' | 'rewritten';

/** A chain head held against the last one the device reported. Pure. */
export function judgeChain(before: ChainHead | null, after: ChainHead): ChainJudgement {
  if (before === null) return 'first';
  if (after.length > before.length) return 'grown';
  if (after.length === before.length) return after.head === before.head ? 'same' : 'rewritten';
  return lateDelivery(after.atMs, before.atMs) ? 'late' : 'truncated';
}

export function clockOffsetMs(sentAtMs: number, nowMs: number): number {
  return Math.max(-MAX_CLOCK_OFFSET_MS, Math.min(MAX_CLOCK_OFFSET_MS, Math.round(sentAtMs - nowMs)));
}

function chainOf(row: Row): ChainHead | null {
  const length = numberOf(row.chain_length);
  const head = textOf(row.chain_head);
  return length === null || head === null ? null : { length, head, atMs: numberOf(row.chain_at_ms) };
}

const jsonOf = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

/**
 * Notes a stored batch's chain head and status on its device row; the alert
 * raised, if any. Runs in the batch's transaction with the device row locked.
 */
export async function noteKioskReport(tx: SqlQueryable, batch: Pick<SyncBatch, 'device' | 'batch' | 'chain' | 'status'>, nowMs: number): Promise<Alert | null> {
  const chain = batch.chain ?? null;
  const status = batch.status ?? null;
  if (chain === null && status === null) return null;
  const [row] = await tx.query("SELECT chain_length, chain_head, chain_at_ms, (status->>'sentAtMs') AS status_sent_at_ms FROM devices WHERE id = $1", [batch.device]);
  if (!row) return null;
  let raised: Alert | null = null;
  if (chain !== null) {
    const before = chainOf(row);
    const judged = judgeChain(before, chain);
    if (judged !== 'late') {
      // The same head again (a retry): its time only moves forward.
      const keptAtMs = judged === 'same' ? (before?.atMs ?? null) : null;
      const atMs = keptAtMs !== null && (chain.atMs === null || chain.atMs < keptAtMs) ? keptAtMs : chain.atMs;
      await tx.query('UPDATE devices SET chain_length = $2, chain_head = $3, chain_at_ms = $4 WHERE id = $1', [batch.device, chain.length, chain.head, atMs]);
    }
    if (judged === 'truncated' || judged === 'rewritten') {
      const kind: AlertKind = judged === 'truncated' ? 'chain-truncated' : 'chain-rewritten';
      const detail = { batch: batch.batch, before, after: chain };
      const at = new Date(nowMs).toISOString();
      const [made] = await tx.query('INSERT INTO alerts (device_id, kind, detail, raised_at) VALUES ($1, $2, $3::jsonb, $4::timestamptz) RETURNING id', [
        batch.device,
        kind,
        JSON.stringify(detail),
        at,
      ]);
      raised = { id: numberOf(made?.id) ?? 0, deviceId: batch.device, kind, detail, raisedAt: at, clearedAt: null };
    }
  }
  if (status !== null && !lateDelivery(status.sentAtMs, numberOf(row.status_sent_at_ms))) {
    await tx.query('UPDATE devices SET status = $2::jsonb, status_at = $3::timestamptz, clock_offset_ms = $4 WHERE id = $1', [
      batch.device,
      JSON.stringify(status),
      new Date(nowMs).toISOString(),
      clockOffsetMs(status.sentAtMs, nowMs),
    ]);
  }
  return raised;
}

/**
 * A batch held something back: one open alert per device says so (raised by
 * the first such batch, not one per retry). The kiosk sends what was held
 * back again in every batch; the first batch that holds nothing back means
 * it is gone (stored after a kiosk fix, or the kiosk's clock set right), and
 * clears the alert. Runs in the batch's transaction, the device row locked.
 */
export async function noteHeldBack(tx: SqlQueryable, b: { device: string; batch: string; held: readonly HeldBack[]; openBefore: boolean }, nowMs: number): Promise<Alert | null> {
  const at = new Date(nowMs).toISOString();
  if (b.held.length === 0) {
    if (b.openBefore) await tx.query('UPDATE alerts SET cleared_at = $3::timestamptz WHERE device_id = $1 AND kind = $2 AND cleared_at IS NULL', [b.device, HELD_BACK_ALERT, at]);
    return null;
  }
  if (b.openBefore) return null;
  // A reason may quote what the kiosk sent: made storable like any text of a batch.
  const detail = { batch: b.batch, count: b.held.length, first: b.held.slice(0, 5).map((h) => ({ ...h, reason: storableText(h.reason) })) };
  const [made] = await tx.query('INSERT INTO alerts (device_id, kind, detail, raised_at) VALUES ($1, $2, $3::jsonb, $4::timestamptz) RETURNING id', [
    b.device,
    HELD_BACK_ALERT,
    JSON.stringify(detail),
    at,
  ]);
  return { id: numberOf(made?.id) ?? 0, deviceId: b.device, kind: HELD_BACK_ALERT, detail, raisedAt: at, clearedAt: null };
}

function alertOf(row: Row): Alert {
  const detail = jsonOf(row.detail);
  return {
    id: numberOf(row.id) ?? 0,
    deviceId: String(row.device_id),
    kind: String(row.kind),
    detail: isJsonObject(detail) ? detail : {},
    raisedAt: isoOf(row.raised_at) ?? '',
    clearedAt: isoOf(row.cleared_at),
  };
}

/** Alerts, newest first: of one device or all, open ones only unless told. */
export async function listAlerts(sql: SqlQueryable, opts: { deviceId?: string; includeCleared?: boolean; limit?: number } = {}): Promise<Alert[]> {
  const rows = await sql.query(
    `SELECT * FROM alerts WHERE ($1::text IS NULL OR device_id = $1::text) AND ($2::boolean OR cleared_at IS NULL)
     ORDER BY raised_at DESC, id DESC LIMIT $3`,
    [opts.deviceId ?? null, opts.includeCleared ?? false, opts.limit ?? 1000],
  );
  return rows.map(alertOf);
}

/** Marks an alert dealt with; false when there is no such open alert. */
export async function clearAlert(sql: SqlQueryable, id: number, nowMs: number): Promise<boolean> {
  const rows = await sql.query('UPDATE alerts SET cleared_at = $2::timestamptz WHERE id = $1 AND cleared_at IS NULL RETURNING id', [id, new Date(nowMs).toISOString()]);
  return rows.length > 0;
}

/** The chain head and status last reported by a device; null for a device not enrolled. */
export async function kioskReport(sql: SqlQueryable, deviceId: string): Promise<KioskReport | null> {
  const [row] = await sql.query('SELECT chain_length, chain_head, chain_at_ms, status, status_at, clock_offset_ms FROM devices WHERE id = $1', [deviceId]);
  if (!row) return null;
  return {
    chain: chainOf(row),
    // Read back through the same parser: a row holds nothing but that shape.
    status: row.status === null || row.status === undefined ? null : parseKioskSyncStatus(jsonOf(row.status)),
    statusAt: isoOf(row.status_at),
    clockOffsetMs: numberOf(row.clock_offset_ms),
  };
}
