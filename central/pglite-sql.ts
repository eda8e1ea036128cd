// The central store embedded: PGlite (PostgreSQL in WebAssembly, in this
// process) in a data directory, so `sentinel central serve` runs on a laptop
// with nothing installed. One process at a time (central/store-lock.ts).
// PGlite runs one statement at a time and queues the rest; a transaction
// holds it for its whole length, so nothing interleaves with one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { StoreUnusable, type Row, type Sql, type SqlQueryable } from './sql.js';
import { lockStore, type StoreLock } from './store-lock.js';

/** The database's own folder inside the data directory (the lock file sits beside it). */
export const PGDATA = 'pgdata';

interface PgliteQueryer {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

const queryable = (q: PgliteQueryer): SqlQueryable => ({
  async query<R extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await q.query<R>(text, [...params])).rows;
  },
});

export class PgliteSql implements Sql {
  readonly backend = 'pglite' as const;
  private readonly q: SqlQueryable;

  private constructor(
    private readonly db: PGlite,
    private readonly lock: StoreLock,
    readonly where: string,
  ) {
    this.q = queryable(db);
  }

  /**
   * Opens (making it if need be) the store in `dir`, holding its lock as
   * `role`; throws StoreBusy if another live process holds it.
   */
  static async open(dir: string, role: string): Promise<PgliteSql> {
    const root = path.resolve(dir);
    try {
      fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new StoreUnusable(`cannot make the store folder ${root}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!fs.statSync(root).isDirectory()) throw new StoreUnusable(`${root} is not a folder`);
    const lock = lockStore(root, role);
    try {
      const db = await PGlite.create({ dataDir: path.join(root, PGDATA) });
      return new PgliteSql(db, lock, root);
    } catch (err) {
      lock.release();
      throw new StoreUnusable(`cannot open the embedded store in ${root}: ${(err as Error).message}`, { cause: err });
    }
  }

  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]> {
    return this.q.query<R>(text, params);
  }

  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(queryable(tx)));
  }

  async close(): Promise<void> {
    try {
      if (!this.db.closed) await this.db.close();
    } finally {
      this.lock.release();
    }
  }
}
