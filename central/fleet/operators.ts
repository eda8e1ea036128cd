// The fleet view's operators and their sessions, kept in the central store
// (migration 3) so that any service process answers any operator: accounts
// (sentinel central user add | list | remove), logins with the kiosk PIN's
// lockout, and sessions that end idle, at their lifetime, at logout, or
// with the account.
//
// The lockout holds across processes and concurrent attempts: an attempt
// is counted in the database before its password is hashed, so however
// many arrive at once, at most five are compared before the account locks.
// A locked account and an unknown name are answered exactly as a wrong
// password is, after a hash of the same cost (passwords.ts), so the answer
// tells nobody which names exist.
import { createHash, randomBytes } from 'node:crypto';
import { isoOf, numberOf, type Sql } from '../sql.js';
import { checkPasswordStrength, hashPassword, verifyPassword } from './passwords.js';

export const MAX_FAILURES = 5;
export const LOCKOUT_MS = 15 * 60_000;
/** A session nobody used for this long has ended (the page's own refresh does not count as use). */
export const IDLE_MS = 30 * 60_000;
/** And every session ends this long after its login, used or not. */
export const LIFETIME_MS = 12 * 3_600_000;
/** last_seen_at is written at most this often per session (a page load is not a write each time). */
const TOUCH_EVERY_MS = 30_000;

const NAME = /^[\p{L}\p{N}._@-]{1,64}$/u;

/** A name or password that cannot be taken, or an operator that does (not) exist: the sentence says which. */
export class OperatorRefused extends Error {
  constructor(
    readonly code: 'bad-name' | 'weak-password' | 'exists' | 'unknown',
    message: string,
  ) {
    super(message);
    this.name = 'OperatorRefused';
  }
}

/** The name as stored (NFC), or OperatorRefused. */
export function operatorName(raw: string): string {
  const name = raw.normalize('NFC');
  if (!NAME.test(name)) throw new OperatorRefused('bad-name', 'an operator name is 1 to 64 letters, digits, dots, dashes, underscores or @, without spaces');
  return name;
}

export interface OperatorRecord {
  name: string;
  createdAt: string;
  passwordSetAt: string;
  /** Wrong passwords since the last good one or the last lockout. */
  failedAttempts: number;
  /** Set while the account is locked. */
  lockedUntil: string | null;
  /** Sessions that have not ended. */
  sessions: number;
  /** When one of its sessions was last used. */
  lastSeenAt: string | null;
}

export interface Session {
  /** The SHA-256 of the cookie's token (the token itself is never stored). */
  id: string;
  operator: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  csrf: string;
}

export type LoginResult = { ok: true; token: string; session: Session } | { ok: false };

export interface OperatorOptions {
  maxFailures?: number;
  lockoutMs?: number;
  idleMs?: number;
  lifetimeMs?: number;
}

