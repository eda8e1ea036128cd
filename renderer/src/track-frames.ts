// A camera track's frames as they arrive, through Chromium's
// MediaStreamTrackProcessor: each is a VideoFrame the moment the camera
// delivers it, where a <video> shows it only after its media pipeline and
// the compositor have presented it (the scene benchmark's first scan: a new
// stream's first frame reached the screen 36 ms after the camera had it from
// here, 68–73 ms through the <video>). The <video> stays for the preview;
// the decoder is fed from here. Where the browser has no processor (not Chromium), null: the camera
// grabs frames from the <video> as they are presented instead.

/** What this file uses of Chromium's MediaStreamTrackProcessor (not in TypeScript's DOM types). */
interface TrackProcessor {
  readonly readable: ReadableStream<VideoFrame>;
}
type TrackProcessorConstructor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => TrackProcessor;

export interface TrackFrames {
  /** Stops reading (the track itself is the caller's). */
  stop(): void;
}

/**
 * Calls `onFrame` with each frame of `track` and when it arrived
 * (performance.now()); the callee owns the frame and must close or transfer
 * it. A frame the callee is slow to take waits in a queue of one: the
 * processor drops older ones, as a camera that never stops must. When the
 * frames stop coming other than by stop() (the track ended, or a processor
 * that cannot read this track), `onEnd` is told, so the camera can take its
 * frames from the <video> instead of decoding nothing.
 */
export function readTrackFrames(track: MediaStreamTrack, onFrame: (frame: VideoFrame, at: number) => void, onEnd: (why: string) => void): TrackFrames | null {
  const Processor = (globalThis as { MediaStreamTrackProcessor?: TrackProcessorConstructor }).MediaStreamTrackProcessor;
  if (typeof Processor !== 'function' || track.kind !== 'video') return null;
  let reader: ReadableStreamDefaultReader<VideoFrame>;
  try {
    reader = new Processor({ track, maxBufferSize: 1 }).readable.getReader();
  } catch {
    return null;
  }
  let stopped = false;
  void (async () => {
    let why = 'the track ended';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (stopped) value.close();
        else onFrame(value, performance.now());
      }
    } catch (err) {
      why = String(err);
    }
    if (!stopped) onEnd(why);
  })();
  return {
    stop: () => {
      stopped = true;
      void reader.cancel().catch(() => undefined);
    },
  };
}
