// sentinel demo: a demo data directory and a handful of decided demo codes.
import { openCheckpoint } from '../../checkpoint/open-checkpoint.js';
import { defaultDataDir } from '../../data-dir.js';
import { CODE_FORMATS, HEALTH_STATUSES, type CodeFormat, type HealthStatus } from '../../contract/code.js';
import { TEST_CARD_TEXT } from '../../contract/kiosk.js';
import { demoCases, demoCode, demoDcc, demoShc, loadDemoKeys, setUpDemoDataDir } from '../../demo/demo.js';
import { MAX_SHC_CHUNKS } from '../../verify/formats/shc-chunks.js';
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
an EU DCC vaccination and a positive test from the fictional demo country
Demoland, a SMART Health Card and a revoked one from a demo issuer, not a
health code. With --kiosk it then runs the kiosk screen on that folder
with a simulated thermometer (see sentinel kiosk --help): hold a code from
\`sentinel demo-code --png FILE\` up to the camera (--format dcc or shc for the
other formats; --format shc --parts 2 for a card in two QR codes).`;

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
    io.out(
      `\nTry:  npx sentinel verify --data ${data} "$(npx sentinel demo-code)" --temp 36.6\n` +
        `      npx sentinel verify --data ${data} "$(npx sentinel demo-code --format dcc)" --temp 36.6\n` +
        `      npx sentinel demo-code --format shc --parts 2 | npx sentinel verify --data ${data} - --temp 36.6\n` +
        `      npx sentinel log --data ${data}\n`,
    );
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
  if (!common.json)
    io.out(
      `\nThe kiosk screen (simulated thermometer). Show it a code from: npx sentinel demo-code --png code.png\n(an EU DCC: --format dcc; a SMART Health Card in two parts: --format shc --parts 2 --png card.png)\n`,
    );
  return serveUntilStopped(kiosk, io, { open: !values['no-open'], json: common.json, dataDir: setup.dir.root });
}

export const DEMO_CODE_HELP = `usage: sentinel demo-code [--issuer CN-ZJ|CN-GD|CN-BJ] [--status green|yellow|red] [--png FILE] [--at ISO] [--json]
       sentinel demo-code --format dcc [--png FILE] [--at ISO] [--json]
       sentinel demo-code --format shc [--parts N] [--png FILE] [--at ISO] [--json]
       sentinel demo-code --test-card [--png FILE] [--json]

Prints one fresh code signed with a published demo key (keys/demo): only a
kiosk trusting the demo root (sentinel demo) admits it. A PHC1 code (the
default) is valid for an hour; --format dcc prints an EU vaccination
certificate from the fictional demo country Demoland (DCC-XD), --format shc
a SMART Health Card (immunization) from https://demo-issuer.example.
--parts N (2 to ${MAX_SHC_CHUNKS}) splits the card into N QR texts shc:/i/n/…, one per line,
to show the kiosk one after the other, in any order.
--png also saves it as a QR image to hold up to the kiosk's camera; with
--parts, one image per part: FILE-1.png, FILE-2.png, …
--test-card prints the technician's test card instead: no travel code, just
the text the kiosk recognises in its camera and scanner tests (print the
--png and keep it with the kiosk).`;

/** The images of a card in parts: code.png → code-1.png, code-2.png, … */
function partPngs(file: string, n: number): string[] {
  const stem = file.replace(/\.png$/i, '');
  return Array.from({ length: n }, (_, i) => `${stem}-${i + 1}.png`);
}

