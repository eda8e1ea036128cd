// The devices section's camera: a picker of the cameras this screen sees,
// and a preview that decodes as the kiosk does, so holding the test card up
// tests the camera end to end (nothing read here is a traveller's check).
import { parseEnrollmentText, settingLabel } from '../../../../main/contract/ipc.js';
import type { EnrollmentOffer } from '../enrollment-offer.js';
import { Camera } from '../../camera.js';
import { el } from '../dom.js';
import { pick } from '../form.js';
import type { PanelContext } from '../panel-context.js';
import { describeTest, type TestCardSightings } from '../test-read.js';

export interface CameraTest {
  picker: HTMLSelectElement;
  video: HTMLVideoElement;
  result: HTMLElement;
}

export async function cameraTest(ctx: PanelContext, deviceId: string | null, testCard: TestCardSightings, enrollment: EnrollmentOffer): Promise<CameraTest> {
  const { kiosk, T, lang, refusal, touch } = ctx;
  const cameraLabel = settingLabel('camera.deviceId', lang());
  const picker = pick('camera', cameraLabel, [['', T.cameraNone]], deviceId ?? '');
  const video = el('video', { 'data-testid': 'camera-preview', class: 'camera-preview', muted: '', playsinline: '', 'aria-label': cameraLabel });
  video.muted = true;
  const result = el('p', { 'data-testid': 'dev-camera-test', 'aria-live': 'polite' }, T.cameraTest);

  let preview: Camera | null = null;
  const stopPreview = (): void => {
    preview?.dispose();
    preview = null;
  };
  const showPreview = async (): Promise<void> => {
    stopPreview();
    preview = new Camera({
      video,
      deviceId: picker.value || null,
      onState: (state) => {
        // The camera's own detail is the browser's English: the line says what to do instead.
        if (state === 'lost') result.textContent = T.cameraLost;
      },
      onText: async (text) => {
        touch();
        // An enrollment QR is no code to decide: it goes to Settings' Enroll row, which the technician confirms.
        if (parseEnrollmentText(text)) {
          enrollment.offer(text);
          result.textContent = T.enrollmentRead;
          return;
        }
        const r = await kiosk.technician.tryCode(text);
        if (r.ok && r.value.testCard) testCard.seen();
        result.textContent = r.ok ? describeTest(ctx, T.viaCamera, r.value) : refusal(r.error);
      },
    });
    await preview.start();
  };

  // Main lists serial and HID devices; the cameras are this screen's to list.
  try {
    for (const d of (await navigator.mediaDevices.enumerateDevices()).filter((x) => x.kind === 'videoinput')) {
      picker.append(el('option', { value: d.deviceId }, d.label || d.deviceId.slice(0, 12)));
    }
    picker.value = deviceId ?? '';
  } catch {
    // No media devices at all: the picker keeps only the default.
  }
  picker.addEventListener('change', () => void showPreview());
  void showPreview();
  // Registered once the preview has started: a panel already gone stops it at once.
  ctx.whileOpen(stopPreview);
  return { picker, video, result };
}
