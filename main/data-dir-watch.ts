// The one watch on the data directory while the kiosk runs. The CLI
// (`sentinel trust install`, `policy set`, `config set`) or a technician at
// the console can change a file under the running kiosk. The system's file
// events tell the kiosk at once, so it reloads between scans and the screen
// shows the new bundle. Before a decision the watch also looks at the files'
// stamps itself: no order of event delivery lets a check run on a bundle it
// was told to replace, and where the system cannot watch (no inotify, the
// watch limit reached), that look is what keeps the kiosk current.
import * as fs from 'node:fs';
import type { DataDir } from './data-dir.js';

export type WatchFactory = (dir: string, listener: (file: string | null) => void) => { close(): void; on(event: 'error', listener: (err: Error) => void): unknown };

const systemWatch: WatchFactory = (dir, listener) => fs.watch(dir, { persistent: false }, (_event, file) => listener(file === null ? null : String(file)));

export class DataDirWatch {
  private readonly stamps = new Map<string, string>();
  private readonly listeners = new Set<(files: string[]) => void>();
  private watcher: { close(): void } | null = null;

  constructor(
    private readonly dir: DataDir,
    private readonly files: readonly string[],
    watch: WatchFactory = systemWatch,
  ) {
    for (const f of files) this.stamps.set(f, dir.stamp(f));
    try {
      const watcher = watch(dir.root, (file) => {
        // Some systems do not say which file changed: then every file is looked at.
        if (file === null || files.includes(file)) this.check();
      });
      watcher.on('error', () => this.unwatch());
      this.watcher = watcher;
    } catch {
      // No events here: settled() looks at the stamps instead.
      this.watcher = null;
    }
  }

  /** Whether the system signals changes (otherwise every settled() looks at the files). */
  get watching(): boolean {
    return this.watcher !== null;
  }

  /** Listens for changed files; returns the function that stops listening. */
  onChange(listener: (files: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Tells the listeners of every change made before the call, and resolves
   * once they have been told. The system's events arrive in their own time
   * (between scans they load a change at once); a decision must not depend on
   * their timing, so this looks at the files' stamps, a few stat calls.
   */
  async settled(): Promise<void> {
    this.check();
  }

  /** Compares the files with what was last seen, and tells the listeners of those that changed. */
  check(): string[] {
    const changed = this.files.filter((f) => {
      const stamp = this.dir.stamp(f);
      if (stamp === this.stamps.get(f)) return false;
      this.stamps.set(f, stamp);
      return true;
    });
    if (changed.length > 0) for (const l of this.listeners) l(changed);
    return changed;
  }

  close(): void {
    this.unwatch();
    this.listeners.clear();
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = null;
  }
}
