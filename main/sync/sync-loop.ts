// Keeping the central log up to date: drain the backlog one batch at a time,
// fetch a newer bundle, purge what retention allows, then wait. On failure,
// back off (full jitter, 1 s to 5 min, or the server's Retry-After), and
// probe meanwhile so a returning network is used at once. Everything it
// needs to resume after a crash is in the log itself (pending rows).
import type { Policy } from '../contract/policy.js';
import type { CheckLog } from '../log/check-log.js';
import { applyRetention, DEFAULT_RETENTION_DAYS } from '../log/retention.js';
import { BACKOFF, backoffDelayMs } from './backoff.js';
import type { BundleResult, PushResult, SyncClient } from './sync-client.js';

export type SyncEvent =
  | { type: 'batch'; sent: number; stored: number; pending: number }
  | { type: 'failed'; reason: string; retryInMs: number | null; pending: number }
  | { type: 'bundle'; result: BundleResult }
  | { type: 'purged'; deleted: number; unsyncedDropped: number }
  | { type: 'idle'; pending: number };

export interface SyncState {
  online: boolean;
  lastSuccessAtMs: number | null;
  /** Why the last pass failed (a receipt refused says why), null after a success. */
  lastError: string | null;
  /** 'verified': a service key is pinned, and only receipts it signed mark checks synced; 'unpinned': enrolled before receipts, or never. */
  receipts: 'verified' | 'unpinned';
}

export interface LoopTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SyncLoopOptions {
  client: SyncClient;
  log: CheckLog;
  clock: () => number;
  timers?: LoopTimers;
  random?: () => number;
  /** Between passes when all is well. */
  intervalMs?: number;
  /** Probe while backing off. */
  probeMs?: number;
  retentionDays?: number;
  /** The policy in force, for its bound on unsynced checks (retention runs after each pass). */
  policy?: () => Pick<Policy, 'unsyncedMaxAgeDays'>;
  /** Backoff bounds (defaults: 1 s to 5 min). */
  backoff?: { baseMs: number; capMs: number };
  onEvent?: (e: SyncEvent) => void;
}

/** A 200 that stored nothing: backed off like a failure, and said why when the service said. */
const storedNone = (heldBack: string | null): string => (heldBack === null ? 'the service stored none of the batch' : `the service stored none of the batch: ${heldBack}`);

const REAL: LoopTimers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };

export class SyncLoop {
  readonly state: SyncState;
  private attempt = 0;
  private wake: unknown = null;
  private probe: unknown = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  /** A server's Retry-After: no request (not even a probe) before this. */
  private notBeforeMs = 0;
  private readonly timers: LoopTimers;

  constructor(private readonly opts: SyncLoopOptions) {
    this.timers = opts.timers ?? REAL;
    this.state = { online: false, lastSuccessAtMs: null, lastError: null, receipts: opts.client.receipts };
  }

  start(): void {
    this.stopped = false;
    this.runSoon(0);
  }

  /** Stops after the request in flight, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    await this.running;
  }

  /** Runs a pass now (e.g. a check was just logged and the network is up). */
  nudge(): void {
    if (!this.stopped && this.running === null) this.runSoon(0);
  }

  private runSoon(ms: number): void {
    this.clearTimers();
    if (this.stopped) return;
    this.wake = this.timers.setTimeout(() => {
      this.wake = null;
      this.running = this.pass().finally(() => {
        this.running = null;
      });
    }, ms);
  }

  private async pass(): Promise<void> {
    const { client, log, clock } = this.opts;
    const emit = (e: SyncEvent): void => this.opts.onEvent?.(e);
    for (;;) {
      if (this.stopped) return;
      // A re-enrollment while running pins (or unpins) the key: read again each batch.
      this.state.receipts = client.receipts;
      let r: PushResult;
      try {
        r = await client.pushBatch();
      } catch (err) {
        r = { kind: 'failed', sent: 0, reason: (err as Error).message, retryAfterMs: null };
      }
      if (r.kind === 'empty') break;
      if (r.kind === 'stored' && r.stored > 0) {
        this.attempt = 0;
        Object.assign(this.state, { online: true, lastSuccessAtMs: clock(), lastError: null });
        emit({ type: 'batch', sent: r.sent, stored: r.stored, pending: r.pendingLeft });
        continue;
      }
      // A failure, or a 200 that stored nothing (which would otherwise spin): back off.
      const reason = r.kind === 'failed' ? r.reason : storedNone(r.heldBack);
      const retryAfter = r.kind === 'failed' ? r.retryAfterMs : null;
      const { baseMs, capMs } = this.opts.backoff ?? BACKOFF;
      const delay = Math.max(retryAfter ?? 0, backoffDelayMs(this.attempt++, this.opts.random ?? Math.random, baseMs, capMs));
      this.notBeforeMs = retryAfter === null ? 0 : clock() + retryAfter;
      Object.assign(this.state, { online: false, lastError: reason });
      emit({ type: 'failed', reason, retryInMs: delay, pending: log.count().pending });
      this.waitOrProbe(delay);
      return;
    }
    const bundle = await client.fetchBundle();
    emit({ type: 'bundle', result: bundle });
    if (bundle.kind !== 'failed') {
      // The service answered: online, even with nothing to send.
      this.attempt = 0;
      Object.assign(this.state, { online: true, lastSuccessAtMs: clock(), lastError: null });
    }
    const { deleted, unsyncedDropped } = applyRetention(log, this.opts.policy?.() ?? { unsyncedMaxAgeDays: null }, {
      nowMs: clock(),
      retentionDays: this.opts.retentionDays ?? DEFAULT_RETENTION_DAYS,
    });
    if (deleted + unsyncedDropped > 0) emit({ type: 'purged', deleted, unsyncedDropped });
    emit({ type: 'idle', pending: log.count().pending });
    this.runSoon(this.opts.intervalMs ?? 30_000);
  }

