// Audit events as rows of the `events` table: who did what to the kiosk,
// linked into the same chain as the checks (migration 3). Never holder data.
import type Database from 'better-sqlite3';
import type { SyncState } from './check-record.js';

/** An audit event: who did what to the kiosk, when. Never holder data. */
export interface AuditEvent {
  eventId: string;
  atMs: number;
  /** e.g. config/changed, policy/set, trust/installed, pin/failed, calibration/done, override. */
  type: string;
  /** Who: a role, a technician's name, or "cli". */
  actor: string;
  /** What: old and new values and the like. */
  detail: Record<string, unknown>;
}

export interface LoggedEvent extends AuditEvent {
  seq: number;
  syncState: SyncState;
}

/** A row of `events` as SQLite hands it back. */
export interface EventRow {
  seq: number;
  event_id: string;
  at_ms: number;
  type: string;
  actor: string;
  /** The detail as JSON text, exactly as linked. */
  detail: string;
  sync_state: SyncState;
  sync_mac: string | null;
  chain_pos: number;
  prev_hash: string;
  hash: string;
}

export function loggedEventOf(row: EventRow): LoggedEvent {
  return { seq: row.seq, eventId: row.event_id, atMs: row.at_ms, type: row.type, actor: row.actor, detail: JSON.parse(row.detail) as Record<string, unknown>, syncState: row.sync_state };
}

/** The `events` table: its statements, prepared once per connection. */
export class EventRows {
  private readonly insertStmt: Database.Statement;
  private readonly listStmt: Database.Statement;
  private readonly overrideStmt: Database.Statement;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(`
      INSERT INTO events (event_id, at_ms, type, actor, detail, chain_pos, prev_hash, hash)
      VALUES (@eventId, @atMs, @type, @actor, @detail, @pos, @prevHash, @hash)`);
    this.listStmt = db.prepare('SELECT * FROM events WHERE at_ms >= ? ORDER BY seq');
    this.overrideStmt = db.prepare("SELECT * FROM events WHERE type = 'override' AND json_extract(detail, '$.checkId') = ? LIMIT 1");
  }

  /** Writes one event, its detail as the text its link covers, at its chain position; runs inside the caller's transaction. */
  insert(e: AuditEvent, detail: string, pos: number, prevHash: string, hash: string): void {
    this.insertStmt.run({ eventId: e.eventId, atMs: e.atMs, type: e.type, actor: e.actor, detail, pos, prevHash, hash });
  }

  list(sinceMs: number): LoggedEvent[] {
    return (this.listStmt.all(sinceMs) as EventRow[]).map(loggedEventOf);
  }

  /** The override event already recorded for a check, or null. */
  overrideOf(checkId: string): LoggedEvent | null {
    const row = this.overrideStmt.get(checkId) as EventRow | undefined;
    return row ? loggedEventOf(row) : null;
  }
}
