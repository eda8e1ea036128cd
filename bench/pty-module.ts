// Real pseudo-terminals for driver tests and benchmarks: socat links two ptys, the kiosk's
// end and the module's end; killing socat is unplugging the cable, starting
// it again on the same link paths is plugging it back in.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SerialPort } from 'serialport';
import { encodeFrame, LU90614_QUERY } from '../drivers/thermometer/protocols/encoders.js';
import type { ProtocolName } from '../main/contract/devices.js';

export const SOCAT = '/usr/bin/socat';

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export class PtyPair {
  readonly kiosk: string;
  readonly module: string;
  private child: ChildProcess | null = null;

  constructor(dir: string, name = 'dev') {
    this.kiosk = path.join(dir, `${name}-kiosk`);
    this.module = path.join(dir, `${name}-module`);
  }

  async plug(): Promise<void> {
    this.child = spawn(SOCAT, [`pty,raw,echo=0,link=${this.kiosk}`, `pty,raw,echo=0,link=${this.module}`], { stdio: 'ignore' });
    await until(() => fs.existsSync(this.kiosk) && fs.existsSync(this.module), 5000, 'socat links');
  }

  async unplug(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    // socat removes its links on a clean exit only.
    fs.rmSync(this.kiosk, { force: true });
    fs.rmSync(this.module, { force: true });
  }
}

export interface ModuleOptions {
  protocol: ProtocolName;
  celsius?: number;
  everyMs?: number;
  /** Every n-th frame is sent with a broken checksum. */
  corruptEvery?: number;
  /** Junk bytes between frames. */
  junk?: boolean;
  /** False: send nothing by itself, only what write() is given (a scanner's far end). */
  stream?: boolean;
}

/** A thermometer module on the far end of a pty: streams frames, or answers queries (lu90614). */
export class SimulatedModule {
  private port: SerialPort | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sent = 0;
  celsius: number;

  constructor(
    private readonly path: string,
    private readonly opts: ModuleOptions,
  ) {
    this.celsius = opts.celsius ?? 36.6;
  }

  async start(): Promise<void> {
    const port = new SerialPort({ path: this.path, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('error', () => undefined);
    this.port = port;
    if (this.opts.protocol === 'lu90614') {
      let pending: number[] = [];
      port.on('data', (chunk: Buffer) => {
        pending.push(...chunk);
        for (let i = 0; i + 3 <= pending.length; i++) {
          if (pending[i] === LU90614_QUERY[0] && pending[i + 1] === LU90614_QUERY[1] && pending[i + 2] === LU90614_QUERY[2]) {
            this.send();
            pending = pending.slice(i + 3);
            i = -1;
          }
        }
        if (pending.length > 64) pending = [];
      });
    } else if (this.opts.stream !== false) {
      this.timer = setInterval(() => this.send(), this.opts.everyMs ?? 70);
    }
  }

  private send(): void {
    if (!this.port?.isOpen) return;
    this.sent++;
    let frame = encodeFrame(this.opts.protocol, this.celsius);
    if (this.opts.corruptEvery && this.sent % this.opts.corruptEvery === 0) {
      frame = Uint8Array.from(frame);
      const at = frame.length - (this.opts.protocol === 'ascii' ? 3 : 1);
      frame[at] = frame[at]! ^ 0x21;
    }
    const junk = this.opts.junk && this.sent % 3 === 0 ? Uint8Array.of(0x00, 0x13, 0xff, 0x5a) : new Uint8Array(0);
    this.port.write(Buffer.concat([junk, frame]));
  }

  write(bytes: Uint8Array): void {
    this.port?.write(Buffer.from(bytes));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
  }
}

export { until };
