// Who is at the technician screen: the PIN gate, the session (it ends itself
// after two minutes idle, and belongs to the connection that opened it) and
// the roles. Every other part of technician mode asks the session first.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditTrail } from '../audit/audit.js';
import type { ConfigStore } from '../config/config-store.js';
import { pinIsSet } from '../contract/kiosk-config.js';
import { techMessage, technicianText, type TechnicianMessage } from '../contract/technician-messages.js';
import type { TechnicianRole, UnlockResult } from '../contract/kiosk.js';
import type { DataDir } from '../data-dir.js';
import { hashPinAsync, PinGate, verifyPinAsync, WeakPin } from './pin.js';

export const IDLE_EXIT_MS = 2 * 60_000;
/** The least time between two PIN attempts from one connection: a person types slower; a script gains nothing. */
export const PIN_ATTEMPT_GAP_MS = 1000;

/**
 * A request refused for a reason the technician should read: what the
 * panel says (a key of the catalog, rendered in the operator's language),
 * and an English sentence as the error's message, for logs and tools — the
 * catalog's, or the very sentence of the store that refused (which names
 * the setting or field by its key, as the CLI does).
 */
export class TechnicianRefusal extends Error {
  constructor(
    readonly code: 'LOCKED' | 'REFUSED',
    readonly says: TechnicianMessage,
    english: string = technicianText(says, 'en', 'UTC'),
  ) {
    super(english);
    this.name = 'TechnicianRefusal';
  }
}

export interface SessionOptions {
  dir: DataDir;
  config: ConfigStore;
  audit: AuditTrail;
  clock: () => number;
  idleMs?: number;
  /** How long five wrong PINs lock entry (default 5 minutes). */
  lockoutMs?: number;
  /** A first PIN was set on the screen: the running kiosk's screen learns a PIN now exists. */
  onPinSet?: () => void;
  /** The session ended by the technician: whatever it left waiting stops. */
  onLock?: () => void;
}

export class TechnicianSession {
  /**
   * The open session belongs to the connection that unlocked it: another
   * screen socket (or a local process that reached one) is locked out of it.
   */
  private session: { role: TechnicianRole; lastMs: number; caller: string } | null = null;
  /** Which connection the request being handled came on, across its awaits ('local' for direct calls). */
  private readonly callers = new AsyncLocalStorage<string>();
  /** Per connection: when its next attempt may come (after a wrong PIN). */
  private readonly nextAttemptMs = new Map<string, number>();
  /** A PIN is being hashed: one attempt at a time on the whole kiosk. */
  private checkingPin = false;

  constructor(private readonly opts: SessionOptions) {}

  get idleMs(): number {
    return this.opts.idleMs ?? IDLE_EXIT_MS;
  }

  private get caller(): string {
    return this.callers.getStore() ?? 'local';
  }

  /** Runs a request made on connection `caller`: requests interleave at their awaits, each carries its own caller through them. */
  on<T>(caller: string, request: () => T): T {
    return this.callers.run(caller, request);
  }

  /** The role of the session open on this connection, or null; an idle session has ended itself. */
  role(caller = this.caller): TechnicianRole | null {
    if (this.session && this.opts.clock() - this.session.lastMs > this.idleMs) this.session = null;
    return this.session && this.session.caller === caller ? this.session.role : null;
  }

  /** The role this request acts as; refused unless the session here has it (a supervisor's is enough for `supervisor`). */
  require(role: TechnicianRole = 'technician'): TechnicianRole {
    const current = this.role();
    if (current === null) throw new TechnicianRefusal('LOCKED', techMessage('sessionLocked', {}));
    if (role === 'technician' && current !== 'technician') throw new TechnicianRefusal('LOCKED', techMessage('needsTechnicianPin', {}));
    this.touch();
    return current;
  }

  /** Activity that is not a request (waiting for a scanner, holding the module steady): the session does not idle out under it. */
  touch(): void {
    if (this.session) this.session.lastMs = this.opts.clock();
  }

  /** One act ends the session (an override): the next needs the PIN again. */
  end(): void {
    this.session = null;
  }

