// sentinel enroll URL TOKEN: this kiosk enrolls with a central service
// (main/sync/enroll.ts does it; the technician's screen does the same from
// the enrollment QR) and says what happened.
import { cliActor, recordIn } from '../../audit/audit.js';
import { ConfigValueError } from '../../contract/kiosk-config.js';
import { DataDir } from '../../data-dir.js';
import { enrollWith } from '../../sync/enroll.js';
import { enrollEndpoint } from '../../sync/endpoints.js';
import { SERVICE_KEY_FILE } from '../../sync/service-pin.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';

export const ENROLL_HELP = `usage: sentinel enroll URL TOKEN [--json] [--data DIR]

Enrolls this kiosk with the central service at URL, with a one-time TOKEN
from 'sentinel central enroll-token': sends the device's public key (sentinel
device show) and, once the service has recorded it, sets sync.endpoint to
URL and pins the service's own key (central-key.json in the data directory):
from then on a check is marked synced only on a receipt signed by that key.
URL must be https (plain http only to this machine's loopback).
Exit 0 enrolled; 1 the service refused (a used or expired token, a revoked
device: the reason is printed); 69 the service could not be reached.`;

export async function enrollCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {}, 2);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(ENROLL_HELP + '\n');
    return EXIT.OK;
  }
  const [url, token] = positionals;
  if (url === undefined || token === undefined) throw new UsageError('enroll needs the service URL and the TOKEN (sentinel central enroll-token prints both)');
  let outcome;
  try {
    // The URL judged before the data directory is made: a refused one leaves nothing behind.
    enrollEndpoint(url);
    const dir = DataDir.open(common.dataDir, { create: true });
    outcome = await enrollWith(dir, url, token, { clock: io.clock, audit: (detail) => recordIn(dir, 'config/changed', cliActor(), detail, io.clock()) });
  } catch (err) {
    if ((err as Error).name === 'EndpointRefused' || err instanceof ConfigValueError) throw new UsageError((err as Error).message);
    throw err;
  }
  if (outcome.kind !== 'enrolled') {
    io.err(`sentinel: ${outcome.reason}\n`);
    return outcome.kind === 'refused' ? EXIT.DENY : EXIT.UNAVAILABLE;
  }
  const { deviceId, endpoint, gate, station, serviceKey } = outcome;
  if (common.json) io.out(JSON.stringify({ enrolled: true, deviceId, endpoint, gate, station, serviceKey }) + '\n');
  else {
    io.out(`enrolled as device ${deviceId} (gate ${gate ?? '-'}, station ${station ?? '-'}); sync.endpoint is now ${endpoint}\n`);
    io.out(
      serviceKey
        ? `receipts: the service's key ${serviceKey} is pinned (${SERVICE_KEY_FILE}); checks are marked synced only on receipts it signs\n`
        : `warning: the service sends no key, so its answers carry no receipts: checks are marked synced on its word alone (the status bar says so)\n`,
    );
  }
  return EXIT.OK;
}
