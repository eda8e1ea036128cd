// A killed process loses no acknowledged check: a child verifying and
// logging codes is SIGKILLed at random moments, 20 times; every check it
// had reported on stdout must be in the log, and the chain must verify.
// Each kill lands at a random moment after the child reported its first
// check, so a slow machine moves the kill with the work, not before it.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckLog } from '../../main/log/check-log.js';
import { SENTINEL, firstLine, sentinel } from '../fixtures/cli.js';
import { T0, code, makeWorld } from '../fixtures/world.js';
import { tempDir } from '../fixtures/tmp.js';

const KILLS = 20;
const AT = new Date(T0 * 1000).toISOString();

/**
 * Starts the child and kills it `afterMs` after its first reported check
 * (work under way: a slow machine's start-up is not what the kill should
 * land in); returns what it printed.
 */
function runAndKill(args: string[], afterMs: number): Promise<{ stdout: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SENTINEL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      if (timer === undefined && stdout.includes('\n')) timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, killed: signal === 'SIGKILL' });
    });
  });
}

describe('crash durability', () => {
  let data: string;
  let batch: string;

  beforeAll(async () => {
    const w = await makeWorld();
    data = tempDir('sentinel-crash-');
    const files = tempDir('sentinel-crash-files-');
    fs.writeFileSync(path.join(files, 'bundle.jws'), w.bundle);
    fs.writeFileSync(path.join(files, 'root.jwk'), JSON.stringify(w.root.publicJwk));
    expect(sentinel(['trust', 'install', path.join(files, 'bundle.jws'), '--root', path.join(files, 'root.jwk'), '--data', data, '--at', AT]).status).toBe(0);
    const codes: string[] = [];
    for (let i = 0; i < 40; i++) codes.push(await code(i % 2 ? w.zj : w.gd, { iss: i % 2 ? 'CN-ZJ' : 'CN-GD', sub: `holder-${i}`, st: ['green', 'yellow', 'red'][i % 3] }));
    batch = path.join(files, 'codes.txt');
    // Enough work that a kill lands mid-stream: 40 codes × 100.
    fs.writeFileSync(batch, Array.from({ length: 100 }, () => codes.join('\n')).join('\n') + '\n');
  });

  it(`${KILLS} SIGKILLs at random moments lose no reported check`, async () => {
    const reported: string[] = [];
    let killedMidway = 0;
    for (let i = 0; i < KILLS; i++) {
      const afterMs = Math.floor(Math.random() * 600);
      const { stdout, killed } = await runAndKill(['verify', '--batch', batch, '--temp', '36.6', '--data', data, '--at', AT, '--json'], afterMs);
      if (killed) killedMidway++;
      // Only whole lines count as reported: a line cut by the kill was never seen whole.
      const lines = stdout.split('\n');
      lines.pop();
      for (const line of lines) reported.push((JSON.parse(line) as { checkId: string }).checkId);
    }
    expect(reported.length).toBeGreaterThan(0);
    // Most runs must really be killed mid-work, or the test proves nothing.
    expect(killedMidway).toBeGreaterThanOrEqual(KILLS / 2);

    const log = CheckLog.open(path.join(data, 'checks.db'));
    try {
      const stored = new Set([...log.list()].map((c) => c.checkId));
      const lost = reported.filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
      expect(log.verifyChain()).toMatchObject({ ok: true });
      expect(stored.size).toBeGreaterThanOrEqual(reported.length);
    } finally {
      log.close();
    }
  }, 120_000);
});

/**
 * The kiosk itself: a screen's scans acknowledged over the browser shell's
 * socket, the process SIGKILLed at a random moment after the first answer,
 * restarted on the same data directory, again and again. Every check the
 * screen was answered for must be in the log, and the chain must verify.
 */
describe('crash durability of the kiosk', () => {
  const ROUNDS = 12;

  async function kioskRound(data: string, codes: string[], killAfterMs: number): Promise<{ acknowledged: string[]; killed: boolean }> {
    const { default: WebSocket } = await import('ws');
    const child = spawn(process.execPath, [SENTINEL, 'kiosk', '--browser', '--no-open', '--simulate', '--json', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<boolean>((resolve) => child.on('close', (_c, signal) => resolve(signal === 'SIGKILL')));
    child.stdout.resume();
    const { url } = JSON.parse(await firstLine(child.stdout, 15_000)) as { url: string };
    // As the page does: the token from the printed address's fragment, presented on the socket's URL.
    const page = new URL(url);
    const token = new URLSearchParams(page.hash.slice(1)).get('k') ?? '';
    const ws = new WebSocket(`ws://${page.host}/kiosk?k=${encodeURIComponent(token)}`, { headers: { origin: page.origin } });
    const acknowledged: string[] = [];
    let next = 0;
    let id = 0;
    const send = (): void => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(JSON.stringify({ t: 'invoke', id: ++id, channel: 'scan/submit', payload: { text: codes[next++ % codes.length], source: 'wedge' } }));
    };
    ws.on('open', () => {
      // A few scans in flight, as a busy gate with a wedge and a serial scanner would have.
      for (let i = 0; i < 4; i++) send();
    });
    let armed = false;
    ws.on('message', (raw: Buffer) => {
      const msg = JSON.parse(raw.toString('utf8')) as { t: string; result?: { ok: boolean; value?: { checkId: string | null }; error?: { code: string } } };
      if (msg.t !== 'result') return;
      // Beyond a human pace the kiosk drops scans (never logged): this screen tries again a moment later.
      if (msg.result?.error?.code === 'RATE_LIMITED') {
        setTimeout(send, 250);
        return;
      }
      if (!msg.result?.ok) return;
      if (msg.result.value?.checkId) acknowledged.push(msg.result.value.checkId);
      if (!armed) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
      send();
    });
    ws.on('error', () => undefined);
    const killed = await exited;
    ws.terminate();
    return { acknowledged, killed };
  }

  it(`${ROUNDS} SIGKILLs of a busy kiosk lose no acknowledged check`, async () => {
    const { demoCode, loadDemoKeys } = await import('../../main/demo/demo.js');
    const data = path.join(tempDir('sentinel-kiosk-crash-'), 'demo');
    expect(sentinel(['demo', '--data', data]).status).toBe(0);
    const keys = await loadDemoKeys();
    const now = Date.now() / 1000;
    const codes = await Promise.all(Array.from({ length: 30 }, (_, i) => demoCode(keys, now, { issuer: ['CN-ZJ', 'CN-GD', 'CN-BJ'][i % 3]!, status: 'green', subject: `crash-${i}` })));
    const acknowledged: string[] = [];
    let killedMidway = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const r = await kioskRound(data, codes, 50 + Math.floor(Math.random() * 400));
      acknowledged.push(...r.acknowledged);
      if (r.killed && r.acknowledged.length > 0) killedMidway++;
    }
    expect(killedMidway).toBe(ROUNDS);
    const log = CheckLog.open(path.join(data, 'checks.db'));
    try {
      const stored = new Set([...log.list()].map((c) => c.checkId));
      expect(acknowledged.filter((checkId) => !stored.has(checkId))).toEqual([]);
      // At least the burst a fresh kiosk takes at once (four), round after round.
      expect(acknowledged.length).toBeGreaterThanOrEqual(ROUNDS * 3);
      expect(log.verifyChain()).toMatchObject({ ok: true });
    } finally {
      log.close();
    }
  }, 120_000);
});
