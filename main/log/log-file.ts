// The log's file on disk: owner-only, and opened only where SQLite can
// promise that a committed check survives a power cut (WAL, synchronous=FULL,
// both checked, not assumed).
import * as fs from 'node:fs';
import Database from 'better-sqlite3';
import { CheckLogUnusable, oneLine } from './unusable.js';

/**
 * The database and its -wal and -shm files readable by the kiosk's user
 * only: made 0600 before SQLite first creates the database (which its
 * journals then copy), and tightened if found looser.
 */
function ownerOnly(file: string): void {
  if (file === '' || file === ':memory:' || file.startsWith('file:')) return;
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  fs.closeSync(fd);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    let mode: number;
    try {
      mode = fs.statSync(f).mode;
    } catch {
      continue;
    }
    if ((mode & 0o077) !== 0) fs.chmodSync(f, mode & 0o700);
  }
}

/**
 * Opens the file durably, then hands the connection to `use` (which
 * migrates and builds on it); closes it and throws CheckLogUnusable when
 * the file cannot be made durable, or when opening or `use` fails.
 */
export function openDurable<T>(file: string, use: (db: Database.Database) => T): T {
  let db: Database.Database;
  try {
    ownerOnly(file);
    db = new Database(file);
  } catch (err) {
    throw new CheckLogUnusable(`cannot open the check log ${file}: ${oneLine((err as Error).message)}`);
  }
  try {
    db.pragma('busy_timeout = 5000');
    if ((db.pragma('user_version', { simple: true }) as number) === 0) {
      // Must precede the first table; lets retention give space back (incremental_vacuum).
      db.pragma('auto_vacuum = INCREMENTAL');
    }
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    db.pragma('synchronous = FULL');
    const sync = db.pragma('synchronous', { simple: true });
    if (mode !== 'wal' || sync !== 2) {
      throw new CheckLogUnusable(`the check log ${file} cannot be made durable (journal_mode=${String(mode)}, synchronous=${String(sync)})`);
    }
    // The -wal and -shm files now exist: SQLite made them with the database's mode, checked again here.
    ownerOnly(file);
    return use(db);
  } catch (err) {
    db.close();
    if (err instanceof CheckLogUnusable) throw err;
    throw new CheckLogUnusable(`cannot use the check log ${file}: ${oneLine((err as Error).message)}`);
  }
}
