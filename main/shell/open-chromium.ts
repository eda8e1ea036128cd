// Opens the kiosk page in the system Chromium, in kiosk/app mode, with a
// profile of its own and none of Chromium's background traffic.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

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

export function openChromium(url: string, profileDir: string, opts: { kiosk: boolean }): ChildProcess | null {
  const exe = findChromium();
  if (!exe) return null;
  fs.mkdirSync(profileDir, { recursive: true });
  const args = [...quietChromiumFlags(profileDir), `--app=${url}`, ...(opts.kiosk ? ['--kiosk', '--start-fullscreen'] : [])];
  const child = spawn(exe, args, { stdio: 'ignore', detached: false });
  child.on('error', () => undefined);
  return child;
}

export function chromiumProfileDir(dataDir: string): string {
  return path.join(dataDir, 'chromium-profile');
}
