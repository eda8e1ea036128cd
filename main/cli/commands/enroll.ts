// sentinel enroll URL TOKEN: this kiosk enrolls with a central service
// (central/, sentinel central enroll-token makes the token). It sends the
// device's public key — the private key never leaves the data directory —
// and, once the service has recorded it, keeps URL as the sync endpoint,
// exactly as `sentinel config set sync.endpoint URL` would (and audited so).
import { cliActor, recordIn } from '../../audit/audit.js';
import { ConfigStore } from '../../config/config-store.js';
import { ConfigValueError } from '../../contract/kiosk-config.js';
import { DataDir } from '../../data-dir.js';
import { loadOrCreateDeviceIdentity } from '../../device/device-key.js';
import { enrollEndpoint, syncEndpoints } from '../../sync/endpoints.js';
import { readCapped } from '../../sync/sync-client.js';
import { isJsonObject } from '../../verify/jws.js';
import type { CommandIo } from '../command-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand } from '../options.js';

export const ENROLL_HELP = `usage: sentinel enroll URL TOKEN [--json] [--data DIR]

Enrolls this kiosk with the central service at URL, with a one-time TOKEN
from 'sentinel central enroll-token': sends the device's public key (sentinel
device show) and, once the service has recorded it, sets sync.endpoint to
URL. URL must be https (plain http only to this machine's loopback).
Exit 0 enrolled; 1 the service refused (a used or expired token, a revoked
device: the reason is printed); 69 the service could not be reached.`;

const TIMEOUT_MS = 15_000;
const MAX_ANSWER_BYTES = 64 * 1024;

export async function enrollCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {}, 2);
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(ENROLL_HELP + '\n');
    return EXIT.OK;
  }
  const [url, token] = positionals;
  if (url === undefined || token === undefined) throw new UsageError('enroll needs the service URL and the TOKEN (sentinel central enroll-token prints both)');
  let base: URL;
  let target: URL;
  try {
    base = syncEndpoints(url).base;
    target = enrollEndpoint(url);
  } catch (err) {
    if ((err as Error).name === 'EndpointRefused') throw new UsageError((err as Error).message);
    throw err;
  }
  const dir = DataDir.open(common.dataDir, { create: true });
  const identity = await loadOrCreateDeviceIdentity(dir);

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let status: number;
  let answer: string;
  try {
    const response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, deviceId: identity.deviceId, jwk: identity.jwk }),
      redirect: 'error',
      signal: controller.signal,
    });
    status = response.status;
    answer = await readCapped(response, MAX_ANSWER_BYTES);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = controller.signal.aborted ? `no answer within ${TIMEOUT_MS / 1000} s` : (cause?.code ?? cause?.message ?? (err as Error).message);
    io.err(`sentinel: cannot reach the central service at ${base.href} (${why})\n`);
    return EXIT.UNAVAILABLE;
  } finally {
    clearTimeout(timer);
  }
  let doc: unknown = null;
  try {
    doc = JSON.parse(answer);
  } catch {
    /* judged below */
  }
  if (status !== 200) {
    const why = isJsonObject(doc) && typeof doc.reason === 'string' ? `${typeof doc.error === 'string' ? `${doc.error}: ` : ''}${doc.reason.slice(0, 300)}` : 'no reason given';
    io.err(`sentinel: the central service at ${base.href} refused the enrollment (HTTP ${status}, ${why})\n`);
    return status >= 500 ? EXIT.UNAVAILABLE : EXIT.DENY;
  }
  if (!isJsonObject(doc) || doc.deviceId !== identity.deviceId) {
    io.err(`sentinel: the answer from ${base.href} does not confirm this device (${identity.deviceId}); the sync endpoint is not changed\n`);
    return EXIT.UNAVAILABLE;
  }
  const store = new ConfigStore(dir);
  let change;
  try {
    change = store.set('sync.endpoint', base.href, io.clock());
  } catch (err) {
    if (err instanceof ConfigValueError) throw new UsageError(err.message);
    throw err;
  }
  const gate = typeof doc.gate === 'string' ? doc.gate : null;
  const station = typeof doc.station === 'string' ? doc.station : null;
  recordIn(
    dir,
    'config/changed',
    cliActor(),
    { key: 'sync.endpoint', before: change.before, after: change.after, revision: change.stored.revision, enrolledAs: identity.deviceId, gate, station },
    io.clock(),
  );
  if (common.json) io.out(JSON.stringify({ enrolled: true, deviceId: identity.deviceId, endpoint: base.href, gate, station }) + '\n');
  else io.out(`enrolled as device ${identity.deviceId} (gate ${gate ?? '-'}, station ${station ?? '-'}); sync.endpoint is now ${base.href}\n`);
  return EXIT.OK;
}
