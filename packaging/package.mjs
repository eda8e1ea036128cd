#!/usr/bin/env node
// npm run package: validates electron-builder.yml with electron-builder's
// own schema and checks every file it names exists; then, where the Electron
// binary could be downloaded, builds the Linux packages. Here (no download
// host) it stops after validating, and says so.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config');
const { DebugLogger } = require('builder-util');

const config = await getConfig(root, path.join(root, 'electron-builder.yml'), null);
try {
  await validateConfiguration(config, new DebugLogger(false));
} catch (err) {
  console.error(`electron-builder.yml is invalid: ${err.message}`);
  process.exit(1);
}
const named = [config.deb?.afterInstall, config.deb?.afterRemove, ...(config.extraResources ?? []).map((r) => r.from)].filter(Boolean);
const missing = named.filter((f) => !fs.existsSync(path.join(root, f)));
if (missing.length > 0) {
  console.error(`electron-builder.yml names files that do not exist: ${missing.join(', ')}`);
  process.exit(1);
}
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
if (!pkg.main || !fs.existsSync(path.join(root, pkg.main.replace(/^dist\//, 'dist/')))) {
  console.error(`package.json "main" (${pkg.main}) is not built: run npm run build first`);
  process.exit(1);
}
console.log(
  `electron-builder.yml is valid (${config.linux.target.map((t) => `${t.target}:${t.arch.join('+')}`).join(', ')}; fuses ${Object.entries(config.electronFuses)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')})`,
);

// Looked up without requiring the electron package, which would try to download it.
const { electronBinary } = await import('../dist/main/shell/open-electron.js');
const binary = electronBinary();
if (process.argv.includes('--validate-only') || !binary) {
  console.log('packages not built: the Electron binary is not available here (it cannot be downloaded on this machine); the configuration was validated');
  process.exit(0);
}
const r = spawnSync(process.execPath, [require.resolve('electron-builder/cli.js'), '--linux', '--publish', 'never'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
