// The checks table is partitioned by calendar month (UTC) of the check's
// time. A partition is made when a batch first touches its month, by
// whichever service process gets there first: made under an advisory lock
// and with IF NOT EXISTS, and a concurrent maker's error tolerated, so two
// processes never fail a batch over it. Retention drops whole months: a
// month goes once its last instant is older than the retention period, so
// a check is kept at least that long and at most a month more.
import { sqlState, type Sql, type SqlQueryable } from './sql.js';

export const DEFAULT_RETENTION_DAYS = 21;
const DAY_MS = 86_400_000;
/** Held while a partition is made ("PART"). */
const PARTITION_LOCK = 0x50415254;
/** The errors a concurrent CREATE … PARTITION OF of the same month can raise in the loser. */
const CONCURRENT_CREATE = new Set(['42P07', '23505', '42P17']);

/** A calendar month, UTC: 2026-11 is { year: 2026, month: 11 }. */
export interface Month {
  year: number;
  month: number;
}

export function monthOf(ms: number): Month {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 };
}

export function monthKey(m: Month): string {
  return `${m.year}-${String(m.month).padStart(2, '0')}`;
}

export function partitionName(m: Month): string {
  return `checks_${m.year}_${String(m.month).padStart(2, '0')}`;
}

/** The first instant of the month and of the next, ms. */
export function monthRange(m: Month): { startMs: number; endMs: number } {
  return { startMs: Date.UTC(m.year, m.month - 1, 1), endMs: Date.UTC(m.year, m.month, 1) };
}

const PARTITION_NAME = /^checks_(\d{4})_(\d{2})$/;

export function monthOfPartition(name: string): Month | null {
  const m = PARTITION_NAME.exec(name);
  return m ? { year: Number(m[1]), month: Number(m[2]) } : null;
}

/** Has the whole of month `m` passed out of the retention period at `nowMs`? */
export function monthExpired(m: Month, nowMs: number, retentionDays: number): boolean {
  return monthRange(m).endMs <= nowMs - retentionDays * DAY_MS;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Makes the partition of each month given that does not exist yet. */
export async function ensurePartitions(sql: Sql, months: Iterable<Month>): Promise<void> {
  for (const m of months) {
    if (!Number.isInteger(m.year) || m.year < 1000 || m.year > 9999 || !Number.isInteger(m.month) || m.month < 1 || m.month > 12) throw new RangeError(`no partition for ${m.year}-${m.month}`);
    const { startMs, endMs } = monthRange(m);
    try {
      await sql.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(${PARTITION_LOCK})`);
        // The name and bounds are made of integers here, never of anything a kiosk sent.
        await tx.query(`CREATE TABLE IF NOT EXISTS ${partitionName(m)} PARTITION OF checks FOR VALUES FROM ('${iso(startMs)}') TO ('${iso(endMs)}')`);
      });
    } catch (err) {
      // Another process (one not taking the lock, or an older build) made it first: it is there.
      if (!CONCURRENT_CREATE.has(sqlState(err) ?? '')) throw err;
    }
  }
}

/** The months that have a partition, oldest first. */
export async function partitionMonths(sql: SqlQueryable): Promise<Month[]> {
  const rows = await sql.query<{ name: string }>("SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'checks'::regclass ORDER BY c.relname");
  return rows.map((r) => monthOfPartition(r.name)).filter((m): m is Month => m !== null);
}

/**
 * Retention: drops every month partition wholly older than `retentionDays`
 * at `nowMs`, with what is in it. Returns the partitions dropped. Safe to
 * run in several processes at once (IF EXISTS).
 */
export async function dropExpiredPartitions(sql: Sql, opts: { nowMs: number; retentionDays: number }): Promise<string[]> {
  const dropped: string[] = [];
  for (const m of await partitionMonths(sql)) {
    if (!monthExpired(m, opts.nowMs, opts.retentionDays)) continue;
    await sql.query(`DROP TABLE IF EXISTS ${partitionName(m)}`);
    dropped.push(partitionName(m));
  }
  return dropped;
}
