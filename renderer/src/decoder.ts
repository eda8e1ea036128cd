// The decoder worker, made as the screen's script loads: it compiles and
// warms zxing while the screen asks main for its settings. The camera opens
// once it is warm (Camera.start waits on `warmed`), so the camera's first
// frame meets a decoder at full speed: opened alongside, the scene
// benchmark's first scan found the decoder still warming 11–186 ms after the
// camera's first frame, on every fresh page. Its `ready` may come before a
// camera listens: it is kept, and told to the camera that attaches.
import type { DecodeReady, DecodeRequest, DecodeResponse, DecodeResult } from './decode-protocol.js';
import { perf } from './perf.js';

export class Decoder {
  private readonly worker: Worker;
  private ready: { info: DecodeReady; at: number } | null = null;
  private onReady: ((info: DecodeReady, at: number) => void) | null = null;
  private onResult: ((result: DecodeResult) => void) | null = null;
  /** The worker said ready, failed to load, or a wait for it reached its limit: no camera waits for it again. */
  private settled = false;
  /** Why the worker could not load (it will never decode), else null. */
  private loadFailure: string | null = null;
  private readonly settledWaiters: (() => void)[] = [];

  constructor() {
    this.worker = new Worker(new URL('./decode-worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<DecodeResponse>) => {
      if (e.data.type === 'ready') {
        this.ready = { info: e.data, at: performance.now() };
        this.settle();
        this.onReady?.(e.data, this.ready.at);
      } else this.onResult?.(e.data);
    };
    // A worker that cannot load never says ready: the camera is not kept waiting for it.
    this.worker.addEventListener('error', (e) => {
      if (this.ready) return;
      this.loadFailure = e.message || 'the decoder worker did not load';
      perf.decoderFailure(this.loadFailure);
      this.settle();
    });
  }

  /** Why the worker could not load, else null: a camera with no decoder reads nothing. */
  get failure(): string | null {
    return this.loadFailure;
  }

  /**
   * Resolves once the decoder is warm — or its worker failed to load, or
   * `limitMs` passed (a worker that hangs): a camera opened after this
   * meets a decoder at full speed, and is never held back for good.
   */
  warmed(limitMs: number): Promise<void> {
    if (this.settled) return Promise.resolve();
    return new Promise((resolve) => {
      // A hung worker costs the first wait its limit, not every camera start after it.
      const timer = setTimeout(() => this.settle(), limitMs);
      this.settledWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private settle(): void {
    this.settled = true;
    for (const w of this.settledWaiters.splice(0)) w();
  }

  /** Who hears the worker: its ready (at once, if it came already: `at` is when it came) and its answers. */
  attach(onReady: (info: DecodeReady, at: number) => void, onResult: (result: DecodeResult) => void): void {
    this.onReady = onReady;
    this.onResult = onResult;
    if (this.ready) onReady(this.ready.info, this.ready.at);
  }

  /** A frame to decode; the frame is transferred (the worker closes it). */
  post(req: DecodeRequest): void {
    this.worker.postMessage(req, [req.frame]);
  }

  terminate(): void {
    this.worker.terminate();
    // Nothing will come from it: a camera still waiting goes on (and finds itself stopped).
    this.settle();
  }
}
