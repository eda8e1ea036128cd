// The Electron shell's modules with Electron's APIs injected as fakes (the
// binary cannot be downloaded here): window factory, guards, permissions,
// the app:// protocol, IPC registration, the drivers' supervisor, remote
// drivers; and a static security check over every source file.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appRequestHandler, APP_ORIGIN } from '../../main/shell/electron/app-protocol.js';
import { installNavigationGuards, isForbiddenShortcut, permissionCheckHandler, permissionRequestHandler } from '../../main/shell/electron/guards.js';
import { isTrustedSender, MAX_IPC_PAYLOAD_BYTES, registerKioskIpc } from '../../main/shell/electron/ipc.js';
import type { KioskEndpoint } from '../../main/contract/ipc.js';
import { UtilityProcessSupervisor, type SupervisedChild } from '../../main/shell/electron/supervisor.js';
import { startSystemdWatchdog } from '../../main/shell/electron/systemd-watchdog.js';
import { KIOSK_WEB_PREFERENCES } from '../../main/shell/electron/web-preferences.js';
import { createKioskWindow } from '../../main/shell/electron/window.js';
import { RemoteScanner, RemoteThermometer, routeDriverEvent } from '../../main/kiosk/remote-drivers.js';
import { INVOKE_CHANNELS, makeKioskApi, type KioskApi } from '../../main/contract/ipc.js';
import { ConfigStore } from '../../main/config/config-store.js';
import type { TechnicianChannel } from '../../main/contract/ipc.js';
import { DataDir } from '../../main/data-dir.js';
import { hashPin } from '../../main/technician/pin.js';
import { TechnicianService } from '../../main/technician/technician-service.js';
import { ROOT } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/tmp.js';

class FakeContents extends EventEmitter {
  static next = 1;
  id = FakeContents.next++;
  windowOpenHandler: ((d: unknown) => { action: string }) | null = null;
  mainFrame = { url: `${APP_ORIGIN}/index.html` };
  sent: [string, unknown][] = [];
  setWindowOpenHandler(h: (d: unknown) => { action: string }): void {
    this.windowOpenHandler = h;
  }
  insertCSS = vi.fn(async () => 'key');
  crashed = 0;
  forcefullyCrashRenderer(): void {
    this.crashed++;
    this.emit('render-process-gone', {}, { reason: 'killed' });
  }
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
  isDestroyed(): boolean {
    return false;
  }
}

class FakeWindow extends EventEmitter {
  static made: FakeWindow[] = [];
  webContents = new FakeContents();
  menu: unknown = 'default';
  loaded: string[] = [];
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeWindow.made.push(this);
  }
  setMenu(m: unknown): void {
    this.menu = m;
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
  }
  isDestroyed(): boolean {
    return false;
  }
  show(): void {}
}

function event() {
  let prevented = false;
  return {
    preventDefault: () => (prevented = true),
    get prevented() {
      return prevented;
    },
  };
}

