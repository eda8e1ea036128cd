// The camera: the configured device (else the first), 1280×720 preferred;
// every frame goes to the decoder worker as the camera delivers it
// (track-frames.ts; where the browser cannot, as the <video> presents it),
// one in flight (frame-slot.ts), so a code is read on the first frame the
// worker can take and the screen never stutters; tracks are released on
// every stop; a lost camera is retried until it returns. The decoder
// (decoder.ts) is made before the camera, and the camera opens once it is
// warm (at most DECODER_WARM_LIMIT_MS later), so no frame waits on a
// compile; a frame that still comes first waits for `ready`, the newest
// then going at once. A decoder that cannot load leaves the camera 'lost'.
import type { DecodeReady, DecodeRequest, DecodeResult } from './decode-protocol.js';
import { Decoder } from './decoder.js';
import { grabFrame } from './frame-grab.js';
import { readTrackFrames, type TrackFrames } from './track-frames.js';
import { ScanGate } from './scan-gate.js';
import { FrameSlot } from './frame-slot.js';
import { perf } from './perf.js';
import { tuneCamera } from './camera-tuning.js';

export type CameraState = 'starting' | 'live' | 'lost';

/** How long a camera waits for a decoder that neither warms nor fails (a hung worker) before opening anyway, ms. */
export const DECODER_WARM_LIMIT_MS = 5000;

export interface CameraOptions {
  video: HTMLVideoElement;
  deviceId: string | null;
  onState(state: CameraState, detail?: string): void;
  onText(text: string): void;
  gate?: ScanGate;
  retryMs?: number;
  /** A decoder started earlier (the screen starts its own as it loads); else the camera starts one. */
  decoder?: Decoder;
}

export class Camera {
  private stream: MediaStream | null = null;
  private readonly decoder: Decoder;
  /** The camera made its decoder (none was given): only then does dispose() end it. */
  private readonly ownsDecoder: boolean;
  /** Taken until the worker has warmed its decoder (a frame sent sooner would only wait behind the compile, and go stale there). */
  private readonly slot = new FrameSlot({ busy: true });
  private nextId = 1;
  private stopped = false;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private readonly gate: ScanGate;
  private sentAt = new Map<number, { at: number; grabMs: number; frameAt: number }>();
  /** The track's frames as they arrive (track-frames.ts); null where the <video>'s presented frames are grabbed instead. */
  private feed: TrackFrames | null = null;
  /** The frame waiting in the slot while one is decoded (the feed's frames cannot be grabbed again later). */
  private waitingFrame: VideoFrame | null = null;
  /** The current stream is playing and said live (the <video>'s frames may be watched). */
  private live = false;
  /** The <video>'s current frame loop (watchFrames); a release ends it. */
  private watchLoop = 0;

  private readonly opts: CameraOptions;
  /** Each start() is one attempt; a newer one (or a stop) makes an older one's stream moot. */
  private attempt = 0;
  private readonly onDeviceChange = (): void => {
    if (!this.stream && !this.stopped) void this.start();
  };

  constructor(opts: CameraOptions) {
    this.opts = { ...opts };
    this.gate = opts.gate ?? new ScanGate();
    this.ownsDecoder = !opts.decoder;
    this.decoder = opts.decoder ?? new Decoder();
    this.decoder.attach(
      (info, at) => this.warmed(info, at),
      (result) => this.decoded(result),
    );
    navigator.mediaDevices?.addEventListener?.('devicechange', this.onDeviceChange);
  }

