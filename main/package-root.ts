// Where Sentinel's own files (keys/, …) are, whether running from the
// compiled dist/ or from sources under a test runner.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'keys'))) return (cached = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the Sentinel package folder (package.json beside keys/)');
    dir = up;
  }
}
