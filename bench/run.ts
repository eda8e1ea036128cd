// npm run bench: the speed figures the README records. Prints a table and
// one JSON object. Nothing here is a pass/fail test.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compactVerify } from 'jose';
import type { CodeAlg } from '../main/contract/code.js';
import { DataDir } from '../main/data-dir.js';
import { newSigningKey, signBundle, signCode } from '../main/issuer/sign.js';
import { CheckLog, type CheckRecord } from '../main/log/check-log.js';
import { uuidv7 } from '../main/log/check-id.js';
import { readRootKeys, TrustStore } from '../main/trust/trust-store.js';
import { verifyCode } from '../main/verify/code.js';
import { corpusScores, frameScores } from './decoders.js';
import { accuracyFigureRows, accuracyTables, decodeAccuracy } from './decode-accuracy.js';
import { formatThroughput } from './formats.js';
import { CHROMIUM, screenBench } from './screen-bench.js';
import { workerBench, workerTable } from './worker-bench.js';
import { sceneBench, sceneTable } from './scene-bench.js';
import { quantile } from './quantile.js';
import { decoderThroughput, junkFlood, readingToScreen } from './drivers-bench.js';
import { syncBench } from './sync-bench.js';
import { centralBench, centralTable, type CentralBenchResult } from './central-bench.js';
import type { TrustSnapshot } from '../main/verify/trust.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SENTINEL = path.join(ROOT, 'bin', 'sentinel.js');
const CODES_PER_ALG = Number(process.env.BENCH_CODES ?? 20_000);
const DISTINCT = 500;

interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}
const figures: Figure[] = [];
const record = (name: string, value: number, unit: string, note?: string): void => {
  figures.push({ name, value: Math.round(value * 100) / 100, unit, ...(note ? { note } : {}) });
  process.stderr.write(`  ${name}: ${value.toFixed(1)} ${unit}\n`);
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function setUp(tmp: string): Promise<{ data: string; codes: Record<CodeAlg, string[]>; trust: TrustSnapshot }> {
  const nowS = Math.floor(Date.now() / 1000);
  const root = await newSigningKey('ES256', 'bench-root');
  const keys = { ES256: await newSigningKey('ES256', 'zj-bench'), EdDSA: await newSigningKey('EdDSA', 'gd-bench') };
  const bundle = await signBundle(
    {
      iss: 'CN-NHC',
      seq: 1,
      iat: nowS - 60,
      exp: nowS + 86_400,
      issuers: [
        { id: 'CN-ZJ', name: { zh: '浙江省', en: 'Zhejiang' }, keys: [keys.ES256.publicJwk] },
        { id: 'CN-GD', name: { zh: '广东省', en: 'Guangdong' }, keys: [keys.EdDSA.publicJwk] },
      ],
    },
    root,
  );
  const data = path.join(tmp, 'data');
  const dir = DataDir.open(data, { create: true });
  const trust = await new TrustStore(dir).install(bundle, { nowS, newRoots: await readRootKeys(JSON.stringify(root.publicJwk), 'bench root') });
  const codes = { ES256: [] as string[], EdDSA: [] as string[] };
  for (const alg of ['ES256', 'EdDSA'] as const) {
    const distinct: string[] = [];
    for (let i = 0; i < DISTINCT; i++) {
      distinct.push(await signCode({ iss: alg === 'ES256' ? 'CN-ZJ' : 'CN-GD', sub: `bench-${i}`, st: 'green', nm: '张*', iat: nowS - 10, exp: nowS + 3600 }, keys[alg]));
    }
    for (let i = 0; i < CODES_PER_ALG; i++) codes[alg].push(distinct[i % DISTINCT]!);
  }
  return { data, codes, trust };
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function inChunks<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

async function verifyThroughput(data: string, codes: Record<CodeAlg, string[]>, trust: TrustSnapshot, tmp: string): Promise<void> {
  for (const alg of ['ES256', 'EdDSA'] as const) {
    const list = codes[alg];
    const key = [...trust.issuers.values()].flatMap((i) => [...i.keysByKid.values()]).find((k) => k.alg === alg)!.key;
    const jws = list.map((c) => c.slice(5));
    // Warm both paths before measuring.
    await inChunks(list.slice(0, 500), 256, (c) => verifyCode(c, trust));
    await inChunks(jws.slice(0, 500), 256, (j) => compactVerify(j, key));

    const joseSeq =
      list.length /
      (await timed(async () => {
        for (const j of jws) await compactVerify(j, key);
      }));
    const josePar = list.length / (await timed(() => inChunks(jws, 256, (j) => compactVerify(j, key))));
    const coreSeq =
      list.length /
      (await timed(async () => {
        for (const c of list) await verifyCode(c, trust);
      }));
    const corePar = list.length / (await timed(() => inChunks(list, 256, (c) => verifyCode(c, trust))));
    record(`${alg} bare jose.compactVerify, sequential`, joseSeq, 'codes/s');
    record(`${alg} bare jose.compactVerify, 256 in flight`, josePar, 'codes/s');
    record(`${alg} verifyCode (core), sequential`, coreSeq, 'codes/s');
    record(`${alg} verifyCode (core), 256 in flight`, corePar, 'codes/s');

    const file = path.join(tmp, `${alg}.txt`);
    fs.writeFileSync(file, list.join('\n') + '\n');
    const cliSeconds = await timed(async () => {
      const r = spawnSync(process.execPath, [SENTINEL, 'verify', '--batch', file, '--no-log', '--json', '--temp', '36.6', '--data', data], { maxBuffer: 1 << 30 });
      if (r.status !== 0) throw new Error(`sentinel verify failed: ${r.stderr.toString()}`);
    });
    const cli = list.length / cliSeconds;
    record(`${alg} sentinel verify --batch --no-log --json (whole process)`, cli, 'codes/s', `${list.length} codes, start-up included`);
    // "Bare jose" as the issue means it: a loop awaiting compactVerify per code.
    record(`${alg} CLI ÷ bare jose (sequential loop)`, (cli / joseSeq) * 100, '%', 'target ≥ 80%');
    // And like for like, both with 256 verifications in flight in one process.
    record(`${alg} core ÷ jose, both 256 in flight`, (corePar / josePar) * 100, '%');
  }
}

function logThroughput(tmp: string): void {
  const file = path.join(tmp, 'log-bench.db');
  const log = CheckLog.open(file);
  const now = Date.now();
  const rec = (i: number): CheckRecord => ({
    checkId: uuidv7(now + i),
    atMs: now + i,
    verdict: 'admit',
    reasons: ['OK'],
    issuer: 'CN-ZJ',
    status: 'green',
    kid: 'zj-bench',
    holder: 'F71PF2EfdHbnRcgAY6HsKFtUZtVOXxpFOjgBeqZc3hk',
    temperatureC: 36.6,
    bundleSeq: 1,
    policyVersion: 1,
    clockState: 'trusted',
  });
  const single = 1000;
  let t = process.hrtime.bigint();
  for (let i = 0; i < single; i++) log.append([rec(i)]);
  record('logged checks, one durable commit each', single / (Number(process.hrtime.bigint() - t) / 1e9), 'checks/s');
  const batched = 50_000;
  t = process.hrtime.bigint();
  for (let i = 0; i < batched; i += 64) log.append(Array.from({ length: Math.min(64, batched - i) }, (_, k) => rec(single + i + k)));
  record('logged checks, 64 per durable commit', batched / (Number(process.hrtime.bigint() - t) / 1e9), 'checks/s');
  log.close();
}

function cliLogged(data: string, codes: string[], tmp: string): void {
  const file = path.join(tmp, 'logged.txt');
  const n = 5000;
  fs.writeFileSync(file, codes.slice(0, n).join('\n') + '\n');
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [SENTINEL, 'verify', '--batch', file, '--json', '--temp', '36.6', '--data', data], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(r.stderr.toString());
  record('sentinel verify --batch, logged (whole process)', n / (Number(process.hrtime.bigint() - t) / 1e9), 'codes/s', `${n} ES256 codes, 64 per commit`);
}

function startup(data: string, oneCode: string): void {
  const run = (args: string[]): number => {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [SENTINEL, ...args]);
    if (r.status === null || r.status > 2) throw new Error(r.stderr.toString());
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const times = (args: string[]): number[] => Array.from({ length: 15 }, () => run(args));
  run(['--help']);
  record('start-up: sentinel --help', median(times(['--help'])), 'ms', 'median of 15');
  record('start-up: sentinel verify CODE --no-log', median(times(['verify', oneCode, '--no-log', '--temp', '36.6', '--data', data])), 'ms', 'median of 15');
  record('start-up: sentinel verify CODE (logged)', median(times(['verify', oneCode, '--temp', '36.6', '--data', data])), 'ms', 'median of 15');
  record(
    'node -e 0 (for reference)',
    median(
      Array.from({ length: 15 }, () => {
        const t = process.hrtime.bigint();
        execFileSync(process.execPath, ['-e', '0']);
        return Number(process.hrtime.bigint() - t) / 1e6;
      }),
    ),
    'ms',
    'median of 15',
  );
}

const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');

/** Decoder accuracy and speed, per decoder: ZXing's photos and generated camera frames. */
async function decoderFigures(): Promise<{ table: Record<string, Record<string, string>>; raw: unknown } | null> {
  const table: Record<string, Record<string, string>> = {};
  const cell = (d: { decoded: number; total: number; falsePositives?: number; medianMs: number }): string =>
    `${d.decoded}/${d.total}${d.falsePositives === undefined ? '' : `, ${d.falsePositives} false`} (${d.medianMs} ms)`;
  let corpus = null;
  if (fs.existsSync(CORPUS)) {
    corpus = await corpusScores(CORPUS);
    table['ZXing photos (179 + 22 without a code)'] = { 'zxing-wasm': cell(corpus['zxing-wasm']), '@zxing/library': cell(corpus['@zxing/library']) };
    record('photos only @zxing/library reads', corpus.onlyLibrary, 'images');
  } else {
    process.stderr.write(`  (no corpus at ${CORPUS}: photo accuracy skipped)\n`);
  }
  const frames = await frameScores(10);
  const totals = { 'zxing-wasm': 0, '@zxing/library': 0 };
  for (const [variant, scores] of Object.entries(frames)) {
    table[`PHC1-sized frames: ${variant}`] = { 'zxing-wasm': cell(scores['zxing-wasm']), '@zxing/library': cell(scores['@zxing/library']) };
    totals['zxing-wasm'] += scores['zxing-wasm'].decoded;
    totals['@zxing/library'] += scores['@zxing/library'].decoded;
  }
  const n = Object.keys(frames).length * 10;
  table['PHC1-sized frames: all'] = { 'zxing-wasm': `${totals['zxing-wasm']}/${n}`, '@zxing/library': `${totals['@zxing/library']}/${n}` };
  record('zxing-wasm decode, 720p frame in node (median)', frames.straight!['zxing-wasm'].medianMs, 'ms');
  return { table, raw: { corpus, frames } };
}

/** Which decode passes earn their time (bench/decode-accuracy.ts; BENCH_ACCURACY=quick for fewer frames): its tables on stderr. */
async function accuracyFigures(): Promise<void> {
  const r = await decodeAccuracy({ quick: process.env.BENCH_ACCURACY === 'quick' });
  process.stderr.write(accuracyTables(r) + '\n');
  for (const f of accuracyFigureRows(r)) record(f.name, f.value, f.unit, f.note);
}

async function syncFigures(): Promise<void> {
  const s = await syncBench(SENTINEL, 100_000);
  record('sync: 100,000-check backlog to the local reference service', s.seconds, 's', `target < 60 s; all stored: ${s.allStored}`);
  record('sync throughput', s.checksPerSecond, 'checks/s');
  record('sync process peak RSS', s.peakRssMB, 'MB', 'target < 150 MB');
  record('network back → first batch stored (after 20 s down)', s.networkReturnToFirstBatchMs, 'ms', 'backoff with jitter, probe every 5 s');
}

/** The central service: two processes behind the balancer on a real PostgreSQL (bench/central-bench.ts; $BENCH_CENTRAL_* set its sizes). */
async function centralFigures(): Promise<CentralBenchResult | null> {
  let r: CentralBenchResult;
  try {
    r = await centralBench({ sentinel: SENTINEL });
  } catch (err) {
    if (!/PostgreSQL server binaries/.test((err as Error).message)) throw err;
    process.stderr.write(`  (${(err as Error).message}: the central service benchmark skipped)\n`);
    return null;
  }
  for (const l of r.levels) {
    const note = `${l.kiosks} kiosks, 2 services + PostgreSQL + balancer + kiosks on ${r.machine.cpus} shared cores`;
    record(`central: checks stored/s, ${l.kiosks} kiosks`, l.checksPerSecond, 'checks/s', note);
    record(`central: batch latency p50 / p95, ${l.kiosks} kiosks`, l.latencyMs.p50, 'ms', `p95 ${l.latencyMs.p95} ms`);
    record(`central: peak RSS per service process, ${l.kiosks} kiosks`, Math.max(...l.peakRssMB), 'MB', `VmHWM ${l.peakRssMB.join(' / ')} MB`);
    record(`central: service ÷ raw INSERT … ON CONFLICT, ${l.kiosks} kiosks`, l.ratioToInsert * 100, '%', `target ≥ 50%; by CPU time ${Math.round(l.cpuRatioToInsert * 100)}%`);
    record(`central: lost + doubled checks, ${l.kiosks} kiosks`, l.database.lost + l.database.doubled, 'checks', 'counted in the database; target 0');
  }
  return r;
}

async function driverFigures(): Promise<void> {
  for (const [protocol, perSecond] of Object.entries(decoderThroughput())) record(`thermometer frames decoded/s, ${protocol}`, perSecond, 'frames/s', 'pure decoder, 64-byte chunks');
  const flood = junkFlood(10);
  record('heap growth after 10 MB of junk at 1 MB/s (all decoders)', flood.heapGrowthMB, 'MB', 'bounded buffers');
  const latency = await readingToScreen(10);
  if (latency) {
    record('reading-to-screen p50 (pty module → status bar)', latency.p50, 'ms', `${latency.n} changes; includes 5 frames at 14 Hz for a stable reading`);
    record('reading-to-screen p95', latency.p95, 'ms');
  } else process.stderr.write('  (no socat or Chromium: reading-to-screen latency skipped)\n');
}

async function screenFigures(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) {
    process.stderr.write(`  (no ${CHROMIUM}: screen latency and memory skipped; npm test installs it)\n`);
    return;
  }
  // The decoder worker alone (bench/worker-bench.ts): per stage, the frame path against the old one, and its warm-up.
  const w = await workerBench({ frames: 30, trials: 5 });
  process.stderr.write(workerTable(w) + '\n');
  record('decoder worker: warm-up, start → ready', w.warmup.readyMs, 'ms', `module ${w.warmup.moduleMs} ms; path ${w.warmup.path}`);
  record('decoder worker: first frame after ready, decode', w.firstFrame.afterReady.decodeMs, 'ms', `round trip ${w.firstFrame.afterReady.roundTripMs} ms`);
  for (const r of w.rows.filter((x) => x.source === 'i420' && x.way !== 'new, no downscale')) {
    if (r.total) record(`decoder worker: 720p ${r.scene}, ${r.way} path, p50 / p95`, r.total.p50, 'ms', `p95 ${r.total.p95} ms; ${r.right}/${r.n} right`);
  }
  const s = await screenBench(40, 1000);
  record('frame-to-verdict latency p50 (720p, Chromium)', s.latencyMs.p50, 'ms', `${s.latencyMs.n} scans`);
  record('frame-to-verdict latency p95 (720p, Chromium)', s.latencyMs.p95, 'ms', 'target ≤ 200 ms, first scan included (issue 17)');
  record('frame-to-verdict latency, the first code after the page loaded', s.latencyMs.first, 'ms', "the decoder warmed before the camera's first frame");
  record('decode per 720p frame in the worker, median', s.workerDecodeMs.median, 'ms', `${s.workerDecodeMs.n} frames`);
  record('decode per 720p frame in the worker, p95', s.workerDecodeMs.p95, 'ms');
  record('screen JS heap after warm-up', s.memoryMB.afterWarmup, 'MB');
  record('screen JS heap after 1,000 more scans', s.memoryMB.after1000Scans, 'MB', 'no growth expected');
  // Scripted camera scenes through the screen (bench/scene-bench.ts): a camera that never stops, code appears → verdict painted.
  const sc = await sceneBench();
  process.stderr.write(sceneTable(sc) + '\n');
  for (const f of sc.scenes) {
    const l = f.appearToPaintedMs;
    if (l)
      record(`scene ${f.scene}: code appears → verdict painted, p50`, l.p50, 'ms', `p95 ${l.p95} ms, max ${l.max} ms; ${f.read}/${f.reps} read; ${f.decodesPerSecondInView ?? '–'} decodes/s in view`);
    else record(`scene ${f.scene}: repetitions read`, f.read, 'reps', `of ${f.reps}`);
  }
  if (sc.screen.drops) {
    const dropped = sc.scenes.filter((f) => (f.dropsAfter300ms ?? 0) > 0).map((f) => `${f.scene} ${f.dropsAfter300ms}`);
    record(
      'scenes: frames dropped 300 ms or more after a code appeared',
      sc.scenes.reduce((n, f) => n + (f.dropsAfter300ms ?? 0), 0),
      'frames',
      `issue 17: none${dropped.length ? `; ${dropped.join(', ')}` : ''}`,
    );
  }
  if (sc.firstScan) {
    const r = sc.firstScan.readyVsFirstFrameMs;
    record("first scan: decoder ready − camera's first frame, median", quantile(r, 0.5), 'ms', `${sc.firstScan.readyBeforeFirstFrame}/${r.length} ready before the first frame; negative is before`);
  }
  if (sc.soak) {
    const k = sc.soak;
    record(`soak: screen JS heap after ${k.warmupScans} warm-up scans`, k.heapMB.start, 'MB');
    record(
      `soak: screen JS heap after ${k.scans} more scans`,
      k.heapMB.end,
      'MB',
      `${k.heapMB.middle} MB half way; ${k.painted} verdicts painted, ${k.missed} codes given up; ${k.scansPerSecond} scans/s`,
    );
    if (k.wasmMB.start !== null && k.wasmMB.end !== null) record('soak: decoder memory, start / end', k.wasmMB.start, 'MB', `end ${k.wasmMB.end} MB`);
  }
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-'));
  try {
    process.stderr.write(`Sentinel benchmarks (${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version})\n`);
    const { data, codes, trust } = await setUp(tmp);
    await verifyThroughput(data, codes, trust, tmp);
    await formatThroughput(record);
    logThroughput(tmp);
    cliLogged(data, codes.ES256, tmp);
    startup(data, codes.ES256[0]!);
    await syncFigures();
    const central = await centralFigures();
    await driverFigures();
    const decoders = await decoderFigures();
    await accuracyFigures();
    await screenFigures();
    const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
    const width = Math.max(...figures.map((f) => f.name.length));
    console.log(`\n| ${'figure'.padEnd(width)} | value | unit |\n|${'-'.repeat(width + 2)}|------:|------|`);
    for (const f of figures) console.log(`| ${f.name.padEnd(width)} | ${String(f.value)} | ${f.unit}${f.note ? ` (${f.note})` : ''} |`);
    if (decoders) {
      console.log(`\n| decoder on | zxing-wasm | @zxing/library |\n|---|---:|---:|`);
      for (const [name, s] of Object.entries(decoders.table)) console.log(`| ${name} | ${s['zxing-wasm']} | ${s['@zxing/library']} |`);
    }
    if (central) console.log(centralTable(central));
    console.log('\n' + JSON.stringify({ machine, codesPerAlg: CODES_PER_ALG, figures, decoders: decoders?.raw ?? null, central }));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
