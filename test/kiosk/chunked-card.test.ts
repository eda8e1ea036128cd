// A SMART Health Card in several QR codes at the kiosk (formats.md §3): its
// parts are held, "part i of n" is answered and nothing is logged until every
// part is in; then it is decided once. Parts that stop coming are given up
// when their 60 s are up, and the incomplete card is logged as MALFORMED.
// The kiosk's clock and its timers are the test's.
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PartialScanView, ScanAnswer } from '../../main/contract/kiosk.js';
import { demoBundle, demoCode, loadDemoKeys, setUpDemoDataDir, type DemoKeys } from '../../main/demo/demo.js';
import { SimulatedThermometer } from '../../drivers/thermometer/simulated.js';
import { DataDir } from '../../main/data-dir.js';
import { CheckLog } from '../../main/log/check-log.js';
import { KioskService } from '../../main/kiosk/kiosk-service.js';
import { signBundle, type SigningKey } from '../../main/issuer/sign.js';
import { chunkShc, immunizationCard, newShcSigningKey, shcEntry, signShc } from '../../main/issuer/shc-sign.js';
import { TrustStore } from '../../main/trust/trust-store.js';
import { tempDir } from '../fixtures/tmp.js';
import { TEST_SCREEN } from '../fixtures/screen.js';
import { decided } from '../fixtures/scan-answer.js';

const ISS = 'https://kiosk-test.example/issuer';
const DAY_S = 86_400;

function partial(a: ScanAnswer): PartialScanView['partial'] {
  if (!('partial' in a)) throw new Error(`expected a part held, got ${a.verdict} ${a.reasons.map((r) => r.code).join(' ')}`);
  return a.partial;
}

