// Before any test: the compiled CLI and the built screen must be current
// (the CLI and end-to-end tests run what ships). The system packages some
// tests need are installed by CI (.ci/run); here they are only looked for,
// and a test that needs a missing one is skipped saying which.
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
  const sources = Math.max(...['main', 'central', 'bench', 'drivers', 'renderer', path.join('test', 'fixtures')].map((d) => newestMtime(path.join(root, d))));
  const built = Math.min(mtime(path.join(root, 'dist', 'main', 'cli', 'sentinel.js')), mtime(path.join(root, 'dist', 'renderer', 'index.html')));
  if (sources > built) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}

export const SOCAT = '/usr/bin/socat';
/** Makes JPEGs for the decoder's tests (the corpus has PNGs only). */
export const FFMPEG = '/usr/bin/ffmpeg';

const CJK_FONT = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';

/**
 * What the tests need from the system: Debian's Chromium and a CJK font
 * (browser tests, legible screenshots), socat (pseudo-terminal driver
 * tests), ffmpeg (JPEG test images). CI installs them (.ci/run); here they
 * are only looked for. Returns why each is unavailable, or '' when it is there.
 */
function findPackages(): { chromium: string; socat: string; ffmpeg: string } {
  const absent = (file: string, pkg: string): string => (fs.existsSync(file) ? '' : `${file} is missing (install the Debian package ${pkg}, as .ci/run does)`);
  const font = absent(CJK_FONT, 'fonts-wqy-microhei');
  if (font) console.warn(`\nScreenshots will show boxes for Chinese text: ${font}\n`);
  return { chromium: absent(CHROMIUM, 'chromium'), socat: absent(SOCAT, 'socat'), ffmpeg: absent(FFMPEG, 'ffmpeg') };
}

export default function setup(project: TestProject): void {
  ensureBuilt();
  const missing = findPackages();
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
