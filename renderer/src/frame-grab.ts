// How the camera takes a frame for the decoder worker. A VideoFrame made
// from the <video> wraps the frame the browser already holds (0.1–0.2 ms at
// 720p in Chromium 156); createImageBitmap(video) copies it on this thread
// (6–7 ms), so it stays only for a browser without WebCodecs, or a video
// that cannot give a VideoFrame yet. Either is transferred to the worker,
// which closes it; whoever still holds one on an error closes it.

export type Grabbed = VideoFrame | ImageBitmap;

export async function grabFrame(video: HTMLVideoElement): Promise<Grabbed> {
  if (typeof VideoFrame === 'function') {
    try {
      return new VideoFrame(video);
    } catch {
      // No frame decoded yet, or a source WebCodecs refuses: the copy below still works.
    }
  }
  return createImageBitmap(video);
}