  /**
   * A PIN attempt. While entry is locked out the answer costs nothing (no
   * hash, no write, no audit row); one attempt checked at a time on the
   * kiosk, and a connection waits a second after a wrong one; the hashes run
   * off the event loop.
   */
  async unlock(pin: string): Promise<UnlockResult> {
    const caller = this.caller;
    const now = this.opts.clock();
    const gate = new PinGate(this.opts.dir, this.opts.lockoutMs);
    const lockedUntil = gate.lockedUntil(now);
    if (lockedUntil !== null) return { result: 'locked', untilMs: lockedUntil };
    // One attempt is checked at a time on the whole kiosk, and each connection waits its pace:
    // many connections at once cannot run many hashes, nor race past the lockout.
    const nextMs = this.nextAttemptMs.get(caller) ?? 0;
    if (this.checkingPin || now < nextMs) return { result: 'too-fast', retryAfterMs: this.checkingPin ? PIN_ATTEMPT_GAP_MS : nextMs - now };
    const { pinHash, supervisorPinHash } = this.opts.config.load().config.technician;
    if (pinHash === null && supervisorPinHash === null) return { result: 'no-pin' };
    this.checkingPin = true;
    let role: TechnicianRole | null;
    try {
      // Both hashes are checked (in parallel, on the thread pool) so the time taken does not tell which role a PIN is near.
      const [asTechnician, asSupervisor] = await Promise.all([pinHash === null ? false : verifyPinAsync(pin, pinHash), supervisorPinHash === null ? false : verifyPinAsync(pin, supervisorPinHash)]);
      role = asTechnician ? 'technician' : asSupervisor ? 'supervisor' : null;
    } finally {
      this.checkingPin = false;
    }
    // Only a wrong PIN makes this connection wait: guessing is what the pause slows.
    if (role === null) this.nextAttemptMs.set(caller, this.opts.clock() + PIN_ATTEMPT_GAP_MS);
    const at = this.opts.clock();
    // A lockout recorded meanwhile (another process, the CLI) wins, and costs no audit row.
    const lockedMeanwhile = gate.lockedUntil(at);
    if (lockedMeanwhile !== null) return { result: 'locked', untilMs: lockedMeanwhile };
    const attempt = gate.record(role !== null, at);
    if (attempt.result === 'ok' && role) {
      this.session = { role, lastMs: at, caller };
      this.opts.audit.record('config/changed', role, { action: 'technician mode entered' }, at);
      return { result: 'ok', role, idleMs: this.idleMs };
    }
    if (attempt.result === 'locked') {
      this.opts.audit.record('pin/locked', 'screen', { untilMs: attempt.untilMs }, at);
      return attempt;
    }
    this.opts.audit.record('pin/failed', 'screen', { remaining: attempt.result === 'wrong' ? attempt.remaining : 0 }, at);
    return attempt.result === 'wrong' ? attempt : { result: 'wrong', remaining: 0 };
  }

  /**
   * A kiosk's first start has no PIN. It is provisioned with `sentinel config
   * set-pin` (by whoever installs the kiosk, on its console), or here from the technician screen,
   * which the screen opens for this only from a keyboard's Ctrl+Alt+T — a
   * physical step a traveller at the touchscreen cannot take. Only while no
   * PIN of either role exists; afterwards a PIN changes only through the CLI.
   */
  async setFirstPin(pin: string): Promise<UnlockResult> {
    const caller = this.caller;
    const store = this.opts.config;
    if (pinIsSet(store.load().config)) throw new TechnicianRefusal('REFUSED', techMessage('pinAlreadySet', {}));
    let hash: string;
    try {
      hash = await hashPinAsync(pin);
    } catch (err) {
      if (err instanceof WeakPin) throw new TechnicianRefusal('REFUSED', techMessage('weakPin', { weakness: err.weakness }));
      throw err;
    }
    // Read again after hashing: two screens racing must not both set a first PIN.
    const config = store.load().config;
    if (pinIsSet(config)) throw new TechnicianRefusal('REFUSED', techMessage('pinAlreadySet', {}));
    const now = this.opts.clock();
    const stored = store.save({ ...config, technician: { ...config.technician, pinHash: hash } }, now);
    this.opts.audit.record('pin/set', 'screen', { role: 'technician', firstStart: true, revision: stored.revision }, now);
    this.opts.onPinSet?.();
    this.session = { role: 'technician', lastMs: now, caller };
    return { result: 'ok', role: 'technician', idleMs: this.idleMs };
  }

  lock(): { locked: true } {
    // Only the connection that holds the session can end it.
    if (this.role() === null) return { locked: true };
    this.session = null;
    this.opts.onLock?.();
    return { locked: true };
  }
}
