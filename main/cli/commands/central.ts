// sentinel central serve | enroll-token | devices | revoke | checks | alerts | bundle publish:
// the central service (central/) and the admin commands on its store. Every
// one takes --db URL (PostgreSQL) or --data DIR (the embedded PGlite store).
import { clearAlert, listAlerts, type Alert } from '../../../central/alerts.js';
import { publishBundle } from '../../../central/bundles.js';
import { CHECK_CSV_HEADER, checkCsvLine } from '../../../central/check-csv.js';
import { describeLocation, openStore, storeLocation, type StoreLocation } from '../../../central/open-store.js';
import { DEFAULT_RETENTION_DAYS } from '../../../central/partitions.js';
import { CentralService } from '../../../central/service.js';
import { serviceKey } from '../../../central/service-key.js';
import { StoreUnusable } from '../../../central/sql.js';
import { StoreBusy } from '../../../central/store-lock.js';
import type { CentralStore, DeviceRecord } from '../../../central/store.js';
import { MAX_BUNDLE_FILE_BYTES, MAX_ROOT_FILE_BYTES } from '../../trust/bundle-file.js';
import { readRootKeys } from '../../trust/trust-store.js';
import { readInputFile, type CommandIo } from '../command-io.js';
import { ConfigError, EXIT, UsageError } from '../exit-codes.js';
import { commonOf, parseCommand, parseIsoTime } from '../options.js';
import { USER_HELP, centralUserCommand } from './central-user.js';
import { writeQrPng } from './demo.js';
import { enrollmentText } from '../../contract/enrollment.js';

export const DEFAULT_CENTRAL_PORT = 8460;

export const CENTRAL_HELP = `usage: sentinel central serve [--port N] [--host ADDR] [--retention-days N] [STORE]
       sentinel central enroll-token [--gate NAME] [--station NAME] [--ttl-minutes N] [--url URL] [--png FILE] [--json] [STORE]
       sentinel central devices [--json] [STORE]
       sentinel central revoke DEVICE_ID [STORE]
       sentinel central checks [--since ISO] [--device ID] [--json | --format jsonl|csv] [STORE]
       sentinel central alerts [--all] [--device ID] [--json] | alerts clear ID [STORE]
       sentinel central bundle publish FILE --root JWK-FILE [STORE]
       sentinel central key [--json] [STORE]
       sentinel central user add NAME [--replace] | user list [--json] | user remove NAME [STORE]
STORE is --db postgres://USER@HOST:PORT/DB (or $SENTINEL_CENTRAL_DB), or
--data DIR, the embedded PGlite store (default $SENTINEL_CENTRAL_DATA, else
~/.local/share/sentinel-central).

serve runs the central log service kiosks sync with (POST /v1/checks, GET
/v1/trust-bundle, POST /v1/enroll) on 127.0.0.1:${DEFAULT_CENTRAL_PORT} unless told
otherwise, until SIGINT or SIGTERM. Retention drops whole months of checks
once they are older than --retention-days (default ${DEFAULT_RETENTION_DAYS}), at start and
hourly: a check is kept at least that long and at most a month more.
enroll-token makes a one-time token (default valid 60 minutes) for
'sentinel enroll URL TOKEN' on the kiosk; URL is --url, else the address
serve last listened on. --png FILE saves both as a QR for the kiosk's
technician screen (Settings, Enroll) to scan. revoke: nothing the device sends is stored from
then on (403). checks prints what is stored, one JSON object a check
(pseudonyms only). alerts lists the alerts the service raised (a history
rewritten or truncated, records it cannot store), open ones unless --all;
alerts clear ID marks one dealt with (the fleet view stops showing it).
bundle publish verifies a trust bundle against the pinned
root public key and serves it; a seq not higher than the newest is refused.
key prints the service's own public key (ES256) and its thumbprint: it signs
the receipt of every stored batch, and 'sentinel enroll' pins it on the
kiosk. It is made in the store on first need (serve makes it at start).
The fleet view is at /fleet on serve's address, for operators only:
${USER_HELP}
--public-url URL (serve) is the view's address as browsers reach it behind
a proxy: its origin is accepted for logins, and https makes cookies Secure.
On PostgreSQL any number of serve processes may share the store and admin
commands run beside them; the embedded store is one process: while serve
holds it, admin commands say so and exit 75.`;

