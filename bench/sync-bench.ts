// Sync figures: a 100,000-check backlog pushed to the local reference
// service by `sentinel sync --once` (throughput and the process's peak RSS),
// and the time from the network returning to the first batch stored by a
// running `sentinel sync`.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataDir } from '../main/data-dir.js';
import { loadOrCreateDeviceIdentity } from '../main/device/device-key.js';
import { CheckLog } from '../main/log/check-log.js';
import { uuidv7 } from '../main/log/check-id.js';
import { CentralService } from './central-service.js';

function run(sentinel: string, args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [sentinel, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.on('close', (status) => resolve({ status, stdout }));
  });
}

async function backlogDir(tmp: string, n: number, server: CentralService): Promise<string> {
  const data = path.join(tmp, `data-${n}`);
  const dir = DataDir.open(data, { create: true });
  const log = CheckLog.openIn(dir);
  const start = Date.now() - 86_400_000;
  for (let i = 0; i < n; i += 1000) {
    log.append(
      Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
        checkId: uuidv7(start + i + j),
        atMs: start + i + j,
        verdict: 'admit' as const,
        reasons: ['OK' as const],
        issuer: 'CN-ZJ',
        status: 'green' as const,
        kid: 'zj-2026-1',
        holder: 'F71PF2EfdHbnRcgAY6HsKFtUZtVOXxpFOjgBeqZc3hk',
        temperatureC: 36.6,
        bundleSeq: 17,
        policyVersion: 1,
        clockState: 'trusted' as const,
      })),
    );
  }
  log.close();
  const device = await loadOrCreateDeviceIdentity(dir);
  await server.enroll(device.deviceId, device.jwk);
  return data;
}

export interface SyncFigures {
  backlog: number;
  seconds: number;
  checksPerSecond: number;
  peakRssMB: number;
  allStored: boolean;
  networkReturnToFirstBatchMs: number;
}

export async function syncBench(sentinel: string, backlog = 100_000): Promise<SyncFigures> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-sync-bench-'));
  const server = new CentralService();
  server.keepBodies = false;
  await server.start();
  try {
    const data = await backlogDir(tmp, backlog, server);
    const started = performance.now();
    const r = await run(sentinel, ['sync', '--once', '--json', '--endpoint', server.url, '--data', data]);
    const seconds = (performance.now() - started) / 1000;
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { maxRssMB?: number };

    // The network is down, a kiosk keeps trying; it comes back: how soon is a batch stored?
    const small = await backlogDir(tmp, 500, server);
    server.down = true;
    const child = spawn(process.execPath, [sentinel, 'sync', '--endpoint', server.url, '--data', small], { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    const before = server.stored.size;
    server.down = false;
    const back = performance.now();
    while (server.stored.size === before && performance.now() - back < 400_000) await new Promise((resolve) => setTimeout(resolve, 10));
    const networkReturnToFirstBatchMs = Math.round(performance.now() - back);
    child.kill('SIGTERM');
    return {
      backlog,
      seconds: Math.round(seconds * 10) / 10,
      checksPerSecond: Math.round(backlog / seconds),
      peakRssMB: summary.maxRssMB ?? NaN,
      allStored: r.status === 0 && server.stored.size >= backlog,
      networkReturnToFirstBatchMs,
    };
  } finally {
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
