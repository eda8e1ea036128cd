// Operators' passwords for the fleet view: scrypt with a per-user random
// salt, the parameters kept in the stored text (as main/technician/pin.ts
// keeps a PIN's), compared in constant time. Hashing runs on libuv's thread
// pool and at most two at once per process: one costs 32 MiB, so a burst of
// logins can neither freeze the service's event loop nor exhaust its memory;
// and only a few wait, so a burst is refused rather than kept in a queue a
// real operator would wait behind.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** 2^15 × 8: 32 MiB and about 100 ms an attempt on one server core. */
const N = 32_768;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** node's default cap (32 MiB) is just under what N × r needs. */
const MAX_MEM = 96 * 1024 * 1024;

export const MIN_PASSWORD_CHARS = 12;
export const MAX_PASSWORD_CHARS = 256;

/** A password that may not be set (too short, too long, the name itself): the sentence says which. */
export class WeakPassword extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeakPassword';
  }
}

/** The form a password is hashed in: NFKC, so one typed on another keyboard or system matches (NIST SP 800-63B). */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export function checkPasswordStrength(password: string, name: string): void {
  const chars = [...normalizePassword(password)];
  if (chars.length < MIN_PASSWORD_CHARS) throw new WeakPassword(`a password has at least ${MIN_PASSWORD_CHARS} characters (this one has ${chars.length})`);
  if (chars.length > MAX_PASSWORD_CHARS) throw new WeakPassword(`a password has at most ${MAX_PASSWORD_CHARS} characters`);
  if (chars.some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f')) throw new WeakPassword('a password may not hold control characters');
  if (new Set(chars).size < 4) throw new WeakPassword('a password needs more than three different characters');
  if (normalizePassword(password).toLowerCase().includes(name.toLowerCase())) throw new WeakPassword("a password may not contain the operator's name");
}

/** Hashing refused because the queue is full: the caller answers "busy, try again" (503 with Retry-After). */
export class HashingBusy extends Error {
  constructor() {
    super('too many password hashings are waiting');
    this.name = 'HashingBusy';
  }
}

/** At most this many hashes at once in this process; the rest wait their turn. */
const MAX_CONCURRENT = 2;
/**
 * And at most this many wait: at two at a time and about 100 ms each, 16
 * drain in under a second, so an operator who logs in during a flood of
 * attempts is refused at once or answered within about a second, never
 * queued behind thousands of hashings whose clients may have left long ago.
 */
export const MAX_WAITING_HASHES = 16;
/** What a refused login is told to wait, s: about how long a full queue takes to drain. */
export const HASHING_RETRY_AFTER_S = 1;

/** Runs hashings at most `maxRunning` at once, with at most `maxWaiting` waiting; past that HashingBusy. */
export class HashQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly maxRunning: number,
    readonly maxWaiting: number,
  ) {}

  /** Would a hashing asked for now be refused? */
  get full(): boolean {
    return this.running >= this.maxRunning && this.waiting.length >= this.maxWaiting;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.maxRunning) this.running++;
    else if (this.waiting.length >= this.maxWaiting) throw new HashingBusy();
    // The finishing one hands its slot straight over, so no newcomer slips in between.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** The process's one queue: every hash and verify goes through it. */
export const PASSWORD_HASHING = new HashQueue(MAX_CONCURRENT, MAX_WAITING_HASHES);

function scryptAsync(password: string, salt: Buffer, bytes: number, opts: ScryptOptions): Promise<Buffer> {
  return PASSWORD_HASHING.run(() => new Promise((resolve, reject) => scrypt(normalizePassword(password), salt, bytes, { ...opts, maxmem: MAX_MEM }, (err, key) => (err ? reject(err) : resolve(key)))));
}

function format(salt: Buffer, key: Buffer): string {
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** The stored text for a password: scheme, parameters, salt and key. Checks nothing: call checkPasswordStrength first. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  return format(salt, await scryptAsync(password, salt, KEY_BYTES, { N, r: R, p: P }));
}

/** A stored hash's parts, or null when it is not one of ours (a damaged row never matches). */
function parseStored(stored: string): { salt: Buffer; expected: Buffer; opts: ScryptOptions } | null {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return null;
  const opts = { N: Number(n), r: Number(r), p: Number(p) };
  // Parameters far beyond ours would make one attempt cost seconds or gigabytes.
  if (![opts.N, opts.r, opts.p].every(Number.isSafeInteger) || opts.N < 2 || opts.N > N || opts.r < 1 || opts.r > R || opts.p < 1 || opts.p > P) return null;
  const expected = Buffer.from(key, 'base64url');
  if (expected.length < 16 || expected.length > 64) return null;
  return { salt: Buffer.from(salt, 'base64url'), expected, opts };
}

/**
 * Hashed against when there is no real hash to compare with (an unknown
 * name), so that answer costs what a wrong password costs.
 */
const DUMMY = format(Buffer.alloc(SALT_BYTES, 0x5a), Buffer.alloc(KEY_BYTES, 0));

/**
 * Does the password match the stored hash? With null (no such operator) it hashes all the same and answers false.
 * Throws HashingBusy when too many hashings wait already.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = parseStored(stored ?? DUMMY) ?? parseStored(DUMMY)!;
  const key = await scryptAsync(password.length > MAX_PASSWORD_CHARS * 4 ? '' : password, parts.salt, parts.expected.length, parts.opts);
  return stored !== null && parseStored(stored) !== null && timingSafeEqual(key, parts.expected);
}
