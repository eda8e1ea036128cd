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

export const SOCAT = '/usr/bin/socat';
/** Makes JPEGs for the decoder's tests (the corpus has PNGs only). */
export const FFMPEG = '/usr/bin/ffmpeg';

/**
 * Debian's Chromium and a CJK font (browser tests, legible screenshots),
 * socat (pseudo-terminal driver tests) and ffmpeg (JPEG test images), installed with apt when missing and
 * root. Returns why each is unavailable, or '' when it is there.
 */
function ensurePackages(): { chromium: string; socat: string; ffmpeg: string } {
  const wanted: string[] = [];
  if (!fs.existsSync(CHROMIUM)) wanted.push('chromium');
  if (!fs.existsSync('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc')) wanted.push('fonts-wqy-microhei');
  if (!fs.existsSync(SOCAT)) wanted.push('socat');
  if (!fs.existsSync(FFMPEG)) wanted.push('ffmpeg');
  let failure = '';
  if (wanted.length > 0) {
    if (process.getuid?.() !== 0) failure = `not root, so apt-get cannot install ${wanted.join(', ')}`;
    else {
      try {
        execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
        execFileSync('apt-get', ['install', '-y', '-qq', ...wanted], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      } catch (err) {
        failure = `apt-get could not install ${wanted.join(', ')}: ${(err as Error).message}`;
      }
    }
  }
  return {
    chromium: fs.existsSync(CHROMIUM) ? '' : `${CHROMIUM} is missing (${failure || 'unknown reason'})`,
    socat: fs.existsSync(SOCAT) ? '' : `${SOCAT} is missing (${failure || 'unknown reason'})`,
    ffmpeg: fs.existsSync(FFMPEG) ? '' : `${FFMPEG} is missing (${failure || 'unknown reason'})`,
  };
}

export default function setup(project: TestProject): void {
  ensureBuilt();
  const missing = ensurePackages();
  if (missing.chromium) console.warn(`\nSKIPPING browser end-to-end tests: ${missing.chromium}\n`);
  if (missing.socat) console.warn(`\nSKIPPING pseudo-terminal driver tests: ${missing.socat}\n`);
  if (missing.ffmpeg) console.warn(`\nSKIPPING JPEG decode tests: ${missing.ffmpeg}\n`);
  project.provide('chromiumMissing', missing.chromium);
  project.provide('socatMissing', missing.socat);
  project.provide('ffmpegMissing', missing.ffmpeg);
}

declare module 'vitest' {
  export interface ProvidedContext {
    chromiumMissing: string;
    socatMissing: string;
    ffmpegMissing: string;
  }
}
