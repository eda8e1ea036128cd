// The one door to the central store's database: a query that answers rows,
// and a transaction. Two backends stand behind it with the same SQL — a
// PostgreSQL server through a `pg` Pool (central/pg-sql.ts) and PGlite,
// PostgreSQL compiled to WebAssembly in this process (central/pglite-sql.ts)
// — so every statement the service runs is proven on both.

/** A row as the driver hands it back: read each value through the helpers below. */
export type Row = Record<string, unknown>;

export interface SqlQueryable {
  /** Runs one statement with $1… parameters; the rows it answers (none for most writes). */
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface Sql extends SqlQueryable {
  readonly backend: 'postgres' | 'pglite';
  /** Where the store is, for messages: the server (without its password) or the data directory. */
  readonly where: string;
  /**
   * Runs `work` in one transaction on one connection: committed when it
   * resolves, rolled back when it throws (and the error thrown on).
   */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The store cannot be opened or used (the CLI's exit 78). */
export class StoreUnusable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnusable';
  }
}

/** PostgreSQL's SQLSTATE of an error from either backend, or null. */
export function sqlState(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/** Both drivers answer a timestamptz as a Date; an ISO string is taken too. */
export function isoOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const d = value instanceof Date ? value : new Date(String(value));
  return Number.isFinite(d.getTime()) ? d.toISOString() : null;
}

/** bigint comes back as a string from pg and as a number from PGlite. */
export function numberOf(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function textOf(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
