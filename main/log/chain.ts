// The links of the check log's chain. Since schema 5 each link is an
// HMAC-SHA256 under the kiosk's own chain key (`chain-key`, 32 random bytes,
// 0600 in the data directory, never exported): someone who can edit the
// database file but does not hold the key can no longer change a row and
// recompute the chain, nor forge the record of a retention purge.
// The plain SHA-256 links of schemas 1–4 are kept here only so that
// migration 5 can check an old log before re-keying it.
import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { DATA_FILES, type DataDir } from '../data-dir.js';
import type { AuditEvent } from './audit-events.js';
import type { CheckRecord } from './check-record.js';
import { linkedValues, storedValues } from './check-rows.js';

export const CHAIN_KEY_BYTES = 32;
export const GENESIS_HASH = '0'.repeat(64);

/** What verifying the chain found (CheckLog.verifyChain, and migration 5 of a schema-4 log). */
export interface ChainReport {
  ok: boolean;
  /** Rows whose links were checked. */
  checked: number;
  /** The first row where the chain breaks (or the head that went missing). */
  brokenAtSeq: number | null;
  problem: string | null;
}

/** An audit event as it is linked: its detail exactly as stored (text). */
export type EventLinkFields = Pick<AuditEvent, 'eventId' | 'atMs' | 'type' | 'actor'> & { detailText: string };

export class ChainKey {
  private readonly key: KeyObject;

  /**
   * @param madeNow the key did not exist before this process made it (see
   * forDataDir). A key handed in is taken to be an existing one.
   */
  constructor(
    secret: Uint8Array,
    readonly madeNow = false,
  ) {
    if (secret.length < CHAIN_KEY_BYTES) throw new Error(`the chain key must be ${CHAIN_KEY_BYTES} bytes`);
    this.key = createSecretKey(secret);
  }

  /**
   * This data directory's chain key, made on first use (like the holder
   * secret). Whether it was made just now tells migration 5 a log that was
   * never keyed from one whose schema was set back after it was.
   */
  static forDataDir(dir: DataDir): ChainKey {
    const { value, made } = dir.secretMade(DATA_FILES.chainKey, CHAIN_KEY_BYTES);
    return new ChainKey(value, made);
  }

  /**
   * A check's link: the previous link, its own chain position (a link cannot
   * be moved elsewhere in the chain), and every field as stored (CHECK_COLUMNS)
   * but the sync state, which changes after logging (and the format only
   * when there is one: linkedValues).
   */
  checkLink(prevHash: string, pos: number, r: CheckRecord): string {
    return this.mac(JSON.stringify([prevHash, pos, 'check', ...linkedValues(r)]));
  }

  eventLink(prevHash: string, pos: number, e: EventLinkFields): string {
    return this.mac(JSON.stringify([prevHash, pos, 'event', e.eventId, e.atMs, e.type, e.actor, e.detailText]));
  }

  /**
   * The seal on the recorded head of the chain (meta.chain_head): the
   * newest position and its link. Without it, deleting the newest entries
   * and rewriting (or deleting) the head would leave nothing to compare.
   */
  headMac(seq: number, hash: string): string {
    return this.mac(JSON.stringify(['head', seq, hash]));
  }

  /**
   * The kiosk's own word that the central service stored an entry: written
   * when the sync client marks it synced (CheckLog.markSynced), over its
   * kind, chain position and id. sync_state is outside the link (it changes
   * after logging), so without this anyone with the file could mark a
   * denial synced: it would never be sent, and retention would delete it as
   * stored centrally.
   */
  syncMac(kind: 'check' | 'event', pos: number, id: string): string {
    return this.mac(JSON.stringify(['synced', kind, pos, id]));
  }

  /**
   * The seal on retention's record of when the warning before unsynced
   * checks are dropped first became due (meta.unsynced_warned): drops wait
   * for it to have stood two weeks, so a record backdated by hand would
   * skip that warning.
   */
  warnedMac(boundDays: number, sinceMs: number): string {
    return this.mac(JSON.stringify(['unsynced-warned', boundDays, sinceMs]));
  }

  /**
   * Names the key without revealing it, kept in the log's meta so that a
   * replaced or lost `chain-key` is reported as such rather than as every
   * row having changed.
   */
  id(): string {
    return this.mac('sentinel chain key id').slice(0, 16);
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('hex');
  }
}

/** Two MACs (hex) compared in constant time; false for anything that is not one. */
export function sameMac(found: unknown, expected: string): boolean {
  if (typeof found !== 'string' || found.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(found, 'utf8'), Buffer.from(expected, 'utf8'));
}

/** Schemas 1–4: a check's plain SHA-256 link (raw reading and offset covered only when present, since schema 4). */
export function legacyChainHash(prevHash: string, r: CheckRecord): string {
  // Schemas 1–4 had no format column (the last of CHECK_COLUMNS): it is not covered.
  const fields = [prevHash, ...storedValues(r).slice(0, -1)];
  // The raw reading and offset are then the last two columns (CHECK_COLUMNS).
  if ((r.temperatureRawC ?? null) === null && (r.calibrationOffsetC ?? null) === null) fields.splice(-2);
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/** Schemas 3–4: an audit event's plain SHA-256 link. */
export function legacyEventHash(prevHash: string, e: EventLinkFields): string {
  return createHash('sha256')
    .update(JSON.stringify([prevHash, 'event', e.eventId, e.atMs, e.type, e.actor, e.detailText]))
    .digest('hex');
}
