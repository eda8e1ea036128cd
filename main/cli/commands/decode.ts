// sentinel decode IMAGE…: the kiosk's own decoder on image files.
import * as fs from 'node:fs';
import { decodeImage } from '../../decode/qr-decoder.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';

export const DECODE_HELP = `usage: sentinel decode IMAGE… [--json]

Decodes the QR code in each image file (PNG, JPEG, BMP, GIF) with the
kiosk's own decoder. --json prints {"file","text","ms"} per image (text null
when no code was found). Exit 0 when every image gave a code, 1 when some did
not or could not be read.`;

export async function decodeCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {}, Number.MAX_SAFE_INTEGER);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(DECODE_HELP + '\n');
    return EXIT.OK;
  }
  if (positionals.length === 0) throw new UsageError('decode needs at least one IMAGE file');
  let missed = 0;
  for (const file of positionals) {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (err) {
      missed++;
      io.err(`sentinel: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})\n`);
      if (common.json) io.out(JSON.stringify({ file, text: null, ms: 0, error: 'unreadable' }) + '\n');
      continue;
    }
    const { text, ms } = await decodeImage(new Uint8Array(bytes));
    if (text === null) missed++;
    const rounded = Math.round(ms * 10) / 10;
    io.out(common.json ? JSON.stringify({ file, text, ms: rounded }) + '\n' : `${file}: ${text ?? '(no QR code found)'}  [${rounded} ms]\n`);
  }
  return missed === 0 ? EXIT.OK : 1;
}
