// The highest trust bundle seq a log shows was in force (CheckLog.
// highestBundleSeq): TrustStore.load's floor against an older bundle put
// back. Read from logs of any schema.
import type Database from 'better-sqlite3';

/** See CheckLog.highestBundleSeq; an older schema may lack events, or keep no markers yet. */
export function highestBundleSeqOf(db: Database.Database): number | null {
  const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('checks', 'events')").pluck().all() as string[]);
  // A database not yet made into a log (its first open failed midway) shows nothing.
  if (!tables.has('checks')) return null;
  const seqs = [db.prepare('SELECT bundle_seq FROM checks WHERE bundle_seq IS NOT NULL ORDER BY seq DESC LIMIT 1').pluck().get()];
  if (tables.has('events')) {
    // Only integers from details that are JSON: anything else was not written by Sentinel (and breaks the chain).
    seqs.push(
      db
        .prepare(
          `SELECT MAX(s) FROM (SELECT CASE WHEN json_valid(detail) THEN json_extract(detail, CASE type WHEN 'trust/installed' THEN '$.seq' ELSE '$.highestBundleSeq' END) END AS s
             FROM events WHERE type IN ('trust/installed', 'retention/purged')) WHERE typeof(s) = 'integer'`,
        )
        .pluck()
        .get(),
    );
  }
  const found = seqs.filter((s): s is number => typeof s === 'number' && Number.isSafeInteger(s));
  return found.length === 0 ? null : Math.max(...found);
}
