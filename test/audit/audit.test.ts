// Audit events: in the same tamper-evident chain as the checks (migration 3,
// tested with the others in test/log/migrations.test.ts),
// written by every configuration change, PIN, calibration, bundle import and
// policy change, and synced beside the checks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CentralService } from '../../bench/central-service.js';
import { TimeFloor } from '../../main/clock/time-floor.js';
import { DATA_FILES, DataDir } from '../../main/data-dir.js';
import { loadOrCreateDeviceIdentity } from '../../main/device/device-key.js';
import { AuditTrail, recordIn } from '../../main/audit/audit.js';
import { CheckLog } from '../../main/log/check-log.js';
import { SCHEMA_VERSION } from '../../main/log/migrations.js';
import { syncEndpoints } from '../../main/sync/endpoints.js';
import { SyncClient } from '../../main/sync/sync-client.js';
import { TrustStore } from '../../main/trust/trust-store.js';
import { sentinel } from '../fixtures/cli.js';
import { T0, makeWorld } from '../fixtures/world.js';
import { tempDir } from '../fixtures/tmp.js';
import { auditEvent as event, checkRecord as check } from '../fixtures/check-records.js';

let file: string;
beforeEach(() => {
  file = path.join(tempDir(), 'checks.db');
});

describe('one chain for checks and events', () => {
  it('events go between checks in one chain, and verify with them', () => {
    const log = CheckLog.open(file);
    expect(new Database(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    log.append([check(1), check(2)]);
    log.appendEvents([event(3)]);
    log.append([check(4)]);
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 4 });
    expect(log.listEvents()).toMatchObject([{ type: 'config/changed', actor: 'tech-07', detail: { key: 'screen.sound' } }]);
    log.close();
  });

  it('the audit trail of an open log, and recordIn on a data directory, write into the same keyed chain', () => {
    const dir = DataDir.open(tempDir(), { create: true });
    const log = CheckLog.openIn(dir);
    const reviewed = check(1, { verdict: 'review' });
    log.append([reviewed]);
    new AuditTrail(log).record('override', 'supervisor', { checkId: reviewed.checkId, verdict: 'admit' }, T0 * 1000 + 2000);
    log.close();
    recordIn(dir, 'pin/failed', 'screen', { remaining: 2 }, T0 * 1000 + 3000);
    // openIn keys the log with the directory's chain key, as open does from the file's folder.
    const reopened = CheckLog.open(dir.path(DATA_FILES.database));
    expect(reopened.listEvents().map((e) => [e.type, e.actor, e.atMs])).toEqual([
      ['override', 'supervisor', T0 * 1000 + 2000],
      ['pin/failed', 'screen', T0 * 1000 + 3000],
    ]);
    expect(reopened.overrideOf(reviewed.checkId)).toMatchObject({ detail: { verdict: 'admit' } });
    expect(reopened.verifyChain()).toMatchObject({ ok: true, checked: 3 });
    reopened.close();
  });

  it('an event edited or deleted is found, like a check', () => {
    const log = CheckLog.open(file);
    log.append([check(1)]);
    log.appendEvents([event(2), event(3, 'pin/failed')]);
    log.append([check(4)]);
    log.close();
    const db = new Database(file);
    db.prepare(`UPDATE events SET detail = '{"key":"screen.sound","before":true,"after":true}' WHERE chain_pos = 2`).run();
    db.close();
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false, brokenAtSeq: 2, problem: expect.stringContaining('event 2 was changed') });
    const db2 = new Database(file);
    db2.prepare('DELETE FROM events WHERE chain_pos = 3').run();
    db2.close();
    expect(CheckLog.open(file).verifyChain()).toMatchObject({ ok: false });
  });

  it('retention purges synced old events as well, and the chain verifies', () => {
    const log = CheckLog.open(file);
    log.append([check(1)]);
    log.appendEvents([event(2)]);
    log.append([check(3)]);
    const ids = [...[...log.list()].map((c) => c.checkId), ...log.listEvents().map((e) => e.eventId)];
    expect(log.markSynced(ids.slice(0, 1).concat(ids.slice(2)), T0 * 1000)).toBe(2);
    expect(log.purge({ nowMs: T0 * 1000 + 40 * 86_400_000, retentionDays: 21 }).deleted).toBe(1);
    // The synced event went; the purge's own marker is the one event left.
    expect(log.listEvents().map((e) => e.type)).toEqual(['retention/purged']);
    expect(log.verifyChain()).toMatchObject({ ok: true, checked: 2 });
    log.close();
  });
});

