// Before any test: the compiled CLI and the built screen must be current
// (the CLI and end-to-end tests run what ships), and Debian's Chromium must
// be there for the end-to-end tests (installed here when missing and root).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = '/usr/bin/chromium';

function newestMtime(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function mtime(file: string): number {
  return fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0;
}

function ensureBuilt(): void {
  const sources = Math.max(...['main', 'bench', 'drivers', 'renderer'].map((d) => newestMtime(path.join(root, d))));
  const built = Math.min(mtime(path.join(root, 'dist', 'main', 'cli', 'sentinel.js')), mtime(path.join(root, 'dist', 'renderer', 'index.html')));
  if (sources > built) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}

/** Debian's Chromium and a CJK font (for legible screenshots); null when they are there, else why not. */
function ensureChromium(): string | null {
  const haveFont = fs.existsSync('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc');
  if (fs.existsSync(CHROMIUM) && haveFont) return null;
  if (process.getuid?.() !== 0) return fs.existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing and this is not root: apt-get install chromium`;
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium', 'fonts-wqy-microhei'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (err) {
    return `apt-get could not install chromium: ${(err as Error).message}`;
  }
  return fs.existsSync(CHROMIUM) ? null : `${CHROMIUM} is still missing after apt-get`;
}

export default function setup(project: TestProject): void {
  ensureBuilt();
  const why = ensureChromium();
  if (why) console.warn(`\nSKIPPING end-to-end tests: ${why}\n`);
  project.provide('chromiumMissing', why ?? '');
}

declare module 'vitest' {
  export interface ProvidedContext {
    chromiumMissing: string;
  }
}
