// The gate driven by the kiosk (issue 15): a decided check reaches the gate
// only when logged and admitted; what the gate finds goes into the keyed log
// (NOT_PASSED referring to its check, tailgating, out of order) and onto the
// status bar; anti-passback counts only passages that happened. A fake gate
// and sensor, the kiosk's clock and the gate's timers are the test's.
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventDetails } from '../fixtures/log-events.js';
import { DataDir } from '../../main/data-dir.js';
import { demoCode, loadDemoKeys, setUpDemoDataDir, type DemoKeys } from '../../main/demo/demo.js';
import { KioskService } from '../../main/kiosk/kiosk-service.js';
import { CheckLog } from '../../main/log/check-log.js';
import { PolicyStore } from '../../main/policy/policy-store.js';
import { FakeGate, FakeInputs } from '../fixtures/fake-gate.js';
import { decided } from '../fixtures/scan-answer.js';
import { TEST_SCREEN } from '../fixtures/screen.js';
import { ManualTimers } from '../fixtures/timers.js';
import { tempDir } from '../fixtures/tmp.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('the kiosk drives its gate', () => {
  let keys: DemoKeys;
  let dataDir: string;
  let service: KioskService;
  let t: ManualTimers;
  let gate: FakeGate;
  let sensor: FakeInputs;

  /** Time on, 10 ms at a time, letting the gate's answers settle between. */
  const step = async (ms: number): Promise<void> => {
    await settle();
    for (let left = ms; left > 0; left -= 10) {
      t.advance(Math.min(10, left));
      await settle();
    }
  };
  const scan = async (status: 'green' | 'yellow' | 'red', subject: string) =>
    decided(await service.submitScan(await demoCode(keys, t.now / 1000, { issuer: status === 'yellow' ? 'CN-GD' : status === 'red' ? 'CN-BJ' : 'CN-ZJ', status, subject }), 'wedge'));
  const events = (type: string): Record<string, unknown>[] => eventDetails(dataDir, type);

  beforeEach(async () => {
    keys = await loadDemoKeys();
    dataDir = path.join(tempDir(), 'data');
    t = new ManualTimers();
    t.now = Date.now();
    await setUpDemoDataDir(dataDir, keys, t.now);
    // No thermometer here: the gate is under test, not the temperature. Anti-passback on.
    new PolicyStore(DataDir.open(dataDir, { create: false })).set(JSON.stringify({ temperature: 'off', antiPassbackSeconds: 600 }), t.now);
    gate = new FakeGate(t);
    sensor = new FakeInputs(t);
    service = await KioskService.open({
      dataDir,
      clock: () => t.now,
      thermometer: null,
      screen: TEST_SCREEN,
      retentionEveryMs: 0,
      gate: { gate, sensor, timers: t, passSeconds: 5, pulseMs: 500 },
    });
  });
  afterEach(() => service.close());

  it('an admit opens the gate once; a review and a refusal never do', async () => {
    expect((await scan('green', 'g-1')).verdict).toBe('admit');
    await step(0);
    expect(gate.calls).toEqual(['open 500']);
    const review = await scan('yellow', 'y-1');
    expect([review.verdict, review.gateNote]).toEqual(['review', null]);
    expect((await scan('red', 'r-1')).verdict).toBe('deny');
    await step(1000);
    expect(gate.calls).toEqual(['open 500']);
    expect(service.status().gate).toMatchObject({ gate: 'ready', outOfOrder: false, waiting: 1 });
  });

  it('no passage within the pass time: a NOT_PASSED event names the check, and anti-passback does not count that admit', async () => {
    const first = await scan('green', 'walked-away');
    await step(5100);
    expect(events('gate/not-passed')).toEqual([{ checkId: first.checkId, code: 'NOT_PASSED', admittedAtMs: first.atMs, passSeconds: 5 }]);
    // The same holder again: the first admit let nobody through, so this is no passback.
    const again = await scan('green', 'walked-away');
    expect(again.verdict).toBe('admit');
    await step(0);
    sensor.passage();
    await step(10);
    expect(events('gate/passed')).toEqual([{ checkId: again.checkId }]);
    // Now the holder did pass: once more within the window is ALREADY_PASSED.
    const third = await scan('green', 'walked-away');
    expect(third.reasons.map((r) => r.code)).toContain('ALREADY_PASSED');
  });

  it('a passage nobody was admitted for is tailgating: logged and counted on the status bar', async () => {
    sensor.passage();
    await step(10);
    expect(events('gate/tailgate')).toHaveLength(1);
    expect(service.status().gate).toMatchObject({ tailgatesToday: 1 });
  });

  it('a gate out of order is logged and shown, and the kiosk keeps deciding and logging', async () => {
    gate.setState('offline', 'no answer from the relay board');
    await step(10);
    expect(service.status().gate).toMatchObject({ gate: 'out-of-order', outOfOrder: true });
    expect(events('gate/out-of-order')).toHaveLength(1);
    const byHand = await scan('green', 'by-hand');
    expect(byHand.verdict).toBe('admit');
    // The traveller is told the gate will not open by itself.
    expect(byHand.gateNote?.en).toBe('The gate is out of order: please wait, staff will let you through.');
    await step(0);
    expect(gate.opens).toBe(0);
    gate.setState('ok', 'back');
    await step(10);
    expect(service.status().gate).toMatchObject({ gate: 'ready', outOfOrder: false });
    expect(events('gate/back-in-order')).toHaveLength(1);
  });

  it("a technician's Test open opens the gate for no check, audited with whether it was confirmed", async () => {
    expect(await service.testOpenGate('technician')).toMatchObject({ outcome: 'opened' });
    gate.answers.push(false);
    await step(1000);
    expect(await service.testOpenGate('technician')).toMatchObject({ outcome: 'noAnswer' });
    expect(gate.calls).toEqual(['open 500', 'open 500']);
    expect(events('gate/test-open').map((e) => e.confirmed)).toEqual([true, false]);
    // Nothing was checked: no check was logged for it.
    const log = CheckLog.open(path.join(dataDir, 'checks.db'));
    try {
      expect(log.count().total).toBe(0);
    } finally {
      log.close();
    }
  });

  it('free passage switched on and off by the setting is logged; the gate is held open, then released', async () => {
    service.setFreePassage(true, 'technician (gate.freePassage on the technician screen)');
    await step(0);
    expect(service.status().gate).toMatchObject({ gate: 'free-passage', freePassage: { technician: 'technician (gate.freePassage on the technician screen)' } });
    expect((await scan('green', 'in-emergency')).gateNote?.en).toMatch(/free passage/i);
    service.setFreePassage(false, 'technician');
    await step(0);
    expect(gate.calls).toEqual(['hold', 'release']);
    expect(events('gate/free-passage').map((e) => e.on)).toEqual([true, false]);
  });

  it('a reconfigured gate: the old one is let go, the new one opens for the next admit; none leaves no gate', async () => {
    const next = new FakeGate(t);
    service.replaceGate({ gate: next, sensor: null, timers: t, pulseMs: 800 });
    expect((await scan('green', 'after-change')).verdict).toBe('admit');
    await step(0);
    expect(gate.calls).toEqual([]);
    expect(next.calls).toEqual(['open 800']);
    // The old sensor is no longer listened to.
    sensor.passage();
    await step(10);
    expect(events('gate/tailgate')).toHaveLength(0);
    service.replaceGate(null);
    expect(service.status().gate).toBeNull();
    expect(await service.testOpenGate('technician')).toMatchObject({ outcome: 'noGate' });
  });

  it('the guard is shown the last admit nobody went through on, and the day’s count', async () => {
    const admitted = await scan('green', 'stays-behind');
    await step(5000);
    expect(service.status().gate).toMatchObject({ notPassedToday: 1, lastNotPassed: { checkId: admitted.checkId } });
  });
});
