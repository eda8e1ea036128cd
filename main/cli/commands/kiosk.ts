// sentinel kiosk: reads the command line and starts the kiosk (main/app)
// in the Electron shell, or in the browser shell where Electron is missing.
import { KIOSK_OPTIONS, kioskFlags, localeLang } from '../../app/kiosk-flags.js';
import { SettingsRefused, settingsFor, type KioskSettings } from '../../app/kiosk-settings.js';
import { PROTOCOL_NAMES } from '../../contract/devices.js';
import { launchKiosk, type RunningKiosk } from '../../shell/browser-kiosk.js';
import { chromiumProfileDir, openChromium } from '../../shell/open-chromium.js';
import { electronBinary, runElectronShell } from '../../shell/open-electron.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';

export const KIOSK_HELP = `usage: sentinel kiosk [--browser] [--port N] [--host 127.0.0.1] [--data DIR] [--simulate] [--no-open]
                     [--thermometer PATH --thermo-protocol ${PROTOCOL_NAMES.join('|')} [--thermo-baud N]]
                     [--scanner-serial PATH [--scanner-terminator CR|LF|CRLF] | --scanner-hid VID:PID]
                     [--gate PATH --gate-driver lcus|osdp [--gate-channel N] [--gate-address N] [--gate-pulse-ms N] | --gate-hid VID:PID]
                     [--sync-endpoint URL [--backlog-warn-days N]]
                     [--lang zh-CN|en] [--result-seconds N] [--no-sound] [--camera DEVICE-ID] [--json]

Runs the kiosk: the screen served on loopback (default 127.0.0.1, a free
port) and opened in the system Chromium in kiosk mode unless --no-open.
--simulate feeds a simulated thermometer (the screen says so); otherwise
--thermometer reads a serial IR thermometer. Serial and HID scanners feed
the same checkpoint as the camera. Devices that are unplugged are reopened
when they come back. --sync-endpoint keeps the central log service up to
date in the background (the status bar shows the backlog). Stops on SIGINT or SIGTERM. Prints the screen's URL
(--json: {"url":…}); it ends in #k=… (the screen socket's token for this run): open it whole.
--gate opens the turnstile or door on each admit (an LCUS relay board or an
OSDP module on PATH, or a USB HID relay with --gate-hid); its pass time,
passage sensor and emergency input come from the configuration. The browser
shell drives it; the Electron shell does not yet.`;

/** Runs until SIGINT/SIGTERM; opens Chromium unless told not to. */
export async function serveUntilStopped(kiosk: RunningKiosk, io: CommandIo, opts: { open: boolean; json: boolean; dataDir: string }): Promise<number> {
  // The address's #k= token is the screen socket's key: printed (and so journaled) only when someone must open it by hand.
  const browser = opts.open ? openChromium(kiosk.url, chromiumProfileDir(opts.dataDir), { kiosk: true }) : null;
  const shown = browser ? kiosk.url.replace(/#.*$/, '') : kiosk.url;
  io.out(opts.json ? JSON.stringify({ url: shown, opened: browser !== null }) + '\n' : `Sentinel kiosk: ${shown}${browser ? ' (opened in Chromium)' : ''}\n`);
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
  const { values } = parseCommand(args, KIOSK_OPTIONS, 0);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(KIOSK_HELP + '\n');
    return EXIT.OK;
  }
  if (values.at !== undefined) throw new UsageError('the kiosk runs on the real clock; --at is for single commands');
  let settings: KioskSettings;
  try {
    settings = settingsFor(common.dataDir, kioskFlags(values), localeLang(), io.clock);
  } catch (err) {
    if (err instanceof SettingsRefused) throw new UsageError(err.message);
    throw err;
  }
  if (!values.browser) {
    const electron = electronBinary();
    if (electron) return runElectronShell(electron, args);
    io.err('sentinel: the Electron binary is not installed here; starting the browser shell\n');
  }
  const kiosk = await launchKiosk({ ...settings, onError: (err) => io.err(`sentinel: ${err.message}\n`) });
  return serveUntilStopped(kiosk, io, { open: !values['no-open'], json: common.json, dataDir: common.dataDir });
}
