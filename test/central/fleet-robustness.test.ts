// The fleet view under a hostile or careless client: a login whose client
// goes away in the middle of its form settles and answers nothing, and a
// flood of logins is refused with 503 and Retry-After once the password
// hashing queue is full, rather than queued without end in front of a real
// operator. The queue's bound is shown with hashings the test holds and
// lets go, not by racing real scrypt.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_COOKIE, SESSION_COOKIE } from '../../central/fleet/auth.js';
import { Operators, sessionId } from '../../central/fleet/operators.js';
import { HASHING_RETRY_AFTER_S, HashQueue, HashingBusy, MAX_WAITING_HASHES, PASSWORD_HASHING } from '../../central/fleet/passwords.js';
import { FleetRouter } from '../../central/fleet/router.js';
import type { Row, Sql } from '../../central/sql.js';
import { CentralStore } from '../../central/store.js';
import { PGLITE } from './backends.js';

const PASSWORD = 'correct horse battery';
const FLOOR_MS = 100;
const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the password hashing queue', () => {
  it('runs at most maxRunning at once, lets at most maxWaiting wait, refuses the rest, and gives a finished slot to the next in line', async () => {
    const queue = new HashQueue(2, 3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const startedSignal = Array.from({ length: 7 }, () => deferred());
    const release = Array.from({ length: 7 }, () => deferred());
    const job = (i: number): Promise<number> =>
      queue.run(async () => {
        running++;
        most = Math.max(most, running);
        started.push(i);
        startedSignal[i]!.resolve();
        await release[i]!.promise;
        running--;
        return i;
      });

    const jobs = [0, 1, 2, 3, 4].map(job);
    expect(started).toEqual([0, 1]);
    expect(queue.full).toBe(true);
    await expect(job(5)).rejects.toBeInstanceOf(HashingBusy);

    release[0]!.resolve();
    expect(await jobs[0]).toBe(0);
    await startedSignal[2]!.promise;
    expect(started).toEqual([0, 1, 2]);
    // Two run and two wait: one more may wait, the next is refused again.
    const late = job(6);
    expect(queue.full).toBe(true);
    await expect(job(5)).rejects.toBeInstanceOf(HashingBusy);

    for (const i of [1, 2, 3, 4, 6]) release[i]!.resolve();
    expect(await Promise.all([...jobs, late])).toEqual([0, 1, 2, 3, 4, 6]);
    expect(started).toEqual([0, 1, 2, 3, 4, 6]);
    expect(most).toBe(2);
    expect(queue.full).toBe(false);
  });
});

