// Appending to the chain: each check or audit event linked to the one
// before it under the chain key, and the chain's end sealed in meta
// (chain_head) so that the newest entries cannot go unnoticed.
import type Database from 'better-sqlite3';
import type { AuditEvent, EventRows } from './audit-events.js';
import { GENESIS_HASH, sameMac, type ChainKey } from './chain.js';
import type { CheckRecord } from './check-record.js';
import type { CheckRows } from './check-rows.js';
import { parseStored, type LogMeta } from './log-meta.js';
import { CheckLogUnusable } from './unusable.js';

/** A chain position and its link. */
export interface Link {
  seq: number;
  hash: string;
}

/**
 * The recorded head of the chain (meta.chain_head: the newest position,
 * its link, and a MAC over both under the chain key): absent (a log that
 * never held an entry), intact, or damaged — unreadable, or sealed by
 * something other than this kiosk's key.
 */
export type Head = { state: 'none' } | { state: 'ok'; link: Link } | { state: 'damaged'; problem: string };

export class ChainWriter {
  private readonly lastLink: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly key: ChainKey,
    private readonly meta: LogMeta,
    private readonly checks: CheckRows,
    private readonly events: EventRows,
    private readonly file: string,
  ) {
    this.lastLink = db.prepare('SELECT pos AS seq, hash FROM (SELECT chain_pos AS pos, hash FROM checks UNION ALL SELECT chain_pos, hash FROM events) ORDER BY pos DESC LIMIT 1');
  }

  /** Links checks onto the chain; runs inside a write transaction. */
  linkChecks(records: readonly CheckRecord[]): void {
    let link = this.chainEnd();
    for (const r of records) {
      const pos = link.seq + 1;
      const hash = this.key.checkLink(link.hash, pos, r);
      this.checks.insert(r, pos, link.hash, hash);
      link = { seq: pos, hash };
    }
    this.writeHead(link);
  }

  /** Links audit events onto the chain; runs inside a write transaction. */
  linkEvents(events: readonly AuditEvent[]): void {
    let link = this.chainEnd();
    for (const e of events) {
      const pos = link.seq + 1;
      const detail = JSON.stringify(e.detail);
      const hash = this.key.eventLink(link.hash, pos, { eventId: e.eventId, atMs: e.atMs, type: e.type, actor: e.actor, detailText: detail });
      this.events.insert(e, detail, pos, link.hash, hash);
      link = { seq: pos, hash };
    }
    this.writeHead(link);
  }

  /**
   * The chain's end, read inside the write transaction (two writers cannot
   * fork it): the last link ever appended, as the sealed head records it.
   * Retention never deletes it without appending its own marker after it.
   *
   * A head that is missing while entries exist, or damaged, means the
   * newest entries may have been deleted: nothing more is appended (one
   * line, CLI exit 78) rather than a new chain end written over the
   * evidence. `log --verify-chain` reports it.
   */
  private chainEnd(): Link {
    const head = this.readHead();
    if (head.state === 'ok') return head.link;
    if (head.state === 'none' && this.lastLink.get() === undefined) return { seq: 0, hash: GENESIS_HASH };
    const keyId = this.meta.get('chain_key_id');
    const what =
      head.state === 'none'
        ? 'has lost the record of its newest entry'
        : keyId !== null && keyId !== this.key.id()
          ? 'was chained under another chain key (chain-key in the data directory was replaced or lost)'
          : `has a damaged record of its newest entry (${head.problem})`;
    throw new CheckLogUnusable(
      `the check log ${this.file} ${what}: its newest entries may have been deleted, so nothing more is added to it; run sentinel log --verify-chain, keep the file as evidence and move it aside to start a new log`,
    );
  }

  /**
   * The sealed head: the newest position and its link, with their MAC under
   * the chain key. Deleting the newest entries now needs the head rewritten
   * to the new end, which needs the key.
   *
   * What it cannot see: someone holding the chain key (the kiosk's own user
   * or root: out of scope), and a whole older copy of the database put back
   * (its head was sealed genuinely, just earlier) — or the log deleted
   * altogether. Only the central service, which holds the synced entries,
   * can tell those.
   */
  private writeHead(link: Link): void {
    this.meta.set('chain_head', JSON.stringify({ seq: link.seq, hash: link.hash, mac: this.key.headMac(link.seq, link.hash) }));
  }

  /** meta.chain_head read and its seal checked; never throws for what it finds there. */
  readHead(): Head {
    const text = this.meta.get('chain_head');
    if (text === null) return { state: 'none' };
    const head = parseStored(text) as { seq?: unknown; hash?: unknown; mac?: unknown } | null;
    if (head === null || typeof head !== 'object' || !Number.isSafeInteger(head.seq) || typeof head.hash !== 'string') {
      return { state: 'damaged', problem: 'it is not a record Sentinel wrote' };
    }
    const link = { seq: head.seq as number, hash: head.hash };
    if (!sameMac(head.mac, this.key.headMac(link.seq, link.hash))) return { state: 'damaged', problem: 'its seal does not verify under the chain key' };
    return { state: 'ok', link };
  }
}
