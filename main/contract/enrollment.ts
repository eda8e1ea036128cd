// The enrollment code (issue 16): what `sentinel central enroll-token --png`
// puts in its QR and the technician scans (camera or scanner) on the kiosk's
// screen, instead of typing a URL and a 43-character token. One text, made
// and read here only: "SENTINEL-ENROLL:1:" + token + ":" + the service's URL.
// It is no travel code: at the checkpoint it is refused like any other text
// (NOT_PHC); only technician mode acts on it, and only when asked to.

export const ENROLLMENT_PREFIX = 'SENTINEL-ENROLL:1:';

/** A one-time token as the service makes them: base64url, never starting with '-' (it would read as an option). */
const TOKEN = /^[A-Za-z0-9_][A-Za-z0-9_-]{15,127}$/;
const MAX_ENROLLMENT_CHARS = 1024;

export interface Enrollment {
  url: string;
  token: string;
}

export function enrollmentText(e: Enrollment): string {
  if (!TOKEN.test(e.token)) throw new RangeError('an enrollment token is 16 to 128 base64url characters');
  return `${ENROLLMENT_PREFIX}${e.token}:${e.url}`;
}

/** The URL and token an enrollment code carries; null when the text is not one (the URL's own rules are the sync endpoint's). */
export function parseEnrollmentText(text: string): Enrollment | null {
  const t = text.trim();
  if (t.length > MAX_ENROLLMENT_CHARS || !t.startsWith(ENROLLMENT_PREFIX)) return null;
  const rest = t.slice(ENROLLMENT_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon < 0) return null;
  const token = rest.slice(0, colon);
  const url = rest.slice(colon + 1);
  if (!TOKEN.test(token) || !/^https?:\/\/\S+$/.test(url)) return null;
  return { url, token };
}

/**
 * The proof a kiosk sends with its public key at enrollment: a compact JWS
 * (ES256, this typ, kid = the device id) signed by that key over
 * {"token","device"}. Without it, whoever held a token could enroll any
 * public key they had seen — and move an enrolled kiosk to the token's gate
 * and station; with it, only the holder of the private key enrolls it.
 */
export const ENROLL_PROOF_TYP = 'phc-enroll+jwt';

export interface EnrollProofPayload {
  token: string;
  device: string;
}
