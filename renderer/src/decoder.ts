// The decoder worker, made as the screen's script loads: it compiles and
// warms zxing while the screen asks main for its settings and opens the
// camera, so that it is ready before the camera's first frame (the scene
// benchmark's first scan: made with the camera, it was ready 80–160 ms after
// that frame). Its `ready` may come before a camera listens: it is kept,
// and told to the camera that attaches.
import type { DecodeReady, DecodeRequest, DecodeResponse, DecodeResult } from './decode-protocol.js';

export class Decoder {
  private readonly worker: Worker;
  private ready: { info: DecodeReady; at: number } | null = null;
  private onReady: ((info: DecodeReady, at: number) => void) | null = null;
  private onResult: ((result: DecodeResult) => void) | null = null;

  constructor() {
    this.worker = new Worker(new URL('./decode-worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<DecodeResponse>) => {
      if (e.data.type === 'ready') {
        this.ready = { info: e.data, at: performance.now() };
        this.onReady?.(e.data, this.ready.at);
      } else this.onResult?.(e.data);
    };
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
  }
}
