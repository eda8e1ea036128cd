// Finding and starting the Electron shell. The electron package knows where
// its binary is once it has been downloaded; on machines where it cannot
// be (no access to its download host), the caller falls back to the
// browser shell and says so.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { packageRoot } from '../package-root.js';

/**
 * The downloaded Electron binary, or null. Read from the package's files,
 * never by requiring it: the electron package would try to download a
 * missing binary from the network, and Sentinel talks to no host unasked.
 */
export function electronBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = path.join(dir, 'path.txt');
    const executable = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : 'electron';
    const binary = env.ELECTRON_OVERRIDE_DIST_PATH ? path.join(env.ELECTRON_OVERRIDE_DIST_PATH, executable) : path.join(dir, 'dist', executable);
    return fs.existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** Runs the Electron shell with the kiosk's flags until it exits; its exit code. */
export function runElectronShell(binary: string, args: string[]): Promise<number> {
  const main = path.join(packageRoot(), 'dist', 'main', 'shell', 'electron', 'electron-main.js');
  return new Promise((resolve) => {
    const child = spawn(binary, [main, ...args], { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    child.on('exit', (code) => resolve(code ?? 0));
    child.on('error', () => resolve(70));
  });
}
