// Keeps the drivers' utility process alive: if it dies (a native module
// crashed, a device wedged the binding), it is started again with backoff,
// and the screen shows the devices' state meanwhile. Electron's
// utilityProcess.fork is injected; tests give a fake.
export interface SupervisedChild {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  postMessage(message: unknown): void;
  kill(): boolean;
}

export interface SupervisorOptions {
  fork(): SupervisedChild;
  onMessage(message: unknown): void;
  onState(state: { running: boolean; restarts: number; detail: string }): void;
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(h: unknown): void };
  clock?: () => number;
  /** Restart delays; the last repeats. */
  backoffMs?: number[];
  /** A child that ran this long resets the backoff. */
  stableMs?: number;
}

export class UtilityProcessSupervisor {
  private child: SupervisedChild | null = null;
  private restarts = 0;
  private failures = 0;
  private startedAt = 0;
  private timer: unknown = null;
  private stopped = true;

  constructor(private readonly opts: SupervisorOptions) {}

  start(): void {
    this.stopped = false;
    this.spawn();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    const child = this.child;
    this.child = null;
    child?.kill();
  }

  /**
   * Starts the child again now (its configuration changed): no backoff,
   * since nothing failed.
   */
  restart(): void {
    if (this.stopped) return this.start();
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    const child = this.child;
    this.child = null;
    child?.kill();
    this.failures = 0;
    this.spawn();
  }

  send(message: unknown): void {
    this.child?.postMessage(message);
  }

  private get timers() {
    return this.opts.timers ?? { setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
  }

  private spawn(): void {
    this.timer = null;
    if (this.stopped) return;
    const clock = this.opts.clock ?? Date.now;
    let child: SupervisedChild;
    try {
      child = this.opts.fork();
    } catch (err) {
      this.scheduleRestart(`could not start: ${(err as Error).message}`);
      return;
    }
    this.child = child;
    this.startedAt = clock();
    child.on('message', (m) => {
      if (this.child === child) this.opts.onMessage(m);
    });
    child.on('exit', (code) => {
      if (this.child !== child) return;
      this.child = null;
      if (this.stopped) return;
      if (clock() - this.startedAt > (this.opts.stableMs ?? 60_000)) this.failures = 0;
      this.scheduleRestart(`exited with code ${code}`);
    });
    this.opts.onState({ running: true, restarts: this.restarts, detail: 'drivers running' });
  }

  private scheduleRestart(detail: string): void {
    const backoff = this.opts.backoffMs ?? [500, 1000, 2000, 5000, 10_000, 30_000];
    const delay = backoff[Math.min(this.failures++, backoff.length - 1)]!;
    this.restarts++;
    this.opts.onState({ running: false, restarts: this.restarts, detail: `${detail}; restarting in ${delay} ms` });
    this.timer = this.timers.setTimeout(() => this.spawn(), delay);
  }
}
