// sentinel selftest | export --out DIR
import * as fs from 'node:fs';
import * as path from 'node:path';
import { redacted } from '../../contract/kiosk-config.js';
import { ConfigStore } from '../../config/config-store.js';
import { DATA_FILES, DataDir } from '../../data-dir.js';
import { CheckLog } from '../../log/check-log.js';
import { PolicyStore } from '../../policy/policy-store.js';
import { wireCheck } from '../../sync/sync-client.js';
import { exportFolder, runSelfTest, type SelfTestItem } from '../../technician/selftest.js';
import { TrustStore } from '../../trust/trust-store.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';

export const SELFTEST_HELP = `usage: sentinel selftest [--json] [--data DIR]

Checks every part of the kiosk that can be checked without a traveller: data
directory, disk space, database integrity, the log's hash chain, policy,
trust bundle, clock and time floor, device key, the QR decoder on a test
card, the thermometer (frames/s, checksum errors, calibration due), the
scanner, the sync service. Exit 0 when nothing failed (warnings allowed), 1
otherwise.`;

export const EXPORT_HELP = `usage: sentinel export --out DIR [--data DIR]

Writes a new folder in DIR with a diagnostics bundle (configuration with its
secrets removed, counts, versions, the self-test) and the check log
(checks.jsonl, checks.csv, events.jsonl: pseudonyms only, never holder data).`;

const MARK: Record<SelfTestItem['state'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skipped: '--  ' };

export async function selftestCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(args, {}, 0);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(SELFTEST_HELP + '\n');
    return EXIT.OK;
  }
  const items = await runSelfTest(common.dataDir, common.nowMs);
  const ok = items.every((i) => i.state !== 'fail');
  if (common.json) io.out(JSON.stringify({ ok, checks: items }) + '\n');
  else io.out(items.map((i) => `${MARK[i.state]} ${i.name}: ${i.detail}`).join('\n') + `\n${ok ? 'self-test passed' : 'self-test FAILED'}\n`);
  return ok ? EXIT.OK : 1;
}

export async function exportCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(args, { out: { type: 'string' } }, 0);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(EXPORT_HELP + '\n');
    return EXIT.OK;
  }
  if (!values.out) throw new UsageError('export needs --out DIR (a USB stick, say)');
  const dir = DataDir.open(common.dataDir, { create: false });
  const folder = exportFolder(values.out, common.nowMs);
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot write to ${values.out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const selftest = await runSelfTest(dir.root, common.nowMs, { thermometerSeconds: 1 });
  const log = CheckLog.open(dir.path(DATA_FILES.database));
  try {
    const trust = await new TrustStore(dir).load(common.nowMs / 1000).catch(() => null);
    const diagnostics = {
      exportedAt: new Date(common.nowMs).toISOString(),
      versions: { sentinel: '0.1.0', node: process.version, platform: `${process.platform} ${process.arch}` },
      config: redacted(new ConfigStore(dir).load().config),
      policy: new PolicyStore(dir).load(),
      trust: trust ? { seq: trust.info.seq, iss: trust.info.iss, issuedAt: new Date(trust.info.iat * 1000).toISOString(), expiresAt: new Date(trust.info.exp * 1000).toISOString(), issuers: trust.info.issuers.map((i) => i.id) } : null,
      counts: { ...log.count(), events: log.listEvents().length },
      selftest,
    };
    fs.writeFileSync(path.join(folder, 'diagnostics.json'), JSON.stringify(diagnostics, null, 2) + '\n');
    const jsonl = fs.openSync(path.join(folder, 'checks.jsonl'), 'w');
    const csv = fs.openSync(path.join(folder, 'checks.csv'), 'w');
    const columns = ['checkId', 'at', 'verdict', 'reasons', 'issuer', 'status', 'kid', 'holder', 'temperatureC', 'bundleSeq', 'policyVersion', 'clockState', 'syncState'] as const;
    fs.writeSync(csv, columns.join(',') + '\n');
    let n = 0;
    for (const c of log.list()) {
      const f: Record<string, unknown> = { ...wireCheck(c), syncState: c.syncState };
      fs.writeSync(jsonl, JSON.stringify(f) + '\n');
      fs.writeSync(csv, columns.map((k) => {
        const v = f[k];
        const text = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(' ') : String(v);
        return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
      }).join(',') + '\n');
      n++;
    }
    fs.closeSync(jsonl);
    fs.closeSync(csv);
    fs.writeFileSync(path.join(folder, 'events.jsonl'), log.listEvents().map((e) => JSON.stringify({ eventId: e.eventId, at: new Date(e.atMs).toISOString(), type: e.type, actor: e.actor, detail: e.detail })).join('\n') + '\n');
    io.out(common.json ? JSON.stringify({ folder, checks: n }) + '\n' : `exported ${n} checks and the diagnostics to ${folder}\n`);
    return EXIT.OK;
  } finally {
    log.close();
  }
}
