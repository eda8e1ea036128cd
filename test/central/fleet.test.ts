// The fleet view (central/fleet/) on both backends: operators made, listed
// and removed through the store and the command line (the password piped in
// or typed twice on a terminal); logins good and bad, a wrong name answering
// exactly as a wrong password, the lockout after five, sessions ending idle,
// at their lifetime, at logout and with their operator; CSRF refused
// without the token, from a foreign Origin or a cross-site fetch; the pages
// refused without a session; the headers every answer carries; and what the
// view computes from seeded device rows and stored checks and events: the
// alerts (silent, stale or expired bundle, clock off, gate and thermometer
// out of order, a stored chain alert) and the counts per gate per hour.
import { PassThrough, Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { Operators } from '../../central/fleet/operators.js';
import { fleetSummary, type FleetAlert } from '../../central/fleet/summary.js';
import { CentralService } from '../../central/service.js';
import type { StoreLocation } from '../../central/open-store.js';
import type { CentralStore } from '../../central/store.js';
import type { CommandIo } from '../../main/cli/command-io.js';
import { runSentinel } from '../../main/cli/run.js';
import { BACKENDS } from './backends.js';
import { DAY, HOUR, MIN, T0, seedFleet, type SeededFleet } from './fleet-seed.js';

const PASSWORD = 'correct horse battery';
const FLOOR_MS = 150;

/** A browser's cookie jar, for one origin. */
class Jar {
  readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

interface Fleet {
  base: string;
  origin: string;
  /** The service's clock: moved on by the tests. */
  now: { ms: number };
  get(path: string, jar?: Jar, headers?: Record<string, string>): Promise<Response>;
  post(path: string, form: Record<string, string>, jar?: Jar, headers?: Record<string, string>): Promise<Response>;
  /** The login form fetched (its cookie into the jar); its CSRF token. */
  loginForm(jar: Jar): Promise<string>;
  login(name: string, password: string, jar?: Jar, headers?: Record<string, string>): Promise<{ res: Response; jar: Jar; body: string; ms: number }>;
}

function hidden(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no ${name} field in the page`);
  return m[1]!;
}

function fleetOver(service: CentralService, now: { ms: number }): Fleet {
  const base = service.url.replace(/\/$/, '');
  const origin = new URL(base).origin;
  const browser = { origin, 'sec-fetch-site': 'same-origin' };
  const f: Fleet = {
    base,
    origin,
    now,
    async get(path, jar, headers = {}) {
      const res = await fetch(base + path, { redirect: 'manual', headers: { ...(jar ? { cookie: jar.header() } : {}), ...headers } });
      jar?.take(res);
      return res;
    },
    async post(path, form, jar, headers = {}) {
      const res = await fetch(base + path, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...browser, ...(jar ? { cookie: jar.header() } : {}), ...headers },
        body: new URLSearchParams(form).toString(),
      });
      jar?.take(res);
      return res;
    },
    async loginForm(jar) {
      const res = await f.get('/fleet/login', jar);
      expect(res.status).toBe(200);
      return hidden(await res.text(), 'csrf');
    },
    async login(name, password, jar = new Jar(), headers = {}) {
      const csrf = await f.loginForm(jar);
      const started = performance.now();
      const res = await f.post('/fleet/login', { csrf, name, password }, jar, headers);
      const body = await res.text();
      return { res, jar, body, ms: performance.now() - started };
    },
  };
  return f;
}

/** The command line in this process, stdin given. */
async function cli(args: string[], stdin: Readable = Readable.from([]), onErr?: (text: string) => void): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    out: (t) => void (stdout += t),
    err: (t) => {
      stderr += t;
      onErr?.(t);
    },
    stdin,
    clock: Date.now,
  };
  const status = await runSentinel(args, io);
  return { status, stdout, stderr };
}

const storeArgs = (l: StoreLocation): string[] => (l.kind === 'postgres' ? ['--db', l.url] : ['--data', l.dir]);

describe('the fleet view: the command line', () => {
  it('user without a subcommand, an unknown one, and --replace elsewhere are usage errors; help names the user commands', async () => {
    expect((await cli(['central', 'user', '--data', '/nonexistent/x'])).status).toBe(64);
    expect((await cli(['central', 'user', 'rename', 'x', '--data', '/nonexistent/x'])).status).toBe(64);
    expect((await cli(['central', 'user', 'list', '--replace', '--data', '/nonexistent/x'])).status).toBe(64);
    expect((await cli(['central', 'devices', '--replace', '--data', '/nonexistent/x'])).status).toBe(64);
    expect((await cli(['central', 'devices', '--public-url', 'https://fleet.example.org', '--data', '/nonexistent/x'])).status).toBe(64);
    expect(await cli(['central', 'serve', '--public-url', 'ftp://fleet.example.org/x', '--data', '/nonexistent/x'])).toMatchObject({ status: 64, stderr: expect.stringMatching(/--public-url/) });
    const help = await cli(['central', '--help']);
    expect(help.stdout).toMatch(/user add NAME/);
    expect(help.stdout).toMatch(/--public-url/);
    expect((await cli(['--help'])).stdout).toMatch(/central user add NAME/);
  });
});

describe.each(BACKENDS)('the fleet view on $name', (backend) => {
  let store: CentralStore;
  let service: CentralService;
  let fleet: Fleet;
  let seeded: SeededFleet;
  const now = { ms: T0 };

  beforeAll(async () => {
    store = await backend.freshStore();
    seeded = await seedFleet(store);
    await new Operators(store.sql).add('alice', PASSWORD, T0 - DAY);
    service = new CentralService({ store, clock: () => now.ms, log: () => undefined, fleet: { timeZone: 'UTC', loginFloorMs: FLOOR_MS, summaryCacheMs: 0 } });
    await service.listen();
    fleet = fleetOver(service, now);
    return () => service.close();
  });

  describe('operators', () => {
    it('are added, listed and removed through the store: scrypt with a salt of their own, a password too short or holding the name refused, a name taken refused unless replaced', async () => {
      const ops = new Operators(store.sql);
      expect(await ops.add('bob', PASSWORD, T0)).toBe('added');
      expect(await ops.add('carol', PASSWORD, T0)).toBe('added');
      const hashes = await store.sql.query<{ name: string; password_hash: string }>("SELECT name, password_hash FROM operators WHERE name IN ('bob', 'carol') ORDER BY name");
      expect(hashes.map((h) => h.password_hash.split('$').slice(0, 4).join('$'))).toEqual(['scrypt$32768$8$1', 'scrypt$32768$8$1']);
      expect(hashes[0]!.password_hash).not.toBe(hashes[1]!.password_hash);
      expect(hashes.some((h) => h.password_hash.includes(PASSWORD))).toBe(false);
      await expect(ops.add('bob', 'another good password', T0)).rejects.toMatchObject({ code: 'exists' });
      await expect(ops.add('dave', 'short', T0)).rejects.toMatchObject({ code: 'weak-password', message: expect.stringMatching(/at least 12/) });
      await expect(ops.add('dave', 'dave-and-more-words', T0)).rejects.toMatchObject({ code: 'weak-password' });
      await expect(ops.add('has space', PASSWORD, T0)).rejects.toMatchObject({ code: 'bad-name' });
      const listed = await ops.list(T0);
      expect(listed.map((o) => o.name)).toEqual(expect.arrayContaining(['alice', 'bob', 'carol']));
      expect(listed.find((o) => o.name === 'bob')).toMatchObject({ failedAttempts: 0, lockedUntil: null, sessions: 0 });
      expect(await ops.remove('carol')).toBe(true);
      expect(await ops.remove('carol')).toBe(false);
      expect((await ops.list(T0)).map((o) => o.name)).not.toContain('carol');
      // A new password for bob: the old one no longer logs in, the new one does.
      expect(await ops.add('bob', 'a brand new secret', T0, { replace: true })).toBe('replaced');
      expect((await ops.login('bob', PASSWORD, T0)).ok).toBe(false);
      expect((await ops.login('bob', 'a brand new secret', T0)).ok).toBe(true);
      await ops.remove('bob');
    });

    it('through the command line: the password piped in, or typed twice on a terminal without echo; list and remove; refusals exit 64 and change nothing', async () => {
      const location = await backend.location();
      const at = storeArgs(location);
      const added = await cli(['central', 'user', 'add', 'erin', ...at], Readable.from([`${PASSWORD}\n`]));
      expect(added).toMatchObject({ status: 0, stdout: expect.stringMatching(/operator erin added/) });
      expect(added.stdout + added.stderr).not.toContain(PASSWORD);
      const weak = await cli(['central', 'user', 'add', 'frank', ...at], Readable.from(['short\n']));
      expect(weak).toMatchObject({ status: 64, stderr: expect.stringMatching(/at least 12 characters/) });
      expect((await cli(['central', 'user', 'add', 'frank', ...at], Readable.from([]))).status).toBe(64);

      // On a terminal: asked twice, raw mode on while typing, the two must agree.
      const typed = async (first: string, second: string): Promise<{ status: number; stderr: string; raw: boolean[] }> => {
        const tty = Object.assign(new PassThrough(), {
          isTTY: true,
          raw: [] as boolean[],
          setRawMode(on: boolean) {
            tty.raw.push(on);
          },
        });
        const r = await cli(['central', 'user', 'add', 'frank', ...at], tty, (text) => {
          if (text.startsWith('password for')) setImmediate(() => tty.write(`${first}\r`));
          if (text.startsWith('the same password again')) setImmediate(() => tty.write(`x\x7f${second}\r`));
        });
        return { ...r, raw: tty.raw };
      };
      expect(await typed('too short', '')).toMatchObject({ status: 64, stderr: expect.stringMatching(/at least 12 characters/), raw: [true, false] });
      const differ = await typed(PASSWORD, 'something else entirely');
      expect(differ).toMatchObject({ status: 64, stderr: expect.stringMatching(/differ/) });
      const same = await typed(PASSWORD, PASSWORD);
      expect(same.status).toBe(0);
      expect(same.raw).toEqual([true, false, true, false]);

      const listed = await cli(['central', 'user', 'list', '--json', ...at]);
      expect(listed.status).toBe(0);
      const rows = listed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(rows.map((r) => r.name)).toEqual(['erin', 'frank']);
      expect(rows[0]).toMatchObject({ failedAttempts: 0, lockedUntil: null, sessions: 0 });
      expect(JSON.stringify(rows)).not.toMatch(/scrypt/);
      expect((await cli(['central', 'user', 'remove', 'erin', ...at])).stdout).toMatch(/operator erin removed/);
      expect(await cli(['central', 'user', 'remove', 'erin', ...at])).toMatchObject({ status: 64, stderr: expect.stringMatching(/no operator is named "erin"/) });
    });
  });

  describe('login', () => {
    it('a good password gives a session cookie (HttpOnly, SameSite=Strict, Path=/fleet) and the page; a wrong one, or a wrong name, the same 401 in the same time', async () => {
      const good = await fleet.login('alice', PASSWORD);
      expect(good.res.status).toBe(303);
      expect(good.res.headers.get('location')).toBe('/fleet');
      const cookie = good.res.headers.getSetCookie().find((c) => c.startsWith('sentinel_fleet='))!;
      expect(cookie).toMatch(/^sentinel_fleet=[A-Za-z0-9_-]{43}; Path=\/fleet; HttpOnly; SameSite=Strict$/);
      const page = await fleet.get('/fleet', good.jar);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('alice');
      // The store keeps the token's hash, never the token.
      const token = good.jar.cookies.get('sentinel_fleet')!;
      expect((await store.sql.query('SELECT id FROM operator_sessions WHERE id = $1', [token])).length).toBe(0);

      const jar = new Jar();
      const wrongPassword = await fleet.login('alice', 'not the password at all', jar);
      const wrongName = await fleet.login('mallory', 'not the password at all', jar);
      for (const r of [wrongPassword, wrongName]) {
        expect(r.res.status).toBe(401);
        expect(r.ms).toBeGreaterThanOrEqual(FLOOR_MS - 5);
        expect(r.jar.cookies.has('sentinel_fleet')).toBe(false);
      }
      const same = (body: string): string => body.replace(/value="(alice|mallory)"/, 'value="NAME"');
      expect(same(wrongName.body)).toBe(same(wrongPassword.body));
      expect(wrongName.res.headers.getSetCookie()).toEqual(wrongPassword.res.headers.getSetCookie());
      expect(wrongName.body).toMatch(/用户名或密码错误/);
    });

    it('five wrong passwords lock the account for 15 minutes, answered like any wrong password, also to the right one; attempts at once count too', async () => {
      const ops = new Operators(store.sql);
      await ops.add('grace', PASSWORD, T0);
      const jar = new Jar();
      for (let i = 0; i < 5; i++) expect((await fleet.login('grace', `wrong password ${i}`, jar)).res.status).toBe(401);
      const locked = await fleet.login('grace', PASSWORD, jar);
      const wrong = await fleet.login('grace', 'wrong password 6', jar);
      expect(locked.res.status).toBe(401);
      expect(locked.body).toBe(wrong.body);
      expect((await ops.list(now.ms)).find((o) => o.name === 'grace')?.lockedUntil).toBe(new Date(now.ms + 15 * MIN).toISOString());
      now.ms += 14 * MIN;
      expect((await fleet.login('grace', PASSWORD)).res.status).toBe(401);
      now.ms += 2 * MIN;
      expect((await fleet.login('grace', PASSWORD)).res.status).toBe(303);

      // Eight wrong attempts at once through the store: the account is locked all the same.
      await ops.add('heidi', PASSWORD, now.ms);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => ops.login('heidi', `wrong ${i} password`, now.ms)));
      expect(results.every((r) => !r.ok)).toBe(true);
      expect((await ops.login('heidi', PASSWORD, now.ms)).ok).toBe(false);
      expect((await ops.list(now.ms)).find((o) => o.name === 'heidi')?.lockedUntil).not.toBeNull();
      now.ms = T0;
    });

    it('a session ends idle after 30 minutes (the page’s own refresh does not keep it), after 12 hours in any case, at logout, and when its operator is removed', async () => {
      // Idle: the refresh does not count as use.
      const a = await fleet.login('alice', PASSWORD);
      now.ms += 20 * MIN;
      expect((await fleet.get('/fleet/part', a.jar, { 'x-fleet-refresh': '1' })).status).toBe(200);
      now.ms += 11 * MIN;
      const ended = await fleet.get('/fleet', a.jar);
      expect(ended.status).toBe(303);
      expect(ended.headers.get('location')).toBe('/fleet/login?ended=1');
      expect(a.jar.cookies.has('sentinel_fleet')).toBe(false);
      now.ms = T0;

      // Used: kept past 30 minutes (the page itself, then the session every 25 minutes), ended at 12 hours.
      const b = await fleet.login('alice', PASSWORD);
      const ops = new Operators(store.sql);
      const token = b.jar.cookies.get('sentinel_fleet')!;
      now.ms += 25 * MIN;
      expect((await fleet.get('/fleet', b.jar)).status).toBe(200);
      for (now.ms += 25 * MIN; now.ms < T0 + 12 * HOUR; now.ms += 25 * MIN) expect(await ops.session(token, now.ms, { touch: true })).not.toBeNull();
      now.ms = T0 + 12 * HOUR;
      expect(await ops.session(token, now.ms, { touch: true })).toBeNull();
      expect((await fleet.get('/fleet/part', b.jar)).status).toBe(401);
      now.ms = T0;

      // Logout, with the page's CSRF token: the session is gone, the cookie cleared.
      const c = await fleet.login('alice', PASSWORD);
      const page = await (await fleet.get('/fleet', c.jar)).text();
      const old = c.jar.header();
      const out = await fleet.post('/fleet/logout', { csrf: hidden(page, 'csrf') }, c.jar);
      expect(out.status).toBe(303);
      expect(out.headers.get('location')).toBe('/fleet/login?bye=1');
      expect(out.headers.getSetCookie().some((l) => /^sentinel_fleet=; .*Max-Age=0/.test(l))).toBe(true);
      expect((await fetch(`${fleet.base}/fleet/api/summary`, { headers: { cookie: old } })).status).toBe(401);

      // Removing the operator ends their sessions.
      await ops.add('ivan', PASSWORD, T0);
      const d = await fleet.login('ivan', PASSWORD);
      expect((await fleet.get('/fleet/part', d.jar)).status).toBe(200);
      await ops.remove('ivan');
      expect((await fleet.get('/fleet/part', d.jar)).status).toBe(401);
    });
  });

  describe('CSRF and the session', () => {
    it('logout is refused without the session’s token, with a foreign Origin or a cross-site fetch, and the session stays', async () => {
      const { jar } = await fleet.login('alice', PASSWORD);
      const csrf = hidden(await (await fleet.get('/fleet', jar)).text(), 'csrf');
      const refused: [Record<string, string>, Record<string, string>][] = [
        [{}, {}],
        [{ csrf: 'x'.repeat(43) }, {}],
        [{ csrf }, { origin: 'http://evil.example' }],
        [{ csrf }, { origin: 'null' }],
        [{ csrf }, { 'sec-fetch-site': 'cross-site' }],
        [{ csrf }, { 'sec-fetch-site': 'same-site' }],
      ];
      for (const [form, headers] of refused) {
        const r = await fleet.post('/fleet/logout', form, jar, headers);
        expect(r.status, JSON.stringify({ form, headers })).toBe(403);
      }
      expect((await fleet.get('/fleet/part', jar)).status).toBe(200);
      expect((await fleet.post('/fleet/logout', { csrf }, jar)).status).toBe(303);
    });

    it('a login is refused without the form’s token, with another browser’s token, or from a foreign Origin, even with the right password', async () => {
      // Each case on a fresh form, so that only what the case changes is wrong.
      const fresh = async (): Promise<{ jar: Jar; csrf: string }> => {
        const jar = new Jar();
        return { jar, csrf: await fleet.loginForm(jar) };
      };
      const right = { name: 'alice', password: PASSWORD };
      const other = await fresh();
      const cases: [string, (f: { jar: Jar; csrf: string }) => Promise<Response>][] = [
        ['no token', (f) => fleet.post('/fleet/login', right, f.jar)],
        ['another browser’s token', (f) => fleet.post('/fleet/login', { ...right, csrf: other.csrf }, f.jar)],
        ['no cookie', (f) => fleet.post('/fleet/login', { ...right, csrf: f.csrf }, new Jar())],
        ['a foreign Origin', (f) => fleet.post('/fleet/login', { ...right, csrf: f.csrf }, f.jar, { origin: 'http://evil.example' })],
        ['a cross-site fetch', (f) => fleet.post('/fleet/login', { ...right, csrf: f.csrf }, f.jar, { 'sec-fetch-site': 'cross-site' })],
      ];
      for (const [what, send] of cases) {
        const r = await send(await fresh());
        expect(r.status, what).toBe(403);
        expect(r.headers.getSetCookie().some((l) => l.startsWith('sentinel_fleet='))).toBe(false);
      }
      // The same fresh form as a browser sends it logs in; so does a client that is no browser (no Origin, no
      // Sec-Fetch-Site), with the token all the same.
      const ok = await fresh();
      expect((await fleet.post('/fleet/login', { ...right, csrf: ok.csrf }, ok.jar)).status).toBe(303);
      const { jar, csrf } = await fresh();
      const plain = await fetch(`${fleet.base}/fleet/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
        body: new URLSearchParams({ csrf, name: 'alice', password: PASSWORD }).toString(),
      });
      expect(plain.status).toBe(303);
      // Not a form, or too large a one.
      expect((await fleet.post('/fleet/login', { csrf, name: 'alice', password: 'x'.repeat(5000) }, jar)).status).toBe(413);
      const json = await fetch(`${fleet.base}/fleet/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: fleet.origin, cookie: jar.header() }, body: '{}' });
      expect(json.status).toBe(415);
    });

    it('the page, its part and the summary are refused without a session (a redirect to the login, 401), also with a made-up cookie', async () => {
      for (const cookie of [undefined, 'sentinel_fleet=' + 'A'.repeat(43), 'sentinel_fleet=junk']) {
        const headers: Record<string, string> = cookie ? { cookie } : {};
        const page = await fetch(`${fleet.base}/fleet`, { redirect: 'manual', headers });
        expect(page.status).toBe(303);
        expect(page.headers.get('location')).toMatch(/^\/fleet\/login/);
        const part = await fetch(`${fleet.base}/fleet/part`, { headers });
        expect(part.status).toBe(401);
        const api = await fetch(`${fleet.base}/fleet/api/summary`, { headers });
        expect(api.status).toBe(401);
        expect(await api.json()).toMatchObject({ error: 'no-session' });
        if (cookie) expect(page.headers.getSetCookie()).toEqual([expect.stringMatching(/^sentinel_fleet=; Path=\/fleet; HttpOnly; SameSite=Strict; Max-Age=0$/)]);
      }
      expect((await fetch(`${fleet.base}/fleet/logout`)).status).toBe(405);
      expect((await fetch(`${fleet.base}/fleet/nothing`)).status).toBe(404);
    });

    it('every answer carries a strict CSP, X-Frame-Options DENY and no-store; the pages hold no inline script or style; the assets are served with their types', async () => {
      const { jar } = await fleet.login('alice', PASSWORD);
      const answers = await Promise.all([
        fleet.get('/fleet', jar),
        fleet.get('/fleet/login'),
        fleet.get('/fleet/part', jar),
        fleet.get('/fleet/api/summary', jar),
        fleet.get('/fleet/api/summary'),
        fleet.get('/fleet/assets/fleet.css'),
        fleet.get('/fleet/assets/fleet.js'),
        fleet.get('/fleet/assets/icon.svg'),
        fleet.get('/fleet/nothing'),
      ]);
      for (const r of answers) {
        expect(r.headers.get('content-security-policy')).toBe(
          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        );
        expect(r.headers.get('x-frame-options')).toBe('DENY');
        expect(r.headers.get('cache-control')).toBe('no-store');
        expect(r.headers.get('x-content-type-options')).toBe('nosniff');
        expect(r.headers.get('strict-transport-security')).toBeNull();
      }
      expect(answers.slice(5, 8).map((r) => r.headers.get('content-type'))).toEqual(['text/css; charset=utf-8', 'text/javascript; charset=utf-8', 'image/svg+xml']);
      for (const r of answers.slice(0, 3)) {
        const text = await r.text();
        expect(text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
        expect(text).not.toMatch(/\sstyle=|<style|\son[a-z]+=|javascript:/i);
      }
    });

    it('the cookie is Secure behind TLS (a proxy saying https, or an https public URL), whose origin is then accepted', async () => {
      const behind = await fleet.login('alice', PASSWORD, new Jar(), { 'x-forwarded-proto': 'https' });
      expect(behind.res.headers.getSetCookie().find((c) => c.startsWith('sentinel_fleet='))).toMatch(/; Secure$/);
      const proxied = new CentralService({ store, clock: () => now.ms, log: () => undefined, fleet: { publicUrl: 'https://fleet.example.org', loginFloorMs: 0, summaryCacheMs: 0 } });
      await proxied.listen();
      try {
        const f = fleetOver(proxied, now);
        const r = await f.login('alice', PASSWORD, new Jar(), { origin: 'https://fleet.example.org' });
        expect(r.res.status).toBe(303);
        expect(r.res.headers.getSetCookie().find((c) => c.startsWith('sentinel_fleet='))).toMatch(/; Secure$/);
        expect(r.res.headers.get('strict-transport-security')).toBe('max-age=31536000');
        expect((await f.login('alice', PASSWORD, new Jar(), { origin: 'https://evil.example.org' })).res.status).toBe(403);
      } finally {
        await proxied.close();
      }
    });
  });

  describe('what the view computes', () => {
    const kinds = (alerts: readonly FleetAlert[], id: string): string[] =>
      alerts
        .filter((a) => a.deviceId === id)
        .map((a) => (a.kind === 'stored' ? `stored:${a.storedKind}` : a.kind))
        .sort();

    it('alerts from the device rows at read time, and the stored ones: silent, stale and expired bundles, clock off, gate and thermometer out of order; none for a revoked kiosk', async () => {
      const s = await fleetSummary(store.sql, T0);
      expect(kinds(s.alerts, seeded.ok.id)).toEqual([]);
      expect(kinds(s.alerts, seeded.okTwin.id)).toEqual([]);
      expect(kinds(s.alerts, seeded.silent.id)).toEqual(['silent']);
      expect(kinds(s.alerts, seeded.stale.id)).toEqual(['bundle-stale', 'clock-off', 'stored:chain-rewritten']);
      expect(kinds(s.alerts, seeded.broken.id)).toEqual(['gate-out-of-order', 'thermometer-offline']);
      expect(kinds(s.alerts, seeded.expired.id)).toEqual(['bundle-expired']);
      expect(kinds(s.alerts, seeded.noStatus.id)).toEqual([]);
      expect(kinds(s.alerts, seeded.revoked.id)).toEqual([]);
      const silent = s.alerts.find((a) => a.kind === 'silent')!;
      expect(silent).toMatchObject({ severity: 'critical', value: 25 * MIN, sinceMs: T0 - 25 * MIN, gate: 'G2' });
      expect(s.alerts.find((a) => a.kind === 'clock-off')).toMatchObject({ severity: 'warning', value: 95_000 });
      expect(s.alerts.find((a) => a.kind === 'bundle-stale')).toMatchObject({ bundleSeq: 12, value: 9 * DAY });
      // Critical first.
      expect(s.alerts.findIndex((a) => a.severity === 'warning')).toBeGreaterThan(s.alerts.findLastIndex((a) => a.severity === 'critical'));
      const byId = new Map(s.kiosks.map((k) => [k.deviceId, k]));
      expect(byId.get(seeded.ok.id)).toMatchObject({ state: 'ok', clockOffsetMs: 400, status: { backlog: 12, bundleSeq: 17, policyVersion: 3, appVersion: '0.1.0' } });
      expect(byId.get(seeded.stale.id)?.state).toBe('critical');
      expect(byId.get(seeded.noStatus.id)).toMatchObject({ state: 'ok', status: null, clockOffsetMs: null, lastSeenAtMs: T0 - 2 * MIN });
      expect(byId.get(seeded.revoked.id)?.state).toBe('revoked');
      expect(s.totals).toMatchObject({ kiosks: 7, online: 6, attention: 4 });

      // The thresholds' edges: silent only past 10 minutes; a bundle expiring within two days is stale; a clock a minute off is not yet.
      const later = await fleetSummary(store.sql, T0 + 10 * MIN - MIN);
      expect(kinds(later.alerts, seeded.ok.id)).toEqual([]);
      const afterSilence = await fleetSummary(store.sql, T0 + 10 * MIN);
      expect(kinds(afterSilence.alerts, seeded.ok.id)).toEqual(['silent']);
      const nearExpiry = await fleetSummary(store.sql, T0 + 28 * DAY + HOUR);
      expect(nearExpiry.alerts.find((a) => a.deviceId === seeded.ok.id && a.kind === 'bundle-expiring')).toBeDefined();
      await store.sql.query('UPDATE devices SET clock_offset_ms = 60000 WHERE id = $1', [seeded.okTwin.id]);
      expect(kinds((await fleetSummary(store.sql, T0)).alerts, seeded.okTwin.id)).toEqual([]);
      await store.sql.query('UPDATE devices SET clock_offset_ms = -60001 WHERE id = $1', [seeded.okTwin.id]);
      expect(kinds((await fleetSummary(store.sql, T0)).alerts, seeded.okTwin.id)).toEqual(['clock-off']);
      await store.sql.query('UPDATE devices SET clock_offset_ms = -300 WHERE id = $1', [seeded.okTwin.id]);
    });

    it('admit, review and deny per gate per hour over the last 24 hours, and the gates’ not-passed and tailgating events, from the stored checks and events', async () => {
      const s = await fleetSummary(store.sql, T0);
      expect(new Date(s.windowStartMs).toISOString()).toBe('2026-12-01T13:00:00.000Z');
      expect(new Date(s.windowEndMs).toISOString()).toBe('2026-12-02T13:00:00.000Z');
      const gate = (station: string, g: string) => s.gates.find((x) => x.station === station && x.gate === g)!;
      const g1 = gate('虹桥站 Hongqiao', 'G1');
      expect(g1.kiosks).toBe(2);
      expect(g1.hours).toHaveLength(24);
      // 11:30 falls in the 11:00 hour (index 22): three admits and a review from one kiosk, one admit from its twin.
      expect(g1.hours[22]).toEqual({ startMs: Date.UTC(2026, 11, 2, 11), admit: 4, review: 1, deny: 0 });
      expect(g1.hours[18]).toEqual({ startMs: Date.UTC(2026, 11, 2, 7), admit: 0, review: 0, deny: 2 });
      // The checks 25 hours back are outside the window.
      expect(g1.totals).toEqual({ admit: 4, review: 1, deny: 2 });
      expect(gate('浦东站 Pudong', 'G3').hours[23]).toMatchObject({ admit: 4 });
      const p1 = gate('浦东站 Pudong', 'G1');
      expect(p1).toMatchObject({ notPassed: 2, tailgates: 1, totals: { admit: 2, review: 0, deny: 0 } });
      expect(gate('虹桥站 Hongqiao', 'G2')).toMatchObject({ kiosks: 1, notPassed: 0, tailgates: 0, totals: { admit: 0, review: 0, deny: 0 } });
      expect(s.gates.find((g) => g.gate === 'G9')).toBeUndefined();
      expect(s.totals).toMatchObject({ admit: 10, review: 1, deny: 2, notPassed: 2, tailgates: 1 });
    });

    it('the page and the summary show it, in Chinese or English (the choice, else Accept-Language), with no pseudonym anywhere', async () => {
      const { jar } = await fleet.login('alice', PASSWORD);
      const zh = await (await fleet.get('/fleet', jar, { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' })).text();
      expect(zh).toMatch(/<html lang="zh-CN">/);
      expect(zh).toContain('已25分钟未联系');
      expect(zh).toContain('闸机故障，需人工放行');
      expect(zh).toContain('日志链被改写');
      expect(zh).toContain('时钟偏差：快1分钟');
      const en = await (await fleet.get('/fleet', jar, { 'accept-language': 'en-GB,en;q=0.9' })).text();
      expect(en).toMatch(/<html lang="en">/);
      expect(en).toContain('Silent for 25 min');
      expect(en).toContain('Trust list is 9 d old (seq 12)');
      expect(en).toContain('Trust list expired 2 h ago (seq 17)');
      expect(en).toContain('Thermometer out of order');
      expect(en).toContain('Clock off: 1 min ahead');
      // No Accept-Language: Chinese. A choice made with ?lang= is kept in a cookie and wins over Accept-Language.
      expect(await (await fleet.get('/fleet', jar)).text()).toMatch(/<html lang="zh-CN">/);
      const chose = await fleet.get('/fleet?lang=en', jar, { 'accept-language': 'zh-CN' });
      expect(chose.headers.getSetCookie()).toContain('sentinel_fleet_lang=en; Path=/fleet; HttpOnly; SameSite=Strict; Max-Age=31536000');
      expect(await (await fleet.get('/fleet', jar, { 'accept-language': 'zh-CN' })).text()).toMatch(/<html lang="en">/);
      jar.cookies.delete('sentinel_fleet_lang');
      // A kiosk that sent no status shows dashes, not zeros.
      const row = new RegExp(`<tr class="ok" data-device="${seeded.noStatus.id}"[\\s\\S]*?</tr>`).exec(en)![0];
      expect(row.match(/>–</g)?.length).toBeGreaterThanOrEqual(5);

      const api = await fleet.get('/fleet/api/summary', jar);
      expect(api.headers.get('content-type')).toBe('application/json');
      const json = (await api.json()) as { kiosks: unknown[]; alerts: unknown[]; gates: unknown[] };
      expect(json.kiosks).toHaveLength(8);
      const part = await (await fleet.get('/fleet/part', jar)).text();
      for (const text of [zh, en, part, JSON.stringify(json)]) for (const holder of seeded.holders) expect(text).not.toContain(holder);
    });

    it('a gate’s name or version from a kiosk is shown as text, never as markup', async () => {
      await store.sql.query("UPDATE devices SET gate = '<img src=x onerror=alert(1)>' WHERE id = $1", [seeded.okTwin.id]);
      try {
        const { jar } = await fleet.login('alice', PASSWORD);
        const page = await (await fleet.get('/fleet', jar)).text();
        expect(page).not.toContain('<img src=x');
        expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
      } finally {
        await store.sql.query("UPDATE devices SET gate = 'G1' WHERE id = $1", [seeded.okTwin.id]);
      }
    });
  });
});
