// The browser shell's door, knocked on with everything a local process or a
// web page elsewhere on the machine could send: request lines that do not
// parse as URLs, rebound Host names, upgrades without the page's token,
// messages that are not the contract's. Each must be refused (a 4xx or a
// closed socket) and the kiosk must go on serving its screen.
//
// The crash inputs go to a real `sentinel kiosk --browser` process (what
// ships; a crash there is the process gone, not an error some test runner
// catches), written verbatim on raw sockets so no client library tidies the
// URL first. The caller ids and a misbehaving service are watched in
// process, through a fake service that records what it is asked.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserShell, type BrowserShell } from '../../main/shell/browser-shell.js';
import type { KioskEndpoint } from '../../main/contract/ipc.js';
import { chromiumArgs } from '../../main/shell/open-chromium.js';
import { SENTINEL, sentinel } from '../fixtures/cli.js';

interface Door {
  /** host:port, as the shell serves it. */
  host: string;
  origin: string;
  token: string;
}

function doorOf(url: string): Door {
  const u = new URL(url);
  return { host: u.host, origin: u.origin, token: new URLSearchParams(u.hash.slice(1)).get('k') ?? '' };
}

/**
 * Writes `request` verbatim and reads the answer's head: the status, or
 * null when the server closed (or reset) without one.
 */
function rawRequest(door: Door, request: string): Promise<{ status: number | null; text: string }> {
  return new Promise((resolve) => {
    const [hostname, port] = [door.host.replace(/:\d+$/, ''), Number(door.host.split(':').pop())];
    const socket = net.connect(port, hostname);
    let got = '';
    const done = (): void => {
      socket.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      resolve({ status: m ? Number(m[1]) : null, text: got });
    };
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      got += d;
      // An upgrade's 101 leaves the socket open: its head is the answer.
      if (/^HTTP\/1\.1 101 /.test(got) && got.includes('\r\n\r\n')) done();
    });
    // A reset is an answer too (no status): the assertions say what was expected.
    socket.on('error', () => undefined);
    socket.on('close', done);
    socket.write(request, 'latin1');
  });
}

const get = (door: Door, target: string, host = door.host): string => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

const upgrade = (door: Door, target: string, headers: { host?: string; origin?: string } = {}): string =>
  [
    `GET ${target} HTTP/1.1`,
    `Host: ${headers.host ?? door.host}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    `Origin: ${headers.origin ?? door.origin}`,
    '',
    '',
  ].join('\r\n');

/** A socket as the page opens it: its origin, its token. */
function openSocket(door: Door, token = door.token): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${door.host}/kiosk?k=${encodeURIComponent(token)}`, { headers: { origin: door.origin } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** The close code the server hung up with. */
const closed = (ws: WebSocket): Promise<number> => new Promise((resolve) => ws.once('close', (code) => resolve(code)));

/** The next message, parsed. */
const nextMessage = (ws: WebSocket): Promise<{ t: string; id?: number; result?: { ok: boolean; error?: { code: string } }; channel?: string; payload?: unknown }> =>
  new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));

/** The next answer to a request, or 'closed' when the server hung up first. */
const nextAnswer = (ws: WebSocket): Promise<{ id?: number; result?: { ok: boolean; error?: { code: string } } } | 'closed'> =>
  new Promise((resolve) => {
    const onMessage = (d: Buffer): void => {
      const msg = JSON.parse(String(d)) as { t: string; id?: number; result?: { ok: boolean; error?: { code: string } } };
      if (msg.t !== 'result') return;
      ws.off('message', onMessage);
      resolve(msg);
    };
    ws.on('message', onMessage);
    ws.once('close', () => resolve('closed'));
  });

