// sentinel demo: a demo data directory and a handful of decided demo codes.
import { openCheckpoint } from '../../checkpoint/open-checkpoint.js';
import { defaultDataDir } from '../../data-dir.js';
import { demoCases, loadDemoKeys, setUpDemoDataDir } from '../../demo/demo.js';
import type { CommandIo } from '../command-io.js';
import { EXIT } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';
import { outcomeJson, outcomeLine } from '../outcome-text.js';

export const DEMO_HELP = `usage: sentinel demo [--data DIR] [--json] [--lang zh-CN|en]

Sets up a demo data directory (default: sentinel-demo beside the kiosk's own
data folder) that trusts the published demo root in keys/demo, installs a
fresh demo bundle and the default policy, then decides and logs a handful of
fresh demo codes: green, yellow, red, expired, forged, fever, unknown issuer,
not a health code.`;

export function defaultDemoDir(): string {
  return `${defaultDataDir()}-demo`;
}

export async function demoCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(args, {}, 0);
  const common = commonOf({ ...values, data: values.data ?? defaultDemoDir() }, io.clock);
  if (common.help) {
    io.out(DEMO_HELP + '\n');
    return EXIT.OK;
  }
  const keys = await loadDemoKeys();
  const setup = await setUpDemoDataDir(common.dataDir, keys, common.nowMs);
  const cases = await demoCases(keys, common.nowMs / 1000);
  if (!common.json) io.out(`Sentinel demo — data directory ${setup.dir.root}\n${setup.bundleNote}; demo keys only (keys/demo).\n\n`);
  const opened = await openCheckpoint(setup.dir.root, { nowMs: common.nowMs });
  try {
    for (const c of cases) {
      const outcome = await opened.checkpoint.check({ text: c.text, temperatureC: c.temperatureC, atMs: common.nowMs }, { record: true });
      if (common.json) io.out(outcomeJson(outcome, common.lang, { demo: c.label }) + '\n');
      else io.out(`▸ ${c.label}\n  ${outcomeLine(outcome, common.lang)}\n`);
    }
  } finally {
    opened.close();
  }
  if (!common.json) {
    io.out(`\nTry: sentinel verify --data ${setup.dir.root} "<code>" --temp 36.6    ·    sentinel log --data ${setup.dir.root}\n`);
  }
  return EXIT.OK;
}