describe('the kiosk window', () => {
  it('is kiosk, fullscreen, frameless, menu-less, with safe web preferences and a dark background', () => {
    const win = createKioskWindow(
      { BrowserWindow: FakeWindow as never },
      { preload: '/p/preload.cjs', url: `${APP_ORIGIN}/index.html`, appOrigin: APP_ORIGIN, production: true, hideCursor: true },
    ) as unknown as FakeWindow;
    expect(win.options).toMatchObject({ kiosk: true, fullscreen: true, frame: false, backgroundColor: '#10151c' });
    expect(win.options.webPreferences).toEqual({ ...KIOSK_WEB_PREFERENCES, preload: '/p/preload.cjs', devTools: false });
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(win.options.webPreferences).not.toHaveProperty('webSecurity');
    expect(win.menu).toBeNull();
    expect(win.loaded).toEqual([`${APP_ORIGIN}/index.html`]);
    win.webContents.emit('did-finish-load');
    expect(win.webContents.insertCSS).toHaveBeenCalledWith(expect.stringContaining('cursor: none'));
  });

  it('reloads after the screen process dies or hangs, with growing delays', () => {
    const delays: number[] = [];
    const win = createKioskWindow(
      { BrowserWindow: FakeWindow as never, setTimeout: (fn, ms) => (delays.push(ms), fn()) },
      { preload: 'p', url: `${APP_ORIGIN}/index.html`, appOrigin: APP_ORIGIN, production: true, hideCursor: false },
    ) as unknown as FakeWindow;
    win.webContents.emit('render-process-gone', {}, { reason: 'crashed' });
    win.webContents.emit('render-process-gone', {}, { reason: 'oom' });
    // Hung: the renderer is ended, and its end reloads it.
    win.emit('unresponsive');
    expect(win.webContents.crashed).toBe(1);
    expect(delays).toEqual([1000, 2000, 5000]);
    expect(win.loaded).toHaveLength(4);
  });

  it('developer tools and reload shortcuts are refused in production only', () => {
    const prod = createKioskWindow({ BrowserWindow: FakeWindow as never }, { preload: 'p', url: 'app://kiosk/', appOrigin: APP_ORIGIN, production: true, hideCursor: false }) as unknown as FakeWindow;
    const e = event();
    prod.webContents.emit('before-input-event', e, { type: 'keyDown', key: 'I', control: true, shift: true, meta: false, alt: false });
    expect(e.prevented).toBe(true);
    const dev = createKioskWindow({ BrowserWindow: FakeWindow as never }, { preload: 'p', url: 'app://kiosk/', appOrigin: APP_ORIGIN, production: false, hideCursor: false }) as unknown as FakeWindow;
    expect(dev.webContents.listenerCount('before-input-event')).toBe(0);
    expect(dev.options).toMatchObject({ kiosk: true, webPreferences: { devTools: true } });
  });

  it.each([
    [{ key: 'F12' }, true],
    [{ key: 'F5' }, true],
    [{ key: 'r', control: true }, true],
    [{ key: 'R', control: true, shift: true }, true],
    [{ key: 'i', meta: true, alt: true }, true],
    [{ key: 'J', control: true, shift: true }, true],
    [{ key: 'a' }, false],
    [{ key: 'Enter' }, false],
    [{ key: 'r' }, false],
  ])('shortcut %j forbidden: %s', (keys, forbidden) => {
    expect(isForbiddenShortcut({ type: 'keyDown', control: false, meta: false, shift: false, alt: false, ...keys })).toBe(forbidden);
  });
});

describe('navigation and permissions', () => {
  it('navigation away, redirects, webviews and new windows are refused', () => {
    const contents = new FakeContents();
    installNavigationGuards(contents as never);
    for (const [name, url] of [
      ['will-navigate', 'https://evil.example/'],
      ['will-navigate', 'file:///etc/passwd'],
      ['will-redirect', 'http://127.0.0.1:9/'],
    ] as const) {
      const e = event();
      contents.emit(name, e, url);
      expect(e.prevented, `${name} ${url}`).toBe(true);
    }
    // Even to its own origin: the screen never navigates (main reloads it with loadURL).
    const same = event();
    contents.emit('will-navigate', same, `${APP_ORIGIN}/index.html`);
    expect(same.prevented).toBe(true);
    const webview = event();
    contents.emit('will-attach-webview', webview);
    expect(webview.prevented).toBe(true);
    expect(contents.windowOpenHandler!({ url: 'https://x.example' })).toEqual({ action: 'deny' });
  });

  it('only the camera, only video, only for the app itself', () => {
    const ask = (permission: string, details: Record<string, unknown>): boolean => {
      let granted: boolean | null = null;
      permissionRequestHandler(APP_ORIGIN)({} as never, permission, (g) => (granted = g), details as never);
      return granted!;
    };
    expect(ask('media', { mediaTypes: ['video'], requestingUrl: `${APP_ORIGIN}/index.html`, isMainFrame: true })).toBe(true);
    expect(ask('media', { mediaTypes: ['video', 'audio'], requestingUrl: `${APP_ORIGIN}/index.html` })).toBe(false);
    expect(ask('media', { mediaTypes: ['audio'], requestingUrl: `${APP_ORIGIN}/` })).toBe(false);
    expect(ask('media', { mediaTypes: ['video'], requestingUrl: 'https://evil.example/' })).toBe(false);
    expect(ask('media', { mediaTypes: ['video'], requestingUrl: `${APP_ORIGIN}/`, isMainFrame: false })).toBe(false);
    for (const p of ['geolocation', 'notifications', 'clipboard-read', 'hid', 'serial', 'usb', 'openExternal', 'display-capture']) expect(ask(p, { requestingUrl: `${APP_ORIGIN}/` }), p).toBe(false);
    const check = permissionCheckHandler(APP_ORIGIN);
    expect(check(null, 'media', APP_ORIGIN, { mediaType: 'video' } as never)).toBe(true);
    expect(check(null, 'media', APP_ORIGIN, { mediaType: 'audio' } as never)).toBe(false);
    expect(check(null, 'media', 'https://evil.example', {} as never)).toBe(false);
    expect(check(null, 'geolocation', APP_ORIGIN, {} as never)).toBe(false);
  });
});

