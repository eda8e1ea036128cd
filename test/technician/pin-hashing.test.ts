// While entry is locked out, a PIN attempt must cost no hash at all: the
// scrypt calls are counted here (node:crypto mocked in this file only).
import * as path from 'node:path';
import type * as Crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => ({ scrypt: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof Crypto>();
  return {
    ...real,
    scrypt: (...args: Parameters<typeof real.scrypt>) => {
      calls.scrypt += 1;
      return (real.scrypt as (...a: unknown[]) => void)(...args);
    },
  };
});

const { ConfigStore } = await import('../../main/config/config-store.js');
const { DataDir } = await import('../../main/data-dir.js');
const { loadDemoKeys, setUpDemoDataDir } = await import('../../main/demo/demo.js');
const { hashPin } = await import('../../main/technician/pin.js');
const { PIN_ATTEMPT_GAP_MS, TechnicianService } = await import('../../main/technician/technician-service.js');
const { tempDir } = await import('../fixtures/tmp.js');

describe('a locked-out PIN pad', () => {
  it('hashes nothing: five wrong PINs cost ten hashes (two roles each), then a hundred attempts cost none', async () => {
    const T = Date.parse('2026-11-29T08:00:00Z');
    const dataDir = path.join(tempDir(), 'data');
    await setUpDemoDataDir(dataDir, await loadDemoKeys(), T);
    const store = new ConfigStore(DataDir.open(dataDir, { create: false }));
    const c = store.load().config;
    store.save({ ...c, technician: { ...c.technician, pinHash: hashPin('482913'), supervisorPinHash: hashPin('735102') } }, T);
    const clock = { now: T };
    const technician = new TechnicianService({ dataDir, clock: () => clock.now });
    calls.scrypt = 0;
    for (let i = 0; i < 5; i++) {
      await technician.session.unlock('000111');
      clock.now += PIN_ATTEMPT_GAP_MS;
    }
    expect(calls.scrypt).toBe(10);
    for (let i = 0; i < 100; i++) expect(await technician.handle('technician/unlock', { pin: '482913' }, `ws:${i}`)).toMatchObject({ result: 'locked' });
    expect(calls.scrypt).toBe(10);
  });
});
