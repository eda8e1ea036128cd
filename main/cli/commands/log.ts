// sentinel log [--since ISO] [--format jsonl|csv] [--verify-chain] [--purge]
import { DataDir } from '../../data-dir.js';
import { CheckLog } from '../../log/check-log.js';
import { CSV_HEADER, csvLine, logRow } from '../../log/log-rows.js';
import { applyRetention, DEFAULT_RETENTION_DAYS, unsyncedPurgeOutlook } from '../../log/retention.js';
import { PolicyStore } from '../../policy/policy-store.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand, parseIsoTime } from '../options.js';

export const LOG_HELP = `usage: sentinel log [--since ISO] [--format jsonl|csv] [--json] [--data DIR]
       sentinel log --events [--since ISO] [--json] [--data DIR]
       sentinel log --verify-chain [--json] [--data DIR]
       sentinel log --purge [--retention-days N] [--at ISO] [--data DIR]

Prints the logged checks (holders as keyed pseudonyms only); --events the
audit events (configuration, PINs, calibrations, bundles, policies). --verify-chain
runs SQLite's integrity check and walks the keyed chain: exit 1 if the file is
damaged or an entry was removed or changed (78 if the log cannot be opened).
--purge deletes synced checks older than the retention period (default 21
days) and, under the policy's unsyncedMaxAgeDays (default 90, null: never),
unsynced checks older than that bound, once its warning has stood two weeks
(never one logged while the clock was untrusted); what it deletes is recorded
in the chain, and the space is given back.`;

export async function logCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(
    args,
    {
      since: { type: 'string' },
      format: { type: 'string' },
      'verify-chain': { type: 'boolean' },
      purge: { type: 'boolean' },
      'retention-days': { type: 'string' },
      events: { type: 'boolean' },
    },
    0,
  );
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(LOG_HELP + '\n');
    return EXIT.OK;
  }
  const format = values.format ?? (common.json ? 'jsonl' : 'text');
  if (!['jsonl', 'csv', 'text'].includes(format)) throw new UsageError(`--format must be jsonl or csv, not "${format}"`);
  const sinceMs = values.since === undefined ? undefined : parseIsoTime(values.since, '--since');
  let retentionDays = DEFAULT_RETENTION_DAYS;
  if (values['retention-days'] !== undefined) {
    retentionDays = Number(values['retention-days']);
    if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new UsageError('--retention-days must be a whole number of days, at least 1');
  }

  const dir = DataDir.open(common.dataDir, { create: false });
  const log = CheckLog.openIn(dir);
  try {
    if (values['verify-chain']) {
      const report = log.verifyChain();
      if (common.json) io.out(JSON.stringify(report) + '\n');
      else if (report.ok) io.out(`chain intact: ${report.checked} entries (checks and audit events)\n`);
      else io.out(report.brokenAtSeq === null ? `check log BROKEN: ${report.problem}\n` : `chain BROKEN at entry ${report.brokenAtSeq}: ${report.problem}\n`);
      return report.ok ? EXIT.OK : EXIT.CHAIN_BROKEN;
    }
    if (values.purge) {
      // The policy's bound on unsynced checks applies here as on the running kiosk.
      const { unsyncedMaxAgeDays } = new PolicyStore(dir).load().policy;
      const r = applyRetention(log, { unsyncedMaxAgeDays }, { nowMs: common.nowMs, retentionDays });
      const dropped = r.unsyncedDropped === 0 ? '' : `; dropped ${r.unsyncedDropped} unsynced checks older than ${unsyncedMaxAgeDays} days (policy unsyncedMaxAgeDays)`;
      // The same warning the status bar shows: a technician lowering the bound sees when the drop will come.
      const outlook = unsyncedPurgeOutlook(log.oldestUnsyncedAtMs(), { unsyncedMaxAgeDays }, common.nowMs, log.unsyncedWarnedSinceMs(unsyncedMaxAgeDays));
      const warning =
        outlook.warn && outlook.effectivePurgeAtMs !== null ? `\nunsynced checks older than ${unsyncedMaxAgeDays} days will be dropped from ${new Date(outlook.effectivePurgeAtMs).toISOString()}` : '';
      io.out(
        common.json ? JSON.stringify({ deleted: r.deleted, unsyncedDropped: r.unsyncedDropped }) + '\n' : `purged ${r.deleted} synced checks older than ${retentionDays} days${dropped}${warning}\n`,
      );
      return EXIT.OK;
    }
    if (values.events) {
      // The audit trail: who changed what, in the same chain as the checks.
      for (const e of log.listEvents(sinceMs === undefined ? {} : { sinceMs })) {
        const f = { eventId: e.eventId, at: new Date(e.atMs).toISOString(), type: e.type, actor: e.actor, detail: e.detail, syncState: e.syncState };
        io.out(format === 'text' ? `${f.at} ${f.type} by ${f.actor} ${JSON.stringify(f.detail)}\n` : JSON.stringify(f) + '\n');
      }
      return EXIT.OK;
    }
    if (format === 'csv') io.out(CSV_HEADER + '\n');
    let batch: string[] = [];
    for (const check of log.list(sinceMs === undefined ? {} : { sinceMs })) {
      const f = logRow(check);
      if (format === 'jsonl') batch.push(JSON.stringify(f));
      else if (format === 'csv') batch.push(csvLine(f));
      else batch.push(`${f.at} ${String(f.verdict).toUpperCase().padEnd(6)} ${(f.reasons as string[]).join(',')} ${f.issuer ?? '-'} ${f.status ?? '-'} ${check.checkId} ${check.syncState}`);
      if (batch.length >= 1000) {
        io.out(batch.join('\n') + '\n');
        batch = [];
      }
    }
    if (batch.length > 0) io.out(batch.join('\n') + '\n');
    return EXIT.OK;
  } finally {
    log.close();
  }
}
