// Reading a trust bundle or a root key from a file someone hands the kiosk
// (a USB stick, a path typed on the technician screen). The path may name
// anything: a FIFO that never ends, /dev/zero, a directory, a file of
// gigabytes. A synchronous whole-file read of those froze the kiosk or grew
// without bound, so only a regular file is read, asynchronously, and never
// beyond a cap.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { MAX_BUNDLE_CHARS } from '../contract/trust.js';

/** Nothing longer could be installed (verification refuses it), so nothing longer is read. */
export const MAX_BUNDLE_FILE_BYTES = MAX_BUNDLE_CHARS;
/** A root key file is a JWK or a small JWK set. */
export const MAX_ROOT_FILE_BYTES = 64 * 1024;

/** Why a file was not read, in words a technician can act on. */
export class UnreadableFile extends Error {
  constructor(
    readonly file: string,
    readonly problem: 'missing' | 'not-a-file' | 'too-large' | 'unreadable',
    message: string,
  ) {
    super(message);
    this.name = 'UnreadableFile';
  }
}

/**
 * The text of a regular file of at most `maxBytes`. Opened non-blocking so
 * a FIFO cannot hold the open, checked on the descriptor (no swap between
 * the check and the read), and read no further than the cap even if the
 * file grows meanwhile.
 */
export async function readSmallRegularFile(file: string, what: string, maxBytes: number): Promise<string> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UnreadableFile(file, 'missing', `cannot read the ${what} ${file}: it does not exist`);
    if (code === 'EISDIR') throw new UnreadableFile(file, 'not-a-file', `cannot read the ${what} ${file}: it is a folder, not a file`);
    throw new UnreadableFile(file, 'unreadable', `cannot read the ${what} ${file} (${code ?? (err as Error).message})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new UnreadableFile(file, 'not-a-file', `cannot read the ${what} ${file}: it is not a regular file`);
    if (stat.size > maxBytes) throw new UnreadableFile(file, 'too-large', `cannot read the ${what} ${file}: it is ${stat.size} bytes, more than the ${maxBytes} a ${what} may be`);
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw new UnreadableFile(file, 'too-large', `cannot read the ${what} ${file}: it is more than the ${maxBytes} bytes a ${what} may be`);
    return buffer.subarray(0, length).toString('utf8');
  } catch (err) {
    if (err instanceof UnreadableFile) throw err;
    throw new UnreadableFile(file, 'unreadable', `cannot read the ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  } finally {
    await handle.close();
  }
}
