// The kiosk's pieces that need no browser: the contract's validation at the
// boundary, the wedge detector, the scan gate, the service and the shell's
// door (loopback only, same-origin socket with the page's token, schema
// before handler; test/shell/browser-shell-door.test.ts has the rest).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SCAN_PAYLOAD_CHARS, parseInvoke, type RendererChannels } from '../../main/contract/ipc.js';
import { demoCode, loadDemoKeys, setUpDemoDataDir, type DemoKeys } from '../../main/demo/demo.js';
import { KioskService } from '../../main/kiosk/kiosk-service.js';
import { startBrowserShell, type BrowserShell } from '../../main/shell/browser-shell.js';
import { isLoopbackHost } from '../../main/contract/loopback.js';
import { SimulatedThermometer } from '../../drivers/thermometer/simulated.js';
import { RecentSightings, ScanGate } from '../../renderer/src/scan-gate.js';
import { FrameSlot } from '../../renderer/src/frame-slot.js';
import { WedgeDetector } from '../../renderer/src/wedge.js';
import { newSigningKey, signBundle } from '../../main/issuer/sign.js';
import { ROOT } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/tmp.js';
import { TEST_SCREEN } from '../fixtures/screen.js';
import type { KioskStatus } from '../../main/contract/kiosk.js';
import { decided } from '../fixtures/scan-answer.js';

describe('contract validation at the boundary', () => {
  it('accepts well-formed requests', () => {
    expect(parseInvoke('scan/submit', { text: 'PHC1:x', source: 'camera' })).toEqual({ ok: true, value: { text: 'PHC1:x', source: 'camera' } });
    expect(parseInvoke('status/get', {})).toEqual({ ok: true, value: {} });
    expect(parseInvoke('config/get', undefined)).toEqual({ ok: true, value: {} });
    expect(parseInvoke('technician/calibrate', { referenceC: 36.5, by: ' Li Wei ' })).toEqual({ ok: true, value: { referenceC: 36.5, by: 'Li Wei' } });
    expect(parseInvoke('supervisor/override', { checkId: '01890000-0000-7000-8000-000000000000', verdict: 'deny', reason: { preset: 'other', text: ' no paper ' } })).toEqual({
      ok: true,
      value: { checkId: '01890000-0000-7000-8000-000000000000', verdict: 'deny', reason: { preset: 'other', text: 'no paper' } },
    });
    expect(parseInvoke('supervisor/override', { checkId: '01890000-0000-7000-8000-000000000000', verdict: 'admit', reason: { preset: 'paperCertificate' } })).toMatchObject({ ok: true });
  });
  it.each([
    ['scan/submit', null, 'BAD_REQUEST'],
    ['scan/submit', 'PHC1:x', 'BAD_REQUEST'],
    ['scan/submit', { text: 42, source: 'camera' }, 'BAD_REQUEST'],
    ['scan/submit', { text: 'x', source: 'keyboard' }, 'BAD_REQUEST'],
    ['scan/submit', { text: 'x', source: 'camera', temperature: 36 }, 'BAD_REQUEST'],
    ['status/get', { all: true }, 'BAD_REQUEST'],
    ['trust/install', {}, 'UNKNOWN_CHANNEL'],
    ['technician/unlock', { pin: 482913 }, 'BAD_REQUEST'],
    ['technician/set-first-pin', { pin: '482913', role: 'technician' }, 'BAD_REQUEST'],
    ['technician/calibrate', { referenceC: '36.5', by: 'Li' }, 'BAD_REQUEST'],
    ['technician/calibrate', { referenceC: Number.NaN, by: 'Li' }, 'BAD_REQUEST'],
    ['technician/calibrate', { referenceC: 36.5, by: '  ' }, 'BAD_REQUEST'],
    ['technician/sync-test', { endpoint: '' }, 'BAD_REQUEST'],
    ['technician/sync-test', { endpoint: 'x'.repeat(513) }, 'BAD_REQUEST'],
    ['supervisor/override', { checkId: 'not-an-id', verdict: 'admit', reason: 'paper certificate' }, 'BAD_REQUEST'],
    ['supervisor/override', { checkId: '01890000-0000-7000-8000-000000000000', verdict: 'review', reason: 'paper certificate' }, 'BAD_REQUEST'],
    ['supervisor/override', { checkId: '01890000-0000-7000-8000-000000000000', verdict: 'admit', reason: ' ' }, 'BAD_REQUEST'],
    ['supervisor/override', { checkId: '01890000-0000-7000-8000-000000000000', verdict: 'admit', reason: { preset: 'other', text: ' ' } }, 'BAD_REQUEST'],
    ['supervisor/override', { checkId: '01890000-0000-7000-8000-000000000000', verdict: 'admit', reason: { preset: 'paperCertificate', text: 'x' } }, 'BAD_REQUEST'],
  ])('%s %j → %s', (channel, payload, code) => {
    const r = parseInvoke(channel as 'scan/submit', payload);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code);
  });
  it('every thermometer protocol the screen offers (main/contract/devices) has its driver', async () => {
    const { PROTOCOL_NAMES } = await import('../../main/contract/devices.js');
    const { PROTOCOLS } = await import('../../drivers/thermometer/protocols/index.js');
    // Each name has its adapter, and no adapter is unnamed.
    expect(Object.keys(PROTOCOLS).sort()).toEqual([...PROTOCOL_NAMES].sort());
  });
  it('refuses an absurdly large scan at the door, but not a merely too-long code', () => {
    expect(parseInvoke('scan/submit', { text: 'x'.repeat(MAX_SCAN_PAYLOAD_CHARS + 1), source: 'wedge' })).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(parseInvoke('scan/submit', { text: 'x'.repeat(3000), source: 'wedge' }).ok).toBe(true);
  });
});

