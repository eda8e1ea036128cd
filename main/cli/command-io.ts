// What a command may touch of the outside world, injected so that commands
// run in-process in tests and benchmarks as they do from the shell.
import type { Readable } from 'node:stream';
import { readSmallRegularFile, UnreadableFile } from '../trust/bundle-file.js';
import { ConfigError } from './exit-codes.js';

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  stdin: Readable;
  /** ms since the epoch. */
  clock(): number;
}

/**
 * A file a command was given to install (bundle, root key, policy): a bounded
 * regular file only, so a FIFO or /dev/zero cannot hang or fill memory; one
 * that cannot be read is a ConfigError (exit 78, one line).
 */
export async function readInputFile(file: string, what: string, maxBytes: number): Promise<string> {
  try {
    return await readSmallRegularFile(file, what, maxBytes);
  } catch (err) {
    if (err instanceof UnreadableFile) throw new ConfigError(err.message);
    throw err;
  }
}