export function sessionId(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class Operators {
  readonly maxFailures: number;
  readonly lockoutMs: number;
  readonly idleMs: number;
  readonly lifetimeMs: number;

  constructor(
    private readonly sql: Sql,
    opts: OperatorOptions = {},
  ) {
    this.maxFailures = opts.maxFailures ?? MAX_FAILURES;
    this.lockoutMs = opts.lockoutMs ?? LOCKOUT_MS;
    this.idleMs = opts.idleMs ?? IDLE_MS;
    this.lifetimeMs = opts.lifetimeMs ?? LIFETIME_MS;
  }

  /**
   * Adds an operator; with `replace`, sets a new password for an existing
   * one instead (its lockout cleared, its sessions ended). The password is
   * checked first (OperatorRefused 'weak-password').
   */
  async add(rawName: string, password: string, nowMs: number, opts: { replace?: boolean } = {}): Promise<'added' | 'replaced'> {
    const name = operatorName(rawName);
    try {
      checkPasswordStrength(password, name);
    } catch (err) {
      throw new OperatorRefused('weak-password', (err as Error).message);
    }
    const hash = await hashPassword(password);
    const now = iso(nowMs);
    return this.sql.transaction(async (tx) => {
      const [inserted] = await tx.query(
        `INSERT INTO operators (name, password_hash, created_at, password_set_at) VALUES ($1, $2, $3::timestamptz, $3::timestamptz)
         ON CONFLICT (name) DO NOTHING RETURNING name`,
        [name, hash, now],
      );
      if (inserted) return 'added';
      if (!opts.replace) throw new OperatorRefused('exists', `an operator named "${name}" exists (--replace sets a new password)`);
      await tx.query('UPDATE operators SET password_hash = $2, password_set_at = $3::timestamptz, failed_attempts = 0, locked_until = NULL WHERE name = $1', [name, hash, now]);
      await tx.query('DELETE FROM operator_sessions WHERE operator = $1', [name]);
      return 'replaced';
    });
  }

  async list(nowMs: number): Promise<OperatorRecord[]> {
    const rows = await this.sql.query(
      `SELECT o.name, o.created_at, o.password_set_at, o.failed_attempts, o.locked_until,
              count(s.id) AS sessions, max(s.last_seen_at) AS last_seen_at
       FROM operators o
       LEFT JOIN operator_sessions s ON s.operator = o.name AND s.expires_at > $1::timestamptz AND s.last_seen_at > $2::timestamptz
       GROUP BY o.name ORDER BY o.name`,
      [iso(nowMs), iso(nowMs - this.idleMs)],
    );
    return rows.map((r) => {
      const lockedUntil = isoOf(r.locked_until);
      return {
        name: String(r.name),
        createdAt: isoOf(r.created_at) ?? '',
        passwordSetAt: isoOf(r.password_set_at) ?? '',
        failedAttempts: numberOf(r.failed_attempts) ?? 0,
        lockedUntil: lockedUntil !== null && Date.parse(lockedUntil) > nowMs ? lockedUntil : null,
        sessions: numberOf(r.sessions) ?? 0,
        lastSeenAt: isoOf(r.last_seen_at),
      };
    });
  }

  /** Removes an operator and ends every session of theirs; false if there was none of that name. */
  async remove(rawName: string): Promise<boolean> {
    const rows = await this.sql.query('DELETE FROM operators WHERE name = $1 RETURNING name', [rawName.normalize('NFC')]);
    return rows.length > 0;
  }

  /**
   * One login attempt. Whatever the cause of a refusal (no such name, a
   * wrong password, a locked account, a count already spent by attempts
   * in flight), the answer is `{ ok: false }` after one hash.
   */
  async login(rawName: string, password: string, nowMs: number): Promise<LoginResult> {
    const name = rawName.normalize('NFC');
    const now = iso(nowMs);
    // The attempt is counted before the password is compared; a locked account counts nothing.
    const [row] = NAME.test(name)
      ? await this.sql.query(
          `UPDATE operators SET failed_attempts = failed_attempts + 1
           WHERE name = $1 AND (locked_until IS NULL OR locked_until <= $2::timestamptz)
           RETURNING password_hash, failed_attempts`,
          [name, now],
        )
      : [];
    const allowed = row !== undefined && (numberOf(row.failed_attempts) ?? Infinity) <= this.maxFailures;
    const matched = await verifyPassword(password, allowed ? String(row.password_hash) : null);
    if (!allowed) return { ok: false };
    if (!matched) {
      // The attempt that reaches the limit locks the account for lockoutMs and starts the count again.
      await this.sql.query(
        `UPDATE operators SET locked_until = $2::timestamptz, failed_attempts = 0
         WHERE name = $1 AND failed_attempts >= $3`,
        [name, iso(nowMs + this.lockoutMs), this.maxFailures],
      );
      return { ok: false };
    }
    await this.sql.query('UPDATE operators SET failed_attempts = 0, locked_until = NULL WHERE name = $1', [name]);
    await this.sql.query('DELETE FROM operator_sessions WHERE expires_at <= $1::timestamptz OR last_seen_at <= $2::timestamptz', [now, iso(nowMs - this.idleMs)]);
    const token = randomBytes(32).toString('base64url');
    const session: Session = {
      id: sessionId(token),
      operator: name,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: iso(nowMs + this.lifetimeMs),
      csrf: randomBytes(32).toString('base64url'),
    };
    await this.sql.query(
      `INSERT INTO operator_sessions (id, operator, created_at, last_seen_at, expires_at, csrf_token)
       VALUES ($1, $2, $3::timestamptz, $3::timestamptz, $4::timestamptz, $5)`,
      [session.id, name, now, session.expiresAt, session.csrf],
    );
    return { ok: true, token, session };
  }

  /**
   * The live session a cookie's token names, or null (unknown, idle too
   * long, past its lifetime). With `touch` the use counts against the idle
   * timeout (an operator's request; not the page's own refresh).
   */
  async session(token: string, nowMs: number, opts: { touch: boolean }): Promise<Session | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const id = sessionId(token);
    const [row] = await this.sql.query(
      `SELECT id, operator, created_at, last_seen_at, expires_at, csrf_token FROM operator_sessions
       WHERE id = $1 AND expires_at > $2::timestamptz AND last_seen_at > $3::timestamptz`,
      [id, iso(nowMs), iso(nowMs - this.idleMs)],
    );
    if (!row) return null;
    let lastSeenAt = isoOf(row.last_seen_at) ?? iso(nowMs);
    if (opts.touch && nowMs - Date.parse(lastSeenAt) >= TOUCH_EVERY_MS) {
      await this.sql.query('UPDATE operator_sessions SET last_seen_at = greatest(last_seen_at, $2::timestamptz) WHERE id = $1', [id, iso(nowMs)]);
      lastSeenAt = iso(nowMs);
    }
    return {
      id,
      operator: String(row.operator),
      createdAt: isoOf(row.created_at) ?? '',
      lastSeenAt,
      expiresAt: isoOf(row.expires_at) ?? '',
      csrf: String(row.csrf_token),
    };
  }

  /** Ends a session (logout). */
  async endSession(id: string): Promise<void> {
    await this.sql.query('DELETE FROM operator_sessions WHERE id = $1', [id]);
  }
}