describe('events are synced beside the checks', () => {
  let server: CentralService;
  afterEach(async () => server.stop());

  it('pushed in the `events` member and marked synced when the service lists them', async () => {
    server = new CentralService();
    await server.start();
    const world = await makeWorld();
    const dir = DataDir.open(tempDir(), { create: true });
    await new TrustStore(dir).install(world.bundle, { nowS: T0, newRoots: world.roots });
    const log = CheckLog.open(dir.path(DATA_FILES.database));
    log.append([check(1), check(2)]);
    log.appendEvents([event(3), event(4, 'trust/installed')]);
    const device = await loadOrCreateDeviceIdentity(dir);
    await server.enroll(device.deviceId, device.jwk);
    const client = new SyncClient({ endpoints: syncEndpoints(server.url), log, device, trust: new TrustStore(dir), floor: new TimeFloor(log), clock: Date.now });
    expect(await client.pushBatch()).toMatchObject({ kind: 'stored', sent: 4, stored: 4 });
    expect(server.storedEvents.size).toBe(2);
    expect([...server.storedEvents.values()][1]).toMatchObject({ type: 'trust/installed', actor: 'tech-07' });
    expect(log.pendingEvents(10)).toEqual([]);
    expect(await client.pushBatch()).toEqual({ kind: 'empty' });
    log.close();
  });
});

describe('the commands write the audit trail', () => {
  it('config set, set-pin, trust install (and a refusal), policy set (and a refusal): each an event, chained', async () => {
    const world = await makeWorld();
    const files = tempDir();
    fs.writeFileSync(path.join(files, 'bundle.jws'), world.bundle);
    fs.writeFileSync(path.join(files, 'root.jwk'), JSON.stringify(world.root.publicJwk));
    fs.writeFileSync(path.join(files, 'policy.json'), '{"temperature":"optional"}');
    fs.writeFileSync(path.join(files, 'bad-policy.json'), '{"temperature":"sometimes"}');
    const data = tempDir();
    const at = new Date(T0 * 1000).toISOString();
    const env = { SENTINEL_ACTOR: 'tech-07' };
    expect(sentinel(['trust', 'install', path.join(files, 'bundle.jws'), '--root', path.join(files, 'root.jwk'), '--data', data, '--at', at], { env }).status).toBe(0);
    expect(sentinel(['trust', 'install', path.join(files, 'bundle.jws'), '--data', data, '--at', at], { env }).status).toBe(78);
    expect(sentinel(['policy', 'set', path.join(files, 'policy.json'), '--data', data], { env }).status).toBe(0);
    expect(sentinel(['policy', 'set', path.join(files, 'bad-policy.json'), '--data', data], { env }).status).toBe(78);
    expect(sentinel(['config', 'set', 'identity.gate', 'East 3', '--data', data], { env }).status).toBe(0);
    expect(sentinel(['config', 'set-pin', '--data', data], { input: '482913\n', env }).status).toBe(0);
    const events = sentinel(['log', '--events', '--json', '--data', data])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; actor: string; detail: Record<string, unknown> });
    expect(events.map((e) => e.type)).toEqual(['trust/installed', 'trust/refused', 'policy/set', 'policy/refused', 'config/changed', 'pin/set']);
    expect(events.every((e) => e.actor === 'tech-07')).toBe(true);
    expect(events[1]!.detail).toMatchObject({ problem: 'rollback' });
    expect(events[4]!.detail).toMatchObject({ key: 'identity.gate', before: '', after: 'East 3' });
    expect(JSON.stringify(events)).not.toContain('scrypt');
    expect(JSON.parse(sentinel(['log', '--verify-chain', '--json', '--data', data]).stdout)).toMatchObject({ ok: true, checked: 6 });
  });
});
