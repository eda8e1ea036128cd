// Technician and supervisor PINs: stored as scrypt hashes, compared in
// constant time; five wrong PINs lock entry for five minutes. The kiosk
// hashes on libuv's thread pool (the async variants), so a burst of PIN
// attempts cannot freeze the screen's event loop; the CLI may block.
import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { pinWeakness, type PinWeakness } from '../contract/pin-rule.js';
import type { DataDir } from '../data-dir.js';

const N = 16_384;
const R = 8;
const P = 1;
const KEY_BYTES = 32;

export const MAX_FAILURES = 5;
export const LOCKOUT_MS = 5 * 60_000;

export class WeakPin extends Error {
  constructor(readonly weakness: PinWeakness) {
    super('a PIN is 6 to 12 digits, not all the same digit and not a run like 123456');
    this.name = 'WeakPin';
  }
}

export function checkPinStrength(pin: string): void {
  const weakness = pinWeakness(pin);
  if (weakness) throw new WeakPin(weakness);
}

export function hashPin(pin: string): string {
  checkPinStrength(pin);
  const salt = randomBytes(16);
  const key = scryptSync(pin, salt, KEY_BYTES, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

function scryptAsync(pin: string, salt: Buffer, bytes: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(pin, salt, bytes, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** hashPin off the event loop (the kiosk's screen stays live while it runs). */
export async function hashPinAsync(pin: string): Promise<string> {
  checkPinStrength(pin);
  const salt = randomBytes(16);
  const key = await scryptAsync(pin, salt, KEY_BYTES, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** A stored hash's parts, or null when it is not one of ours (a damaged file never matches). */
function parseStored(stored: string): { salt: Buffer; expected: Buffer; opts: ScryptOptions } | null {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return null;
  const opts = { N: Number(n), r: Number(r), p: Number(p) };
  // Parameters far beyond ours would make one attempt cost minutes or gigabytes.
  if (![opts.N, opts.r, opts.p].every(Number.isSafeInteger) || opts.N > N * 4 || opts.r > R * 2 || opts.p > P * 2) return null;
  return { salt: Buffer.from(salt, 'base64url'), expected: Buffer.from(key, 'base64url'), opts };
}

export function verifyPin(pin: string, stored: string): boolean {
  const parts = parseStored(stored);
  if (!parts) return false;
  return timingSafeEqual(scryptSync(pin, parts.salt, parts.expected.length, parts.opts), parts.expected);
}

/** verifyPin off the event loop. */
export async function verifyPinAsync(pin: string, stored: string): Promise<boolean> {
  const parts = parseStored(stored);
  if (!parts) return false;
  return timingSafeEqual(await scryptAsync(pin, parts.salt, parts.expected.length, parts.opts), parts.expected);
}

export type PinAttempt = { result: 'ok' } | { result: 'wrong'; remaining: number } | { result: 'locked'; untilMs: number };

const STATE_FILE = 'pin-attempts.json';

/** Counts wrong PINs across restarts (a reboot does not reset the lockout). */
export class PinGate {
  constructor(
    private readonly dir: DataDir,
    private readonly lockoutMs: number = LOCKOUT_MS,
  ) {}

  attempt(pin: string, stored: string | null, nowMs: number): PinAttempt {
    const state = this.state();
    if (state.lockedUntilMs > nowMs) return { result: 'locked', untilMs: state.lockedUntilMs };
    return this.record(stored !== null && verifyPin(pin, stored), nowMs);
  }

  /**
   * The lockout in force, read without hashing or writing anything: while
   * locked, an attempt costs the kiosk one small file read and nothing else.
   */
  lockedUntil(nowMs: number): number | null {
    const { lockedUntilMs } = this.state();
    return lockedUntilMs > nowMs ? lockedUntilMs : null;
  }

  /** Counts one attempt that did (or did not) match; a lockout in force wins. */
  record(matched: boolean, nowMs: number): PinAttempt {
    const state = this.state();
    if (state.lockedUntilMs > nowMs) return { result: 'locked', untilMs: state.lockedUntilMs };
    if (matched) {
      this.write({ failures: 0, lockedUntilMs: 0 });
      return { result: 'ok' };
    }
    const failures = state.failures + 1;
    if (failures >= MAX_FAILURES) {
      this.write({ failures: 0, lockedUntilMs: nowMs + this.lockoutMs });
      return { result: 'locked', untilMs: nowMs + this.lockoutMs };
    }
    this.write({ failures, lockedUntilMs: 0 });
    return { result: 'wrong', remaining: MAX_FAILURES - failures };
  }

  private state(): { failures: number; lockedUntilMs: number } {
    try {
      const s = JSON.parse(this.dir.readText(STATE_FILE) ?? '{}') as { failures?: number; lockedUntilMs?: number };
      return { failures: s.failures ?? 0, lockedUntilMs: s.lockedUntilMs ?? 0 };
    } catch {
      // A damaged counter file counts as locked out: fail closed.
      return { failures: 0, lockedUntilMs: Number.MAX_SAFE_INTEGER };
    }
  }

  private write(s: { failures: number; lockedUntilMs: number }): void {
    this.dir.writeAtomic(STATE_FILE, JSON.stringify(s) + '\n', 0o600);
  }
}
