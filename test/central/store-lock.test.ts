// The embedded store's lock file naming this process's own pid: a container's
// PID 1 restarted after an unclean stop finds its previous life's lock, which
// must be taken over, while a lock this process really holds still refuses a
// second opening of the same folder, also under another path to it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE, StoreBusy, lockStore } from '../../central/store-lock.js';
import { tempDir } from '../fixtures/tmp.js';

describe("the embedded store's lock file naming this process's pid", () => {
  it('is taken over when this process does not hold it (a restarted PID 1), and refuses a second take while it does', () => {
    const dir = tempDir('sentinel-central-lock-pid-');
    const file = path.join(dir, LOCK_FILE);
    fs.writeFileSync(file, JSON.stringify({ pid: process.pid, role: 'serve', host: os.hostname(), since: '2026-01-01T00:00:00.000Z' }) + '\n');

    const lock = lockStore(dir, 'serve', Date.UTC(2026, 5, 1));
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, role: 'serve', since: '2026-06-01T00:00:00.000Z' });
    expect(fs.readdirSync(dir)).toEqual([LOCK_FILE]);

    // Held now: a second take in this process is refused, naming the first, and changes nothing.
    expect(() => lockStore(dir, 'checks')).toThrow(StoreBusy);
    expect(() => lockStore(dir, 'checks')).toThrow(new RegExp(`the central service \\(pid ${process.pid}, running since 2026-06-01T00:00:00.000Z\\) holds the embedded store in ${dir}`));
    // Also through another path to the same folder.
    const alias = path.join(tempDir('sentinel-central-lock-alias-'), 'store');
    fs.symlinkSync(dir, alias);
    expect(() => lockStore(alias, 'checks')).toThrow(StoreBusy);
    // Also when its file was removed under it: the hold is this process's own record.
    fs.rmSync(file);
    expect(() => lockStore(dir, 'checks')).toThrow(StoreBusy);
    expect(fs.existsSync(file)).toBe(false);

    lock.release();
    const again = lockStore(dir, 'devices');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, role: 'devices' });
    again.release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('is still refused when another live process on this host holds it', () => {
    const dir = tempDir('sentinel-central-lock-other-');
    // The parent of this test process is alive for as long as the test runs.
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, role: 'serve', host: os.hostname(), since: 'x' }));
    expect(() => lockStore(dir, 'checks')).toThrow(new RegExp(`the central service \\(pid ${process.ppid}, running since x\\)`));
  });
});