  /** The checkpoint did not take the last code (dropped for pace): a phone still held up is read again. */
  forgetLastScan(): void {
    this.gate.forget();
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.clearRetry();
    const attempt = ++this.attempt;
    this.opts.onState('starting');
    // Immediate once the decoder has warmed, failed or had its time: only the first start waits.
    await this.decoder.warmed(DECODER_WARM_LIMIT_MS);
    if (this.stopped || attempt !== this.attempt) return;
    // No decoder, no reading: the camera is unavailable (the screen sends the traveller to the
    // scanner or to staff) rather than live and showing a traveller a camera that never reads.
    // Not retried: a worker that could not load will not load on this page. (A worker that fails
    // only after the 5 s wait let the camera open is on record, perf.decoderFailure, but not told.)
    if (this.decoder.failure !== null) {
      this.opts.onState('lost', `no decoder: ${this.decoder.failure}`);
      return;
    }
    try {
      const video: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 } };
      if (this.opts.deviceId) video.deviceId = { exact: this.opts.deviceId };
      const stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
      // Stopped, switched or started again while the camera was opening: let this one go at once.
      if (this.stopped || attempt !== this.attempt) {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      this.stream = stream;
      // Frames for the decoder from the moment the camera has them, before the <video> has shown one.
      const [track] = stream.getVideoTracks();
      this.feed = track
        ? readTrackFrames(
            track,
            (frame, at) => this.arrived(frame, at),
            () => this.feedEnded(stream),
          )
        : null;
      perf.frameSource(this.feed ? 'track' : 'video');
    } catch (err) {
      // A newer attempt (or a stop) owns the camera now: this failure is not its news.
      if (attempt === this.attempt) this.lost(String((err as Error).name ?? err));
      return;
    }
    for (const track of this.stream.getVideoTracks()) {
      track.addEventListener('ended', () => this.lost('ended'));
      // Focus, exposure and frame rate where the camera offers them; not awaited: the picture comes first.
      void tuneCamera(track).then((t) => perf.tuning(t));
    }
    this.opts.video.srcObject = this.stream;
    await this.opts.video.play().catch(() => undefined);
    if (attempt !== this.attempt) return;
    this.opts.onState('live');
    this.live = true;
    if (!this.feed) this.watchFrames();
  }

  /**
   * The track's frames stopped while its stream is still the camera's (a
   * processor that cannot read this camera): its frames are taken from the
   * <video> from now on, rather than none decoded. A camera that went is
   * the 'ended' handler's.
   */
  private feedEnded(stream: MediaStream): void {
    if (this.stream !== stream || !this.feed) return;
    this.feed = null;
    perf.frameSource('video');
    if (this.live) this.watchFrames();
  }

  stop(): void {
    this.stopped = true;
    this.attempt++;
    this.clearRetry();
    this.release();
  }

  /** Another camera was picked (by a technician): release this one, open that one. */
  async use(deviceId: string | null): Promise<void> {
    this.stop();
    this.opts.deviceId = deviceId;
    await this.start();
  }

  /** Stops for good: the decoder worker goes too when the camera made it (a technician's preview closes). */
  dispose(): void {
    this.stop();
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.onDeviceChange);
    if (this.ownsDecoder) this.decoder.terminate();
  }

  private release(): void {
    this.feed?.stop();
    this.feed = null;
    this.waitingFrame?.close();
    this.waitingFrame = null;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.live = false;
    this.watchLoop++;
    this.opts.video.srcObject = null;
  }

  private lost(detail: string): void {
    this.release();
    if (this.stopped) return;
    this.opts.onState('lost', detail);
    this.clearRetry();
    this.retry = setTimeout(() => void this.start(), this.opts.retryMs ?? 2000);
  }

  private clearRetry(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  private watchFrames(): void {
    const video = this.opts.video;
    // One loop a stream: a callback still pending from a released stream's loop ends that loop.
    const loop = ++this.watchLoop;
    const onFrame = (now: number, meta?: VideoFrameCallbackMetadata): void => {
      if (!this.stream || loop !== this.watchLoop) return;
      const at = meta?.presentationTime ?? now;
      if (meta) perf.frame(meta.mediaTime, at);
      if (video.videoWidth > 0) {
        const offer = this.slot.offer(at);
        if (offer.dropped !== null) perf.drop(offer.dropped);
        if (offer.send) void this.grab(at);
      }
      schedule();
    };
    const schedule = (): void => {
      if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(onFrame);
      else setTimeout(() => onFrame(performance.now()), 33);
    };
    schedule();
  }

  /** A frame from the feed: to the decoder now, or to the slot's wait (behind a decode, or the decoder's warm-up). */
  private arrived(frame: VideoFrame, at: number): void {
    perf.frame(frame.timestamp / 1e6, at);
    this.offerFrame(frame, at);
  }

  private offerFrame(frame: VideoFrame, at: number): void {
    const offer = this.slot.offer(at);
    if (offer.dropped !== null) perf.drop(offer.dropped);
    if (offer.send) this.send(frame, at, 0);
    else {
      // The frame that waited is the one dropped (just told to perf): closed, this one waits instead.
      this.waitingFrame?.close();
      this.waitingFrame = frame;
    }
  }

  /** Grabs the frame presented at `frameAt` from the <video> (it shows that one, or a newer one not yet announced) and sends it. */
  private async grab(frameAt: number): Promise<void> {
    let frame: VideoFrame | ImageBitmap;
    const grabbedAt = performance.now();
    try {
      frame = await grabFrame(this.opts.video);
    } catch {
      this.sendWaiting();
      return;
    }
    this.send(frame, frameAt, performance.now() - grabbedAt);
  }

  /** Transfers a frame to the decoder, the slot's one in flight. */
  private send(frame: VideoFrame | ImageBitmap, frameAt: number, grabMs: number): void {
    const id = this.nextId++;
    const at = performance.now();
    this.sentAt.set(id, { at, grabMs, frameAt });
    try {
      const req: DecodeRequest = { id, frame, postedAt: performance.timeOrigin + at };
      this.decoder.post(req);
    } catch {
      // Not transferred: still ours to close.
      frame.close();
      this.sentAt.delete(id);
      this.sendWaiting();
    }
  }

  /** The slot is free again: the frame that waited meanwhile, if any, goes now rather than on the next frame. */
  private sendWaiting(): void {
    const next = this.slot.answered();
    if (next === null) return;
    const held = this.waitingFrame;
    this.waitingFrame = null;
    if (held) this.send(held, next, 0);
    else if (!this.feed && this.stream && this.opts.video.videoWidth > 0) void this.grab(next);
    // The camera went meanwhile: nothing to send, so the slot is freed (nothing waits now).
    else this.slot.answered();
  }

  private warmed(ready: DecodeReady, at: number): void {
    perf.warmup({ readyAt: at, warmMs: ready.warmMs, moduleMs: ready.moduleMs, path: ready.path, ...(ready.error ? { error: ready.error } : {}) });
    // The warm-up held the slot: a camera already giving frames sends the newest at once, not on the next frame.
    this.sendWaiting();
  }

  private decoded(res: DecodeResult): void {
    const sent = this.sentAt.get(res.id);
    this.sentAt.delete(res.id);
    perf.decode(res.ms, sent?.at ?? null, res.text !== null, {
      path: res.path,
      grab: sent?.grabMs ?? NaN,
      frameAt: sent?.frameAt ?? NaN,
      ...res.stages,
      ...(res.heapBytes === undefined ? {} : { heapBytes: res.heapBytes }),
    });
    if (res.text !== null && this.gate.shouldSubmit(res.text, performance.now())) this.opts.onText(res.text);
    this.sendWaiting();
  }
}
