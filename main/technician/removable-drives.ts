// Where a technician's export may go and where trust bundles are looked
// for: folders on a mounted removable drive (a USB stick), never the
// kiosk's own disk. The mount table is read through an injected source
// (Linux's /proc/self/mounts by default) so tests hand in a table of their own.
//
// The rule, chosen for a kiosk with no desktop: a drive is removable when
// a block device (/dev/…) is mounted under /media, /run/media or /mnt — where
// udisks, systemd's automount and a technician's `mount` put USB sticks.
// A folder is on one when the mount that holds it (the longest mount point
// above it) is such a drive: an empty /media/usb on the kiosk's disk is not.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Mount {
  device: string;
  mountPoint: string;
  fsType: string;
}

/** The text of a mount table in /proc/mounts form. */
export type MountSource = () => string;

export const systemMounts: MountSource = () => fs.readFileSync('/proc/self/mounts', 'utf8');

export const REMOVABLE_ROOTS: readonly string[] = ['/media', '/run/media', '/mnt'];

/** The drive rule's parts: the mount table and the folders removable drives are mounted under. */
export interface DriveRule {
  mounts: MountSource;
  removableRoots: readonly string[];
}

export const SYSTEM_DRIVE_RULE: DriveRule = { mounts: systemMounts, removableRoots: REMOVABLE_ROOTS };

/** The kernel writes a space, tab, newline or backslash in a path as \040, \011, \012, \134. */
const unescape = (field: string): string => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** Parses a mount table (one mount a line: device, mount point, type, options, …). */
export function parseMounts(text: string): Mount[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 3 && fields[0] !== '')
    .map(([device, mountPoint, fsType]) => ({ device: unescape(device!), mountPoint: unescape(mountPoint!), fsType: fsType! }));
}

const within = (child: string, parent: string): boolean => parent === '/' || child === parent || child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);

function isRemovable(mount: Mount, rule: DriveRule): boolean {
  return mount.device.startsWith('/dev/') && rule.removableRoots.some((root) => mount.mountPoint !== root && within(mount.mountPoint, root));
}

/** The removable drives mounted now, by mount point. */
export function removableDrives(rule: DriveRule): Mount[] {
  return parseMounts(rule.mounts()).filter((m) => isRemovable(m, rule));
}

/** The mount that holds `folder`: the longest mount point above it (the last mounted over the same point wins). */
function mountHolding(folder: string, mounts: Mount[]): Mount | null {
  let best: Mount | null = null;
  for (const m of mounts) if (within(folder, m.mountPoint) && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  return best;
}

/** The folder as the kernel sees it: links followed as far as the folder exists. */
function realFolder(folder: string): string {
  let existing = path.resolve(folder);
  const rest: string[] = [];
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  return path.join(fs.realpathSync(existing), ...rest);
}

export type DriveCheck = { ok: true; drive: Mount } | { ok: false; problem: 'no-drive' | 'not-removable' };

/** Whether `folder` is on a mounted removable drive: none at all mounted, or another disk, is said apart. */
export function onRemovableDrive(folder: string, rule: DriveRule): DriveCheck {
  const mounts = parseMounts(rule.mounts());
  if (!mounts.some((m) => isRemovable(m, rule))) return { ok: false, problem: 'no-drive' };
  const holder = mountHolding(realFolder(folder), mounts);
  return holder && isRemovable(holder, rule) ? { ok: true, drive: holder } : { ok: false, problem: 'not-removable' };
}

/** The most bundle files listed per drive: a stick full of files is not read through. */
const MAX_BUNDLE_FILES = 20;

/** Trust bundle files (*.jws) at a drive's top and one folder down, for the import's picker. */
export function bundleFilesOn(drive: Mount): string[] {
  const found: string[] = [];
  const look = (dir: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (found.length >= MAX_BUNDLE_FILES) return;
      const full = path.join(dir, e.name);
      if (e.isFile() && e.name.toLowerCase().endsWith('.jws')) found.push(full);
      else if (e.isDirectory() && depth > 0 && !e.name.startsWith('.')) look(full, depth - 1);
    }
  };
  look(drive.mountPoint, 1);
  return found;
}
