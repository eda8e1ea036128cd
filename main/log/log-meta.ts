// The log's `meta` table: a few named records beside the entries (the
// sealed chain head, the chain key's id, retention's warning record).
import type Database from 'better-sqlite3';

export class LogMeta {
  private readonly getStmt: Database.Statement;
  private readonly setStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;

  constructor(db: Database.Database) {
    this.getStmt = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.setStmt = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.deleteStmt = db.prepare('DELETE FROM meta WHERE key = ?');
  }

  get(key: string): string | null {
    return (this.getStmt.get(key) as { value: string } | undefined)?.value ?? null;
  }

  set(key: string, value: string): void {
    this.setStmt.run(key, value);
  }

  delete(key: string): void {
    this.deleteStmt.run(key);
  }
}

/** A stored JSON text (a meta record, an event's detail), or null when it is not JSON, so not written by Sentinel. */
export function parseStored(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
