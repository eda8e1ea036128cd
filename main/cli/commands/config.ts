// sentinel config show | set KEY VALUE | set-pin [--role technician|supervisor]
// sentinel calibrate --port PATH --protocol NAME --reference C --by NAME
import { ConfigValueError, redacted, SETTABLE_KEYS } from '../../contract/kiosk-config.js';
import { ConfigStore } from '../../config/config-store.js';
import { DataDir } from '../../data-dir.js';
import { cliActor, recordIn } from '../../audit/audit.js';
import { hashPin, WeakPin } from '../../technician/pin.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';

export const CONFIG_HELP = `usage: sentinel config show [--json] [--data DIR]
       sentinel config set KEY VALUE [--data DIR]
       sentinel config set-pin [--role technician|supervisor] [--data DIR]   (the PIN is read from stdin)

The kiosk's configuration (technician mode): one validated, versioned file in
the data directory. VALUE is JSON where it parses as JSON (true, 6, null,
["zh-CN","en"]), else text. Settings: ${SETTABLE_KEYS.join(', ')}.
PINs are 6 to 12 digits, stored as scrypt hashes; show never prints them.`;

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

async function readLine(io: CommandIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) {
    chunks.push(c as Buffer);
    if (Buffer.concat(chunks).includes(0x0a)) break;
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

export async function configCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { role: { type: 'string' } }, 3);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(CONFIG_HELP + '\n');
    return EXIT.OK;
  }
  const [verb, key, raw] = positionals;
  if (verb === 'show') {
    const stored = new ConfigStore(DataDir.open(common.dataDir, { create: false })).load();
    const shown = { version: stored.version, revision: stored.revision, updatedAt: stored.updatedAtMs === null ? null : new Date(stored.updatedAtMs).toISOString(), config: redacted(stored.config) };
    io.out(common.json ? JSON.stringify(shown) + '\n' : JSON.stringify(shown, null, 2) + '\n');
    return EXIT.OK;
  }
  if (verb === 'set') {
    if (key === undefined || raw === undefined) throw new UsageError('config set needs KEY and VALUE');
    const dir = DataDir.open(common.dataDir, { create: true });
    const store = new ConfigStore(dir);
    try {
      const { before, after, stored } = store.set(key, parseValue(raw), common.nowMs);
      recordIn(dir, 'config/changed', cliActor(), { key, before, after, revision: stored.revision }, common.nowMs);
      io.out(common.json ? JSON.stringify({ key, before, after, revision: stored.revision }) + '\n' : `${key}: ${JSON.stringify(before)} → ${JSON.stringify(after)} (revision ${stored.revision})\n`);
    } catch (err) {
      if (err instanceof ConfigValueError) throw new UsageError(err.message);
      throw err;
    }
    return EXIT.OK;
  }
  if (verb === 'set-pin') {
    const role = values.role ?? 'technician';
    if (role !== 'technician' && role !== 'supervisor') throw new UsageError('--role must be technician or supervisor');
    const pin = (await readLine(io)).trim();
    let hash: string;
    try {
      hash = hashPin(pin);
    } catch (err) {
      if (err instanceof WeakPin) throw new UsageError(err.message);
      throw err;
    }
    const dir = DataDir.open(common.dataDir, { create: true });
    const store = new ConfigStore(dir);
    const current = store.load().config;
    const field = role === 'technician' ? 'pinHash' : 'supervisorPinHash';
    const stored = store.save({ ...current, technician: { ...current.technician, [field]: hash } }, common.nowMs);
    recordIn(dir, 'pin/set', cliActor(), { role, revision: stored.revision }, common.nowMs);
    io.out(common.json ? JSON.stringify({ role, pinSet: true, revision: stored.revision }) + '\n' : `${role} PIN set (revision ${stored.revision})\n`);
    return EXIT.OK;
  }
  throw new UsageError(verb === undefined ? 'config needs show, set or set-pin' : `unknown config command "${verb}"`);
}