describe('keyboard wedge', () => {
  const type = (w: WedgeDetector, text: string, start: number, gap: number): string | null => {
    let out: string | null = null;
    [...text].forEach((c, i) => (out = w.key(c, start + i * gap) ?? out));
    return w.key('Enter', start + text.length * gap) ?? out;
  };
  it('a fast burst of 20+ characters ended by Enter is a scan', () => {
    expect(type(new WedgeDetector(), 'PHC1:abcdefghijklmnopqrstuvwxyz', 0, 8)).toBe('PHC1:abcdefghijklmnopqrstuvwxyz');
  });
  it("a scan survives a hiccup of the screen (one slow gap), as long as the average is a scanner's", () => {
    const w = new WedgeDetector();
    [...'PHC1:abcdefghij'].forEach((c, i) => w.key(c, i * 3));
    [...'klmnopqrstuvwxyz'].forEach((c, i) => w.key(c, 200 + i * 3));
    expect(w.key('Enter', 260)).toBe('PHC1:abcdefghijklmnopqrstuvwxyz');
  });
  it('a person typing is not, nor a short burst, nor a burst with a pause', () => {
    expect(type(new WedgeDetector(), 'PHC1:abcdefghijklmnopqrstuvwxyz', 0, 150)).toBeNull();
    expect(type(new WedgeDetector(), 'PHC1:abcdefghijklmnopqrstuvwxyz', 0, 60)).toBeNull();
    expect(type(new WedgeDetector(), 'short', 0, 5)).toBeNull();
    const w = new WedgeDetector();
    [...'PHC1:abcdefghij'].forEach((c, i) => w.key(c, i * 5));
    [...'klmnopqrstuvwxyz'].forEach((c, i) => w.key(c, 1000 + i * 5));
    expect(w.key('Enter', 1100)).toBeNull();
  });
  it('modifier keys inside a burst are skipped', () => {
    const w = new WedgeDetector();
    const keys = [...'PHC1:ABCDEFGHIJKLMNOPQRST'].flatMap((c) => (c >= 'A' && c <= 'Z' ? ['Shift', c] : [c]));
    keys.forEach((k, i) => w.key(k, i * 3));
    expect(w.key('Enter', keys.length * 3)).toBe('PHC1:ABCDEFGHIJKLMNOPQRST');
  });
});