describe('a chunked SMART Health Card at the kiosk', () => {
  let keys: DemoKeys;
  let dataDir: string;
  let service: KioskService;
  let issuer: SigningKey;
  let now: number;
  let parts: string[];

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    keys = await loadDemoKeys();
    dataDir = path.join(tempDir(), 'data');
    now = Date.now();
    await setUpDemoDataDir(dataDir, keys, now);
    issuer = await newShcSigningKey();
    // The demo bundle with this test's SHC issuer added, newer than the one installed.
    const payload = JSON.parse(Buffer.from((await demoBundle(keys, now / 1000)).split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const bundle = await signBundle(
      { ...payload, seq: (payload.seq as number) + 1, issuers: [...(payload.issuers as unknown[]), shcEntry({ iss: ISS, name: { zh: '测试签发方', en: 'Test issuer' }, keys: [issuer] })] },
      keys.root,
    );
    await new TrustStore(DataDir.open(dataDir, { create: false })).install(bundle, { nowS: now / 1000 });
    const card = await signShc(immunizationCard({ iss: ISS, nbf: Math.floor(now / 1000) - DAY_S, patient: { family: 'Traveller', birthDate: '1990-01-01' } }), issuer);
    parts = chunkShc(card, 3);
    service = await KioskService.open({ dataDir, clock: () => now, thermometer: null, screen: { ...TEST_SCREEN, simulated: true }, retentionEveryMs: 0 });
  });
  afterEach(() => {
    service.close();
    vi.useRealTimers();
  });

  const logged = (): number => {
    const log = CheckLog.open(path.join(dataDir, 'checks.db'));
    try {
      return [...log.list()].length;
    } finally {
      log.close();
    }
  };

  it('holds each part with "part i of n", logs nothing, and decides once when all are in, in any order', async () => {
    const heard: PartialScanView[] = [];
    service.subscribe((channel, payload) => channel === 'scan/partial' && heard.push(payload as PartialScanView));
    const first = partial(await service.submitScan(parts[2]!, 'scanner'));
    expect(first).toMatchObject({ index: 3, total: 3, have: [3], missing: [1, 2], expiresAtMs: now + 60_000, nowMs: now });
    now += 5_000;
    expect(partial(await service.submitScan(parts[0]!, 'camera'))).toMatchObject({ index: 1, have: [1, 3], missing: [2] });
    // The same part seen again by the camera changes nothing.
    expect(partial(await service.submitScan(parts[0]!, 'camera'))).toMatchObject({ have: [1, 3], missing: [2] });
    expect(logged()).toBe(0);
    expect(heard.map((h) => h.partial.index)).toEqual([3, 1, 1]);
    expect(heard[0]!.message.en).toBe('Part 3 of 3 read. Scan parts 1, 2.');
    expect(heard[0]!.message['zh-CN']).toContain('共 3 部分');
    now += 5_000;
    const view = decided(await service.submitScan(parts[1]!, 'camera'));
    expect(view).toMatchObject({ format: 'shc', issuer: ISS, issuerName: { en: 'Test issuer' }, credentialKind: 'immunization', maskedName: 'T*' });
    // No thermometer: the temperature is missing, and that is the only reason.
    expect(view.reasons.map((r) => r.code)).toEqual(['TEMPERATURE_MISSING']);
    expect(logged()).toBe(1);
  });

  it('parts that stop coming are given up when their 60 s are up: one MALFORMED check logged, and the next part starts afresh', async () => {
    partial(await service.submitScan(parts[0]!, 'camera'));
    now += 59_000;
    await vi.advanceTimersByTimeAsync(59_000);
    expect(logged()).toBe(0);
    now += 2_000;
    await vi.advanceTimersByTimeAsync(2_000);
    const log = CheckLog.open(path.join(dataDir, 'checks.db'));
    const rows = [...log.list()];
    log.close();
    expect(rows.map((r) => [r.verdict, r.reasons, r.format])).toEqual([['deny', ['MALFORMED'], 'shc']]);
    // The held parts are gone: the two others alone are not the card.
    expect(partial(await service.submitScan(parts[1]!, 'camera'))).toMatchObject({ have: [2], missing: [1, 3] });
  });

  it('one part read twice, differently (two cards at once), is refused and the set dropped', async () => {
    partial(await service.submitScan(parts[0]!, 'camera'));
    const other = chunkShc(
      await signShc(
        {
          iss: ISS,
          nbf: Math.floor(now / 1000),
          vc: { type: ['https://smarthealth.cards#health-card'], credentialSubject: { fhirVersion: '4.0.1', fhirBundle: { resourceType: 'Bundle', type: 'collection', entry: [] } } },
        },
        issuer,
      ),
      3,
    );
    const view = decided(await service.submitScan(other[0]!, 'camera'));
    expect(view.reasons.map((r) => r.code)).toEqual(['MALFORMED']);
    expect(logged()).toBe(1);
    expect(partial(await service.submitScan(parts[1]!, 'camera'))).toMatchObject({ have: [2] });
  });

  it('a part of another total replaces the held set, which is logged as incomplete', async () => {
    partial(await service.submitScan(parts[0]!, 'camera'));
    const two = chunkShc(
      await signShc(
        {
          iss: ISS,
          nbf: Math.floor(now / 1000),
          vc: { type: ['https://smarthealth.cards#health-card'], credentialSubject: { fhirVersion: '4.0.1', fhirBundle: { resourceType: 'Bundle', type: 'collection', entry: [] } } },
        },
        issuer,
      ),
      2,
    );
    expect(partial(await service.submitScan(two[0]!, 'camera'))).toMatchObject({ total: 2, have: [1] });
    expect(logged()).toBe(1);
  });

  it("an abandoned card logged at its time takes no one's temperature: the next traveller's reading stays theirs", async () => {
    service.close();
    const thermometer = new SimulatedThermometer({ clock: () => now, setInterval: () => 0, clearInterval: () => undefined, random: () => 0.5 });
    service = await KioskService.open({ dataDir, clock: () => now, thermometer, screen: { ...TEST_SCREEN, simulated: true }, retentionEveryMs: 0 });
    try {
      partial(await service.submitScan(parts[0]!, 'camera'));
      now += 61_000;
      thermometer.setCentre(36.6);
      await vi.advanceTimersByTimeAsync(61_000);
      const log = CheckLog.open(path.join(dataDir, 'checks.db'));
      const rows = [...log.list()];
      log.close();
      expect(rows.map((r) => [r.reasons, r.temperatureC])).toEqual([[['MALFORMED'], null]]);
      // The traveller now at the thermometer is measured for their own check.
      const view = decided(await service.submitScan(await demoCode(keys, now / 1000, { issuer: 'CN-ZJ', status: 'green' }), 'wedge'));
      expect(view).toMatchObject({ verdict: 'admit', temperatureC: 36.6 });
    } finally {
      thermometer.close();
    }
  });
});
