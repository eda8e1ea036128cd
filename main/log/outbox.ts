// The log as the sync client's outbox: the checks and audit events not yet
// stored centrally, oldest first, and the marks that say they now are.
// A mark is the kiosk's word, sealed under the chain key (sync_mac); a row
// whose sync_state was merely edited to 'synced' is still unsynced.
import type Database from 'better-sqlite3';
import { loggedEventOf, type EventRow, type LoggedEvent } from './audit-events.js';
import type { ChainKey } from './chain.js';
import type { LoggedCheck } from './check-record.js';
import { loggedCheckOf, selectLoggedChecks, type StoredLoggedCheck } from './check-rows.js';

/**
 * Rows the kiosk itself marked synced: sync_state says so *and* its
 * sync_mac verifies (sentinel_sync_mac is ChainKey.syncMac, registered on
 * the connection by the Outbox). Only these count as stored centrally; a
 * row whose sync_state was edited to 'synced' counts as unsynced everywhere
 * retention decides.
 */
export const ATTESTED_SYNCED = {
  checks: "(sync_state = 'synced' AND sync_mac IS sentinel_sync_mac('check', chain_pos, check_id))",
  events: "(sync_state = 'synced' AND sync_mac IS sentinel_sync_mac('event', chain_pos, event_id))",
} as const;

export class Outbox {
  private readonly countStmt: Database.Statement;
  private readonly oldestUnsyncedStmt: Database.Statement;
  private readonly oldestPendingStmt: Database.Statement;
  private readonly pendingStmt: Database.Statement;
  private readonly pendingEventsStmt: Database.Statement;
  private readonly markStmt: Database.Statement;
  private readonly markEventStmt: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    key: ChainKey,
  ) {
    db.function('sentinel_sync_mac', { deterministic: true }, (kind: unknown, pos: unknown, id: unknown) => key.syncMac(kind as 'check' | 'event', pos as number, id as string));
    // Prepared once: sync calls these for every batch of a backlog of any size.
    this.countStmt = db.prepare("SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE sync_state = 'pending') AS pending FROM checks");
    // From the partial index checks_unsynced_trusted: one step, however long the backlog (the status bar asks after every check).
    this.oldestUnsyncedStmt = db.prepare("SELECT MIN(at_ms) FROM checks WHERE sync_state = 'pending' AND clock_state = 'trusted'").pluck();
    this.oldestPendingStmt = db.prepare("SELECT at_ms FROM checks WHERE sync_state = 'pending' ORDER BY seq LIMIT 1").pluck();
    this.pendingStmt = db.prepare(selectLoggedChecks("WHERE sync_state = 'pending' ORDER BY seq LIMIT ?"));
    this.pendingEventsStmt = db.prepare("SELECT * FROM events WHERE sync_state = 'pending' ORDER BY seq LIMIT ?");
    this.markStmt = db.prepare("UPDATE checks SET sync_state = 'synced', synced_at_ms = ?, sync_mac = sentinel_sync_mac('check', chain_pos, check_id) WHERE check_id = ? AND sync_state = 'pending'");
    this.markEventStmt = db.prepare(
      "UPDATE events SET sync_state = 'synced', synced_at_ms = ?, sync_mac = sentinel_sync_mac('event', chain_pos, event_id) WHERE event_id = ? AND sync_state = 'pending'",
    );
  }

  /** The oldest checks not yet stored centrally, in log order (streamed from the index, never all at once). */
  pendingBatch(limit: number): LoggedCheck[] {
    return (this.pendingStmt.all(limit) as StoredLoggedCheck[]).map(loggedCheckOf);
  }

  /** The oldest audit events not yet stored centrally. */
  pendingEvents(limit: number): LoggedEvent[] {
    return (this.pendingEventsStmt.all(limit) as EventRow[]).map(loggedEventOf);
  }

  /**
   * Marks checks (and audit events) as stored by the central service, each
   * with its sync MAC under the chain key (the only way a row becomes
   * synced for verify-chain and retention); returns how many changed.
   */
  markSynced(ids: readonly string[], atMs: number): number {
    let changed = 0;
    this.db
      .transaction(() => {
        for (const id of ids) changed += this.markStmt.run(atMs, id).changes || this.markEventStmt.run(atMs, id).changes;
      })
      .immediate();
    return changed;
  }

  count(): { total: number; pending: number } {
    return this.countStmt.get() as { total: number; pending: number };
  }

  /** See CheckLog.oldestUnsyncedAtMs. */
  oldestUnsyncedAtMs(): number | null {
    return (this.oldestUnsyncedStmt.get() as number | null) ?? null;
  }

  /** When the first unsynced check was logged (by seq), ms; null when nothing is pending. */
  oldestPendingAtMs(): number | null {
    return (this.oldestPendingStmt.get() as number | undefined) ?? null;
  }
}
