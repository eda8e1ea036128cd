// sentinel kiosk: the kiosk itself. Today the browser shell (a loopback
// server + Chromium); the Electron shell carries the same contract later.
import * as path from 'node:path';
import { SimulatedThermometer } from '../../../drivers/thermometer/simulated.js';
import type { ScreenConfig } from '../../contract/kiosk.js';
import { KioskService } from '../../kiosk/kiosk-service.js';
import { packageRoot } from '../../package-root.js';
import { startBrowserShell } from '../../shell/browser-shell.js';
import { isLoopbackHost } from '../../shell/loopback.js';
import { chromiumProfileDir, openChromium } from '../../shell/open-chromium.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';

export const KIOSK_HELP = `usage: sentinel kiosk [--browser] [--port N] [--host 127.0.0.1] [--data DIR] [--simulate] [--no-open]
                     [--lang zh-CN|en] [--result-seconds N] [--no-sound] [--camera DEVICE-ID] [--json]

Runs the kiosk: the screen served on loopback (default 127.0.0.1, a free
port) and opened in the system Chromium in kiosk mode unless --no-open.
--simulate feeds a simulated thermometer (the screen says so). Stops on
SIGINT or SIGTERM. Prints the screen's URL (--json: {"url":…}).`;

export interface RunningKiosk {
  url: string;
  service: KioskService;
  thermometer: SimulatedThermometer | null;
  stop(): Promise<void>;
}

export interface KioskLaunch {
  dataDir: string;
  host: string;
  port: number;
  simulate: boolean;
  screen: ScreenConfig;
  clock: () => number;
}

/** Starts the service and the browser shell; shared by `kiosk` and `demo --kiosk`. */
export async function launchKiosk(l: KioskLaunch): Promise<RunningKiosk> {
  const thermometer = l.simulate ? new SimulatedThermometer({ clock: l.clock }) : null;
  const service = await KioskService.open({ dataDir: l.dataDir, clock: l.clock, thermometer, screen: l.screen });
  const statusTimer = setInterval(() => service.emitStatus(), 5000);
  statusTimer.unref();
  try {
    const shell = await startBrowserShell({ service, rendererDir: path.join(packageRoot(), 'dist', 'renderer'), host: l.host, port: l.port });
    return {
      url: shell.url,
      service,
      thermometer,
      stop: async () => {
        clearInterval(statusTimer);
        await shell.close();
        thermometer?.close();
        service.close();
      },
    };
  } catch (err) {
    clearInterval(statusTimer);
    thermometer?.close();
    service.close();
    throw err;
  }
}

export function kioskOptionsSpec() {
  return {
    browser: { type: 'boolean' },
    port: { type: 'string' },
    host: { type: 'string' },
    simulate: { type: 'boolean' },
    'no-open': { type: 'boolean' },
    'result-seconds': { type: 'string' },
    'no-sound': { type: 'boolean' },
    camera: { type: 'string' },
  } as const;
}

export function launchFrom(values: Record<string, string | boolean | undefined | string[]>, dataDir: string, lang: ScreenConfig['operatorLang'], clock: () => number): KioskLaunch {
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  if (!isLoopbackHost(host)) throw new UsageError(`--host must be a loopback address (127.0.0.1, ::1, localhost), not "${host}"`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be a port number, not "${String(values.port)}"`);
  const resultSeconds = values['result-seconds'] === undefined ? 6 : Number(values['result-seconds']);
  if (!Number.isFinite(resultSeconds) || resultSeconds < 1 || resultSeconds > 120) throw new UsageError('--result-seconds must be between 1 and 120');
  return {
    dataDir,
    host,
    port,
    simulate: values.simulate === true,
    clock,
    screen: {
      operatorLang: lang,
      holderLangs: lang === 'zh-CN' ? ['zh-CN', 'en'] : ['en', 'zh-CN'],
      resultSeconds,
      sound: values['no-sound'] !== true,
      cameraId: (values.camera as string | undefined) ?? null,
      simulated: values.simulate === true,
    },
  };
}

/** Runs until SIGINT/SIGTERM; opens Chromium unless told not to. */
export async function serveUntilStopped(kiosk: RunningKiosk, io: CommandIo, opts: { open: boolean; json: boolean; dataDir: string }): Promise<number> {
  io.out(opts.json ? JSON.stringify({ url: kiosk.url }) + '\n' : `Sentinel kiosk: ${kiosk.url}\n`);
  const browser = opts.open ? openChromium(kiosk.url, chromiumProfileDir(opts.dataDir), { kiosk: true }) : null;
  if (opts.open && !browser) io.err(`sentinel: no Chromium found; open ${kiosk.url} in a browser on this machine\n`);
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    browser?.once('exit', done);
  });
  browser?.kill();
  await kiosk.stop();
  return EXIT.OK;
}

export async function kioskCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommand(args, kioskOptionsSpec(), 0);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(KIOSK_HELP + '\n');
    return EXIT.OK;
  }
  if (values.at !== undefined) throw new UsageError('the kiosk runs on the real clock; --at is for single commands');
  if (!values.browser) io.err('sentinel: the Electron shell is not available in this version; starting the browser shell\n');
  const kiosk = await launchKiosk(launchFrom(values, common.dataDir, common.lang, io.clock));
  return serveUntilStopped(kiosk, io, { open: !values['no-open'], json: common.json, dataDir: common.dataDir });
}