  /** Sleeps until the delay ends, or earlier if a probe finds the service answering. */
  private waitOrProbe(delayMs: number): void {
    this.runSoon(delayMs);
    const probeMs = this.opts.probeMs ?? 5000;
    if (delayMs <= probeMs) return;
    const tick = (): void => {
      // Never before the server's Retry-After: a probe is a request too.
      const wait = Math.max(probeMs, this.notBeforeMs - this.opts.clock());
      this.probe = this.timers.setTimeout(async () => {
        this.probe = null;
        if (this.stopped || this.wake === null || this.running) return;
        const up = await this.opts.client.probe();
        // The wake timer may have fired (and a pass begun) while the probe was out: one batch in flight, always.
        if (this.stopped || this.wake === null || this.running) return;
        if (up) this.runSoon(0);
        else tick();
      }, wait);
    };
    tick();
  }

  private clearTimers(): void {
    if (this.wake !== null) this.timers.clearTimeout(this.wake);
    if (this.probe !== null) this.timers.clearTimeout(this.probe);
    this.wake = null;
    this.probe = null;
  }
}

export interface OnceResult {
  pending: number;
  stored: number;
  bundle: BundleResult | null;
  gaveUp: string | null;
}

/**
 * One pass over the backlog (`sentinel sync --once`): a failed batch is
 * retried at most `maxRetries` times, honouring Retry-After up to 10 s, and
 * the whole pass stops after about a minute.
 */
export async function syncOnce(
  client: SyncClient,
  log: CheckLog,
  opts: { clock: () => number; sleep: (ms: number) => Promise<void>; random?: () => number; maxRetries?: number; deadlineMs?: number; onEvent?: (e: SyncEvent) => void },
): Promise<OnceResult> {
  const started = opts.clock();
  const deadline = started + (opts.deadlineMs ?? 60_000);
  let retries = 0;
  let stored = 0;
  let gaveUp: string | null = null;
  for (;;) {
    const r = await client.pushBatch();
    if (r.kind === 'empty') break;
    if (r.kind === 'stored' && r.stored > 0) {
      retries = 0;
      stored += r.stored;
      opts.onEvent?.({ type: 'batch', sent: r.sent, stored: r.stored, pending: r.pendingLeft });
      if (opts.clock() >= deadline) {
        gaveUp = 'the pass took its minute';
        break;
      }
      continue;
    }
    const reason = r.kind === 'failed' ? r.reason : storedNone(r.heldBack);
    const retryAfter = r.kind === 'failed' ? r.retryAfterMs : null;
    if (retryAfter !== null && retryAfter > 10_000) {
      // The service asked for more patience than one pass has: leave it pending (exit 75).
      gaveUp = `the service asked to wait ${Math.round(retryAfter / 1000)} s (${reason})`;
      break;
    }
    if (++retries > (opts.maxRetries ?? 3)) {
      gaveUp = `a batch failed ${retries} times (${reason})`;
      break;
    }
    const wait = Math.min(10_000, Math.max(retryAfter ?? 0, backoffDelayMs(retries - 1, opts.random ?? Math.random)));
    if (opts.clock() + wait >= deadline) {
      gaveUp = `out of time (${reason})`;
      break;
    }
    opts.onEvent?.({ type: 'failed', reason, retryInMs: wait, pending: log.count().pending });
    await opts.sleep(wait);
  }
  const bundle = await client.fetchBundle();
  opts.onEvent?.({ type: 'bundle', result: bundle });
  return { pending: log.count().pending, stored, bundle, gaveUp };
}