describe('app:// protocol', () => {
  const handler = appRequestHandler(path.join(ROOT, 'dist', 'renderer'));
  it('serves the built screen with its CSP (no socket in this shell)', async () => {
    const res = handler(new Request(`${APP_ORIGIN}/index.html`));
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('ws:');
    expect(await res.text()).toContain('data-testid="verdict"');
  });
  it('refuses paths outside the renderer and other hosts', () => {
    expect(handler(new Request(`${APP_ORIGIN}/../../package.json`)).status).toBe(404);
    expect(handler(new Request(`${APP_ORIGIN}/%2e%2e/%2e%2e/package.json`)).status).toBe(404);
    expect(handler(new Request('app://other/index.html')).status).toBe(404);
    expect(handler(new Request(`${APP_ORIGIN}/missing.js`)).status).toBe(404);
  });
});

describe('IPC', () => {
  function setup() {
    const handlers = new Map<string, (e: unknown, p: unknown) => Promise<unknown>>();
    const ipcMain = { handle: (c: string, h: (e: unknown, p: unknown) => Promise<unknown>) => handlers.set(c, h), removeHandler: (c: string) => handlers.delete(c) };
    const calls: [string, unknown][] = [];
    const callers: string[] = [];
    let emit: ((c: string, p: unknown) => void) | null = null;
    const service: KioskEndpoint = {
      invoke: async (channel, payload, caller) => {
        calls.push([channel, payload]);
        callers.push(caller);
        return { ok: true, value: { verdict: 'admit' } as never };
      },
      subscribe: (l) => {
        emit = l as never;
        return () => (emit = null);
      },
    };
    const contents = new FakeContents();
    const dispose = registerKioskIpc(ipcMain as never, service, () => contents as never, APP_ORIGIN);
    const mainFrame = contents.mainFrame;
    const from = (frame: { url: string } | null) => ({ sender: contents, senderFrame: frame });
    return { handlers, calls, callers, contents, dispose, mainFrame, from, emit: (c: string, p: unknown) => emit?.(c, p) };
  }

  it('hands each request to the service as the caller window:<id> of the window that sent it', async () => {
    const s = setup();
    const other = new FakeContents();
    await s.handlers.get('status/get')!(s.from(s.mainFrame), {});
    await s.handlers.get('technician/state')!({ sender: other, senderFrame: other.mainFrame }, {});
    expect(s.callers).toEqual([`window:${s.contents.id}`, `window:${other.id}`]);
    expect(s.contents.id).not.toBe(other.id);
  });

  describe("a technician session ends with the page that opened it (the window's id outlives the page)", () => {
    const PIN = '482913';
    const NOW = 1_800_000_000_000;

    /** The IPC in front of a real technician service whose PIN is set. */
    function withTechnician() {
      const dir = DataDir.open(tempDir(), { create: true });
      const config = new ConfigStore(dir);
      const c = config.load().config;
      config.save({ ...c, technician: { ...c.technician, pinHash: hashPin(PIN) } }, NOW);
      const tech = new TechnicianService({ dataDir: dir.root, clock: () => NOW });
      const handlers = new Map<string, (e: unknown, p: unknown) => Promise<unknown>>();
      const ipcMain = { handle: (ch: string, h: (e: unknown, p: unknown) => Promise<unknown>) => handlers.set(ch, h), removeHandler: (ch: string) => handlers.delete(ch) };
      const service: KioskEndpoint = {
        invoke: async (channel, payload, caller) => ({ ok: true, value: await tech.handle(channel as TechnicianChannel, payload as never, caller) }),
        subscribe: () => () => undefined,
      };
      const contents = new FakeContents();
      const dispose = registerKioskIpc(ipcMain as never, service, () => contents as never, APP_ORIGIN);
      const as = (wc: FakeContents) => ({ sender: wc, senderFrame: wc.mainFrame });
      const unlock = (wc = contents) => handlers.get('technician/unlock')!(as(wc), { pin: PIN });
      const role = (wc = contents) => tech.session.role(`window:${wc.id}`);
      const settle = () => new Promise((r) => setTimeout(r, 0));
      return { tech, contents, unlock, role, settle, close: () => (dispose(), tech.close()) };
    }

    it('the screen process gone: locked', async () => {
      const t = withTechnician();
      try {
        expect(await t.unlock()).toMatchObject({ ok: true, value: { result: 'ok' } });
        expect(t.role()).toBe('technician');
        t.contents.emit('render-process-gone', {}, { reason: 'crashed' });
        await t.settle();
        expect(t.role()).toBeNull();
      } finally {
        t.close();
      }
    });

    it('a reload or navigation of the main frame: locked; a same-document or subframe navigation: not', async () => {
      const t = withTechnician();
      try {
        await t.unlock();
        t.contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true, url: `${APP_ORIGIN}/index.html#x` });
        t.contents.emit('did-start-navigation', { isMainFrame: false, isSameDocument: false, url: 'about:blank' });
        await t.settle();
        expect(t.role()).toBe('technician');
        // A reload (the page's own, or main's loadURL after a crash) starts a new document in the main frame.
        t.contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false, url: `${APP_ORIGIN}/index.html` });
        await t.settle();
        expect(t.role()).toBeNull();
      } finally {
        t.close();
      }
    });

    it('the window closed: locked', async () => {
      const t = withTechnician();
      try {
        await t.unlock();
        t.contents.emit('destroyed');
        await t.settle();
        expect(t.role()).toBeNull();
      } finally {
        t.close();
      }
    });

    it('an unlock still running when its page ends does not leave the session open', async () => {
      const t = withTechnician();
      try {
        const pending = t.unlock();
        t.contents.emit('render-process-gone', {}, { reason: 'killed' });
        expect(await pending).toMatchObject({ ok: true, value: { result: 'ok' } });
        await t.settle();
        expect(t.role()).toBeNull();
      } finally {
        t.close();
      }
    });
  });

  it('one handler per contract channel; the main frame of the app is heard', async () => {
    const s = setup();
    expect([...s.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
    const r = await s.handlers.get('scan/submit')!(s.from(s.mainFrame), { text: 'PHC1:x', source: 'camera' });
    expect(r).toMatchObject({ ok: true });
    expect(s.calls).toEqual([['scan/submit', { text: 'PHC1:x', source: 'camera' }]]);
  });

  it('a subframe, another origin or no frame is refused before any handler', async () => {
    const s = setup();
    for (const sender of [
      s.from({ url: `${APP_ORIGIN}/index.html` }),
      s.from(null),
      { sender: { ...s.contents, mainFrame: { url: 'https://evil.example/' } }, senderFrame: { url: 'https://evil.example/' } },
    ]) {
      expect(await s.handlers.get('status/get')!(sender, {})).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect(s.calls).toEqual([]);
    expect(isTrustedSender({ sender: { mainFrame: { url: 'not a url' } }, senderFrame: { url: 'not a url' } } as never, APP_ORIGIN)).toBe(false);
  });

  it('an oversized payload is refused; a mistyped one reaches the schema (in the service) untouched', async () => {
    const s = setup();
    const big = await s.handlers.get('scan/submit')!(s.from(s.mainFrame), { text: 'x'.repeat(MAX_IPC_PAYLOAD_BYTES), source: 'camera' });
    expect(big).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    // Bytes, not characters: 30,000 Chinese characters are 90 KB.
    const wide = await s.handlers.get('scan/submit')!(s.from(s.mainFrame), { text: '码'.repeat(30_000), source: 'camera' });
    expect(wide).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(await s.handlers.get('scan/submit')!(s.from(s.mainFrame), cyclic)).toMatchObject({ ok: false });
    expect(s.calls).toEqual([]);
  });

  it('the real service refuses mistyped payloads', async () => {
    const { KioskService } = await import('../../main/kiosk/kiosk-service.js');
    const r = await (KioskService.prototype.invoke as (c: string, p: unknown) => Promise<unknown>).call({}, 'scan/submit', { text: 42, source: 'camera' });
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('events are forwarded to the window, and disposal removes everything', () => {
    const s = setup();
    s.emit('status/changed', { online: false });
    expect(s.contents.sent).toEqual([['status/changed', { online: false }]]);
    s.dispose();
    expect(s.handlers.size).toBe(0);
    s.emit('status/changed', {});
    expect(s.contents.sent).toHaveLength(1);
  });
});

describe('the built preload', () => {
  // Run as a sandboxed preload runs: its require() knows electron and nothing else, no local file.
  function loadPreload() {
    const invoked: [string, unknown][] = [];
    const handlers = new Map<string, (event: unknown, payload: unknown) => void>();
    let exposed: { name: string; api: Record<string, unknown> } | null = null;
    const electron = {
      contextBridge: { exposeInMainWorld: (name: string, api: Record<string, unknown>) => (exposed = { name, api }) },
      ipcRenderer: {
        invoke: async (channel: string, request: unknown) => (invoked.push([channel, request]), { ok: true, value: null }),
        on: (channel: string, h: (event: unknown, payload: unknown) => void) => handlers.set(channel, h),
        removeListener: (channel: string, h: unknown) => handlers.get(channel) === h && handlers.delete(channel),
      },
    };
    const sandboxRequire = (id: string): unknown => {
      if (id === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${id}`);
    };
    const code = fs.readFileSync(path.join(ROOT, 'dist', 'main', 'shell', 'electron', 'preload.cjs'), 'utf8');
    vm.runInNewContext(code, { require: sandboxRequire, module: { exports: {} }, exports: {} });
    return { invoked, handlers, exposed: exposed as { name: string; api: Record<string, unknown> } | null };
  }

  it("is one CommonJS file that needs only electron, and exposes makeKioskApi's API as window.kiosk", async () => {
    const { invoked, handlers, exposed } = loadPreload();
    expect(exposed?.name).toBe('kiosk');
    const api = exposed!.api as unknown as KioskApi;
    const shape = (o: object, prefix = ''): string[] =>
      Object.entries(o)
        .flatMap(([k, v]) => (typeof v === 'function' ? [prefix + k] : shape(v as object, `${prefix}${k}.`)))
        .sort();
    const fromTable = makeKioskApi({ invoke: async () => ({ ok: true, value: null as never }), on: () => () => undefined });
    expect(shape(api)).toEqual(shape(fromTable));
    await api.submitScan('PHC1:x', 'wedge');
    await api.technician.importTrust('/media/usb/bundle.jws', undefined, 'ab12');
    expect(invoked).toEqual([
      ['scan/submit', { text: 'PHC1:x', source: 'wedge' }],
      ['technician/trust-import', { bundlePath: '/media/usb/bundle.jws', fingerprint: 'ab12' }],
    ]);
    const seen: unknown[] = [];
    const off = api.onStatus((s) => seen.push(s));
    handlers.get('status/changed')!({ sender: 'ipc' }, { online: true });
    expect(seen).toEqual([{ online: true }]);
    off();
    expect(handlers.has('status/changed')).toBe(false);
  });
});

describe("the drivers' utility process", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  class FakeChild extends EventEmitter implements SupervisedChild {
    killed = false;
    postMessage(): void {}
    kill(): boolean {
      this.killed = true;
      return true;
    }
  }

  it('is restarted with backoff when it dies, its messages routed, and not after stop', () => {
    vi.useFakeTimers({ now: 0 });
    const children: FakeChild[] = [];
    const states: boolean[] = [];
    const messages: unknown[] = [];
    const sup = new UtilityProcessSupervisor({
      fork: () => {
        const c = new FakeChild();
        children.push(c);
        return c;
      },
      onMessage: (m) => messages.push(m),
      onState: (s) => states.push(s.running),
      timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
      clock: Date.now,
      backoffMs: [100, 1000],
    });
    sup.start();
    children[0]!.emit('message', { type: 'driver/status' });
    children[0]!.emit('exit', 1);
    vi.advanceTimersByTime(99);
    expect(children).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(children).toHaveLength(2);
    children[1]!.emit('exit', 139);
    vi.advanceTimersByTime(999);
    expect(children).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(children).toHaveLength(3);
    // Ran a long while: the next crash restarts quickly again.
    vi.advanceTimersByTime(120_000);
    children[2]!.emit('exit', 1);
    vi.advanceTimersByTime(100);
    expect(children).toHaveLength(4);
    // A stale child's messages are ignored.
    children[0]!.emit('message', { stale: true });
    expect(messages).toEqual([{ type: 'driver/status' }]);
    sup.stop();
    expect(children[3]!.killed).toBe(true);
    children[3]!.emit('exit', 0);
    vi.advanceTimersByTime(60_000);
    expect(children).toHaveLength(4);
    expect(states).toEqual([true, false, true, false, true, false, true]);
  });

  it('remote drivers turn driver events into feeds; malformed messages are ignored', () => {
    const t = new RemoteThermometer();
    const s = new RemoteScanner();
    const readings: number[] = [];
    const scans: string[] = [];
    t.onReading((r) => readings.push(r.celsius));
    s.onScan((x) => scans.push(x.text));
    routeDriverEvent({ type: 'thermometer/reading', reading: { celsius: 36.7, atMs: 1, simulated: false } }, t, s);
    routeDriverEvent({ type: 'scanner/scan', text: 'PHC1:a', atMs: 2, via: 'serial', symbology: null }, t, s);
    routeDriverEvent({ type: 'driver/status', status: { device: 'scanner', state: 'ok', detail: '', atMs: 3 } }, t, s);
    for (const junk of [null, 'x', 42, { type: 'thermometer/reading' }, { type: 'scanner/scan', text: 7 }, { type: 'nope' }]) routeDriverEvent(junk, t, s);
    expect(readings).toEqual([36.7]);
    expect(scans).toEqual(['PHC1:a']);
    expect(t.latest()?.celsius).toBe(36.7);
    expect([t.state, s.state]).toEqual(['offline', 'ok']);
  });
});

describe('systemd watchdog', () => {
  it('says READY and beats at half the period only under systemd', () => {
    vi.useFakeTimers();
    const said: string[] = [];
    const stop = startSystemdWatchdog({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '20000000' }, (s) => said.push(s));
    vi.advanceTimersByTime(25_000);
    expect(said).toEqual(['READY=1', 'WATCHDOG=1', 'WATCHDOG=1']);
    stop();
    expect(startSystemdWatchdog({}, (s) => said.push(s))).toBeTypeOf('function');
    expect(said).toHaveLength(3);
    vi.useRealTimers();
  });
});

describe('static security check', () => {
  function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sources(full);
      return /\.(c|m)?ts$/.test(e.name) ? [full] : [];
    });
  }
  const files = ['main', 'renderer', 'drivers', 'bench'].flatMap((d) => sources(path.join(ROOT, d)));

  it('no BrowserWindow anywhere is made with unsafe web preferences', () => {
    const unsafe =
      /(nodeIntegration(InWorker|InSubFrames)?\s*:\s*true|contextIsolation\s*:\s*false|sandbox\s*:\s*false|webSecurity\s*:\s*false|allowRunningInsecureContent\s*:\s*true|experimentalFeatures\s*:\s*true|webviewTag\s*:\s*true|enableBlinkFeatures)/;
    const offenders = files.filter((f) => unsafe.test(fs.readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('every BrowserWindow is made by the kiosk window factory, from the kiosk web preferences', () => {
    const makers = files.filter((f) => /new\s+(deps\.)?BrowserWindow\s*\(/.test(fs.readFileSync(f, 'utf8')));
    expect(makers.map((f) => path.relative(ROOT, f))).toEqual(['main/shell/electron/window.ts']);
    expect(fs.readFileSync(path.join(ROOT, 'main/shell/electron/window.ts'), 'utf8')).toContain('kioskWindowOptions(');
  });

  it('the preload never hands the page ipcRenderer itself', () => {
    const preload = fs.readFileSync(path.join(ROOT, 'main/shell/electron/preload.ts'), 'utf8');
    expect(preload).toMatch(/exposeInMainWorld\('kiosk', api\)/);
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/);
  });
});

describe('packaging and launching', () => {
  it("npm run package validates electron-builder.yml with electron-builder's own schema (no packages without the binary)", async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'packaging', 'package.mjs'), '--validate-only'], { encoding: 'utf8', cwd: ROOT });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('electron-builder.yml is valid (deb:x64+arm64, AppImage:x64+arm64');
    expect(r.stdout).toMatch(/runAsNode=false.*enableNodeOptionsEnvironmentVariable=false.*enableNodeCliInspectArguments=false.*enableEmbeddedAsarIntegrityValidation=true.*onlyLoadAppFromAsar=true/);
    expect(r.stdout + r.stderr).not.toContain('Downloading');
  });

  it('finds the Electron binary without asking the network, and falls back when there is none', async () => {
    const { electronBinary } = await import('../../main/shell/open-electron.js');
    const { tempDir } = await import('../fixtures/tmp.js');
    expect(electronBinary({})).toBeNull();
    const dist = tempDir();
    fs.writeFileSync(path.join(dist, 'electron'), '');
    expect(electronBinary({ ELECTRON_OVERRIDE_DIST_PATH: dist })).toBe(path.join(dist, 'electron'));
  });
});
