// PGlite is PostgreSQL inside one process: two processes opening one data
// directory would both write its files and ruin it. So whoever opens it
// (the service, or an admin command) first takes a lock file holding its
// pid, made with O_EXCL; another process finds it and is told who holds the
// store, instead of opening it. A lock left by a process that is gone is
// taken over, and so is one naming this process's own pid that this process
// does not hold: in a container the service is PID 1 again after an unclean
// stop, and its old lock must not keep it out. (A PostgreSQL server needs
// none of this: --db.)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const LOCK_FILE = 'central.lock';

export interface LockHolder {
  pid: number;
  /** What holds it: "serve" or the admin command's name. */
  role: string;
  host: string;
  since: string;
}

/** Another live process holds the embedded store (the CLI's exit 75: try again when it is stopped). */
export class StoreBusy extends Error {
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    const who = holder.role === 'serve' ? `the central service (pid ${holder.pid}, running since ${holder.since})` : `another sentinel central ${holder.role} (pid ${holder.pid})`;
    super(
      `${who} holds the embedded store in ${dir}: PGlite is one process, so stop it first, or run the service on PostgreSQL (--db) to administer it while it runs` +
        ` (if no such process runs, delete ${path.join(dir, LOCK_FILE)})`,
    );
    this.name = 'StoreBusy';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | null {
  try {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof doc.pid !== 'number' || !Number.isInteger(doc.pid) || doc.pid <= 0) return null;
    return { pid: doc.pid, role: String(doc.role ?? 'unknown'), host: String(doc.host ?? ''), since: String(doc.since ?? '') };
  } catch {
    return null;
  }
}

/**
 * The directories whose lock this process holds, by device and inode so that
 * another spelling of one directory (a symlink, a bind mount) is still known:
 * the pid in a lock file alone cannot tell our lock from a dead PID 1's.
 */
const held = new Map<string, LockHolder>();

function dirKey(dir: string): string {
  const st = fs.statSync(dir);
  return `${st.dev}:${st.ino}`;
}

export interface StoreLock {
  release(): void;
}

/** Takes the lock of a data directory for this process, or throws StoreBusy naming who holds it. */
export function lockStore(dir: string, role: string, nowMs = Date.now()): StoreLock {
  const file = path.join(dir, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, role, host: os.hostname(), since: new Date(nowMs).toISOString() };
  const key = dirKey(dir);
  // Held by this very process: a second PGlite on one directory is as bad as another process's.
  const ours = held.get(key);
  if (ours) throw new StoreBusy(dir, ours);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(mine) + '\n', { flag: 'wx', mode: 0o600 });
      held.set(key, mine);
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          held.delete(key);
          // Only our own lock is removed (never one a later process took over).
          if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(file);
    // A holder elsewhere, or alive on this host. Our own pid without our hold is a previous
    // life of this pid (a container's PID 1 restarted), so it is gone like any other.
    if (holder && (holder.host !== mine.host || (holder.pid !== process.pid && alive(holder.pid)))) throw new StoreBusy(dir, holder);
    // Gone, or a half-written file of a process that died: taken over. Moved aside first and
    // looked at again, so that of two processes taking over at once, the one that moved a
    // lock the other had just made puts it back rather than removing it.
    const stale = `${file}.stale-${process.pid}`;
    try {
      fs.renameSync(file, stale);
    } catch {
      continue; // another process moved it first: look again
    }
    const moved = readHolder(stale);
    if (moved && (!holder || moved.pid !== holder.pid || moved.since !== holder.since)) {
      try {
        fs.linkSync(stale, file);
      } catch {
        /* a third lock was made meanwhile: it stands */
      }
    }
    fs.rmSync(stale, { force: true });
  }
  const holder = readHolder(file);
  if (holder) throw new StoreBusy(dir, holder);
  throw new Error(`cannot take the lock ${file}`);
}
