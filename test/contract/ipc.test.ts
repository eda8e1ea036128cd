// The IPC table is the single source of the kiosk's channels: the screen's
// API is made from it (one function, for the browser bridge and the Electron
// preload alike), main has a handler for each of its channels and both
// shells carry each one to it, and a name not in it is UNKNOWN_CHANNEL.
import * as path from 'node:path';
import { ESLint } from 'eslint';
import { WebSocket as NodeWebSocket } from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { INVOKE_CHANNELS, makeKioskApi, parseInvoke, RENDERER_CHANNELS, type KioskTransport } from '../../main/contract/ipc.js';
import { loadDemoKeys, setUpDemoDataDir } from '../../main/demo/demo.js';
import { KioskService } from '../../main/kiosk/kiosk-service.js';
import { APP_ORIGIN } from '../../main/shell/electron/app-protocol.js';
import { registerKioskIpc } from '../../main/shell/electron/ipc.js';
import { startBrowserShell, type BrowserShell } from '../../main/shell/browser-shell.js';
import { TechnicianService } from '../../main/technician/technician-service.js';
import { connectBrowserBridge } from '../../renderer/src/browser-bridge.js';
import { ROOT } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/tmp.js';
import { TEST_SCREEN } from '../fixtures/screen.js';

const T = Date.parse('2026-11-29T08:00:00Z');
const SCREEN = TEST_SCREEN;

