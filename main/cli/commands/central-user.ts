// sentinel central user add NAME [--replace] | list | remove NAME: the fleet
// view's operators (central/fleet/operators.ts), on the store directly like
// the other admin commands. A new password is asked twice on a terminal,
// without echo, or read as the first line of stdin when it is piped in; it
// is read before the store is opened, so an embedded store is not held while
// someone types.
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { Operators, OperatorRefused, operatorName } from '../../../central/fleet/operators.js';
import { checkPasswordStrength, MAX_PASSWORD_CHARS, WeakPassword } from '../../../central/fleet/passwords.js';
import type { CentralStore } from '../../../central/store.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';

export const USER_HELP = `user add NAME [--replace] asks a password for a new operator of the fleet view
(twice on a terminal; else the first line of stdin), at least 12 characters;
--replace sets a new password for an existing one, clears a lockout and ends
their sessions. user list shows each operator, a lockout in force and their
sessions. user remove NAME removes one and ends their sessions.`;

type TtyInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/** Stopped at a prompt (Ctrl-C, Ctrl-D). */
class Cancelled extends Error {}

/** One line typed on a terminal without echo: Enter ends it, Backspace and Ctrl-U edit, Ctrl-C and Ctrl-D cancel. */
function promptHidden(input: TtyInput, io: CommandIo, prompt: string): Promise<string> {
  io.err(prompt);
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let typed = '';
    const finish = (err: Error | null): void => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      io.err('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of typeof chunk === 'string' ? chunk : decoder.write(chunk)) {
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003' || (ch === '\u0004' && typed === '')) return finish(new Cancelled('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch === '\u0015') typed = '';
        else if (ch >= ' ' && typed.length <= MAX_PASSWORD_CHARS * 4) typed += ch;
      }
    };
    input.setRawMode?.(true);
    input.on('data', onData);
    input.resume();
  });
}

/** The first line of piped stdin, its line ending taken off (nothing else: spaces may be part of a password). */
async function firstLine(input: Readable): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of input) {
    const chunk = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    chunks.push(chunk);
    size += chunk.length;
    if (chunk.includes(0x0a) || size > 64 * 1024) break;
  }
  if (chunks.length === 0) return null;
  return Buffer.concat(chunks).toString('utf8').split('\n')[0]!.replace(/\r$/, '');
}

/** The new password, checked: asked twice on a terminal, else read from stdin. */
export async function readNewPassword(io: CommandIo, name: string): Promise<string> {
  const input = io.stdin as TtyInput;
  let password: string;
  if (input.isTTY === true && typeof input.setRawMode === 'function') {
    try {
      password = await promptHidden(input, io, `password for ${name} (at least 12 characters): `);
      checkPasswordStrength(password, name);
      const again = await promptHidden(input, io, 'the same password again: ');
      if (again !== password) throw new UsageError('the two passwords differ; nothing was changed');
    } catch (err) {
      if (err instanceof Cancelled) throw new UsageError('cancelled; nothing was changed');
      if (err instanceof WeakPassword) throw new UsageError(err.message);
      throw err;
    }
  } else {
    const line = await firstLine(input);
    if (line === null || line === '') throw new UsageError('give the password on the first line of stdin, or run user add on a terminal to be asked for it');
    password = line;
  }
  try {
    checkPasswordStrength(password, name);
  } catch (err) {
    if (err instanceof WeakPassword) throw new UsageError(err.message);
    throw err;
  }
  return password;
}

export async function centralUserCommand(
  args: readonly string[],
  opts: { json: boolean; nowMs: number; replace: boolean },
  io: CommandIo,
  withStore: (role: string, work: (store: CentralStore) => Promise<number>) => Promise<number>,
): Promise<number> {
  const [sub, raw, extra] = args;
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  if (opts.replace && sub !== 'add') throw new UsageError('--replace is an option of central user add');
  try {
    switch (sub) {
      case 'add': {
        if (raw === undefined) throw new UsageError('central user add needs the operator NAME');
        const name = operatorName(raw);
        const password = await readNewPassword(io, name);
        return await withStore('user add', async (store) => {
          const done = await new Operators(store.sql).add(name, password, opts.nowMs, { replace: opts.replace });
          if (opts.json) io.out(JSON.stringify({ name, [done]: true }) + '\n');
          else io.out(done === 'added' ? `operator ${name} added: they log in at /fleet/login\n` : `operator ${name}: new password set, lockout cleared, sessions ended\n`);
          return EXIT.OK;
        });
      }
      case 'list':
        if (raw !== undefined) throw new UsageError(`unexpected argument "${raw}"`);
        return await withStore('user list', async (store) => {
          const operators = await new Operators(store.sql).list(opts.nowMs);
          if (opts.json) for (const o of operators) io.out(JSON.stringify(o) + '\n');
          else if (operators.length === 0) io.out('no operator yet: sentinel central user add NAME\n');
          else
            io.out(
              operators
                .map(
                  (o) =>
                    `${o.name}  added ${o.createdAt}  password set ${o.passwordSetAt}  sessions ${o.sessions}  last seen ${o.lastSeenAt ?? 'never'}` +
                    (o.lockedUntil !== null ? `  LOCKED until ${o.lockedUntil}` : o.failedAttempts > 0 ? `  ${o.failedAttempts} wrong password(s)` : ''),
                )
                .join('\n') + '\n',
            );
          return EXIT.OK;
        });
      case 'remove': {
        if (raw === undefined) throw new UsageError('central user remove needs the operator NAME (central user list shows them)');
        return await withStore('user remove', async (store) => {
          if (!(await new Operators(store.sql).remove(raw))) throw new UsageError(`no operator is named "${raw}" (central user list shows them)`);
          if (opts.json) io.out(JSON.stringify({ name: raw.normalize('NFC'), removed: true }) + '\n');
          else io.out(`operator ${raw.normalize('NFC')} removed; their sessions have ended\n`);
          return EXIT.OK;
        });
      }
      default:
        throw new UsageError(sub === undefined ? 'central user needs add NAME, list or remove NAME' : `unknown central user command "${sub}"`);
    }
  } catch (err) {
    if (err instanceof OperatorRefused) throw new UsageError(err.message);
    throw err;
  }
}
