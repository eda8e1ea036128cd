// When the log cannot be used: it cannot promise durability, cannot be
// opened, or SQLite finds the file damaged. One line for the CLI (exit 78),
// never a stack trace.

/** The log cannot promise durability here, or cannot be opened (CLI exit 78). */
export class CheckLogUnusable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckLogUnusable';
  }
}

/** SQLite found the file damaged (SQLITE_CORRUPT…, SQLITE_NOTADB): the log is unusable, not the program broken. */
export function isDamaged(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

/** SQLite's "the file is damaged" as CheckLogUnusable; anything else is left as it is. */
export function unusableIfDamaged(file: string, err: unknown): unknown {
  return isDamaged(err) ? new CheckLogUnusable(`the check log ${file} is damaged (SQLite: ${oneLine((err as Error).message)}); restore it from a backup or move it aside`) : err;
}

/** One line, of a bounded length, for a report. */
export function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