/** Every function of an API object by its dotted path ('technician.unlock'). */
function methods(api: object, prefix = ''): Map<string, (...args: unknown[]) => unknown> {
  const out = new Map<string, (...args: unknown[]) => unknown>();
  for (const [key, value] of Object.entries(api)) {
    if (typeof value === 'function') out.set(prefix + key, value as (...args: unknown[]) => unknown);
    else if (typeof value === 'object' && value !== null) for (const [k, v] of methods(value as object, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

/** A transport that records which channel each call reaches. */
function recording(): { transport: KioskTransport; invoked: [string, unknown][]; subscribed: string[] } {
  const invoked: [string, unknown][] = [];
  const subscribed: string[] = [];
  return {
    invoked,
    subscribed,
    transport: {
      invoke: async (channel, request) => (invoked.push([channel, request]), { ok: false, error: { code: 'UNAVAILABLE', message: 'recorded' } }),
      on: (event) => (subscribed.push(event), () => undefined),
    },
  };
}

const opened: { close(): void | Promise<void> }[] = [];
afterEach(async () => {
  vi.unstubAllGlobals();
  for (const o of opened.splice(0).reverse()) await o.close();
});

async function kiosk(withTechnician: boolean): Promise<KioskService> {
  const dataDir = path.join(tempDir(), 'data');
  await setUpDemoDataDir(dataDir, await loadDemoKeys(), T);
  const technician = withTechnician ? new TechnicianService({ dataDir, clock: () => T }) : undefined;
  const service = await KioskService.open({ dataDir, clock: () => T, thermometer: null, screen: SCREEN, retentionEveryMs: 0, ...(technician ? { technician } : {}) });
  opened.push(service);
  return service;
}

describe("the screen's API is made from the table", () => {
  it('one method per channel and one listener per event, each reaching its own', async () => {
    const r = recording();
    const api = makeKioskApi(r.transport);
    const all = methods(api);
    for (const [, fn] of all) await fn();
    expect(r.invoked.map(([c]) => c).sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(r.subscribed.sort()).toEqual([...RENDERER_CHANNELS].sort());
    expect(all.size).toBe(INVOKE_CHANNELS.length + RENDERER_CHANNELS.length);
  });

  it('positional arguments become the request main parses', async () => {
    const r = recording();
    const api = makeKioskApi(r.transport);
    await api.submitScan('PHC1:x', 'camera');
    await api.technician.unlock('482913');
    await api.technician.importTrust('/media/usb/bundle.jws');
    await api.technician.importTrust('/media/usb/bundle.jws', '/media/usb/root.jwk', 'ab12');
    await api.technician.setClock('2026-12-01T08:00:00+08:00', true);
    expect(r.invoked).toEqual([
      ['scan/submit', { text: 'PHC1:x', source: 'camera' }],
      ['technician/unlock', { pin: '482913' }],
      ['technician/trust-import', { bundlePath: '/media/usb/bundle.jws' }],
      ['technician/trust-import', { bundlePath: '/media/usb/bundle.jws', rootPath: '/media/usb/root.jwk', fingerprint: 'ab12' }],
      ['technician/clock-set', { at: '2026-12-01T08:00:00+08:00', resetFloor: true }],
    ]);
    for (const [channel, request] of r.invoked) expect(parseInvoke(channel, request), channel).toMatchObject({ ok: true, value: request });
  });

  it("the browser bridge is that API over its socket (the preload's is in electron-shell.test.ts)", async () => {
    const sent: unknown[] = [];
    class FakeSocket {
      onopen: (() => void) | null = null;
      onmessage: ((e: { data: string }) => void) | null = null;
      onclose: (() => void) | null = null;
      constructor(readonly url: string) {
        queueMicrotask(() => this.onopen?.());
      }
      send(text: string): void {
        const msg = JSON.parse(text) as { id: number };
        sent.push(msg);
        this.onmessage?.({ data: JSON.stringify({ t: 'result', id: msg.id, result: { ok: true, value: { locked: true } } }) });
      }
    }
    vi.stubGlobal('WebSocket', FakeSocket);
    const bridge = connectBrowserBridge('ws://127.0.0.1:1/kiosk?k=t');
    const shapeOfTable = [...methods(makeKioskApi(recording().transport)).keys()].sort();
    expect([...methods(bridge).keys()].filter((m) => m !== 'onConnection').sort()).toEqual(shapeOfTable);
    expect(await bridge.technician.lock()).toEqual({ ok: true, value: { locked: true } });
    expect(sent).toEqual([{ t: 'invoke', id: 1, channel: 'technician/lock', payload: {} }]);
  });
});

describe('the table is code the screen may share', () => {
  it("the renderer may import the IPC table's code, and no other code of main (types it may)", async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const lint = async (code: string): Promise<string[]> => (await eslint.lintText(code, { filePath: path.join(ROOT, 'renderer/src/x.ts') }))[0]!.messages.map((m) => m.ruleId ?? m.message);
    expect(await lint("import { makeKioskApi } from '../../main/contract/ipc.js';\nexport const a = makeKioskApi;\n")).toEqual([]);
    expect(await lint("import { SCAN_SOURCES } from '../../main/contract/kiosk.js';\nexport const a = SCAN_SOURCES;\n")).toContain('@typescript-eslint/no-restricted-imports');
    expect(await lint("import { KioskService } from '../../main/kiosk/kiosk-service.js';\nexport const a = KioskService;\n")).toContain('@typescript-eslint/no-restricted-imports');
    expect(await lint("import type { KioskStatus } from '../../main/contract/kiosk.js';\nexport type A = KioskStatus;\n")).toEqual([]);
  });
});

describe('main answers every channel of the table, and nothing else', () => {
  it("the kiosk's handler map has exactly the table's channels", async () => {
    const service = await kiosk(true);
    expect(Object.keys(service.handlers).sort()).toEqual([...INVOKE_CHANNELS].sort());
    const without = await kiosk(false);
    expect(Object.keys(without.handlers).sort()).toEqual([...INVOKE_CHANNELS].sort());
  });

  it('both shells carry every channel to the service', async () => {
    const service = await kiosk(true);
    // Electron: one ipcMain handler per channel, each reaching the service.
    const handlers = new Map<string, (e: unknown, p: unknown) => Promise<{ ok: boolean; error?: { code: string } }>>();
    const dispose = registerKioskIpc({ handle: (c: string, h: never) => handlers.set(c, h), removeHandler: (c: string) => handlers.delete(c) } as never, service, () => null, APP_ORIGIN);
    opened.push({ close: dispose });
    expect([...handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
    const mainFrame = { url: `${APP_ORIGIN}/index.html` };
    for (const [channel, handle] of handlers)
      expect((await handle({ sender: { id: 1, mainFrame, on: () => undefined }, senderFrame: mainFrame }, {})).error?.code, channel).not.toBe('UNKNOWN_CHANNEL');
    // The browser shell: every channel over the page's socket.
    const shell: BrowserShell = await startBrowserShell({ service, rendererDir: path.join(ROOT, 'dist', 'renderer'), host: '127.0.0.1', port: 0 });
    opened.push(shell);
    const u = new URL(shell.url);
    const ws = new NodeWebSocket(`ws://${u.host}/kiosk?k=${new URLSearchParams(u.hash.slice(1)).get('k')}`, { headers: { origin: u.origin } });
    const answers = new Map<number, { ok: boolean; error?: { code: string } }>();
    const all = new Promise<void>((resolve) =>
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { t: string; id: number; result: { ok: boolean; error?: { code: string } } };
        if (msg.t === 'result') answers.set(msg.id, msg.result);
        if (answers.size === INVOKE_CHANNELS.length + 1) resolve();
      }),
    );
    await new Promise((resolve) => ws.once('open', resolve));
    INVOKE_CHANNELS.forEach((channel, i) => ws.send(JSON.stringify({ t: 'invoke', id: i, channel, payload: {} })));
    ws.send(JSON.stringify({ t: 'invoke', id: 999, channel: 'technician/config-set', payload: { key: 'screen.sound', value: false } }));
    await all;
    ws.close();
    INVOKE_CHANNELS.forEach((channel, i) => expect(answers.get(i)?.error?.code, channel).not.toBe('UNKNOWN_CHANNEL'));
    // Set from nowhere, so gone: technician/config-update is the screen's form.
    expect(answers.get(999)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
  });

  it('a name not in the table is UNKNOWN_CHANNEL, even one every object has', async () => {
    const service = await kiosk(false);
    for (const name of ['trust/install', 'technician/config-set', 'constructor', '__proto__', 'toString', 'hasOwnProperty', '']) {
      expect(parseInvoke(name, {}), name).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
      expect(await service.invoke(name, {}), name).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    }
  });

  it('without technician mode its channels are UNAVAILABLE, once the request has parsed', async () => {
    const service = await kiosk(false);
    expect(await service.invoke('technician/state', {})).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: 'technician mode is not available here' } });
    expect(await service.invoke('technician/unlock', { pin: 482913 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: 'technician/unlock takes {pin}' } });
    expect(await service.invoke('status/get', {})).toMatchObject({ ok: true });
  });
});
