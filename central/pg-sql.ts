// The central store on a PostgreSQL server, through a `pg` Pool: what lets
// several service processes share one database (every guarantee is kept by
// the database, none by a process).
import pg from 'pg';
import { StoreUnusable, type Row, type Sql, type SqlQueryable } from './sql.js';

export interface PgSqlOptions {
  /** Connections per process. */
  max?: number;
  /** A statement running longer is cancelled by the server, ms. */
  statementTimeoutMs?: number;
  /** Waiting longer for a connection fails the request, ms. */
  connectTimeoutMs?: number;
  /** Where a line goes when something fails outside any request (default stderr). */
  log?: (line: string) => void;
}

/** The URL as it may be shown: without its password. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return 'the database URL (not a URL)';
  }
}

/** The server as a log line names it: host, port and database, no user, password or query options (?password= is one). */
function serverName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return 'the database';
  }
}

/** A driver's message with the URL and password taken out, should it ever echo them. */
function withoutSecrets(message: string, url: string): string {
  const secrets = [url];
  try {
    const u = new URL(url);
    secrets.push(u.password, u.searchParams.get('password') ?? '');
    secrets.push(decodeURIComponent(u.password));
  } catch {
    /* not a URL, or a password that is not valid percent-encoding: what was found is hidden */
  }
  let out = message;
  for (const secret of secrets.filter((s) => s !== '').sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out;
}

class PgQueryable implements SqlQueryable {
  constructor(private readonly client: pg.Pool | pg.PoolClient) {}

  async query<R extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    const result = await this.client.query(text, params as unknown[]);
    return result.rows as R[];
  }
}

export class PgSql extends PgQueryable implements Sql {
  readonly backend = 'postgres' as const;

  private constructor(
    private readonly pool: pg.Pool,
    readonly where: string,
  ) {
    super(pool);
  }

  /** Connects (and proves the connection with one query), or throws StoreUnusable naming the server. */
  static async open(url: string, opts: PgSqlOptions = {}): Promise<PgSql> {
    const where = redactedUrl(url);
    if (!/^postgres(ql)?:\/\//.test(url)) throw new StoreUnusable(`--db must be a postgres:// URL, not ${where}`);
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.max ?? 10,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      statement_timeout: opts.statementTimeoutMs ?? 30_000,
      idleTimeoutMillis: 30_000,
      application_name: 'sentinel-central',
    });
    // An idle connection the server drops must not take the process down; the next query
    // reconnects. It is still said, or a server restarting or a proxy cutting connections goes unseen.
    const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
    const server = serverName(url);
    pool.on('error', (err) => log(`PostgreSQL store: an idle connection to ${server} failed (the next query reconnects): ${withoutSecrets(err.message, url)}`));
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StoreUnusable(`cannot reach the PostgreSQL store at ${where}: ${(err as Error).message}`, { cause: err });
    }
    return new PgSql(pool, where);
  }

  async transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(new PgQueryable(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // a connection that cannot even roll back is not given back to the pool
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