describe('the browser shell in a running kiosk: nothing a client sends ends it', () => {
  let tmp: string;
  let kiosk: ChildProcess;
  let stderr = '';
  let exited: { code: number | null; signal: string | null } | null = null;
  let door: Door;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-door-'));
    const data = path.join(tmp, 'demo');
    expect(sentinel(['demo', '--data', data]).status).toBe(0);
    kiosk = spawn(process.execPath, [SENTINEL, 'kiosk', '--browser', '--no-open', '--simulate', '--json', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    kiosk.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    kiosk.on('exit', (code, signal) => (exited = { code, signal }));
    // As a launcher does: the address it prints (token in the fragment) is the way in.
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      kiosk.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { url: string }).url);
      });
      kiosk.once('exit', () => reject(new Error(`the kiosk did not start: ${stderr}`)));
    });
    door = doorOf(url);
    expect(door.token).toMatch(/^[\w-]{43}$/);
  });

  afterAll(async () => {
    if (kiosk && !exited) {
      const gone = new Promise((resolve) => kiosk.once('exit', resolve));
      kiosk.kill('SIGTERM');
      await gone;
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The kiosk is still there and still serves its screen. */
  async function stillServing(): Promise<void> {
    expect(exited, `the kiosk died: ${stderr}`).toBeNull();
    const page = await rawRequest(door, get(door, '/'));
    expect(page.status).toBe(200);
    expect(page.text).toContain('content-security-policy');
  }

  it.each([
    ['a path that does not percent-decode, /%E0%A4%A', '/%E0%A4%A', 400],
    ['a protocol-relative target with a broken host, //[', '//[', 404],
    ['an absolute URL with a broken host, http://[::1', 'http://[::1', 400],
    ['an absolute URL', `http://127.0.0.1:1/`, 400],
    ['a NUL byte', '/index.html%00.js', 400],
    ['a traversal', '/%2e%2e/%2e%2e/package.json', 404],
    ['a very long target', '/' + 'a'.repeat(4000), 400],
  ])('GET with %s → %i', async (_what, target, status) => {
    expect((await rawRequest(door, get(door, target))).status).toBe(status);
    await stillServing();
  });

  it('an upgrade to a target that does not parse is refused, not a crash', async () => {
    expect((await rawRequest(door, upgrade(door, '//['))).status).toBe(404);
    expect((await rawRequest(door, upgrade(door, '/%E0%A4%A'))).status).toBe(400);
    expect((await rawRequest(door, upgrade(door, 'http://[::1'))).status).toBe(400);
    await stillServing();
  });

  it('requests the parser refuses are answered and closed: a garbage line, an absurd URL or header', async () => {
    expect((await rawRequest(door, 'HELLO\r\n\r\n')).status).toBe(400);
    expect((await rawRequest(door, get(door, '/' + 'a'.repeat(100_000)))).status).toBe(431);
    expect((await rawRequest(door, `GET / HTTP/1.1\r\nHost: ${door.host}\r\nX-Junk: ${'j'.repeat(100_000)}\r\n\r\n`)).status).toBe(431);
    await stillServing();
  });

  it('a DNS-rebound name gets neither the page nor the socket', async () => {
    const rebound = `evil.example:${door.host.split(':').pop()}`;
    expect((await rawRequest(door, get(door, '/', rebound))).status).toBe(403);
    expect((await rawRequest(door, get(door, '/index.html', 'localhost:' + door.host.split(':').pop()))).status).toBe(403);
    // Even with the page's origin and token.
    expect((await rawRequest(door, upgrade(door, `/kiosk?k=${door.token}`, { host: rebound }))).status).toBe(403);
    await stillServing();
  });

  it("the socket wants the page's token: none, a wrong one, two, or the right one from another origin are refused", async () => {
    expect((await rawRequest(door, upgrade(door, '/kiosk'))).status).toBe(403);
    expect((await rawRequest(door, upgrade(door, '/kiosk?k='))).status).toBe(403);
    const wrong = door.token.slice(0, -1) + (door.token.endsWith('A') ? 'B' : 'A');
    expect((await rawRequest(door, upgrade(door, `/kiosk?k=${wrong}`))).status).toBe(403);
    expect((await rawRequest(door, upgrade(door, `/kiosk?k=${door.token}&k=${door.token}`))).status).toBe(403);
    expect((await rawRequest(door, upgrade(door, `/kiosk?k=${door.token}`, { origin: 'http://evil.example' }))).status).toBe(403);
    expect((await rawRequest(door, upgrade(door, `/kiosk?k=${door.token}`))).status).toBe(101);
    await stillServing();
  });

  it('the message null is hung up on', async () => {
    const ws = await openSocket(door);
    ws.send('null');
    expect(await closed(ws)).toBe(1008);
    await stillServing();
  });

  it('a message over 64 KiB is hung up on', async () => {
    const ws = await openSocket(door);
    ws.on('error', () => undefined);
    ws.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'scan/submit', payload: { text: 'x'.repeat(70 * 1024), source: 'wedge' } }));
    expect(await closed(ws)).toBe(1009);
    await stillServing();
  });

  it.each([
    ['not JSON', 'not json'],
    ['a number', '42'],
    ['an array', '[]'],
    ['another message type', '{"t":"hello","id":1}'],
    ['no id', '{"t":"invoke","channel":"status/get","payload":{}}'],
    ['a string id', '{"t":"invoke","id":"1","channel":"status/get","payload":{}}'],
    ['a fractional id', '{"t":"invoke","id":1.5,"channel":"status/get","payload":{}}'],
  ])('a message that cannot be answered (%s) is hung up on, before anything after it', async (_what, message) => {
    const ws = await openSocket(door);
    const answer = nextAnswer(ws);
    ws.send(message);
    ws.send(JSON.stringify({ t: 'invoke', id: 2, channel: 'status/get', payload: {} }));
    expect(await answer).toBe('closed');
    await stillServing();
  });

  it('a request with wrong shapes is answered BAD_REQUEST on the same socket', async () => {
    const ws = await openSocket(door);
    const answers = new Map<number, unknown>();
    // 8 and 9 go through the service; 7 is answered at the door, on arrival, so before them.
    const serviced = new Promise<void>((resolve) =>
      ws.on('message', (d) => {
        const msg = JSON.parse(String(d)) as { t: string; id: number };
        if (msg.t === 'result') answers.set(msg.id, msg);
        if (answers.has(8) && answers.has(9)) resolve();
      }),
    );
    ws.send(JSON.stringify({ t: 'invoke', id: 7, channel: 42, payload: {} }));
    ws.send(JSON.stringify({ t: 'invoke', id: 8, channel: 'scan/submit', payload: null }));
    ws.send(JSON.stringify({ t: 'invoke', id: 9, channel: 'status/get', payload: {} }));
    await serviced;
    expect(answers.get(7)).toMatchObject({ result: { ok: false, error: { code: 'BAD_REQUEST' } } });
    expect(answers.get(8)).toMatchObject({ result: { ok: false, error: { code: 'BAD_REQUEST' } } });
    expect(answers.get(9)).toMatchObject({ result: { ok: true } });
    ws.close();
    await stillServing();
  });
});