describe('the fleet login, robust', () => {
  let store: CentralStore;
  let server: http.Server;
  let base: string;
  const logs: string[] = [];
  /** Called after the store counted a login attempt, before its password is hashed. */
  let afterCount: (() => void) | null = null;
  /** Awaited before a session is looked up (which logout does before reading its form). */
  let sessionLookup: Promise<void> | null = null;
  /** The next request's handling by the router, and the first piece of its body arriving. */
  let nextRequest: Deferred<{ handled: Promise<void>; firstData: Promise<void>; closed: Promise<void> }> | null = null;

  beforeAll(async () => {
    const real = await PGLITE.freshStore();
    await new Operators(real.sql).add('alice', PASSWORD, NOW);
    const sql: Sql = {
      backend: real.sql.backend,
      where: real.sql.where,
      query: async <R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]> => {
        if (sessionLookup && /FROM operator_sessions\s+WHERE id = \$1/.test(text)) await sessionLookup;
        const rows = await real.sql.query<R>(text, params);
        if (/SET failed_attempts = failed_attempts \+ 1/.test(text)) afterCount?.();
        return rows;
      },
      transaction: (work) => real.sql.transaction(work),
      close: () => real.sql.close(),
    };
    store = new CentralStore(sql);
    const router = new FleetRouter({ store, clock: () => NOW, log: (line) => logs.push(line), fleet: { loginFloorMs: FLOOR_MS, summaryCacheMs: 0 } });
    server = http.createServer((req, res) => {
      const handled = router.handle(req, res, new URL(req.url ?? '/', 'http://fleet.invalid').pathname);
      const firstData = new Promise<void>((resolve) => req.once('data', () => resolve()));
      const closed = new Promise<void>((resolve) => req.once('close', () => resolve()));
      nextRequest?.resolve({ handled, firstData, closed });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function loginForm(): Promise<{ cookie: string; csrf: string }> {
    const res = await fetch(`${base}/fleet/login`);
    expect(res.status).toBe(200);
    const line = res.headers.getSetCookie().find((c) => c.startsWith(`${LOGIN_COOKIE}=`))!;
    const csrf = /name="csrf" value="([^"]*)"/.exec(await res.text())![1]!;
    return { cookie: line.split(';')[0]!, csrf };
  }

  async function login(password: string, headers: Record<string, string> = {}): Promise<{ res: Response; body: string; ms: number }> {
    const { cookie, csrf } = await loginForm();
    const started = performance.now();
    const res = await fetch(`${base}/fleet/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base, 'sec-fetch-site': 'same-origin', cookie, ...headers },
      body: new URLSearchParams({ csrf, name: 'alice', password }).toString(),
    });
    const body = await res.text();
    return { res, body, ms: performance.now() - started };
  }

  async function failedAttempts(): Promise<number> {
    const [row] = await store.sql.query("SELECT failed_attempts FROM operators WHERE name = 'alice'");
    return Number(row?.failed_attempts);
  }

  /** Every slot of the process's hashing queue taken and every waiting place filled, until `free` is called. */
  function fillHashing(): { free(): Promise<void> } {
    const gate = deferred();
    const held = Array.from({ length: 2 + MAX_WAITING_HASHES }, () => PASSWORD_HASHING.run(() => gate.promise));
    expect(PASSWORD_HASHING.full).toBe(true);
    return {
      async free() {
        gate.resolve();
        await Promise.all(held);
      },
    };
  }

  /** A POST whose body is cut short: a promise of the server's side of it, and the client's request to destroy. */
  function partialPost(path: string, cookie: string): { client: http.ClientRequest; clientClosed: Promise<void> } {
    const client = http.request(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '1000', origin: base, 'sec-fetch-site': 'same-origin', cookie },
    });
    const clientClosed = new Promise<void>((resolve) => client.on('close', () => resolve()));
    client.on('error', () => undefined);
    client.write('csrf=abc&name=alice&pass');
    return { client, clientClosed };
  }

  it('a login whose client goes away in the middle of its form settles, answers nothing and logs nothing', { timeout: 15_000 }, async () => {
    const { cookie } = await loginForm();
    nextRequest = deferred();
    const { client, clientClosed } = partialPost('/fleet/login', cookie);
    const { handled, firstData } = await nextRequest.promise;
    nextRequest = null;
    await firstData;
    client.destroy();
    await clientClosed;
    await expect(handled).resolves.toBeUndefined();
    expect(logs).toEqual([]);
    expect(await failedAttempts()).toBe(0);
  });

  it('a logout whose client went away while its session was looked up, before its form was read, settles and logs nothing', { timeout: 15_000 }, async () => {
    const good = await login(PASSWORD);
    expect(good.res.status).toBe(303);
    const session = good.res.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
      .split(';')[0]!;
    const lookup = deferred();
    sessionLookup = lookup.promise;
    try {
      nextRequest = deferred();
      const { client, clientClosed } = partialPost('/fleet/logout', session);
      const { handled, closed } = await nextRequest.promise;
      nextRequest = null;
      client.destroy();
      await Promise.all([clientClosed, closed]);
      lookup.resolve();
      await expect(handled).resolves.toBeUndefined();
    } finally {
      sessionLookup = null;
      lookup.resolve();
    }
    expect(logs).toEqual([]);
    // The session was not ended: nothing past the form was done.
    const token = session.slice(SESSION_COOKIE.length + 1);
    expect(await store.sql.query('SELECT id FROM operator_sessions WHERE id = $1', [sessionId(token)])).toHaveLength(1);
  });

  it('with the hashing queue full, a login is answered 503 with Retry-After after the floor, in the page’s language, without counting an attempt', async () => {
    const full = fillHashing();
    try {
      const en = await login(PASSWORD, { 'accept-language': 'en' });
      expect(en.res.status).toBe(503);
      expect(en.res.headers.get('retry-after')).toBe(String(HASHING_RETRY_AFTER_S));
      expect(en.res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(en.res.headers.get('x-frame-options')).toBe('DENY');
      expect(en.body).toBe('Too many logins at once. Try again in a moment.\n');
      expect(en.ms).toBeGreaterThanOrEqual(FLOOR_MS - 5);
      const zh = await login(PASSWORD);
      expect(zh.res.status).toBe(503);
      expect(zh.body).toBe('登录请求过多，请稍后重试。\n');
      expect(await failedAttempts()).toBe(0);
    } finally {
      await full.free();
    }
    expect((await login(PASSWORD)).res.status).toBe(303);
    expect(logs).toEqual([]);
  });

  it('when the queue fills between the check and the hashing, the login is answered 503 all the same, its attempt counted as any attempt is before its compare', async () => {
    let full: { free(): Promise<void> } | null = null;
    afterCount = () => {
      afterCount = null;
      full = fillHashing();
    };
    try {
      const busy = await login(PASSWORD, { 'accept-language': 'en' });
      expect(busy.res.status).toBe(503);
      expect(busy.res.headers.get('retry-after')).toBe(String(HASHING_RETRY_AFTER_S));
      expect(await failedAttempts()).toBe(1);
    } finally {
      afterCount = null;
      await (full as { free(): Promise<void> } | null)?.free();
    }
    // A good password afterwards logs in and clears the count.
    expect((await login(PASSWORD)).res.status).toBe(303);
    expect(await failedAttempts()).toBe(0);
    expect(logs).toEqual([]);
  });
});
