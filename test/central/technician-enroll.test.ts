// Enrolling from the kiosk's technician screen (issue 16): the text of the
// QR `sentinel central enroll-token --png` makes, scanned into Settings'
// Enroll row, enrolls the kiosk with a real central service (embedded
// store) as `sentinel enroll` does — the device recorded, the service key
// pinned, the sync endpoint set and applied, audited — and everything else
// is refused with a reason and changes nothing.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CentralService } from '../../central/service.js';
import type { CentralStore } from '../../central/store.js';
import { ConfigStore } from '../../main/config/config-store.js';
import { enrollmentText, parseEnrollmentText } from '../../main/contract/enrollment.js';
import { parseInvoke, technicianText } from '../../main/contract/ipc.js';
import { DataDir } from '../../main/data-dir.js';
import { loadDemoKeys, setUpDemoDataDir } from '../../main/demo/demo.js';
import { loadOrCreateDeviceIdentity } from '../../main/device/device-key.js';
import { CheckLog } from '../../main/log/check-log.js';
import { SERVICE_KEY_FILE } from '../../main/sync/service-pin.js';
import { hashPin } from '../../main/technician/pin.js';
import { TechnicianService } from '../../main/technician/technician-service.js';
import { PGLITE } from './backends.js';

const PIN = '482913';

describe('enrolling from the technician screen', () => {
  let store: CentralStore;
  let service: CentralService;
  let url: string;
  let dataDir: string;
  let folder: string;
  let technician: TechnicianService;
  const changed: string[][] = [];
  const now = Date.now();

  beforeAll(async () => {
    store = await PGLITE.freshStore();
    service = new CentralService({ store, log: () => undefined });
    url = await service.listen();
    // For the whole file (tempDir's folders go after each test): the kiosk enrolls once, then again.
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-enroll-'));
    dataDir = path.join(folder, 'data');
    await setUpDemoDataDir(dataDir, await loadDemoKeys(), now);
    const config = new ConfigStore(DataDir.open(dataDir, { create: false }));
    const c = config.load().config;
    config.save({ ...c, technician: { ...c.technician, pinHash: hashPin(PIN) } }, now);
    technician = new TechnicianService({ dataDir, clock: Date.now, onChanged: (what) => changed.push(what) });
    await technician.handle('technician/unlock', { pin: PIN });
  });
  afterAll(async () => {
    technician?.close();
    await service?.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  const token = async (): Promise<string> => (await store.createEnrollToken({ gate: 'G3', station: 'Hongqiao', ttlMinutes: 10, nowMs: Date.now() })).token;

  it('the enrollment code carries the URL and the token; anything else is not one', async () => {
    const t = await token();
    expect(parseEnrollmentText(enrollmentText({ url, token: t }))).toEqual({ url, token: t });
    expect(parseEnrollmentText(` ${enrollmentText({ url, token: t })}\n`)).toEqual({ url, token: t });
    for (const text of [
      '',
      'PHC1:abc',
      `SENTINEL-ENROLL:1:${t}`,
      `SENTINEL-ENROLL:1:short:${url}`,
      `SENTINEL-ENROLL:2:${t}:${url}`,
      `SENTINEL-ENROLL:1:${t}:ftp://x`,
      `SENTINEL-ENROLL:1:${t}:${url}${'x'.repeat(1100)}`,
    ]) {
      expect(parseEnrollmentText(text), text).toBeNull();
    }
    expect(() => enrollmentText({ url, token: '-starts-with-a-dash-' })).toThrow(RangeError);
    expect(parseInvoke('technician/enroll', { code: '' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(parseInvoke('technician/enroll', { code: 'x'.repeat(1025) })).toMatchObject({ ok: false });
  });

  it('a scanned code enrolls the kiosk: the device recorded with its gate, the service key pinned, the endpoint set, applied and audited', async () => {
    const before = changed.length;
    const r = await technician.handle('technician/enroll', { code: enrollmentText({ url, token: await token() }) });
    expect(r.enrolled).toBe(true);
    expect(technicianText(r.says, 'en', 'UTC')).toMatch(/^Enrolled with the central service at http:\/\/127\.0\.0\.1:\d+\/.*key is pinned/);
    expect(technicianText(r.says, 'zh-CN', 'UTC')).toMatch(/已注册到中心服务/);
    const device = await loadOrCreateDeviceIdentity(DataDir.open(dataDir, { create: false }));
    expect((await store.devices()).find((d) => d.id === device.deviceId)).toMatchObject({ gate: 'G3', station: 'Hongqiao' });
    const dir = DataDir.open(dataDir, { create: false });
    expect(new ConfigStore(dir).load().config.sync.endpoint).toBe(url);
    expect(dir.readText(SERVICE_KEY_FILE)).not.toBeNull();
    expect(changed.slice(before)).toEqual([['sync.endpoint']]);
    const log = CheckLog.openIn(dir);
    try {
      expect(log.listEvents().filter((e) => e.type === 'config/changed' && (e.detail as Record<string, unknown>).enrolledAs === device.deviceId)).toHaveLength(1);
    } finally {
      log.close();
    }
  });

  it('"URL TOKEN" typed works too; a used token, a code that is none, an address sync refuses and a service not there are refused with a reason and change nothing', async () => {
    const t = await token();
    expect((await technician.handle('technician/enroll', { code: `${url} ${t}` })).enrolled).toBe(true);
    const endpointBefore = new ConfigStore(DataDir.open(dataDir, { create: false })).load().config.sync.endpoint;
    const refusal = async (code: string): Promise<unknown> => {
      const r = await technician.handle('technician/enroll', { code });
      expect(r.enrolled).toBe(false);
      return r.says.params;
    };
    expect(await refusal(`${url} ${t}`)).toMatchObject({ problem: 'refused' });
    expect(await refusal('PHC1:not-an-enrollment')).toMatchObject({ problem: 'notACode' });
    expect(await refusal(enrollmentText({ url: 'http://sync.example/', token: await token() }))).toMatchObject({ problem: 'url' });
    expect(await refusal(enrollmentText({ url: 'http://127.0.0.1:9/', token: await token() }))).toMatchObject({ problem: 'unreachable' });
    expect(new ConfigStore(DataDir.open(dataDir, { create: false })).load().config.sync.endpoint).toBe(endpointBefore);
  });

  it('needs the technician PIN', async () => {
    await technician.handle('technician/lock', {});
    await expect(technician.handle('technician/enroll', { code: enrollmentText({ url, token: await token() }) })).rejects.toThrow(/PIN|locked/i);
  });
});
