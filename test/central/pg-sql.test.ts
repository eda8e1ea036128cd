// The PostgreSQL store's pool when the server drops an idle connection (a
// restart, a proxy, an administrator): one line is logged, naming the server
// but never the password or the URL, and the process goes on, the next query
// reconnecting.
import { describe, expect, it } from 'vitest';
import { PgSql } from '../../central/pg-sql.js';
import { POSTGRES } from './backends.js';

describe('the PostgreSQL store', () => {
  it('logs one line without credentials when the server drops an idle connection, and goes on', async () => {
    const location = await POSTGRES.location();
    if (location.kind !== 'postgres') throw new Error('not a PostgreSQL location');
    // The test server trusts local connections: the password is only there to be kept out of the log.
    const url = new URL(location.url);
    url.password = 'hunter2-secret';
    const lines: string[] = [];
    let logged!: () => void;
    const dropped = new Promise<void>((resolve) => (logged = resolve));
    const sql = await PgSql.open(url.href, {
      log: (line) => {
        lines.push(line);
        logged();
      },
    });
    const admin = await PgSql.open(location.url);
    try {
      // PgSql.open proved its connection with one query, and left it idle in the pool.
      const killed = await admin.query('SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      expect(killed.length).toBeGreaterThan(0);
      await dropped;
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^PostgreSQL store: an idle connection to ${url.host.replace(/\./g, '\\.')}${url.pathname} failed \\(the next query reconnects\\): .*terminat`));
      expect(lines[0]).not.toMatch(/hunter2|postgres@|postgres:\/\//);
      expect(await sql.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await admin.close();
      await sql.close();
    }
  });
});
