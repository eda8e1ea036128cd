// An enrollment QR read by the Devices section's camera, offered to the
// Settings section's Enroll row: the camera is where codes are read, the
// sync address is where enrolling belongs. Per panel: a code read before
// the panel closed is not offered to the next technician.
export class EnrollmentOffer {
  private listener: ((code: string) => void) | null = null;

  offer(code: string): void {
    this.listener?.(code);
  }

  onOffer(listener: (code: string) => void): void {
    this.listener = listener;
  }
}
