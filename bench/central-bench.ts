// The central service under load (issue 16): a real PostgreSQL (Debian's
// server, started as the postgres user on a loopback port in a temporary
// folder by test/fixtures/postgres.ts), two `sentinel central serve`
// processes on it (child processes running dist/), and the round-robin TCP
// balancer of bench/balancer.ts (its own process) in front. N simulated
// kiosks, each with its own ES256 device key made by main/device and
// enrolled through the real flow (a token from the store, as `sentinel
// central enroll-token` makes it, then POST /v1/enroll through the
// balancer), send 500-check batches signed by main/sync's own
// syncPayload/signSyncPayload, one batch at a time each, all kiosks at once.
// A tenth of the batches is sent twice at the same moment on two
// connections (a retry reaching both processes), another tenth again after
// its answer (a lost answer): each must be stored once and answered
// duplicate the second time. Measured per N: checks stored per second, batch
// latency, each service process's peak RSS (VmHWM, reset before each N),
// the CPU seconds of every process, and at the end the rows counted in the
// database (none lost, none doubled). Then, in the same run and on the same
// table, the same rows (new ids) straight into PostgreSQL: a multi-row
// INSERT … ON CONFLICT DO NOTHING through `pg`, COPY, and the store's own
// storeBatch without HTTP, and the ratio service ÷ raw (target ≥ 50%).
// Finally the table's bytes per row and per index (pg_relation_size).
//
//   node dist/bench/central-bench.js [--kiosks 20,50,100,200] [--checks 50000]
//        [--batches N] [--batch-size 500] [--raw-concurrency 4] [--raw-rows 30000] [--profile]
//
// (or $BENCH_CENTRAL_KIOSKS, $BENCH_CENTRAL_CHECKS, $BENCH_CENTRAL_BATCHES,
// $BENCH_CENTRAL_RAW_CONCURRENCY, $BENCH_CENTRAL_RAW_ROWS, $BENCH_CENTRAL_BATCH_SIZE,
// $BENCH_CENTRAL_PROFILE=1). --checks is the
// new checks per N (at least 2 batches a kiosk); --profile runs the service
// processes under --cpu-prof and sums their profiles. npm run bench runs it
// through bench/run.ts. Nothing here is a pass/fail test, but a lost or
// doubled check is printed loudly.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { readSyncJws, readSyncPayload, type WireCheck } from '../central/batch.js';
import { deviceKey, type DeviceJwk } from '../central/device-keys.js';
import { openStore } from '../central/open-store.js';
import { checkColumns, type CentralStore } from '../central/store.js';
import { DataDir } from '../main/data-dir.js';
import { loadOrCreateDeviceIdentity, type DeviceIdentity } from '../main/device/device-key.js';
import { uuidv7 } from '../main/log/check-id.js';
import type { SyncedCheck } from '../main/log/wire-check.js';
import { enrollBody } from '../main/sync/enroll.js';
import { signSyncPayload, syncPayload } from '../main/sync/sync-client.js';
import { checkSignature } from '../main/verify/signature.js';
import { startPostgres, type PostgresServer } from '../test/fixtures/postgres.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
/** Checks a batch, as a kiosk with a backlog sends them (spec §6's most). */
const BATCH = 500;