describe('scan gate', () => {
  it('does not resubmit the same text within 3 s of the last sighting', () => {
    const g = new ScanGate(3000);
    expect(g.shouldSubmit('A', 0)).toBe(true);
    expect(g.shouldSubmit('A', 1000)).toBe(false);
    expect(g.shouldSubmit('A', 3500)).toBe(false); // still held up: the window slides
    expect(g.shouldSubmit('B', 3600)).toBe(true);
    expect(g.shouldSubmit('A', 3700)).toBe(true);
    expect(g.shouldSubmit('A', 7000)).toBe(true);
  });
  it('remembers what the camera saw lately (a phone still about, a card held up), and forgets it after 10 s', () => {
    const seen = new RecentSightings(10_000, 3);
    expect(seen.sighted('A', 0)).toBe(false);
    expect(seen.sighted('B', 500)).toBe(false);
    // Alternating in view: both stay "seen lately".
    expect(seen.sighted('A', 1000)).toBe(true);
    expect(seen.sighted('B', 9000)).toBe(true);
    expect(seen.sighted('A', 10_900)).toBe(true);
    // B last seen at 9 s: gone by 19.1 s.
    expect(seen.sighted('B', 19_100)).toBe(false);
    // At most three remembered: the least lately seen goes first.
    seen.sighted('C', 19_200);
    seen.sighted('D', 19_300);
    expect(seen.sighted('B', 19_400)).toBe(true);
    expect(seen.sighted('A', 19_500)).toBe(false);
  });
});

describe('loopback only', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.5.6.7', true],
    ['::1', true],
    ['[::1]', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['192.168.1.10', false],
    ['10.0.0.1', false],
    ['::', false],
    ['kiosk.local', false],
  ])('%s → %s', (host, ok) => {
    expect(isLoopbackHost(host)).toBe(ok);
  });
});

