// What a command may touch of the outside world, injected so that commands
// run in-process in tests and benchmarks as they do from the shell.
import type { Readable } from 'node:stream';

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  stdin: Readable;
  /** ms since the epoch. */
  clock(): number;
}