const VERBS: Record<string, readonly string[]> = {
  serve: ['port', 'host', 'retention-days', 'public-url'],
  'enroll-token': ['gate', 'station', 'ttl-minutes', 'url', 'png'],
  devices: [],
  revoke: [],
  checks: ['since', 'device', 'format'],
  alerts: ['device', 'all'],
  bundle: ['root'],
  key: [],
  user: ['replace'],
};

const SPECIFIC = ['port', 'host', 'retention-days', 'gate', 'station', 'ttl-minutes', 'url', 'since', 'device', 'format', 'root', 'public-url', 'replace', 'all'];

function wholeNumber(raw: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${raw}"`);
  return n;
}

function label(raw: string | undefined, flag: string): string | null {
  if (raw === undefined) return null;
  const text = raw.trim();
  if (text.length === 0 || text.length > 64 || [...text].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) throw new UsageError(`${flag} must be a name of 1 to 64 characters`);
  return text;
}

function deviceLine(d: DeviceRecord): string {
  const state = d.revokedAt === null ? 'active' : `REVOKED ${d.revokedAt}`;
  return `${d.id}  gate ${d.gate ?? '-'}  station ${d.station ?? '-'}  enrolled ${d.enrolledAt}  last seen ${d.lastSeenAt ?? 'never'}  ${state}`;
}

const deviceJson = (d: DeviceRecord): Record<string, unknown> => ({
  deviceId: d.id,
  gate: d.gate,
  station: d.station,
  enrolledAt: d.enrolledAt,
  revokedAt: d.revokedAt,
  lastSeenAt: d.lastSeenAt,
  jwk: d.jwk,
});

