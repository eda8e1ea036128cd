// Where the central store is, and opening it: a PostgreSQL server (--db URL
// or $SENTINEL_CENTRAL_DB) or the embedded PGlite in a data directory
// (--data DIR, default below). Opening brings the schema up to date.
import * as os from 'node:os';
import * as path from 'node:path';
import { migrate } from './migrations.js';
import { PgliteSql } from './pglite-sql.js';
import { PgSql, redactedUrl } from './pg-sql.js';
import type { Sql } from './sql.js';
import { CentralStore } from './store.js';

export type StoreLocation = { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string };

/** The embedded store's folder when none is given: $SENTINEL_CENTRAL_DATA, else the platform's data folder. */
export function defaultCentralDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.SENTINEL_CENTRAL_DATA) return env.SENTINEL_CENTRAL_DATA;
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'sentinel-central');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'sentinel-central');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'sentinel-central');
}

/** --db wins over $SENTINEL_CENTRAL_DB; --data names the embedded store; giving both is the caller's usage error. */
export function storeLocation(opts: { db?: string | undefined; data?: string | undefined }, env: NodeJS.ProcessEnv = process.env): StoreLocation {
  if (opts.db !== undefined) return { kind: 'postgres', url: opts.db };
  if (opts.data !== undefined) return { kind: 'pglite', dir: path.resolve(opts.data) };
  if (env.SENTINEL_CENTRAL_DB) return { kind: 'postgres', url: env.SENTINEL_CENTRAL_DB };
  return { kind: 'pglite', dir: path.resolve(defaultCentralDataDir(env)) };
}

export function describeLocation(location: StoreLocation): string {
  return location.kind === 'postgres' ? `PostgreSQL ${redactedUrl(location.url)}` : `embedded PGlite in ${location.dir}`;
}

/** Opens the database behind a location (PGlite: holding its lock as `role`). */
export function openSql(location: StoreLocation, role: string): Promise<Sql> {
  return location.kind === 'postgres' ? PgSql.open(location.url) : PgliteSql.open(location.dir, role);
}

/** Opens the store and migrates it; closed again if the migration fails. */
export async function openStore(location: StoreLocation, opts: { role: string; retentionDays?: number }): Promise<CentralStore> {
  const sql = await openSql(location, opts.role);
  try {
    await migrate(sql);
  } catch (err) {
    await sql.close().catch(() => undefined);
    throw err;
  }
  return new CentralStore(sql, opts.retentionDays === undefined ? {} : { retentionDays: opts.retentionDays });
}