describe('the browser shell with a fake service: callers and a misbehaving service', () => {
  let shell: BrowserShell | null = null;
  let rendererDir: string;
  const calls: { channel: string; payload: unknown; caller: string }[] = [];
  const listeners = new Set<(channel: string, payload: unknown) => void>();
  /** Requests on 'slow' wait until released: to answer after the client has gone. */
  let release: () => void = () => undefined;
  let slowAsked: () => void = () => undefined;
  const service: KioskEndpoint = {
    invoke(channel, payload, caller) {
      calls.push({ channel, payload, caller });
      if (channel === 'throws') throw new Error('a bug in a handler');
      if (channel === 'rejects') return Promise.reject(new Error('a bug in an async handler'));
      if (channel === 'slow') {
        slowAsked();
        return new Promise((resolve) => (release = () => resolve({ ok: true, value: 'late' })));
      }
      return Promise.resolve({ ok: true, value: { caller } });
    },
    subscribe: (listener) => {
      const l = listener as (channel: string, payload: unknown) => void;
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const emit = (channel: string, payload: unknown): void => {
    for (const l of listeners) l(channel, payload);
  };

  beforeAll(() => {
    rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-door-renderer-'));
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>kiosk</title>');
  });
  afterAll(() => fs.rmSync(rendererDir, { recursive: true, force: true }));
  afterEach(async () => {
    await shell?.close();
    shell = null;
    calls.length = 0;
  });

  it('each connection is its own caller; events reach every connection that has the token', async () => {
    shell = await startBrowserShell({ service, rendererDir, host: '127.0.0.1', port: 0 });
    const door = doorOf(shell.url);
    const first = await openSocket(door);
    const second = await openSocket(door);
    const refused = await openSocket(door, 'not-the-token').then(
      () => 'open',
      () => 'refused',
    );
    expect(refused).toBe('refused');
    const answers = Promise.all([nextMessage(first), nextMessage(second)]);
    first.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'technician/state', payload: {} }));
    second.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'technician/state', payload: {} }));
    const [a, b] = await answers;
    const callerOf = (m: { result?: unknown }): string => (m.result as { value: { caller: string } }).value.caller;
    // Each answer went back on the connection that asked, and the two are different callers.
    expect(callerOf(a)).toMatch(/^ws:\d+$/);
    expect(callerOf(b)).toMatch(/^ws:\d+$/);
    expect(callerOf(a)).not.toBe(callerOf(b));
    expect(calls.map((c) => c.caller).sort()).toEqual([callerOf(a), callerOf(b)].sort());
    // A third connection later is yet another caller.
    const third = await openSocket(door);
    const answer = nextMessage(third);
    third.send(JSON.stringify({ t: 'invoke', id: 5, channel: 'status/get', payload: {} }));
    await answer;
    expect(new Set(calls.map((c) => c.caller)).size).toBe(3);

    const events = Promise.all([first, second, third].map(nextMessage));
    emit('status/changed', { n: 1 });
    for (const e of await events) expect(e).toEqual({ t: 'event', channel: 'status/changed', payload: { n: 1 } });
    for (const ws of [first, second, third]) ws.close();
  });

  it('a service that throws or rejects is one INTERNAL answer; an answer after the client left goes nowhere', async () => {
    shell = await startBrowserShell({ service, rendererDir, host: '127.0.0.1', port: 0 });
    const door = doorOf(shell.url);
    const ws = await openSocket(door);
    for (const [id, channel] of [
      [1, 'throws'],
      [2, 'rejects'],
    ] as const) {
      const answer = nextMessage(ws);
      ws.send(JSON.stringify({ t: 'invoke', id, channel, payload: {} }));
      expect(await answer).toMatchObject({ t: 'result', id, result: { ok: false, error: { code: 'INTERNAL' } } });
    }
    // The answer comes after the socket closed: dropped, and the shell goes on.
    const asked = new Promise<void>((resolve) => (slowAsked = resolve));
    ws.send(JSON.stringify({ t: 'invoke', id: 3, channel: 'slow', payload: {} }));
    await asked;
    const gone = closed(ws);
    ws.terminate();
    await gone;
    release();
    // Events to a connection that has gone are not sent either.
    emit('status/changed', {});
    const again = await openSocket(door);
    const answer = nextMessage(again);
    again.send(JSON.stringify({ t: 'invoke', id: 4, channel: 'status/get', payload: {} }));
    expect(await answer).toMatchObject({ id: 4, result: { ok: true } });
    again.close();
  });
});

describe('the launcher keeps the token off the command line', () => {
  it('Chromium is started on a launch page only this user can read, which carries the address', () => {
    const profile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-door-profile-')), 'chromium-profile');
    try {
      const url = 'http://127.0.0.1:4321/#k=SECRET-token_value';
      const args = chromiumArgs(url, profile, { kiosk: true });
      // Every local user can read a process's arguments.
      expect(args.filter((a) => a.includes('SECRET'))).toEqual([]);
      const app = args.find((a) => a.startsWith('--app='))!;
      const launch = new URL(app.slice('--app='.length));
      expect(launch.protocol).toBe('file:');
      const file = decodeURIComponent(launch.pathname);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(file, 'utf8')).toContain(`content="0;url=${url}"`);
      // A second launch replaces it (a new token each time).
      chromiumArgs('http://127.0.0.1:4321/#k=NEXT', profile, { kiosk: false });
      expect(fs.readFileSync(file, 'utf8')).not.toContain('SECRET');
    } finally {
      fs.rmSync(path.dirname(profile), { recursive: true, force: true });
    }
  });
});