/** Until SIGINT or SIGTERM. */
function signalled(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export async function centralCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      db: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'retention-days': { type: 'string' },
      gate: { type: 'string' },
      station: { type: 'string' },
      'ttl-minutes': { type: 'string' },
      url: { type: 'string' },
      png: { type: 'string' },
      since: { type: 'string' },
      device: { type: 'string' },
      format: { type: 'string' },
      root: { type: 'string' },
      'public-url': { type: 'string' },
      replace: { type: 'boolean' },
      all: { type: 'boolean' },
    },
    3,
  );
  const common = commonOf(values, io.clock);
  if (common.help) {
    io.out(CENTRAL_HELP + '\n');
    return EXIT.OK;
  }
  const [verb, ...rest] = positionals;
  if (verb === undefined) throw new UsageError('central needs serve, enroll-token, devices, revoke, checks, alerts, bundle publish or key (sentinel central --help)');
  const allowed = VERBS[verb];
  if (!allowed) throw new UsageError(`unknown central command "${verb}" (sentinel central --help)`);
  for (const flag of SPECIFIC) {
    if ((values as Record<string, unknown>)[flag] !== undefined && !allowed.includes(flag)) throw new UsageError(`--${flag} is not an option of central ${verb}`);
  }
  if (values.db !== undefined && values.data !== undefined) throw new UsageError('give --db URL or --data DIR, not both');
  const location = storeLocation({ db: values.db, data: values.data });
  try {
    switch (verb) {
      case 'serve':
        if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
        return await serve(location, values, io);
      case 'user':
        return await centralUserCommand(rest, { json: common.json, nowMs: common.nowMs, replace: values.replace === true }, io, (role, work) => withStore(location, role, work));
      case 'bundle': {
        const [sub, file] = rest;
        if (sub !== 'publish') throw new UsageError(sub === undefined ? 'central bundle needs publish FILE --root JWK-FILE' : `unknown central bundle command "${sub}"`);
        if (file === undefined) throw new UsageError('central bundle publish needs the bundle FILE');
        if (values.root === undefined) throw new UsageError('central bundle publish needs --root JWK-FILE (the root public key the bundle must verify with)');
        const jws = await readInputFile(file, 'trust bundle', MAX_BUNDLE_FILE_BYTES);
        const roots = await readRootKeys(await readInputFile(values.root, 'root key', MAX_ROOT_FILE_BYTES), values.root);
        return await withStore(location, 'bundle publish', async (store) => {
          const published = await publishBundle(store, jws, roots, common.nowMs);
          if (common.json) io.out(JSON.stringify({ published: true, seq: published.seq, rootKid: published.rootKid, expiresAt: published.expiresAt }) + '\n');
          else io.out(`published trust bundle seq ${published.seq} (root ${published.rootKid}), expires ${published.expiresAt}: kiosks fetch it at /v1/trust-bundle\n`);
          return EXIT.OK;
        });
      }
      case 'alerts': {
        const [sub, id, extra] = rest;
        if (sub === undefined) {
          return await withStore(location, 'alerts', async (store) => {
            const alerts = await listAlerts(store.sql, { includeCleared: values.all === true, ...(values.device === undefined ? {} : { deviceId: values.device }) });
            if (common.json) for (const a of alerts) io.out(JSON.stringify(a) + '\n');
            else io.out(alerts.length === 0 ? (values.all === true ? 'no alert was ever raised\n' : 'no open alert\n') : alerts.map(alertLine).join('\n') + '\n');
            return EXIT.OK;
          });
        }
        if (sub !== 'clear') throw new UsageError(`unknown central alerts command "${sub}" (alerts, or alerts clear ID)`);
        if (values.all === true || values.device !== undefined) throw new UsageError('alerts clear takes one alert ID, no --all or --device');
        const n = id !== undefined && /^\d{1,15}$/.test(id) ? Number(id) : NaN;
        if (!Number.isSafeInteger(n)) throw new UsageError(`alerts clear needs the alert's ID, a number (sentinel central alerts lists them), not "${id ?? ''}"`);
        if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
        return await withStore(location, 'alerts clear', async (store) => {
          if (!(await clearAlert(store.sql, n, common.nowMs))) throw new UsageError(`no open alert has the ID ${n} (sentinel central alerts lists them)`);
          if (common.json) io.out(JSON.stringify({ id: n, cleared: true }) + '\n');
          else io.out(`alert ${n} cleared\n`);
          return EXIT.OK;
        });
      }
      case 'revoke': {
        const [id, extra] = rest;
        if (id === undefined) throw new UsageError('central revoke needs the DEVICE_ID (sentinel central devices lists them)');
        if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
        return await withStore(location, 'revoke', async (store) => {
          const { result, device } = await store.revoke(id, common.nowMs);
          if (result === 'unknown') throw new UsageError(`no device enrolled here has the id "${id}" (sentinel central devices lists them)`);
          if (common.json) io.out(JSON.stringify({ deviceId: id, revoked: true, revokedAt: device!.revokedAt, already: result === 'already-revoked' }) + '\n');
          else
            io.out(
              result === 'revoked' ? `revoked device ${id} (gate ${device!.gate ?? '-'}): nothing it sends is stored from now on\n` : `device ${id} was already revoked at ${device!.revokedAt}\n`,
            );
          return EXIT.OK;
        });
      }
    }
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    switch (verb) {
      case 'enroll-token': {
        const gate = label(values.gate, '--gate');
        const station = label(values.station, '--station');
        const ttlMinutes = wholeNumber(values['ttl-minutes'], '--ttl-minutes', 60, 1, 7 * 24 * 60);
        if (values.url !== undefined && !/^https?:\/\/[^\s]+$/.test(values.url)) throw new UsageError(`--url must be the service's http(s) URL, not "${values.url}"`);
        return await withStore(location, 'enroll-token', async (store) => {
          const made = await store.createEnrollToken({ gate, station, ttlMinutes, nowMs: common.nowMs });
          const recorded = await store.setting('url');
          const url = values.url ?? (typeof recorded === 'string' ? recorded : `http://127.0.0.1:${DEFAULT_CENTRAL_PORT}/`);
          // The same token and URL as one text, for the technician screen to scan instead of typing 43 characters.
          const code = enrollmentText({ url, token: made.token });
          if (values.png !== undefined) await writeQrPng(values.png, code);
          if (common.json) io.out(JSON.stringify({ token: made.token, url, gate, station, expiresAt: made.expiresAt, code, png: values.png ?? null }) + '\n');
          else
            io.out(
              `enrollment token: ${made.token}\nservice URL: ${url}\nfor gate ${gate ?? '-'}, station ${station ?? '-'}; single use, valid until ${made.expiresAt}\n` +
                `on the kiosk: sentinel enroll ${url} ${made.token}\n` +
                `or on its technician screen (Settings, Enroll), scan ${values.png ?? 'the QR of this code'}: ${code}\n`,
            );
          return EXIT.OK;
        });
      }
      case 'key':
        return await withStore(location, 'key', async (store) => {
          const key = await serviceKey(store.sql, common.nowMs);
          if (common.json) io.out(JSON.stringify({ kid: key.kid, jwk: key.publicJwk, createdAt: key.createdAt }) + '\n');
          else io.out(`service key ${key.kid} (ES256, made ${key.createdAt}): it signs every receipt; kiosks pin it at enrollment\n${JSON.stringify(key.publicJwk)}\n`);
          return EXIT.OK;
        });
      case 'devices':
        return await withStore(location, 'devices', async (store) => {
          const devices = await store.devices();
          if (common.json) for (const d of devices) io.out(JSON.stringify(deviceJson(d)) + '\n');
          else io.out(devices.length === 0 ? 'no device is enrolled\n' : devices.map(deviceLine).join('\n') + '\n');
          return EXIT.OK;
        });
      case 'checks': {
        const format = values.format ?? 'jsonl';
        if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format must be jsonl or csv, not "${format}"`);
        if (common.json && format === 'csv') throw new UsageError('give --json or --format csv, not both');
        const sinceMs = values.since === undefined ? undefined : parseIsoTime(values.since, '--since');
        return await withStore(location, 'checks', async (store) => {
          if (format === 'csv') io.out(CHECK_CSV_HEADER + '\n');
          for await (const c of store.checks({ ...(sinceMs === undefined ? {} : { sinceMs }), ...(values.device === undefined ? {} : { deviceId: values.device }) })) {
            io.out((format === 'csv' ? checkCsvLine(c) : JSON.stringify(c)) + '\n');
          }
          return EXIT.OK;
        });
      }
    }
    throw new UsageError(`unknown central command "${verb}"`);
  } catch (err) {
    if (err instanceof StoreBusy) {
      io.err(`sentinel: ${err.message}\n`);
      return EXIT.TEMPFAIL;
    }
    if (err instanceof StoreUnusable) throw new ConfigError(err.message);
    throw err;
  }
}

function alertLine(a: Alert): string {
  return `${a.id}\t${a.raisedAt}\t${a.deviceId}\t${a.kind}${a.clearedAt === null ? '' : ` (cleared ${a.clearedAt})`}\t${JSON.stringify(a.detail)}`;
}

async function withStore(location: StoreLocation, role: string, work: (store: CentralStore) => Promise<number>): Promise<number> {
  const store = await openStore(location, { role });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function serve(
  location: StoreLocation,
  values: { port?: string | undefined; host?: string | undefined; 'retention-days'?: string | undefined; 'public-url'?: string | undefined; json?: boolean | undefined },
  io: CommandIo,
): Promise<number> {
  const port = wholeNumber(values.port, '--port', DEFAULT_CENTRAL_PORT, 0, 65_535);
  const host = values.host ?? '127.0.0.1';
  const retentionDays = wholeNumber(values['retention-days'], '--retention-days', DEFAULT_RETENTION_DAYS, 1, 36_500);
  const publicUrl = values['public-url'];
  if (publicUrl !== undefined && !/^https?:\/\/[^\s/]+\/?$/.test(publicUrl)) throw new UsageError(`--public-url must be the http(s) address browsers reach, not "${publicUrl}"`);
  const store = await openStore(location, { role: 'serve', retentionDays });
  const service = new CentralService({ store, clock: io.clock, log: (line) => io.err(`sentinel central: ${line}\n`), ...(publicUrl === undefined ? {} : { fleet: { publicUrl } }) });
  try {
    // Retention first (what is past it goes before anything is served), then the first line says it is up.
    const dropped = await service.startRetention((names) => io.out(values.json ? JSON.stringify({ event: 'retention', dropped: names }) + '\n' : `retention: dropped ${names.join(', ')}\n`));
    // The receipt key, made in the store on the first serve (every process over the store signs with it).
    const { kid } = await service.serviceKey();
    let url: string;
    try {
      url = await service.listen(port, host);
    } catch (err) {
      io.err(`sentinel: cannot listen on ${host}:${port} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})\n`);
      return EXIT.UNAVAILABLE;
    }
    // Remembered for enroll-token (a kiosk cannot reach a wildcard address; there the operator gives --url).
    if (!/^http:\/\/(0\.0\.0\.0|\[::\]):/.test(url)) await store.setSetting('url', url, io.clock());
    if (values.json) io.out(JSON.stringify({ event: 'listening', url, store: describeLocation(location), retentionDays, dropped, serviceKey: kid }) + '\n');
    else
      io.out(
        `central service listening on ${url} (store: ${describeLocation(location)}; retention ${retentionDays} days; receipts signed by ${kid}${dropped.length > 0 ? `; dropped ${dropped.join(', ')}` : ''})\n`,
      );
    const signal = await signalled();
    if (values.json) io.out(JSON.stringify({ event: 'stopped', signal }) + '\n');
    else io.out(`stopped (${signal})\n`);
    return EXIT.OK;
  } finally {
    await service.close();
    await store.close();
  }
}
