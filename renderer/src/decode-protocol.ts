// Messages between the screen and its decoder worker.
import type { ReaderOptions } from 'zxing-wasm/reader';

export interface DecodeRequest {
  id: number;
  /** Transferred: the worker closes it. */
  frame: VideoFrame | ImageBitmap;
  /** When it was posted, on the shared clock (`performance.timeOrigin + performance.now()`), to time the transfer. */
  postedAt: number;
  /** Benchmarks only, to compare passes: read with these over the screen's options. The camera never sets it. */
  options?: ReaderOptions;
}

/**
 * How a frame became grey: its Y plane copied into the decoder's heap, a
 * copy of 4-byte pixels summed to luma, or drawn on a canvas and read
 * through zxing-wasm's public API (an ImageBitmap, or the fallback).
 */
export type FramePath = 'y-plane' | 'rgba' | 'bgra' | 'canvas';

/** Milliseconds per stage of one decode. */
export interface DecodeStages {
  /** Posted on the screen → received by the worker. */
  transfer: number;
  /** Received → handled (behind the warm-up or the frame before). */
  wait: number;
  /** Pixels out of the frame: copyTo, or drawImage + getImageData. */
  copy: number;
  /** The luma sum; absent where the decoder does it itself (the canvas path). */
  grey?: number;
  decode: number;
}

/** The worker has compiled and warmed the decoder: frames are read at full speed from now on. */
export interface DecodeReady {
  type: 'ready';
  /** Worker start → ready. */
  warmMs: number;
  /** Of that, the module's fetch, compile and instantiation. */
  moduleMs: number;
  /** The path the warm-up code was read by (y-plane where VideoFrame and the heap both work). */
  path: FramePath;
  /** Why the decoder could not be prepared; frames are still tried. */
  error?: string;
}

export interface DecodeResult {
  type: 'decoded';
  id: number;
  text: string | null;
  /** Received → answered, in the worker. */
  ms: number;
  path: FramePath;
  stages: DecodeStages;
  /** The decoder's WebAssembly memory after this frame, in bytes (the heap path only): the scene benchmark watches it stay flat. */
  heapBytes?: number;
  error?: string;
}

export type DecodeResponse = DecodeReady | DecodeResult;
