// sentinel sync --endpoint URL [--once]: push unsynced checks, fetch a newer bundle.
import { DataDir } from '../../data-dir.js';
import { CheckLog } from '../../log/check-log.js';
import { syncClientIn } from '../../sync/open-sync.js';
import { SyncLoop, syncOnce, type SyncEvent } from '../../sync/sync-loop.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';
import { applyRetention, DEFAULT_RETENTION_DAYS } from '../../log/retention.js';
import { PolicyStore } from '../../policy/policy-store.js';

export const SYNC_HELP = `usage: sentinel sync --endpoint URL [--once] [--json] [--data DIR]

Pushes the checks not yet stored by the central log service (spec §6), in
signed batches of at most 500, and fetches a newer trust bundle. --once
makes one pass (a failed batch is retried at most 3 times, Retry-After is
honoured up to 10 s, about a minute at most) and exits 0 when nothing is
pending, 75 when something is. Without --once it keeps syncing until
SIGINT or SIGTERM. --json prints one event per line.
The endpoint may also come from $SENTINEL_SYNC_ENDPOINT; either way it must
be https (plain http only to 127.0.0.0/8, ::1 or localhost).`;

function describe(e: SyncEvent): string {
  switch (e.type) {
    case 'batch':
      return `stored ${e.stored} of ${e.sent} checks, ${e.pending} pending`;
    case 'failed':
      return `batch not stored (${e.reason}); ${e.pending} pending${e.retryInMs === null ? '' : `, retrying in ${Math.round(e.retryInMs / 100) / 10} s`}`;
    case 'bundle':
      return e.result.kind === 'installed'
        ? `installed trust bundle seq ${e.result.seq}`
        : e.result.kind === 'unchanged'
          ? 'trust bundle up to date'
          : `trust bundle ${e.result.kind}: ${e.result.reason}`;
    case 'purged':
      return `purged ${e.deleted} synced checks past retention${e.unsyncedDropped ? `; dropped ${e.unsyncedDropped} unsynced checks past the policy's unsyncedMaxAgeDays` : ''}`;
    case 'idle':
      return `up to date, ${e.pending} pending`;
  }
}

export async function syncCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(args, { endpoint: { type: 'string' }, once: { type: 'boolean' }, 'retention-days': { type: 'string' } }, 0);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(SYNC_HELP + '\n');
    return EXIT.OK;
  }
  const endpoint = values.endpoint ?? process.env.SENTINEL_SYNC_ENDPOINT;
  if (!endpoint) throw new UsageError('sync needs --endpoint URL (or $SENTINEL_SYNC_ENDPOINT)');
  const retentionDays = values['retention-days'] === undefined ? DEFAULT_RETENTION_DAYS : Number(values['retention-days']);
  if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new UsageError('--retention-days must be a whole number of days, at least 1');
  const dir = DataDir.open(common.dataDir, { create: false });
  const log = CheckLog.openIn(dir);
  try {
    let client;
    try {
      client = await syncClientIn(dir, endpoint, log, io.clock);
    } catch (err) {
      if ((err as Error).name === 'EndpointRefused') throw new UsageError((err as Error).message);
      throw err;
    }
    // Read at each retention pass: a policy set meanwhile applies.
    const policy = () => new PolicyStore(dir).load().policy;
    const tty = !common.json && process.stdout.isTTY === true;
    const onEvent = (e: SyncEvent): void => {
      if (common.json) io.out(JSON.stringify({ event: e.type, ...e, at: new Date(io.clock()).toISOString() }) + '\n');
      else if (tty && e.type === 'batch') io.out(`\r\x1b[2K${describe(e)}`);
      else io.out(`${tty ? '\r\x1b[2K' : ''}${describe(e)}\n`);
    };
    if (values.once) {
      const result = await syncOnce(client, log, { clock: io.clock, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), onEvent });
      const { deleted, unsyncedDropped } = applyRetention(log, policy(), { nowMs: io.clock(), retentionDays });
      if (deleted + unsyncedDropped > 0) onEvent({ type: 'purged', deleted, unsyncedDropped });
      const maxRssMB = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
      if (common.json) io.out(JSON.stringify({ event: 'summary', pending: result.pending, stored: result.stored, gaveUp: result.gaveUp, maxRssMB }) + '\n');
      else io.out(`${tty ? '\r\x1b[2K' : ''}${result.pending === 0 ? 'nothing pending' : `${result.pending} checks still pending${result.gaveUp ? ` (${result.gaveUp})` : ''}`}\n`);
      return result.pending === 0 ? EXIT.OK : EXIT.TEMPFAIL;
    }
    const loop = new SyncLoop({ client, log, clock: io.clock, onEvent, retentionDays, policy });
    loop.start();
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await loop.stop();
    return EXIT.OK;
  } finally {
    log.close();
  }
}