describe('kiosk service and browser shell', () => {
  let keys: DemoKeys;
  let dataDir: string;
  let service: KioskService;
  let thermometer: SimulatedThermometer;
  let shell: BrowserShell | null = null;
  let now = Date.now();

  beforeEach(async () => {
    keys = await loadDemoKeys();
    dataDir = path.join(tempDir(), 'data');
    now = Date.now();
    await setUpDemoDataDir(dataDir, keys, now);
    thermometer = new SimulatedThermometer({ clock: () => now, setInterval: () => 0, clearInterval: () => undefined, random: () => 0.5 });
    service = await KioskService.open({
      dataDir,
      clock: () => now,
      thermometer,
      screen: {
        operatorLang: 'en',
        holderLangs: ['en', 'zh-CN'],
        resultSeconds: 5,
        sound: false,
        cameraId: null,
        simulated: true,
        gate: 'Gate 3',
        station: 'Hangzhou East',
        timeZone: 'Asia/Shanghai',
        pinSet: true,
      },
    });
  });
  afterEach(async () => {
    await shell?.close();
    shell = null;
    service.close();
    thermometer.close();
  });

  it('decides a scan with the fresh reading, logs it, and tells every subscriber', async () => {
    const events: (keyof RendererChannels)[] = [];
    service.subscribe((channel) => events.push(channel));
    const r = await service.invoke('scan/submit', { text: await demoCode(keys, now / 1000, { issuer: 'CN-ZJ', status: 'green' }), source: 'wedge' });
    expect(r.ok && r.value).toMatchObject({ verdict: 'admit', temperatureC: 36.6, source: 'wedge', verdictWord: { en: 'Please go through', 'zh-CN': '请通行' } });
    expect(events).toEqual(['checkpoint/decided', 'status/changed']);
    const status = service.status();
    expect(status).toMatchObject({ pendingSync: 1, trust: { state: 'ok' }, clock: 'trusted', thermometer: { state: 'simulated', lastC: 36.6 } });
    expect(status.today).toEqual({ admit: 1, review: 0, deny: 0 });
  });

  it("a stale reading is not this traveller's: TEMPERATURE_MISSING", async () => {
    now += 60_000;
    const r = await service.invoke('scan/submit', { text: await demoCode(keys, now / 1000, { issuer: 'CN-ZJ', status: 'green' }), source: 'camera' });
    expect(r.ok && decided(r.value).reasons.map((x) => x.code)).toEqual(['TEMPERATURE_MISSING']);
    thermometer.setCentre(38.6);
    const fever = await service.invoke('scan/submit', { text: await demoCode(keys, now / 1000, { issuer: 'CN-ZJ', status: 'green' }), source: 'camera' });
    expect(fever.ok && fever.value).toMatchObject({ verdict: 'deny', reasons: [{ code: 'FEVER', message: { en: expect.stringContaining('fever') } }] });
  });

  it('a bundle installed under the running kiosk reaches the screens at once, without a scan', async () => {
    const seqBefore = service.status().trust.seq!;
    const { TrustStore } = await import('../../main/trust/trust-store.js');
    const { DataDir } = await import('../../main/data-dir.js');
    const { demoBundle } = await import('../../main/demo/demo.js');
    const told = new Promise<number>((resolve) => {
      const off = service.subscribe((channel, payload) => {
        const seq = channel === 'status/changed' ? (payload as KioskStatus).trust.seq : null;
        if (seq !== null && seq > seqBefore) {
          off();
          resolve(seq);
        }
      });
    });
    await new TrustStore(DataDir.open(dataDir, { create: false })).install(await demoBundle(keys, now / 1000 + 3), { nowS: now / 1000 });
    expect(await told).toBeGreaterThan(seqBefore);
  });

  it('picks up a newer bundle installed meanwhile; a broken one leaves the old in force', async () => {
    const seqBefore = service.status().trust.seq!;
    const { TrustStore } = await import('../../main/trust/trust-store.js');
    const { DataDir } = await import('../../main/data-dir.js');
    const { demoBundle } = await import('../../main/demo/demo.js');
    await new TrustStore(DataDir.open(dataDir, { create: false })).install(await demoBundle(keys, now / 1000 + 5), { nowS: now / 1000 });
    await service.invoke('scan/submit', { text: 'x', source: 'wedge' });
    expect(service.status().trust.seq).toBeGreaterThan(seqBefore);
    const seqNow = service.status().trust.seq;
    fs.writeFileSync(path.join(dataDir, 'trust-bundle.jws'), await signBundle({ iss: 'evil', seq: 1e9, iat: 0, exp: 1e10, issuers: [] }, await newSigningKey('ES256', 'demo-root-2026')));
    // The 'x' check took the reading: the next traveller is measured anew (a reading never serves two checks).
    thermometer.setCentre(36.6);
    const r = await service.invoke('scan/submit', { text: await demoCode(keys, now / 1000, { issuer: 'CN-ZJ', status: 'green' }), source: 'wedge' });
    expect(r.ok && decided(r.value).verdict).toBe('admit');
    expect(service.status().trust.seq).toBe(seqNow);
  });

  it('a calibration past its due date shows in the status (never for the simulator)', async () => {
    const { RemoteThermometer } = await import('../../main/kiosk/remote-drivers.js');
    const thermo = new RemoteThermometer();
    thermo.status({ device: 'thermometer', state: 'ok', detail: '', atMs: now });
    const s2 = await KioskService.open({
      dataDir,
      clock: () => now,
      thermometer: thermo,
      calibrationDueAtMs: () => now - 1,
      screen: TEST_SCREEN,
    });
    expect(s2.status().thermometer).toMatchObject({ state: 'ok', calibrationOverdue: true, calibrationDueAtMs: now - 1 });
    s2.close();
    expect(service.status().thermometer.calibrationOverdue).toBe(false);
  });

  it('refuses bad payloads before any handler', async () => {
    expect(await service.invoke('scan/submit', { text: 7 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await service.invoke('../etc/passwd', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(service.status().pendingSync).toBe(0);
  });

  it('the shell listens on loopback only, serves the screen with a CSP, and talks only to its own page (origin and token)', async () => {
    const rendererDir = path.join(ROOT, 'dist', 'renderer');
    await expect(startBrowserShell({ service, rendererDir, host: '0.0.0.0', port: 0 })).rejects.toThrow(/loopback/);
    shell = await startBrowserShell({ service, rendererDir, host: '127.0.0.1', port: 0 });
    const served = await fetch(shell.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-security-policy')).toContain("script-src 'self' 'wasm-unsafe-eval'");
    const page = new URL(shell.url);
    expect((await fetch(page.origin + '/../../package.json')).status).toBe(404);
    expect((await fetch(page.origin + '/%2e%2e/%2e%2e/package.json')).status).toBe(404);

    // The page's address carries the socket's token in its fragment; the socket wants it, and the page's origin.
    const token = new URLSearchParams(page.hash.slice(1)).get('k');
    expect(token).toMatch(/^[\w-]{43}$/);
    const wsUrl = `ws://${page.host}/kiosk`;
    const opens = (url: string, origin: string): Promise<'open' | 'refused'> =>
      new Promise((resolve) => {
        const ws = new WebSocket(url, { headers: { origin } });
        ws.on('open', () => (ws.close(), resolve('open')));
        ws.on('error', () => resolve('refused'));
      });
    expect(await opens(`${wsUrl}?k=${token}`, 'http://attacker.example')).toBe('refused');
    expect(await opens(wsUrl, page.origin)).toBe('refused');

    const ws = new WebSocket(`${wsUrl}?k=${token}`, { headers: { origin: page.origin } });
    await new Promise((resolve) => ws.on('open', resolve));
    const replies: unknown[] = [];
    const decided = new Promise<void>((resolve) =>
      ws.on('message', (d) => {
        const msg = JSON.parse(d.toString()) as { t: string; id?: number; channel?: string };
        replies.push(msg);
        if (replies.some((m) => (m as { id?: number }).id === 2) && replies.some((m) => (m as { channel?: string }).channel === 'checkpoint/decided')) resolve();
      }),
    );
    ws.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'scan/submit', payload: { text: 'hello', source: 'nowhere' } }));
    ws.send(JSON.stringify({ t: 'invoke', id: 2, channel: 'scan/submit', payload: { text: 'hello', source: 'wedge' } }));
    await decided;
    ws.close();
    const results = replies.filter((m) => (m as { t: string }).t === 'result') as { id: number; result: { ok: boolean; value?: { verdict: string } } }[];
    expect(results.find((r) => r.id === 1)?.result.ok).toBe(false);
    expect(results.find((r) => r.id === 2)?.result.value?.verdict).toBe('deny');
  });
});

describe('frame slot', () => {
  it('sends every frame while the decoder keeps up', () => {
    const slot = new FrameSlot();
    for (let at = 0; at < 300; at += 33) {
      expect(slot.offer(at)).toEqual({ send: true, dropped: null });
      expect(slot.answered()).toBeNull();
    }
  });
  it('holds a frame that comes while one is in flight, and sends it when the answer comes', () => {
    const slot = new FrameSlot();
    expect(slot.offer(0).send).toBe(true);
    expect(slot.offer(33)).toEqual({ send: false, dropped: null });
    expect(slot.answered()).toBe(33);
    // That frame is in flight now: the next one waits again.
    expect(slot.offer(66)).toEqual({ send: false, dropped: null });
    expect(slot.answered()).toBe(66);
    expect(slot.answered()).toBeNull();
    expect(slot.offer(99).send).toBe(true);
  });
  it('taken from the start (a decoder warming up): frames wait, the newest goes on its answer, and then every frame is sent', () => {
    const slot = new FrameSlot({ busy: true });
    expect(slot.offer(0)).toEqual({ send: false, dropped: null });
    expect(slot.offer(33)).toEqual({ send: false, dropped: 0 });
    expect(slot.answered()).toBe(33);
    expect(slot.answered()).toBeNull();
    expect(slot.offer(66)).toEqual({ send: true, dropped: null });
    // Ready with nothing waiting: the slot is free for the first frame.
    const idle = new FrameSlot({ busy: true });
    expect(idle.answered()).toBeNull();
    expect(idle.offer(0).send).toBe(true);
  });
  it('drops a waiting frame only for a newer one, and tells which', () => {
    const slot = new FrameSlot();
    slot.offer(0);
    slot.offer(33);
    expect(slot.offer(66)).toEqual({ send: false, dropped: 33 });
    expect(slot.offer(99)).toEqual({ send: false, dropped: 66 });
    expect(slot.answered()).toBe(99);
  });
});
