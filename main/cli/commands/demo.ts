// sentinel demo: a demo data directory and a handful of decided demo codes.
import { openCheckpoint } from '../../checkpoint/open-checkpoint.js';
import { defaultDataDir } from '../../data-dir.js';
import { HEALTH_STATUSES, type HealthStatus } from '../../contract/code.js';
import { TEST_CARD_TEXT } from '../../contract/kiosk.js';
import { demoCases, demoCode, loadDemoKeys, setUpDemoDataDir } from '../../demo/demo.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { electronBinary, runElectronShell } from '../../shell/open-electron.js';
import { KIOSK_OPTIONS, kioskFlags, localeLang } from '../../app/kiosk-flags.js';
import { SettingsRefused, settingsFor } from '../../app/kiosk-settings.js';
import { launchKiosk } from '../../shell/browser-kiosk.js';
import { serveUntilStopped } from './kiosk.js';
import { commonOf, parseCommand } from '../options.js';
import { outcomeJson, outcomeLine } from '../outcome-text.js';

export const DEMO_HELP = `usage: sentinel demo [--data DIR] [--json] [--lang zh-CN|en] [--kiosk [--no-open] [--port N]]

Sets up a demo data directory (default: sentinel-demo beside the kiosk's own
data folder) that trusts the published demo root in keys/demo, installs a
fresh demo bundle and the default policy, then decides and logs a handful of
fresh demo codes: green, yellow, red, expired, forged, fever, unknown issuer,
not a health code. With --kiosk it then runs the kiosk screen on that folder
with a simulated thermometer (see sentinel kiosk --help): hold a code from
\`sentinel demo-code --png FILE\` up to the camera.`;

export function defaultDemoDir(): string {
  return `${defaultDataDir()}-demo`;
}

export async function demoCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(args, { kiosk: { type: 'boolean' }, ...KIOSK_OPTIONS }, 0);
  const common = commonOf({ ...values, data: values.data ?? defaultDemoDir() }, io.clock);
  if (common.help) {
    io.out(DEMO_HELP + '\n');
    return EXIT.OK;
  }
  const keys = await loadDemoKeys();
  const setup = await setUpDemoDataDir(common.dataDir, keys, common.nowMs);
  const cases = await demoCases(keys, common.nowMs / 1000);
  if (!common.json) {
    const pin = setup.pin === null ? 'technician PIN: changed from the demo PIN (kept)' : `technician PIN: ${setup.pin} (the demo's; Ctrl+Alt+T or hold the top-right corner 2 s)`;
    io.out(`Sentinel demo — data directory ${setup.dir.root}\n${setup.bundleNote}; demo keys only (keys/demo).\n${pin}\n\n`);
  }
  const opened = await openCheckpoint(setup.dir.root, { nowMs: common.nowMs });
  try {
    for (const c of cases) {
      // Decided "as of" --at, a demo check is no evidence of the time (as with sentinel verify --at).
      const outcome = await opened.checkpoint.check({ text: c.text, temperatureC: c.temperatureC, atMs: common.nowMs }, { record: true, clockEvidence: values.at === undefined });
      if (common.json) io.out(outcomeJson(outcome, common.lang, { demo: c.label }) + '\n');
      else io.out(`▸ ${c.label}\n  ${outcomeLine(outcome, common.lang)}\n`);
    }
  } finally {
    opened.close();
  }
  if (!common.json) {
    const data = setup.dir.root;
    io.out(`\nTry:  npx sentinel verify --data ${data} "$(npx sentinel demo-code)" --temp 36.6\n      npx sentinel log --data ${data}\n`);
  }
  if (!values.kiosk) return EXIT.OK;
  if (!values.browser) {
    const electron = electronBinary();
    if (electron) return runElectronShell(electron, ['--simulate', '--data', setup.dir.root]);
    io.err('sentinel: the Electron binary is not installed here; starting the browser shell\n');
  }
  let flags;
  try {
    flags = kioskFlags({ ...values, simulate: true });
  } catch (err) {
    if (err instanceof SettingsRefused) throw new UsageError(err.message);
    throw err;
  }
  const kiosk = await launchKiosk(settingsFor(setup.dir.root, flags, localeLang(), io.clock));
  if (!common.json) io.out(`\nThe kiosk screen (simulated thermometer). Show it a code from: npx sentinel demo-code --png code.png\n`);
  return serveUntilStopped(kiosk, io, { open: !values['no-open'], json: common.json, dataDir: setup.dir.root });
}

export const DEMO_CODE_HELP = `usage: sentinel demo-code [--issuer CN-ZJ|CN-GD|CN-BJ] [--status green|yellow|red] [--png FILE] [--at ISO] [--json]
       sentinel demo-code --test-card [--png FILE] [--json]

Prints one fresh code signed with a published demo key (keys/demo), valid for
an hour: only a kiosk trusting the demo root (sentinel demo) admits it.
--png also saves it as a QR image to hold up to the kiosk's camera.
--test-card prints the technician's test card instead: no travel code, just
the text the kiosk recognises in its camera and scanner tests (print the
--png and keep it with the kiosk).`;

export async function demoCodeCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(args, { issuer: { type: 'string' }, status: { type: 'string' }, png: { type: 'string' }, 'test-card': { type: 'boolean' } }, 0);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(DEMO_CODE_HELP + '\n');
    return EXIT.OK;
  }
  if (values['test-card']) {
    if (values.issuer !== undefined || values.status !== undefined) throw new UsageError('--test-card takes no --issuer or --status: it is not a travel code');
    if (values.png !== undefined) await writeQrPng(values.png, TEST_CARD_TEXT);
    io.out(common.json ? JSON.stringify({ text: TEST_CARD_TEXT, testCard: true, png: values.png ?? null }) + '\n' : TEST_CARD_TEXT + '\n');
    return EXIT.OK;
  }
  const status = (values.status ?? 'green') as HealthStatus;
  if (!HEALTH_STATUSES.includes(status)) throw new UsageError(`--status must be green, yellow or red, not "${values.status}"`);
  const keys = await loadDemoKeys();
  const issuer = values.issuer ?? 'CN-ZJ';
  if (!keys.issuers.some((i) => i.id === issuer)) {
    throw new UsageError(`--issuer must be one of the demo provinces (${keys.issuers.map((i) => i.id).join(', ')}), not "${issuer}"`);
  }
  const text = await demoCode(keys, common.nowMs / 1000, { issuer, status });
  if (values.png !== undefined) await writeQrPng(values.png, text);
  io.out(common.json ? JSON.stringify({ text, issuer, status, png: values.png ?? null }) + '\n' : text + '\n');
  return EXIT.OK;
}

async function writeQrPng(file: string, text: string): Promise<void> {
  const { default: QRCode } = await import('qrcode');
  try {
    await QRCode.toFile(file, text, { type: 'png', errorCorrectionLevel: 'M', margin: 4, width: 800 });
  } catch (err) {
    throw new UsageError(`cannot write --png ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
