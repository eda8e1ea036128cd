// A check and an audit event as they cross to the central service (spec §6
// and its `events` extension): what the kiosk's sync sends and the
// service stores. Declared once, for the kiosk (main/log, main/sync) and
// the service (central/batch.ts).
import type { Verdict } from './reasons.js';

/** What a check looks like on the wire: no QR text, no raw subject, no name. */
export interface SyncedCheck {
  checkId: string;
  at: string;
  verdict: Verdict;
  reasons: string[];
  /** formats.md §4: phc1, dcc or shc; null for a text of no known format (and for checks logged before formats were kept). */
  format: string | null;
  issuer: string | null;
  status: string | null;
  kid: string | null;
  temperatureC: number | null;
  bundleSeq: number | null;
  policyVersion: number;
  clockState: string;
  holder: string | null;
}

/** An audit event beside the checks (the `events` extension of spec §6). */
export interface SyncedEvent {
  eventId: string;
  at: string;
  type: string;
  actor: string;
  detail: unknown;
}

/**
 * The most characters the service keeps of each text field of a check;
 * past these it holds the check back (central/batch.ts). The kiosk cuts
 * what a traveller's code put there (issuer, kid) to these before sending
 * (main/log/wire-check.ts), so a crafted code cannot make its check one the
 * service will never take.
 */
/** A holder's keyed pseudonym (main/log/holder-pseudonym.ts): HMAC-SHA-256 in base64url, 43 characters. */
export const HOLDER_PSEUDONYM = /^[A-Za-z0-9_-]{43}$/;

export const WIRE_CHECK_TEXT_MAX = { checkId: 64, format: 16, issuer: 512, status: 32, kid: 256, clockState: 32, holder: 128 } as const;

// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text PostgreSQL can store: its text and jsonb refuse NUL, and a lone
 * surrogate is not UTF-8; each becomes U+FFFD. A code's kid or issuer is
 * the traveller's text, so either can reach here.
 */
export function storableText(text: string): string {
  if (!UNSTORABLE.test(text)) return text;
  // eslint-disable-next-line no-control-regex -- as above
  return text.replace(/\u0000/g, '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/** storableText, cut to at most max UTF-16 units without splitting a surrogate pair. */
export function wireText(text: string, max: number): string;
export function wireText(text: string | null, max: number): string | null;
export function wireText(text: string | null, max: number): string | null {
  if (text === null) return null;
  const clean = storableText(text);
  if (clean.length <= max) return clean;
  const cut = /[\uD800-\uDBFF]/.test(clean[max - 1]!) ? max - 1 : max;
  return clean.slice(0, cut);
}
