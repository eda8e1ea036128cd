// sentinel selftest | export --out DIR
import { REAL_BINDINGS } from '../../../drivers/bindings.js';
import { ExportRefused, exportDataDir } from '../../technician/export.js';
import { runSelfTest, type SelfTestItem } from '../../technician/selftest.js';
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
  const items = await runSelfTest(common.dataDir, common.nowMs, { bindings: () => REAL_BINDINGS });
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
  let result;
  try {
    result = await exportDataDir(common.dataDir, values.out, common.nowMs);
  } catch (err) {
    if (err instanceof ExportRefused) throw new UsageError(err.message);
    throw err;
  }
  const { folder, checks: n } = result;
  io.out(common.json ? JSON.stringify({ folder, checks: n }) + '\n' : `exported ${n} checks and the diagnostics to ${folder}\n`);
  return EXIT.OK;
}
