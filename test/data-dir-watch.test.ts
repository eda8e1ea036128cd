// The data directory's one watch: file events where the system has them,
// the files' stamps where it has not; either way a change made before
// settled() is told before it resolves.
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDir } from '../main/data-dir.js';
import { DataDirWatch, type WatchFactory } from '../main/data-dir-watch.js';
import { tempDir } from './fixtures/tmp.js';

const watches: DataDirWatch[] = [];
afterEach(() => {
  for (const w of watches.splice(0)) w.close();
});

function watched(factory?: WatchFactory): { dir: DataDir; watch: DataDirWatch; told: string[][] } {
  const dir = DataDir.open(tempDir(), { create: true });
  fs.writeFileSync(dir.path('policy.json'), '{}');
  const watch = factory ? new DataDirWatch(dir, ['policy.json', 'trust-bundle.jws'], factory) : new DataDirWatch(dir, ['policy.json', 'trust-bundle.jws']);
  watches.push(watch);
  const told: string[][] = [];
  watch.onChange((files) => told.push(files));
  return { dir, watch, told };
}

/** Replaces a file as the stores do: written beside it, then renamed over it. */
function replace(dir: DataDir, name: string, text: string): void {
  fs.writeFileSync(dir.path(`${name}.tmp`), text);
  fs.renameSync(dir.path(`${name}.tmp`), dir.path(name));
}

describe('the data directory watch', () => {
  it("tells of a watched file replaced by the system's events, with nobody asking", async () => {
    const { dir, watch, told } = watched();
    expect(watch.watching).toBe(true);
    const heard = new Promise<string[]>((resolve) => watch.onChange(resolve));
    replace(dir, 'trust-bundle.jws', 'a bundle');
    expect(await heard).toEqual(['trust-bundle.jws']);
    expect(told).toEqual([['trust-bundle.jws']]);
  });

  it("settled() tells of a change the events have not brought yet, once; unwatched files are nobody's business", async () => {
    const { dir, watch, told } = watched();
    replace(dir, 'policy.json', '{"feverThresholdC": 37.8}');
    fs.writeFileSync(dir.path('checks.db-wal'), 'x');
    await watch.settled();
    expect(told).toEqual([['policy.json']]);
    await watch.settled();
    expect(told).toEqual([['policy.json']]);
  });

  it('without system events, settled() looks at the files themselves', async () => {
    const { dir, watch, told } = watched(() => {
      throw new Error('ENOSPC: inotify watch limit reached');
    });
    expect(watch.watching).toBe(false);
    await watch.settled();
    expect(told).toEqual([]);
    replace(dir, 'policy.json', '{"feverThresholdC": 37.8}');
    await watch.settled();
    expect(told).toEqual([['policy.json']]);
    // Told once per change.
    await watch.settled();
    expect(told).toEqual([['policy.json']]);
  });

  it('a watch that fails later falls back to looking at the files', async () => {
    let fail: (err: Error) => void = () => undefined;
    const { dir, watch, told } = watched((_dir, _listener) => ({
      close: () => undefined,
      on: (_event, listener) => (fail = listener),
    }));
    expect(watch.watching).toBe(true);
    fail(new Error('the watched directory went away'));
    expect(watch.watching).toBe(false);
    replace(dir, 'trust-bundle.jws', 'a bundle');
    await watch.settled();
    expect(told).toEqual([['trust-bundle.jws']]);
  });

  it('an event that names no file has every watched file looked at', async () => {
    let signal: (file: string | null) => void = () => undefined;
    const { dir, told } = watched((_dir, listener) => {
      signal = listener;
      return { close: () => undefined, on: () => undefined };
    });
    replace(dir, 'policy.json', '{"x": 1}');
    signal(null);
    expect(told).toEqual([['policy.json']]);
  });
});
