// The two backends every central test runs on, for describe.each: the
// embedded PGlite store and a real PostgreSQL server (test/fixtures/
// postgres.ts, started on first use, stopped after the file).
//
// freshStore() is an empty store, migrated: on PostgreSQL a new database;
// on PGlite one store per file, opened in a real data directory through the
// production path and emptied between tests (its schema dropped and
// migrated again). location() is a store not yet opened, for the command
// line. Making a PGlite store runs initdb in WebAssembly (6 s on an idle
// machine, over 20 s on a busy one), so it is made once, in a template
// folder in the system's temporary folder named by the PGlite version and
// the migrations (made aside and renamed into place, so two test files
// making it at once both end with a whole one), and every PGlite store of
// the tests is a copy of it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, onTestFinished } from 'vitest';
import { MIGRATIONS, migrate } from '../../central/migrations.js';
import { openStore, type StoreLocation } from '../../central/open-store.js';
import { PgliteSql } from '../../central/pglite-sql.js';
import type { Sql } from '../../central/sql.js';
import { CentralStore } from '../../central/store.js';
import { ROOT } from '../fixtures/cli.js';
import { startPostgres, type PostgresServer } from '../fixtures/postgres.js';

export interface Backend {
  name: 'pglite' | 'postgres';
  /** A store that is not opened yet: a new folder, or a new empty database. */
  location(): Promise<StoreLocation>;
  /** An empty, migrated store, closed when the test ends. */
  freshStore(opts?: { retentionDays?: number }): Promise<CentralStore>;
  /**
   * The same store as another service process sees it: its own pool on
   * PostgreSQL; on PGlite (one process) the same store.
   */
  secondProcess(store: CentralStore, opts?: { retentionDays?: number }): Promise<CentralStore>;
}

const folders: string[] = [];
let pglite: Promise<PgliteSql> | null = null;
let server: Promise<PostgresServer> | null = null;
const postgresUrls = new WeakMap<CentralStore, string>();
const openStores: CentralStore[] = [];

/** Closed when the test ends; opened outside a test (beforeAll), when the file ends. */
function closeLater(store: CentralStore): void {
  try {
    onTestFinished(() => store.close());
  } catch {
    openStores.push(store);
  }
}

function tempFolder(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  folders.push(dir);
  return dir;
}

let template: Promise<string> | null = null;

async function makeTemplate(): Promise<string> {
  const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string }).version;
  const key = createHash('sha256')
    .update(`${version}\n${JSON.stringify(MIGRATIONS)}`)
    .digest('hex')
    .slice(0, 16);
  const final = path.join(os.tmpdir(), `sentinel-central-pglite-${key}`);
  if (!fs.existsSync(path.join(final, 'store'))) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-central-pglite-making-'));
    try {
      const store = await openStore({ kind: 'pglite', dir: path.join(work, 'store') }, { role: 'template' });
      await store.close();
      fs.renameSync(work, final);
    } catch (err) {
      fs.rmSync(work, { recursive: true, force: true });
      if (!fs.existsSync(path.join(final, 'store'))) throw err; // not merely made meanwhile by another file
    }
  }
  return path.join(final, 'store');
}

/** A copy of the template store in a new folder (cp, much faster than node's recursive copy for its thousand files). */
async function pgliteCopy(): Promise<string> {
  template ??= makeTemplate();
  const from = await template;
  const dir = path.join(tempFolder('sentinel-central-'), 'store');
  await promisify(execFile)('cp', ['-a', from, dir]);
  return dir;
}

/** The file's one PGlite store, left open; closing a test's view of it leaves it open. */
function shared(sql: Sql): Sql {
  return { backend: sql.backend, where: sql.where, query: (t, p) => sql.query(t, p), transaction: (w) => sql.transaction(w), close: async () => undefined };
}

export const PGLITE: Backend = {
  name: 'pglite',
  async location() {
    return { kind: 'pglite', dir: await pgliteCopy() };
  },
  async freshStore(opts = {}) {
    pglite ??= pgliteCopy().then((dir) => PgliteSql.open(dir, 'test'));
    const sql = await pglite;
    await sql.query('DROP SCHEMA public CASCADE');
    await sql.query('CREATE SCHEMA public');
    await migrate(sql);
    return new CentralStore(shared(sql), opts);
  },
  async secondProcess(store, opts = {}) {
    return new CentralStore(store.sql, opts);
  },
};

export const POSTGRES: Backend = {
  name: 'postgres',
  async location() {
    server ??= startPostgres();
    return { kind: 'postgres', url: await (await server).createDatabase('central') };
  },
  async freshStore(opts = {}) {
    const location = (await this.location()) as { kind: 'postgres'; url: string };
    const store = await openStore(location, { role: 'test', ...opts });
    postgresUrls.set(store, location.url);
    closeLater(store);
    return store;
  },
  async secondProcess(store, opts = {}) {
    const url = postgresUrls.get(store);
    if (!url) throw new Error('not a store of this backend');
    const other = await openStore({ kind: 'postgres', url }, { role: 'test', ...opts });
    closeLater(other);
    return other;
  },
};

export const BACKENDS: readonly Backend[] = [PGLITE, POSTGRES];

afterAll(async () => {
  for (const store of openStores.splice(0)) await store.close().catch(() => undefined);
  if (pglite) await (await pglite.catch(() => null))?.close();
  if (server) await (await server.catch(() => null))?.stop();
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);
