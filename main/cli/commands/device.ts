// sentinel device show
import { DataDir } from '../../data-dir.js';
import { loadOrCreateDeviceIdentity } from '../../device/device-key.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';

export const DEVICE_HELP = `usage: sentinel device show [--json] [--data DIR]

Prints this kiosk's device id and public JWK for enrollment with the central
service; the key pair is made on first use (private key 0600 in the data
directory).`;

export async function deviceCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {}, 1);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(DEVICE_HELP + '\n');
    return EXIT.OK;
  }
  if (positionals[0] !== 'show') throw new UsageError(positionals[0] === undefined ? 'device needs show' : `unknown device command "${positionals[0]}"`);
  const identity = await loadOrCreateDeviceIdentity(DataDir.open(common.dataDir, { create: true }));
  if (common.json) io.out(JSON.stringify({ deviceId: identity.deviceId, jwk: identity.jwk }) + '\n');
  else io.out(`device id: ${identity.deviceId}\npublic key (JWK): ${JSON.stringify(identity.jwk)}\n`);
  return EXIT.OK;
}