export interface CentralBenchOptions {
  /** bin/sentinel.js */
  sentinel?: string;
  /** Kiosk counts, one measurement each. */
  kiosks?: number[];
  /** New checks per kiosk count (batches per kiosk: this ÷ kiosks ÷ 500, at least 2). */
  checksPerLevel?: number;
  /**
   * Checks sent by the first kiosk count before anything is measured (0: none). A service process
   * runs for months; its first second is V8 compiling the hot path and the pools opening, which a
   * short level would otherwise count as the service's rate (20 kiosks read 28–43% cold, 52–61% warm).
   */
  warmUpChecks?: number;
  /** Batches per kiosk, overriding checksPerLevel. */
  batchesPerKiosk?: number;
  /** Connections the raw INSERT and COPY runs use, one run each. */
  rawConcurrency?: number[];
  /** Rows each raw run inserts (the first batches of the kiosk count's; at most all of them). */
  rawRows?: number;
  /** Checks per batch (default 500, a backlog; a kiosk that keeps up sends a few at a time). */
  batchSize?: number;
  /** Run the service processes under --cpu-prof and sum where their time went. */
  profile?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface CpuSeconds {
  services: number[];
  postgres: number;
  balancer: number;
  /** This process: the kiosks' HTTP clients (their batches were signed before the clock started). */
  kiosks: number;
}

export interface RawRun {
  /**
   * insert-values: INSERT … VALUES (…), (…) × 500 … ON CONFLICT DO NOTHING (8,000 parameters);
   * insert-unnest: the same rows as 13 arrays, INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING;
   * insert-jsonb: the store's earlier statement (jsonb_to_recordset, RETURNING check_id; it now takes unnest arrays) alone, no transaction around it;
   * copy: COPY … FROM STDIN (no conflict handling; fresh ids);
   * storeBatch: central/store.ts as the service calls it (transaction, device row lock, the statement), without HTTP, JWS or parsing.
   */
  method: 'insert-values' | 'insert-unnest' | 'insert-jsonb' | 'copy' | 'storeBatch';
  concurrency: number;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** CPU seconds of PostgreSQL and of this process (the client) during the run. */
  cpuSeconds: { postgres: number; client: number };
}

export interface LevelResult {
  kiosks: number;
  batchesPerKiosk: number;
  /** Distinct checks sent (and so expected in the database). */
  checks: number;
  /** Requests made: batches, their concurrent twins, and the re-sends after an answer. */
  requests: { batches: number; concurrentTwins: number; resentAfterAnswer: number; failed: number; statuses: Record<string, number> };
  seconds: number;
  checksPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** Each service process's VmHWM during this measurement, MB. */
  peakRssMB: number[];
  cpuSeconds: CpuSeconds;
  /** Answers that were not what exactly-once requires (a re-send answered accepted, a check in neither list…). */
  answerMismatches: number;
  /** Counted in the database after the run, for this level's devices. */
  database: { rows: number; distinct: number; lost: number; doubled: number; unexpected: number };
  raw: RawRun[];
  /** Service checks/s ÷ the best raw INSERT … ON CONFLICT rate (any of the three forms), both measured here one after the other. */
  ratioToInsert: number;
  /**
   * The same ratio from CPU time instead of the clock: (PostgreSQL + inserter) CPU per row of the
   * leanest INSERT ÷ (PostgreSQL + both services + balancer) CPU per check stored. What the ratio would
   * be with the cores to themselves; less at the mercy of other work on a shared machine.
   */
  cpuRatioToInsert: number;
  /** Service checks/s ÷ the best COPY rate. */
  ratioToCopy: number;
  loadAverage: { before: number; after: number };
}

export interface StageTimes {
  batches: number;
  checksPerBatch: number;
  /** CPU milliseconds per 500-check batch, in this process, one at a time. */
  msPerBatch: { splitJws: number; verifySignature: number; parsePayload: number; jsonForInsert: number; answerJson: number };
  /** For comparison: the payload's base64url decoded by node (Buffer.from(…, 'base64url')), not main/verify's strict JS decoder. */
  nativeBase64urlMs: number;
}

export interface TableSizes {
  rows: number;
  partitions: { name: string; rows: number; heapBytes: number; indexBytes: Record<string, number>; totalBytes: number }[];
  bytesPerRow: { heap: number; indexes: Record<string, number>; total: number };
  /** Average length of a check's row as stored (pg_column_size of the whole row). */
  avgRowBytes: number;
}

export interface CentralBenchResult {
  machine: { cpus: number; cpu: string; memGiB: number; node: string; platform: string; postgres: string; note: string };
  postgresSettings: Record<string, string>;
  enrollment: string;
  /** Connections the balancer handed to each service process over the whole run. */
  balancerConnections: number[] | null;
  /** The warm-up level (not measured against the target), or null when there was none. */
  warmUp: LevelResult | null;
  levels: LevelResult[];
  stages: StageTimes | null;
  profile: { function: string; where: string; selfMs: number; share: number }[] | null;
  profileByArea: Record<string, number> | null;
  table: TableSizes;
  seconds: number;
}

// ---- processes: CPU and memory from /proc ----

const CLK_TCK = 100;

function statFields(pid: number): string[] | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** CPU seconds of a process (user + system, and its waited-for children's). */
function cpuOf(pid: number): number {
  const f = statFields(pid);
  if (!f) return 0;
  // After "pid (comm) ": state is [0], utime [11], stime [12], cutime [13], cstime [14].
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK_TCK;
}

function childrenOf(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(Number(entry));
    if (f && Number(f[1]) === ppid) pids.push(Number(entry));
  }
  return pids;
}

function commOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The postmaster this process started (test/fixtures/postgres.ts spawns it as our child). */
function findPostmaster(): number | null {
  return childrenOf(process.pid).find((pid) => commOf(pid) === 'postgres') ?? null;
}

/** The server's CPU seconds: the postmaster (with the backends it reaped) and every live backend. */
function postgresCpu(postmaster: number | null): number {
  if (postmaster === null) return 0;
  return cpuOf(postmaster) + childrenOf(postmaster).reduce((sum, pid) => sum + cpuOf(pid), 0);
}

function vmHwmMB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

/** Resets a process's VmHWM to its current RSS (Linux: 5 into clear_refs); false where not allowed. */
function resetHwm(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// ---- child processes ----

interface Child {
  child: ChildProcess;
  /** The first line it printed, as JSON. */
  first: Record<string, unknown>;
  /** Every line it printed after the first. */
  lines: string[];
  stderr: () => string;
  stop(): Promise<void>;
}

function startChild(args: string[], what: string, nodeFlags: string[] = []): Promise<Child> {
  const child = spawn(process.execPath, [...nodeFlags, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LANG: 'C.UTF-8' } });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines: string[] = [];
  let out = '';
  return new Promise((resolve, reject) => {
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not start within 60 s: ${stderr}`));
    }, 60_000);
    void exited.then(() => {
      clearTimeout(timer);
      if (!started) reject(new Error(`${what} exited ${child.exitCode ?? child.signalCode}: ${stderr}`));
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        lines.push(out.slice(0, nl));
        out = out.slice(nl + 1);
      }
      if (started || lines.length === 0) return;
      started = true;
      clearTimeout(timer);
      const firstLine = lines.shift()!;
      let first: Record<string, unknown>;
      try {
        first = JSON.parse(firstLine) as Record<string, unknown>;
      } catch {
        child.kill('SIGKILL');
        return reject(new Error(`${what} printed ${firstLine}`));
      }
      resolve({
        child,
        first,
        lines,
        stderr: () => stderr,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGINT');
            const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
            await exited;
            clearTimeout(kill);
          }
        },
      });
    });
  });
}

// ---- kiosks ----

interface Kiosk {
  device: DeviceIdentity;
  agent: http.Agent;
  batches: { ids: string[]; checks: SyncedCheck[]; body: Buffer }[];
}

/** A pseudonymous check as a kiosk logs and sends it (main/log/wire-check.ts): mostly admits, some reviews and refusals. */
function check(atMs: number, i: number): SyncedCheck {
  const kind = i % 20;
  const base = {
    checkId: uuidv7(atMs),
    at: new Date(atMs).toISOString(),
    format: 'phc1',
    issuer: 'CN-ZJ',
    kid: 'zj-2026-1',
    temperatureC: Math.round((36.2 + (i % 9) / 10) * 10) / 10,
    bundleSeq: 17,
    policyVersion: 1,
    clockState: 'trusted',
    holder: randomBytes(32).toString('base64url'),
  };
  if (kind === 0) return { ...base, verdict: 'deny', reasons: ['STATUS_RED'], status: 'red' };
  if (kind === 1) return { ...base, verdict: 'review', reasons: ['STATUS_YELLOW'], status: 'yellow' };
  if (kind === 2) return { ...base, verdict: 'review', reasons: ['FEVER'], status: 'green', temperatureC: 37.8 };
  return { ...base, verdict: 'admit', reasons: ['OK'], status: 'green' };
}

interface Answer {
  status: number;
  accepted: string[];
  duplicate: string[];
  ms: number;
  error?: string;
}

function post(port: number, agent: http.Agent | false, body: Buffer): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/checks', method: 'POST', agent, headers: { 'content-type': 'application/jose', 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = performance.now() - started;
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          const doc = JSON.parse(text) as { accepted?: string[]; duplicate?: string[] };
          resolve({ status: res.statusCode ?? 0, accepted: doc.accepted ?? [], duplicate: doc.duplicate ?? [], ms, ...(res.statusCode === 200 ? {} : { error: text.slice(0, 200) }) });
        } catch {
          resolve({ status: res.statusCode ?? 0, accepted: [], duplicate: [], ms, error: text.slice(0, 200) });
        }
      });
      res.on('error', (err) => resolve({ status: 0, accepted: [], duplicate: [], ms: performance.now() - started, error: err.message }));
    });
    req.setTimeout(120_000, () => req.destroy(new Error('no answer in 120 s')));
    req.on('error', (err) => resolve({ status: 0, accepted: [], duplicate: [], ms: performance.now() - started, error: err.message }));
    req.end(body);
  });
}

const percentile = (sorted: number[], p: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
const round = (x: number, digits = 0): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** N kiosks, each with its own key made by main/device in its own data directory, enrolled through POST /v1/enroll (ten at a time). */
async function enrollKiosks(n: number, store: CentralStore, port: number, tmp: string, level: number): Promise<DeviceIdentity[]> {
  const enrollOne = async (i: number): Promise<DeviceIdentity> => {
    const dir = DataDir.open(path.join(tmp, `kiosk-${level}-${i}`), { create: true });
    const device = await loadOrCreateDeviceIdentity(dir);
    // The token as `sentinel central enroll-token` makes it.
    const { token } = await store.createEnrollToken({ gate: `G${i + 1}`, station: `Station ${(i % 30) + 1}`, ttlMinutes: 30, nowMs: Date.now() });
    const body = await enrollBody(device, token);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/v1/enroll', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
    if (status !== 200) throw new Error(`enrolling kiosk ${i} answered HTTP ${status}`);
    return device;
  };
  const devices: DeviceIdentity[] = [];
  for (let i = 0; i < n; i += 10) devices.push(...(await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, j) => enrollOne(i + j)))));
  return devices;
}

// ---- raw inserts ----

const COLUMNS = [
  'check_id',
  'at',
  'device_id',
  'batch_id',
  'verdict',
  'reasons',
  'format',
  'issuer',
  'status',
  'kid',
  'temperature_c',
  'bundle_seq',
  'policy_version',
  'clock_state',
  'holder',
  'received_at',
];

interface RawBatch {
  device: string;
  jwk: DeviceJwk;
  checks: SyncedCheck[];
}

let copies = 0;

/**
 * The same rows with new ids, and the device id's last two characters made
 * those of this copy (same length): so that (device_id, at) stays as unique
 * as a kiosk's own checks, and the indexes' sizes stay those of real rows.
 */
function renamed(batches: RawBatch[]): RawBatch[] {
  const tag = (copies++).toString(36).padStart(2, '0').slice(-2);
  return batches.map((b) => ({ ...b, device: b.device.slice(0, -2) + tag, checks: b.checks.map((c) => ({ ...c, checkId: uuidv7(Date.parse(c.at)) })) }));
}

function rowValues(c: SyncedCheck, device: string, batch: string, received: string): unknown[] {
  return [c.checkId, c.at, device, batch, c.verdict, c.reasons, c.format, c.issuer, c.status, c.kid, c.temperatureC, c.bundleSeq, c.policyVersion, c.clockState, c.holder, received];
}

function valuesSql(rows: number): string {
  const tuples = Array.from({ length: rows }, (_, r) => `(${COLUMNS.map((_c, k) => `$${r * COLUMNS.length + k + 1}`).join(', ')})`);
  return `INSERT INTO checks (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`;
}

const UNNEST_SQL = `INSERT INTO checks (${COLUMNS.join(', ')})
  SELECT u.id, u.at, $1, $2::uuid, u.verdict, string_to_array(u.reasons, ','), u.format, u.issuer, u.status, u.kid, u.temperature, u.bundle_seq, u.policy_version, u.clock_state, u.holder, $3::timestamptz
  FROM unnest($4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::float8[], $13::int8[], $14::int4[], $15::text[], $16::text[])
    AS u(id, at, verdict, reasons, format, issuer, status, kid, temperature, bundle_seq, policy_version, clock_state, holder)
  ON CONFLICT DO NOTHING`;

/** central/store.ts's earlier statement (before it took one array per column): one jsonb parameter for the 500 checks, RETURNING the ids stored. */
const JSONB_SQL = `
  INSERT INTO checks (check_id, at, device_id, batch_id, verdict, reasons, format, issuer, status, kid,
                      temperature_c, bundle_seq, policy_version, clock_state, holder, received_at)
  SELECT r."checkId", r."at", $2, $3::uuid, r."verdict", ARRAY(SELECT jsonb_array_elements_text(r."reasons")),
         r."format", r."issuer", r."status", r."kid", r."temperatureC", r."bundleSeq", r."policyVersion",
         r."clockState", r."holder", $4::timestamptz
  FROM jsonb_to_recordset($1::jsonb) AS r("checkId" text, "at" timestamptz, "verdict" text, "reasons" jsonb,
       "format" text, "issuer" text, "status" text, "kid" text, "temperatureC" double precision,
       "bundleSeq" bigint, "policyVersion" integer, "clockState" text, "holder" text)
  ON CONFLICT DO NOTHING
  RETURNING check_id`;

/** The arrays as the store passes them (central/store.ts checkColumns: the reasons comma-joined), after device, batch and time. */
function unnestParams(b: RawBatch, batch: string, received: string): unknown[] {
  return [b.device, batch, received, ...checkColumns(b.checks)];
}

/** A text[] literal, for COPY's array column. */
const arrayLiteral = (xs: string[]): string => `{${xs.map((x) => `"${x.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

/** COPY's text format: tab-separated, \\N for null, arrays as {a,b}. */
function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const text = Array.isArray(v) ? arrayLiteral(v.map(String)) : String(v);
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** COPY … FROM STDIN through a pg client (pg's Submittable: the bytes are sent when the server asks for them). */
function copyIn(client: pg.PoolClient, text: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed: Error | null = null;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (failed) reject(failed);
      else resolve();
    };
    interface CopyConnection {
      query(text: string): void;
      sendCopyFromChunk(chunk: Buffer): void;
      endCopyFrom(): void;
    }
    const submittable = {
      submit: (connection: unknown) => (connection as CopyConnection).query(text),
      handleCopyInResponse: (connection: unknown) => {
        const c = connection as CopyConnection;
        for (let at = 0; at < data.length; at += 64 * 1024) c.sendCopyFromChunk(data.subarray(at, at + 64 * 1024));
        c.endCopyFrom();
      },
      handleCommandComplete: () => undefined,
      handleRowDescription: () => undefined,
      handleDataRow: () => undefined,
      handleEmptyQuery: () => undefined,
      handlePortalSuspended: () => undefined,
      handleError: (err: Error) => {
        failed = err;
      },
      handleReadyForQuery: finish,
    };
    client.query(submittable as unknown as pg.Submittable);
  });
}

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** A raw run: `work` timed, with the CPU PostgreSQL and this process spent on it. */
async function timedRun(ctx: Context, method: RawRun['method'], concurrency: number, work: () => Promise<number>): Promise<RawRun> {
  const pgBefore = postgresCpu(ctx.postmaster);
  const own = process.cpuUsage();
  const started = performance.now();
  const rows = await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(own);
  return {
    method,
    concurrency,
    rows,
    seconds: round(seconds, 2),
    rowsPerSecond: Math.round(rows / seconds),
    cpuSeconds: { postgres: round(postgresCpu(ctx.postmaster) - pgBefore, 2), client: round((used.user + used.system) / 1e6, 2) },
  };
}

async function rawInsert(ctx: Context, batches: RawBatch[], concurrency: number, form: 'values' | 'unnest' | 'jsonb'): Promise<RawRun> {
  const pool = new pg.Pool({ connectionString: ctx.url, max: concurrency });
  const received = new Date().toISOString();
  // The statements' parameters are made before the clock starts, as the service's batches were signed
  // before it (the jsonb form's JSON text too: the store makes it, and storeBatch's run counts that).
  const prepared = renamed(batches).map((b) => {
    const id = randomUUID();
    if (form === 'values') return { text: valuesSql(b.checks.length), values: b.checks.flatMap((c) => rowValues(c, b.device, id, received)) };
    if (form === 'unnest') return { text: UNNEST_SQL, values: unnestParams(b, id, received) };
    return { text: JSONB_SQL, values: [JSON.stringify(b.checks), b.device, id, received] };
  });
  await Promise.all(Array.from({ length: concurrency }, () => pool.query('SELECT 1')));
  const run = await timedRun(ctx, `insert-${form}`, concurrency, async () => {
    let rows = 0;
    await inParallel(prepared, concurrency, async (b) => {
      const r = await pool.query(b.text, b.values);
      rows += r.rowCount ?? 0;
    });
    return rows;
  });
  await pool.end();
  return run;
}

async function rawCopy(ctx: Context, batches: RawBatch[], concurrency: number): Promise<RawRun> {
  const pool = new pg.Pool({ connectionString: ctx.url, max: concurrency });
  const received = new Date().toISOString();
  const prepared = renamed(batches).map((b) => {
    const id = randomUUID();
    return Buffer.from(b.checks.map((c) => rowValues(c, b.device, id, received).map(copyField).join('\t') + '\n').join(''), 'utf8');
  });
  const clients = await Promise.all(Array.from({ length: concurrency }, () => pool.connect()));
  const text = `COPY checks (${COLUMNS.join(', ')}) FROM STDIN`;
  const rows = batches.reduce((n, b) => n + b.checks.length, 0);
  let next = 0;
  const run = await timedRun(ctx, 'copy', concurrency, async () => {
    await Promise.all(
      clients.map(async (client) => {
        while (next < prepared.length) await copyIn(client, text, prepared[next++]!);
      }),
    );
    return rows;
  });
  for (const c of clients) c.release();
  await pool.end();
  return run;
}

/** The store's own path (central/store.ts storeBatch: device row locked, the checks' INSERT, the report noted) without HTTP, JWS or parsing. */
async function rawStoreBatch(ctx: Context, batches: RawBatch[], concurrency: number): Promise<RawRun> {
  const store = await openStore({ kind: 'postgres', url: ctx.url }, { role: 'bench' });
  const prepared = renamed(batches);
  // storeBatch stores only for an enrolled device: the copies' devices are enrolled through the store API.
  const jwks = new Map(prepared.map((b) => [b.device, b.jwk]));
  for (const [id, jwk] of jwks) {
    const { token } = await store.createEnrollToken({ gate: null, station: null, ttlMinutes: 5, nowMs: Date.now() });
    await store.enroll({ token, id, jwk, nowMs: Date.now() });
  }
  await Promise.all(Array.from({ length: concurrency }, () => store.sql.query('SELECT 1')));
  const run = await timedRun(ctx, 'storeBatch', concurrency, async () => {
    let rows = 0;
    await inParallel(prepared, concurrency, async (b) => {
      const answer = await store.storeBatch({ device: b.device, batch: randomUUID(), checks: b.checks as WireCheck[], events: [], held: [] }, Date.now());
      rows += answer.accepted.length;
    });
    return rows;
  });
  await store.close();
  return run;
}

// ---- one kiosk count ----

interface Context {
  store: CentralStore;
  url: string;
  balancerPort: number;
  services: Child[];
  balancer: Child;
  postmaster: number | null;
  tmp: string;
  rawConcurrency: number[];
  rawRows: number;
  batchSize: number;
  log: (line: string) => void;
}

function cpuNow(ctx: Context): CpuSeconds {
  const own = process.cpuUsage();
  return {
    services: ctx.services.map((s) => cpuOf(s.child.pid!)),
    postgres: postgresCpu(ctx.postmaster),
    balancer: cpuOf(ctx.balancer.child.pid!),
    kiosks: (own.user + own.system) / 1e6,
  };
}

function cpuSince(a: CpuSeconds, b: CpuSeconds): CpuSeconds {
  return {
    services: b.services.map((x, i) => round(x - a.services[i]!, 2)),
    postgres: round(b.postgres - a.postgres, 2),
    balancer: round(b.balancer - a.balancer, 2),
    kiosks: round(b.kiosks - a.kiosks, 2),
  };
}

async function runLevel(ctx: Context, n: number, batchesPerKiosk: number, levelIndex: number): Promise<{ result: LevelResult; kiosks: Kiosk[] }> {
  ctx.log(`  central: ${n} kiosks × ${batchesPerKiosk} batches of ${ctx.batchSize}: enrolling and signing…`);
  const devices = await enrollKiosks(n, ctx.store, ctx.balancerPort, ctx.tmp, levelIndex);
  const startMs = Date.now() - n * batchesPerKiosk * ctx.batchSize * 50;
  let g = 0;
  const kiosks: Kiosk[] = [];
  for (const [k, device] of devices.entries()) {
    const batches: Kiosk['batches'] = [];
    for (let b = 0; b < batchesPerKiosk; b++) {
      // Each kiosk's checks in time order, kiosks interleaved, all within the last hours.
      const checks = Array.from({ length: ctx.batchSize }, (_, i) => check(startMs + ((b * ctx.batchSize + i) * n + k) * 50, g * ctx.batchSize + i));
      // Signed exactly as the kiosk's sync client signs a push.
      const jws = await signSyncPayload(device, syncPayload(device.deviceId, checks));
      batches.push({ ids: checks.map((c) => c.checkId), checks, body: Buffer.from(jws, 'utf8') });
      g++;
    }
    kiosks.push({ device, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), batches });
  }
  const expected = kiosks.reduce((sum, k) => sum + k.batches.length * ctx.batchSize, 0);

  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let mismatches = 0;
  let twins = 0;
  let resent = 0;
  let failed = 0;
  const note = (a: Answer): void => {
    statuses[String(a.status)] = (statuses[String(a.status)] ?? 0) + 1;
    latencies.push(a.ms);
    if (a.status !== 200) {
      failed++;
      if (failed <= 3) ctx.log(`  central: a request failed: HTTP ${a.status} ${a.error ?? ''}`);
    }
  };
  /** The same ids, each once (b, the batch's ids, has none twice). */
  const sameSet = (a: string[], b: string[]): boolean => a.length === b.length && new Set(a).size === a.length && new Set([...a, ...b]).size === b.length;

  for (const s of ctx.services) resetHwm(s.child.pid!);
  const load = os.loadavg()[0]!;
  const before = cpuNow(ctx);
  const started = performance.now();
  let index = 0;
  await Promise.all(
    kiosks.map(async (kiosk) => {
      for (const batch of kiosk.batches) {
        const role = index++ % 10;
        if (role === 3) {
          // The same batch on two connections at the same moment: a retry that reaches both processes.
          twins++;
          const [x, y] = await Promise.all([post(ctx.balancerPort, kiosk.agent, batch.body), post(ctx.balancerPort, false, batch.body)]);
          note(x);
          note(y);
          const ok =
            x.status === 200 &&
            y.status === 200 &&
            sameSet([...x.accepted, ...x.duplicate], batch.ids) &&
            sameSet([...y.accepted, ...y.duplicate], batch.ids) &&
            sameSet([...x.accepted, ...y.accepted], batch.ids);
          if (!ok) mismatches++;
          continue;
        }
        const a = await post(ctx.balancerPort, kiosk.agent, batch.body);
        note(a);
        if (a.status !== 200 || !sameSet(a.accepted, batch.ids) || a.duplicate.length > 0) mismatches++;
        if (role === 7) {
          // The answer was lost on the way: the kiosk sends the very same batch again.
          resent++;
          const again = await post(ctx.balancerPort, kiosk.agent, batch.body);
          note(again);
          if (again.status !== 200 || again.accepted.length > 0 || !sameSet(again.duplicate, batch.ids)) mismatches++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSince(before, cpuNow(ctx));
  const peakRssMB = ctx.services.map((s) => vmHwmMB(s.child.pid!));
  const loadAfter = os.loadavg()[0]!;
  for (const k of kiosks) k.agent.destroy();

  // Counted in the database: every check sent is there once, and nothing else of these kiosks is.
  const rows = await ctx.store.sql.query<{ check_id: string }>('SELECT check_id FROM checks WHERE device_id = ANY($1::text[])', [devices.map((d) => d.deviceId)]);
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.check_id, (counts.get(r.check_id) ?? 0) + 1);
  let lost = 0;
  const sent = new Set<string>();
  for (const k of kiosks) for (const b of k.batches) for (const id of b.ids) sent.add(id);
  for (const id of sent) if (!counts.has(id)) lost++;
  let doubled = 0;
  let unexpected = 0;
  for (const [id, c] of counts) {
    doubled += c - 1;
    if (!sent.has(id)) unexpected++;
  }

  if (lost + doubled + unexpected + mismatches > 0) {
    ctx.log(`  central: !!! ${n} kiosks: ${lost} checks LOST, ${doubled} DOUBLED, ${unexpected} not sent, ${mismatches} answers not what exactly-once requires !!!`);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const checksPerSecond = expected / seconds;
  ctx.log(
    `  central: ${n} kiosks: ${Math.round(checksPerSecond)} checks/s, p50 ${Math.round(percentile(sorted, 50))} ms, p95 ${Math.round(percentile(sorted, 95))} ms; lost ${lost}, doubled ${doubled}; raw…`,
  );

  // The same rows straight into PostgreSQL, on the same table as it now is.
  // Batches taken round the kiosks, as they arrived.
  const rawBatches: RawBatch[] = [];
  for (let b = 0; b < batchesPerKiosk && rawBatches.length * ctx.batchSize < ctx.rawRows; b++) {
    for (const k of kiosks) {
      if (rawBatches.length * ctx.batchSize < ctx.rawRows)
        rawBatches.push({ device: k.device.deviceId, jwk: { kty: 'EC', crv: 'P-256', x: String(k.device.jwk.x), y: String(k.device.jwk.y) }, checks: k.batches[b]!.checks });
    }
  }
  const raw: RawRun[] = [];
  for (const c of ctx.rawConcurrency) {
    raw.push(await rawInsert(ctx, rawBatches, c, 'values'));
    raw.push(await rawInsert(ctx, rawBatches, c, 'unnest'));
    raw.push(await rawInsert(ctx, rawBatches, c, 'jsonb'));
    raw.push(await rawCopy(ctx, rawBatches, c));
    raw.push(await rawStoreBatch(ctx, rawBatches, c));
  }
  const inserts = raw.filter((r) => r.method.startsWith('insert-'));
  const best = (...methods: RawRun['method'][]): number => Math.max(...raw.filter((r) => methods.includes(r.method)).map((r) => r.rowsPerSecond));
  const cpuPerRow = (r: RawRun): number => (r.cpuSeconds.postgres + r.cpuSeconds.client) / r.rows;
  const leanest = Math.min(...inserts.map(cpuPerRow));
  const serviceCpuPerCheck = (cpu.services.reduce((a, b) => a + b, 0) + cpu.postgres + cpu.balancer) / expected;

  return {
    kiosks,
    result: {
      kiosks: n,
      batchesPerKiosk,
      checks: expected,
      requests: { batches: g, concurrentTwins: twins, resentAfterAnswer: resent, failed, statuses },
      seconds: round(seconds, 2),
      checksPerSecond: Math.round(checksPerSecond),
      latencyMs: { p50: Math.round(percentile(sorted, 50)), p95: Math.round(percentile(sorted, 95)), p99: Math.round(percentile(sorted, 99)), max: Math.round(sorted.at(-1) ?? NaN) },
      peakRssMB,
      cpuSeconds: cpu,
      answerMismatches: mismatches,
      database: { rows: rows.length, distinct: counts.size, lost, doubled, unexpected },
      raw,
      ratioToInsert: round(checksPerSecond / best('insert-values', 'insert-unnest', 'insert-jsonb'), 3),
      cpuRatioToInsert: round(leanest / serviceCpuPerCheck, 3),
      ratioToCopy: round(checksPerSecond / best('copy'), 3),
      loadAverage: { before: round(load, 2), after: round(loadAfter, 2) },
    },
  };
}

/** Where a batch's time goes in the service's own code, measured here one batch at a time (CPU time, so that other work on the machine counts less). */
async function stageTimes(kiosks: Kiosk[], count: number): Promise<StageTimes> {
  const sample = kiosks.flatMap((k) => k.batches.map((b) => ({ device: k.device, body: b.body.toString('utf8') }))).slice(0, count);
  const t = { splitJws: 0, verifySignature: 0, parsePayload: 0, jsonForInsert: 0, answerJson: 0 };
  let native = 0;
  const cpuMs = (since: NodeJS.CpuUsage): number => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1000;
  };
  for (let pass = 0; pass < 2; pass++) {
    for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] = 0;
    native = 0;
    for (const { device, body } of sample) {
      let at = process.cpuUsage();
      const { kid, parts } = readSyncJws(body);
      t.splitJws += cpuMs(at);
      at = process.cpuUsage();
      const key = await deviceKey({ kty: 'EC', crv: 'P-256', x: String(device.jwk.x), y: String(device.jwk.y) } as DeviceJwk);
      if (!(await checkSignature('ES256', key, parts.signingInput, parts.signature))) throw new Error('a bench batch does not verify');
      t.verifySignature += cpuMs(at);
      at = process.cpuUsage();
      const batch = readSyncPayload(parts.payloadBytes, kid);
      t.parsePayload += cpuMs(at);
      at = process.cpuUsage();
      JSON.stringify(batch.checks);
      t.jsonForInsert += cpuMs(at);
      at = process.cpuUsage();
      JSON.stringify({ accepted: batch.checks.map((c) => c.checkId), duplicate: [] });
      t.answerJson += cpuMs(at);
      at = process.cpuUsage();
      const first = body.indexOf('.');
      if (Buffer.from(body.slice(first + 1, body.indexOf('.', first + 1)), 'base64url').length !== parts.payloadBytes.length) throw new Error('base64url decoders disagree');
      native += cpuMs(at);
    }
  }
  return {
    batches: sample.length,
    checksPerBatch: kiosks[0]?.batches[0]?.ids.length ?? 0,
    msPerBatch: {
      splitJws: round(t.splitJws / sample.length, 2),
      verifySignature: round(t.verifySignature / sample.length, 2),
      parsePayload: round(t.parsePayload / sample.length, 2),
      jsonForInsert: round(t.jsonForInsert / sample.length, 2),
      answerJson: round(t.answerJson / sample.length, 2),
    },
    nativeBase64urlMs: round(native / sample.length, 2),
  };
}

// ---- CPU profiles of the service processes ----

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** The part of the service a frame belongs to, or null for node's own internals and natives (then its caller decides). */
function areaOf(url: string): string | null {
  if (/\/dist\/central\/service\.js$/.test(url)) return 'service: HTTP handler, answer';
  if (/\/dist\/central\/batch\.js$|\/dist\/main\/verify\/(jws|base64url)\.js$/.test(url)) return 'reading the batch: base64url, JSON, each check';
  if (/\/dist\/main\/verify\/signature\.js$|\/dist\/central\/device-keys\.js$/.test(url)) return "the device's signature";
  if (/\/dist\/central\/receipts\.js$|\/dist\/central\/service-key\.js$|node_modules\/jose\//.test(url)) return 'the signed receipt (jose)';
  if (/\/dist\/central\/(store|partitions|sql|pg-sql)\.js$/.test(url)) return 'store: SQL parameters, answer lists';
  if (/node_modules\/pg(-[a-z]+)?\//.test(url)) return 'pg driver';
  if (/\/dist\/central\//.test(url)) return 'other central code';
  if (/^node:internal\/modules\//.test(url)) return 'start-up: loading modules';
  return null;
}

function summariseProfiles(dir: string): { top: { function: string; where: string; selfMs: number; share: number }[]; byArea: Record<string, number> } | null {
  if (!fs.existsSync(dir)) return null;
  const self = new Map<string, { fn: string; where: string; ms: number }>();
  const byArea = new Map<string, number>();
  let total = 0;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const prof = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    // Each sample to the innermost frame of ours (or of pg, or jose) on its stack.
    const areaCache = new Map<number, string>();
    const areaOfNode = (id: number): string => {
      const cached = areaCache.get(id);
      if (cached) return cached;
      const leaf = byId.get(id)!;
      const fn = leaf.callFrame.functionName;
      let found: string;
      if (fn === '(garbage collector)') found = 'garbage collection';
      else if (fn === '(program)') found = 'V8 and native, no JS frame (program)';
      else {
        found = 'node http, net and streams (no frame of ours)';
        for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
          const a = areaOf(byId.get(at)!.callFrame.url);
          if (a) {
            found = a;
            break;
          }
        }
      }
      areaCache.set(id, found);
      return found;
    };
    for (let i = 0; i < prof.samples.length; i++) {
      const node = byId.get(prof.samples[i]!);
      if (!node) continue;
      const ms = (prof.timeDeltas[i] ?? 0) / 1000;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') continue;
      const where = url ? `${url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}` : '';
      const key = `${functionName}@${where}`;
      const e = self.get(key) ?? { fn: functionName || '(anonymous)', where, ms: 0 };
      e.ms += ms;
      self.set(key, e);
      const a = areaOfNode(node.id);
      byArea.set(a, (byArea.get(a) ?? 0) + ms);
      total += ms;
    }
  }
  if (total === 0) return null;
  const top = [...self.values()]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 20)
    .map((e) => ({ function: e.fn, where: e.where, selfMs: Math.round(e.ms), share: round(e.ms / total, 3) }));
  return { top, byArea: Object.fromEntries([...byArea.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(v / total, 3)])) };
}

// ---- the table's size ----

async function tableSizes(store: CentralStore): Promise<TableSizes> {
  const parts = await store.sql.query<{ name: string; oid: unknown }>(
    "SELECT c.relname AS name, c.oid FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'checks'::regclass ORDER BY c.relname",
  );
  const partitions: TableSizes['partitions'] = [];
  for (const p of parts) {
    const [sizes] = await store.sql.query<{ rows: unknown; heap: unknown; total: unknown }>(
      `SELECT (SELECT count(*) FROM ${p.name}) AS rows, pg_relation_size('${p.name}'::regclass) + pg_relation_size(coalesce(c.reltoastrelid, 0)) AS heap, pg_total_relation_size('${p.name}'::regclass) AS total
       FROM pg_class c WHERE c.oid = '${p.name}'::regclass`,
    );
    const indexes = await store.sql.query<{ name: string; bytes: unknown }>(
      `SELECT ic.relname AS name, pg_relation_size(ix.indexrelid) AS bytes FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid WHERE ix.indrelid = '${p.name}'::regclass ORDER BY ic.relname`,
    );
    partitions.push({
      name: p.name,
      rows: Number(sizes!.rows),
      heapBytes: Number(sizes!.heap),
      // Named by what they index, the partition's name taken off.
      indexBytes: Object.fromEntries(indexes.map((ix) => [ix.name.replace(`${p.name}_`, ''), Number(ix.bytes)])),
      totalBytes: Number(sizes!.total),
    });
  }
  const rows = partitions.reduce((n, p) => n + p.rows, 0);
  const indexNames = [...new Set(partitions.flatMap((p) => Object.keys(p.indexBytes)))];
  const [avg] = await store.sql.query<{ avg: unknown }>('SELECT avg(pg_column_size(c.*)) AS avg FROM (SELECT * FROM checks LIMIT 100000) c');
  return {
    rows,
    partitions,
    bytesPerRow: {
      heap: round(partitions.reduce((n, p) => n + p.heapBytes, 0) / rows, 1),
      indexes: Object.fromEntries(indexNames.map((name) => [name, round(partitions.reduce((n, p) => n + (p.indexBytes[name] ?? 0), 0) / rows, 1)])),
      total: round(partitions.reduce((n, p) => n + p.totalBytes, 0) / rows, 1),
    },
    avgRowBytes: round(Number(avg?.avg), 1),
  };
}

// ---- the whole run ----

function envList(name: string): number[] | undefined {
  const v = process.env[name];
  return v ? v.split(',').map(Number) : undefined;
}

export function defaultOptions(): Required<CentralBenchOptions> {
  return {
    sentinel: path.join(ROOT, 'bin', 'sentinel.js'),
    kiosks: envList('BENCH_CENTRAL_KIOSKS') ?? [20, 50, 100, 200],
    checksPerLevel: Number(process.env.BENCH_CENTRAL_CHECKS ?? 200_000),
    warmUpChecks: Number(process.env.BENCH_CENTRAL_WARMUP ?? 50_000),
    batchesPerKiosk: Number(process.env.BENCH_CENTRAL_BATCHES ?? 0),
    rawConcurrency: envList('BENCH_CENTRAL_RAW_CONCURRENCY') ?? [4],
    rawRows: Number(process.env.BENCH_CENTRAL_RAW_ROWS ?? 100_000),
    batchSize: Number(process.env.BENCH_CENTRAL_BATCH_SIZE ?? BATCH),
    profile: process.env.BENCH_CENTRAL_PROFILE === '1',
    log: (line) => process.stderr.write(line + '\n'),
  };
}

export async function centralBench(options: CentralBenchOptions = {}): Promise<CentralBenchResult> {
  const opts = { ...defaultOptions(), ...options };
  const began = performance.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-central-bench-'));
  const profileDir = path.join(tmp, 'profiles');
  let server: PostgresServer | null = null;
  let store: CentralStore | null = null;
  const services: Child[] = [];
  let balancer: Child | null = null;
  try {
    opts.log('  central: starting PostgreSQL, two service processes and the balancer…');
    server = await startPostgres();
    const url = await server.createDatabase('bench');
    store = await openStore({ kind: 'postgres', url }, { role: 'bench' });
    const settings = Object.fromEntries(
      (
        await store.sql.query<{ name: string; setting: string; unit: string | null }>(
          "SELECT name, setting, unit FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections', 'wal_level', 'server_version')",
        )
      ).map((r) => [r.name, r.unit ? `${r.setting} × ${r.unit}` : r.setting]),
    );
    const nodeFlags = opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    // Both at once: the migration is already applied, the two find it so.
    services.push(...(await Promise.all([0, 1].map((i) => startChild([opts.sentinel, 'central', 'serve', '--db', url, '--port', '0', '--json'], `service ${i + 1}`, nodeFlags)))));
    balancer = await startChild([path.join(HERE, 'balancer.js'), ...services.map((s) => String(s.first.url))], 'balancer');
    const balancerPort = Number(new URL(String(balancer.first.url)).port);
    const ctx: Context = {
      store,
      url,
      balancerPort,
      services,
      balancer,
      postmaster: findPostmaster(),
      tmp,
      rawConcurrency: opts.rawConcurrency,
      rawRows: opts.rawRows,
      batchSize: opts.batchSize,
      log: opts.log,
    };

    const perKiosk = (n: number, checks: number): number => (opts.batchesPerKiosk > 0 ? opts.batchesPerKiosk : Math.max(2, Math.ceil(checks / (n * opts.batchSize))));
    let warmUp: LevelResult | null = null;
    if (opts.warmUpChecks > 0 && opts.kiosks.length > 0) {
      const n = opts.kiosks[0]!;
      opts.log('  central: warm-up (not measured against the target)…');
      warmUp = (await runLevel(ctx, n, perKiosk(n, opts.warmUpChecks), 0)).result;
    }
    const levels: LevelResult[] = [];
    let last: Kiosk[] = [];
    for (const [i, n] of opts.kiosks.entries()) {
      const { result, kiosks } = await runLevel(ctx, n, perKiosk(n, opts.checksPerLevel), i + 1);
      levels.push(result);
      last = kiosks;
    }
    const stages = last.length > 0 ? await stageTimes(last, 40) : null;
    const table = await tableSizes(store);

    await balancer.stop();
    const stopped = balancer.lines.map((l) => JSON.parse(l) as { event?: string; connections?: number[] }).find((l) => l.event === 'stopped');
    balancer = null;
    await Promise.all(services.map((s) => s.stop()));
    const serviceErrors = services.map((s) => s.stderr()).filter((e) => /internal error/.test(e));
    if (serviceErrors.length > 0) opts.log(`  central: the services logged internal errors:\n${serviceErrors.join('\n').slice(0, 2000)}`);
    services.length = 0;
    const profile = opts.profile ? summariseProfiles(profileDir) : null;
    return {
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model ?? 'unknown',
        memGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        postgres: server.version,
        note: 'PostgreSQL, both service processes, the balancer and the kiosks all share these cores (and other work on the machine)',
      },
      postgresSettings: settings,
      balancerConnections: stopped?.connections ?? null,
      warmUp,
      enrollment: 'each kiosk: a key made by main/device in its own data directory, a token from the store (as sentinel central enroll-token), POST /v1/enroll through the balancer',
      levels,
      stages,
      profile: profile?.top ?? null,
      profileByArea: profile?.byArea ?? null,
      table,
      seconds: round((performance.now() - began) / 1000, 1),
    };
  } finally {
    if (balancer) await balancer.stop().catch(() => undefined);
    await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
    if (store) await store.close().catch(() => undefined);
    if (server) await server.stop().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---- printing ----

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

export function centralTable(r: CentralBenchResult): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(
    `\nCentral service: ${m.cpus} × ${m.cpu} (shared: ${m.note}), node ${m.node}, PostgreSQL ${m.postgres} (${Object.entries(r.postgresSettings)
      .filter(([k]) => k !== 'server_version')
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')})`,
  );
  lines.push(
    '\n| kiosks | checks | checks/s stored | p50 / p95 / max batch latency | peak RSS per service | CPU s: services / postgres / balancer / kiosks | raw INSERT (best) | raw COPY (best) | storeBatch alone | service ÷ INSERT (by CPU) | service ÷ COPY | lost / doubled | answers wrong | load avg |',
  );
  lines.push('|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|---|---:|---|');
  const rows = [...(r.warmUp ? [{ l: r.warmUp, label: `${r.warmUp.kiosks} (warm-up)` }] : []), ...r.levels.map((l) => ({ l, label: String(l.kiosks) }))];
  for (const { l, label } of rows) {
    const best = (...methods: RawRun['method'][]): RawRun => l.raw.filter((x) => methods.includes(x.method)).sort((a, b) => b.rowsPerSecond - a.rowsPerSecond)[0]!;
    const ins = best('insert-values', 'insert-unnest', 'insert-jsonb');
    const copy = best('copy');
    const sb = best('storeBatch');
    lines.push(
      `| ${label} | ${l.checks.toLocaleString('en')} | ${l.checksPerSecond.toLocaleString('en')} | ${l.latencyMs.p50} / ${l.latencyMs.p95} / ${l.latencyMs.max} ms | ${l.peakRssMB.map((x) => `${x} MB`).join(', ')} | ${l.cpuSeconds.services.join(' + ')} / ${l.cpuSeconds.postgres} / ${l.cpuSeconds.balancer} / ${l.cpuSeconds.kiosks} | ${ins.rowsPerSecond.toLocaleString('en')} (${ins.method.replace('insert-', '')} ×${ins.concurrency}) | ${copy.rowsPerSecond.toLocaleString('en')} (×${copy.concurrency}) | ${sb.rowsPerSecond.toLocaleString('en')} (×${sb.concurrency}) | **${Math.round(l.ratioToInsert * 100)}%** (${Math.round(l.cpuRatioToInsert * 100)}%) | ${Math.round(l.ratioToCopy * 100)}% | ${l.database.lost} / ${l.database.doubled} | ${l.answerMismatches} | ${l.loadAverage.before} → ${l.loadAverage.after} |`,
    );
  }
  lines.push('\nraw runs, rows/s (CPU µs per row: PostgreSQL + client):');
  for (const l of r.levels) {
    const perRow = (x: RawRun): string => `${Math.round((x.cpuSeconds.postgres * 1e6) / x.rows)} + ${Math.round((x.cpuSeconds.client * 1e6) / x.rows)}`;
    lines.push(`  after ${l.kiosks} kiosks: ${l.raw.map((x) => `${x.method} ×${x.concurrency} ${x.rowsPerSecond.toLocaleString('en')} (${perRow(x)})`).join(', ')}`);
  }
  lines.push('service path, CPU µs per check stored (services + PostgreSQL + balancer + kiosks):');
  for (const l of r.levels) {
    const c = l.cpuSeconds;
    const us = (x: number): number => Math.round((x * 1e6) / l.checks);
    lines.push(`  ${l.kiosks} kiosks: ${us(c.services.reduce((a, b) => a + b, 0))} + ${us(c.postgres)} + ${us(c.balancer)} + ${us(c.kiosks)}`);
  }
  if (r.stages) {
    const s = r.stages.msPerBatch;
    lines.push(
      `CPU per ${r.stages.checksPerBatch}-check batch in one process, one at a time (${r.stages.batches} batches): splitting the JWS (base64url) ${s.splitJws} ms, signature ${s.verifySignature} ms, reading the payload ${s.parsePayload} ms, JSON for the INSERT ${s.jsonForInsert} ms, answer JSON ${s.answerJson} ms (the payload's base64url decoded by node instead: ${r.stages.nativeBase64urlMs} ms)`,
    );
  }
  if (r.profileByArea) {
    lines.push(
      '\nservice processes, CPU by area (--cpu-prof, idle excluded): ' +
        Object.entries(r.profileByArea)
          .map(([k, v]) => `${k} ${Math.round(v * 100)}%`)
          .join(', '),
    );
    lines.push('hottest functions (self time):');
    for (const p of r.profile ?? []) lines.push(`  ${(p.share * 100).toFixed(1)}%  ${p.function}  ${p.where}`);
  }
  const t = r.table;
  lines.push(
    `\nchecks table after the run: ${t.rows.toLocaleString('en')} rows; per row: heap ${t.bytesPerRow.heap} B, ${Object.entries(t.bytesPerRow.indexes)
      .map(([k, v]) => `${k} ${v} B`)
      .join(', ')}, total ${t.bytesPerRow.total} B (average row as stored ${t.avgRowBytes} B)`,
  );
  for (const p of t.partitions)
    lines.push(`  ${p.name}: ${p.rows.toLocaleString('en')} rows, heap ${mb(p.heapBytes)}, indexes ${mb(Object.values(p.indexBytes).reduce((a, b) => a + b, 0))}, total ${mb(p.totalBytes)}`);
  lines.push(`central benchmark: ${r.seconds} s`);
  return lines.join('\n');
}

function flags(argv: string[]): CentralBenchOptions {
  const o: CentralBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--kiosks') o.kiosks = value().split(',').map(Number);
    else if (a === '--checks') o.checksPerLevel = Number(value());
    else if (a === '--batches') o.batchesPerKiosk = Number(value());
    else if (a === '--raw-concurrency') o.rawConcurrency = value().split(',').map(Number);
    else if (a === '--raw-rows') o.rawRows = Number(value());
    else if (a === '--batch-size') o.batchSize = Number(value());
    else if (a === '--profile') o.profile = true;
    else throw new Error(`unknown flag ${a} (--kiosks 20,200 --checks N --batches N --raw-concurrency 1,4 --raw-rows N --batch-size N --profile)`);
  }
  return o;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await centralBench(flags(process.argv.slice(2)));
  console.log(centralTable(result));
  console.log('\n' + JSON.stringify(result));
}