export async function demoCodeCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(
    args,
    { issuer: { type: 'string' }, status: { type: 'string' }, format: { type: 'string' }, parts: { type: 'string' }, png: { type: 'string' }, 'test-card': { type: 'boolean' } },
    0,
  );
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(DEMO_CODE_HELP + '\n');
    return EXIT.OK;
  }
  if (values['test-card']) {
    if (values.issuer !== undefined || values.status !== undefined || values.format !== undefined || values.parts !== undefined) {
      throw new UsageError('--test-card takes no --issuer, --status, --format or --parts: it is not a travel code');
    }
    if (values.png !== undefined) await writeQrPng(values.png, TEST_CARD_TEXT);
    io.out(common.json ? JSON.stringify({ text: TEST_CARD_TEXT, testCard: true, png: values.png ?? null }) + '\n' : TEST_CARD_TEXT + '\n');
    return EXIT.OK;
  }
  const format = (values.format ?? 'phc1') as CodeFormat;
  if (!CODE_FORMATS.includes(format)) throw new UsageError(`--format must be phc1, dcc or shc, not "${values.format}"`);
  // Only the SMART framework splits a card across QR codes; a PHC1 code or a DCC is always one.
  if (values.parts !== undefined && format !== 'shc') throw new UsageError('--parts is for --format shc: only a SMART Health Card comes in parts');
  if (values.status !== undefined && format !== 'phc1') throw new UsageError(`--status is a PHC1 code's colour; a ${format === 'dcc' ? 'DCC' : 'SMART Health Card'} has none`);
  const keys = await loadDemoKeys();
  const nowS = common.nowMs / 1000;

  if (format === 'dcc') {
    const issuer = values.issuer ?? keys.dcc[0]!.id;
    if (!keys.dcc.some((s) => s.id === issuer)) throw new UsageError(`--issuer must be the demo country (${keys.dcc.map((s) => s.id).join(', ')}), not "${issuer}"`);
    const text = demoDcc(keys, nowS, { issuer });
    if (values.png !== undefined) await writeQrPng(values.png, text);
    io.out(common.json ? JSON.stringify({ text, format, issuer, kind: 'vaccination', png: values.png ?? null }) + '\n' : text + '\n');
    return EXIT.OK;
  }
  if (format === 'shc') {
    const issuer = values.issuer ?? keys.shc[0]!.iss;
    if (!keys.shc.some((i) => i.iss === issuer)) throw new UsageError(`--issuer must be the demo SMART issuer (${keys.shc.map((i) => i.iss).join(', ')}), not "${issuer}"`);
    const parts = values.parts === undefined ? 1 : Number(values.parts);
    if (values.parts !== undefined && (!/^\d+$/.test(values.parts) || parts < 2 || parts > MAX_SHC_CHUNKS)) {
      throw new UsageError(`--parts must be a whole number from 2 to ${MAX_SHC_CHUNKS}, not "${values.parts}"`);
    }
    const texts = await demoShc(keys, nowS, { issuer, parts });
    const pngs = values.png === undefined ? null : texts.length === 1 ? [values.png] : partPngs(values.png, texts.length);
    for (const [i, file] of (pngs ?? []).entries()) await writeQrPng(file, texts[i]!);
    const json = texts.length === 1 ? { text: texts[0], format, issuer, kind: 'immunization', png: values.png ?? null } : { parts: texts, format, issuer, kind: 'immunization', png: pngs };
    io.out(common.json ? JSON.stringify(json) + '\n' : texts.join('\n') + '\n');
    return EXIT.OK;
  }

  const status = (values.status ?? 'green') as HealthStatus;
  if (!HEALTH_STATUSES.includes(status)) throw new UsageError(`--status must be green, yellow or red, not "${values.status}"`);
  const issuer = values.issuer ?? 'CN-ZJ';
  if (!keys.issuers.some((i) => i.id === issuer)) {
    throw new UsageError(`--issuer must be one of the demo provinces (${keys.issuers.map((i) => i.id).join(', ')}), not "${issuer}"`);
  }
  const text = await demoCode(keys, nowS, { issuer, status });
  if (values.png !== undefined) await writeQrPng(values.png, text);
  io.out(common.json ? JSON.stringify({ text, issuer, status, png: values.png ?? null }) + '\n' : text + '\n');
  return EXIT.OK;
}

/** A QR image of `text` (also the enrollment QR of `sentinel central enroll-token --png`). */
export async function writeQrPng(file: string, text: string): Promise<void> {
  const { default: QRCode } = await import('qrcode');
  try {
    await QRCode.toFile(file, text, { type: 'png', errorCorrectionLevel: 'M', margin: 4, width: 800 });
  } catch (err) {
    throw new UsageError(`cannot write --png ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
