// Opens the kiosk page in the system Chromium, in kiosk/app mode, with a
// profile of its own and none of Chromium's background traffic.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium(): string | null {
  return CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

/** Flags every Sentinel Chromium gets: no first-run, no background networking, no updates. */
export function quietChromiumFlags(profileDir: string): string[] {
  const flags = [
    `--user-data-dir=${profileDir}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--autoplay-policy=no-user-gesture-required',
  ];
  // Chromium refuses to sandbox as root; a kiosk normally runs as its own user.
  if (process.getuid?.() === 0) flags.push('--no-sandbox');
  return flags;
}

/**
 * The page Chromium is started on: a file in its profile that only this
 * user can read, sending it on to `url`. The kiosk's address carries the
 * screen socket's token in its fragment, and a command line is readable by
 * every local user (`ps`, /proc/PID/cmdline): the token must not be on it.
 * A refresh of 0 s replaces the file's entry in the tab's history.
 */
export function writeLaunchPage(url: string, profileDir: string): string {
  fs.mkdirSync(profileDir, { recursive: true, mode: 0o700 });
  const file = path.join(profileDir, 'open-kiosk.html');
  const attr = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  // Made afresh (never rewritten in place) so it is 0600 from its first byte.
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${attr}"><title>Sentinel</title>\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  return file;
}

/** Chromium's arguments for the kiosk at `url` (its launch page written meanwhile). */
export function chromiumArgs(url: string, profileDir: string, opts: { kiosk: boolean }): string[] {
  const launch = writeLaunchPage(url, profileDir);
  return [...quietChromiumFlags(profileDir), `--app=${pathToFileURL(launch).href}`, ...(opts.kiosk ? ['--kiosk', '--start-fullscreen'] : [])];
}

export function openChromium(url: string, profileDir: string, opts: { kiosk: boolean }): ChildProcess | null {
  const exe = findChromium();
  if (!exe) return null;
  const child = spawn(exe, chromiumArgs(url, profileDir, opts), { stdio: 'ignore', detached: false });
  child.on('error', () => undefined);
  return child;
}

export function chromiumProfileDir(dataDir: string): string {
  return path.join(dataDir, 'chromium-profile');
}
