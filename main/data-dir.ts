// The kiosk's data directory: database, installed bundle, pinned roots,
// policy, secrets. Every file written here is written whole or not at all
// (write, fsync, rename, fsync the folder), so a power cut leaves the old
// file or the new one, never a mix.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A data directory that is missing, unreadable or unwritable (the CLI's exit 78). */
export class DataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirError';
  }
}

export const DATA_FILES = {
  database: 'checks.db',
  bundle: 'trust-bundle.jws',
  roots: 'trust-roots.json',
  policy: 'policy.json',
  holderSecret: 'holder-secret',
  /** Keys the check log's chain (main/log/chain.ts); never exported. */
  chainKey: 'chain-key',
  deviceKey: 'device-key.json',
} as const;

/** The platform's application-data folder, as Electron's userData would choose it. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.SENTINEL_DATA) return env.SENTINEL_DATA;
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'sentinel');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'sentinel');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'sentinel');
}

/**
 * Takes group and other permissions away (the folder: exactly `exact`);
 * nothing is done when they are already gone.
 */
function ownerOnly(file: string, mode: number, exact: number | null): void {
  if ((mode & 0o077) === 0 && (exact === null || (mode & 0o777) === exact)) return;
  fs.chmodSync(file, exact ?? mode & 0o700);
}

export class DataDir {
  private constructor(readonly root: string) {}

  /**
   * Opens (and with create, makes) the folder; throws DataDirError when it
   * cannot be used. The folder is made 0700 and every file in it readable
   * by its owner only, whatever an earlier version or a copy left: it holds
   * the check log (pseudonyms, temperatures), the holder secret and the
   * chain key.
   */
  static open(root: string, opts: { create: boolean }): DataDir {
    const abs = path.resolve(root);
    try {
      if (opts.create) fs.mkdirSync(abs, { recursive: true, mode: 0o700 });
      const st = fs.statSync(abs);
      if (!st.isDirectory()) throw new DataDirError(`data directory ${abs} is not a directory`);
      // A shared folder such as /tmp is never a data directory: others may put files in it.
      if ((st.mode & 0o1000) !== 0) throw new DataDirError(`data directory ${abs} is a shared folder (sticky bit); give the kiosk a folder of its own`);
      fs.accessSync(abs, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
      ownerOnly(abs, st.mode, 0o700);
      for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const file = path.join(abs, entry.name);
        ownerOnly(file, fs.lstatSync(file).mode, null);
      }
    } catch (err) {
      if (err instanceof DataDirError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new DataDirError(`data directory ${abs} does not exist (set it up with sentinel trust install FILE --root JWK-FILE --data ${abs})`);
      throw new DataDirError(`data directory ${abs} cannot be used (${code ?? String(err)}${(err as NodeJS.ErrnoException).path ? ` on ${(err as NodeJS.ErrnoException).path}` : ''})`);
    }
    return new DataDir(abs);
  }

  path(name: string): string {
    return path.join(this.root, name);
  }

  /** The file's identity for "has it changed since?": mtime and size ('none' when absent). */
  stamp(name: string): string {
    try {
      const st = fs.statSync(this.path(name));
      return `${st.mtimeMs}:${st.size}`;
    } catch {
      return 'none';
    }
  }

  /** The file's text, or null when it does not exist. */
  readText(name: string): string | null {
    try {
      return fs.readFileSync(this.path(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new DataDirError(`cannot read ${this.path(name)}: ${(err as Error).message}`);
    }
  }

  writeAtomic(name: string, data: string | Uint8Array, mode = 0o600): void {
    const target = this.path(name);
    const tmp = this.writeTemp(target, data, mode);
    try {
      fs.renameSync(tmp, target);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    this.syncFolder();
  }

  /**
   * A secret kept in this folder with 0600 permissions, made on first use.
   * Tightens the permissions if someone loosened them.
   */
  secret(name: string, bytes: number): Buffer {
    return this.secretMade(name, bytes).value;
  }

  /** Like secret(), also saying whether this call made it (false when it already existed, or another process made it first). */
  secretMade(name: string, bytes: number): { value: Buffer; made: boolean } {
    const file = this.path(name);
    try {
      const st = fs.statSync(file);
      if ((st.mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
      const value = fs.readFileSync(file);
      if (value.length !== bytes) throw new DataDirError(`${file} is damaged (expected ${bytes} bytes)`);
      return { value, made: false };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const value = randomBytes(bytes);
    // Two processes starting together must end up with one secret: only the first link wins.
    if (this.createExclusive(name, value, 0o600)) return { value, made: true };
    return this.secretMade(name, bytes);
  }

  /** Writes a new file whole; false (and nothing written) when it already exists. */
  createExclusive(name: string, data: string | Uint8Array, mode = 0o600): boolean {
    const target = this.path(name);
    const tmp = this.writeTemp(target, data, mode);
    try {
      fs.linkSync(tmp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    this.syncFolder();
    return true;
  }

  private writeTemp(target: string, data: string | Uint8Array, mode: number): string {
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = fs.openSync(tmp, 'wx', mode);
    try {
      fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return tmp;
  }

  private syncFolder(): void {
    // Directory fsync makes the rename itself durable; not possible on every platform.
    try {
      const fd = fs.openSync(this.root, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      /* best effort where directories cannot be opened (Windows) */
    }
  }
}
