// When to try again: exponential backoff with full jitter (a random delay up
// to the exponential cap, so a station's kiosks do not all retry together),
// from 1 s to 5 min, and a server's Retry-After when it gives one. Pure.

export const BACKOFF = { baseMs: 1000, capMs: 5 * 60_000 } as const;

export function backoffDelayMs(attempt: number, random: () => number, base: number = BACKOFF.baseMs, cap: number = BACKOFF.capMs): number {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt));
  return Math.max(base, Math.floor(random() * ceiling));
}

/** Retry-After as delta-seconds or an HTTP date; null when absent or unusable. */
export function retryAfterMs(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : null;
}
