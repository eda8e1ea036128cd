// The central service over HTTP on both backends, as kiosks meet it (spec
// §6): enrollment with one-time tokens, batches stored only from enrolled,
// unrevoked devices whose signature verifies, exactly once by id also when
// two service processes receive the same batches at the same moment, trust
// bundles with ETag/304, refusals for every malformed input, and the
// kiosk's own SyncClient pushing to it through a connection that loses answers.
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { CompactSign } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { listAlerts } from '../../central/alerts.js';
import { publishBundle } from '../../central/bundles.js';
import { CentralService, etagMatches } from '../../central/service.js';
import type { CentralStore } from '../../central/store.js';
import { TimeFloor } from '../../main/clock/time-floor.js';
import { ConfigStore } from '../../main/config/config-store.js';
import { DataDir } from '../../main/data-dir.js';
import { loadOrCreateDeviceIdentity, type DeviceIdentity } from '../../main/device/device-key.js';
import { uuidv7 } from '../../main/log/check-id.js';
import { CheckLog } from '../../main/log/check-log.js';
import { runSentinel } from '../../main/cli/run.js';
import { AuditTrail } from '../../main/audit/audit.js';
import { signBundle } from '../../main/issuer/sign.js';
import { syncEndpoints } from '../../main/sync/endpoints.js';
import { SyncClient } from '../../main/sync/sync-client.js';
import { TrustStore } from '../../main/trust/trust-store.js';
import { checkRecord } from '../fixtures/check-records.js';
import { tempDir } from '../fixtures/tmp.js';
import { until } from '../fixtures/until.js';
import { makeWorld, type World } from '../fixtures/world.js';
import { BACKENDS } from './backends.js';
import { enroll, enrollDoc, newDevice, payloadOf, postChecks, postEnroll, request, sign, wireCheck, wireChecks, wireEvent } from './kiosks.js';

const HOUR = 3_600_000;

describe('If-None-Match', () => {
  it('matches the ETag, a weak form of it, one of a list, or *', () => {
    expect(etagMatches('"17"', '"17"')).toBe(true);
    expect(etagMatches('W/"17"', '"17"')).toBe(true);
    expect(etagMatches('"16", "17"', '"17"')).toBe(true);
    expect(etagMatches('*', '"17"')).toBe(true);
    expect(etagMatches('"170"', '"17"')).toBe(false);
    expect(etagMatches(undefined, '"17"')).toBe(false);
  });
});

describe('a client that stalls', () => {
  it('is answered 408 and let go once the request time is up, without the store being asked anything', async () => {
    const asked: string[] = [];
    const store = new Proxy({}, { get: (_t, p) => (asked.push(String(p)), undefined) }) as unknown as CentralStore;
    const service = new CentralService({ store, requestTimeoutMs: 1000, log: () => undefined });
    await service.listen();
    try {
      const started = Date.now();
      const answer = await new Promise<string>((resolve) => {
        let got = '';
        const s = net.connect(Number(new URL(service.url).port), '127.0.0.1', () => s.write('POST /v1/checks HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc'));
        s.on('data', (d: Buffer) => (got += d.toString()));
        s.on('close', () => resolve(got));
        s.on('error', () => undefined);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(asked.filter((p) => p !== 'then')).toEqual([]);
    } finally {
      await service.close();
    }
  });
});

describe('many bodies at once', () => {
  it('past the in-flight budget a request is answered 503 with Retry-After before the store is asked anything, and the budget comes back when a body is let go', async () => {
    const asked: string[] = [];
    const store = new Proxy({}, { get: (_t, p) => (asked.push(String(p)), undefined) }) as unknown as CentralStore;
    const service = new CentralService({ store, maxInFlightBytes: 64 * 1024, log: () => undefined });
    await service.listen();
    const stalled = net.connect(Number(new URL(service.url).port), '127.0.0.1');
    stalled.on('error', () => undefined);
    try {
      // 60 KB of a 100 KB body, and then nothing: held while the rest is awaited.
      stalled.write(`POST /v1/checks HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n${'a'.repeat(60_000)}`);
      // 10 KB more does not fit beside it (until the 60 KB are in, it is read and refused as no JWS).
      const small = (): Promise<Response> => fetch(new URL('v1/checks', service.url), { method: 'POST', body: 'b'.repeat(10_000) });
      let busy: Response | null = null;
      await until(async () => (busy = await small()).status === 503, 5000, 'a 503 while the stalled body is held');
      expect(busy!.headers.get('retry-after')).toBe('5');
      expect(await busy!.json()).toMatchObject({ error: 'busy', reason: expect.stringMatching(/try again/) });
      stalled.destroy();
      await until(async () => (await small()).status === 400, 5000, 'the budget given back once the stalled client is gone');
      expect(asked.filter((p) => p !== 'then')).toEqual([]);
    } finally {
      stalled.destroy();
      await service.close();
    }
  });
});

describe.each(BACKENDS)('the central service on $name', (backend) => {
  let store: CentralStore;
  let a: CentralService;
  let b: CentralService;
  let world: World;

  /** Checks stored for a device, by id, counted in the database. */
  async function storedFor(deviceId: string): Promise<Map<string, number>> {
    const rows = await store.sql.query<{ id: string; n: unknown }>('SELECT check_id AS id, count(*) AS n FROM checks WHERE device_id = $1 GROUP BY check_id', [deviceId]);
    return new Map(rows.map((r) => [r.id, Number(r.n)]));
  }

  beforeAll(async () => {
    store = await backend.freshStore();
    // Two service processes on one store: on PostgreSQL each with its own pool.
    const other = await backend.secondProcess(store);
    a = new CentralService({ store, log: () => undefined });
    b = new CentralService({ store: other, log: () => undefined });
    await a.listen();
    await b.listen();
    const nowS = Math.floor(Date.now() / 1000);
    world = await makeWorld({ seq: 17, iat: nowS - 3600, exp: nowS + 30 * 86_400 });
    return async () => {
      await a.close();
      await b.close();
    };
  });

  describe('enrollment', () => {
    it('a good token records the device with its gate and station; the same token again, or a token of nobody, stores nothing', async () => {
      const device = await newDevice();
      const { token } = await store.createEnrollToken({ gate: 'G3', station: 'Hongqiao', ttlMinutes: 10, nowMs: Date.now() });
      const ok = await postEnroll(a.url, await enrollDoc(device, token));
      expect(ok.status).toBe(200);
      expect(ok.json).toMatchObject({ deviceId: device.deviceId, gate: 'G3', station: 'Hongqiao' });
      expect(await store.device(device.deviceId)).toMatchObject({ gate: 'G3', station: 'Hongqiao', revokedAt: null, jwk: { kty: 'EC', crv: 'P-256', x: device.jwk.x, y: device.jwk.y } });
      const before = (await store.devices()).length;
      const thief = await newDevice();
      const reused = await postEnroll(b.url, await enrollDoc(thief, token));
      expect(reused.status).toBe(410);
      expect(reused.json).toMatchObject({ error: 'token-used', reason: expect.stringMatching(/already used/) });
      const unknown = await postEnroll(a.url, await enrollDoc(thief, 'made-up-token'));
      expect(unknown.status).toBe(401);
      expect(unknown.json).toMatchObject({ error: 'unknown-token' });
      expect((await store.devices()).length).toBe(before);
      expect(await store.device(thief.deviceId)).toBeNull();
    });

    it('an expired token is refused with 410 and a reason, and nothing is stored', async () => {
      const device = await newDevice();
      const { token } = await store.createEnrollToken({ gate: 'G4', station: null, ttlMinutes: 5, nowMs: Date.now() - 6 * 60_000 });
      const r = await postEnroll(a.url, await enrollDoc(device, token));
      expect(r.status).toBe(410);
      expect(r.json).toMatchObject({ error: 'token-expired', reason: expect.stringMatching(/expired at/) });
      expect(await store.device(device.deviceId)).toBeNull();
    });

    it('two kiosks using one token at the same moment through two processes: exactly one is enrolled', async () => {
      const { token } = await store.createEnrollToken({ gate: 'G5', station: null, ttlMinutes: 5, nowMs: Date.now() });
      const [d1, d2] = [await newDevice(), await newDevice()];
      const answers = await Promise.all([postEnroll(a.url, await enrollDoc(d1, token)), postEnroll(b.url, await enrollDoc(d2, token))]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 410]);
      const enrolled = [await store.device(d1.deviceId), await store.device(d2.deviceId)].filter((d) => d !== null);
      expect(enrolled).toHaveLength(1);
    });

    it('refuses a private key, a key of another curve, a kid that is not its thumbprint, and bodies that are not {token, jwk}', async () => {
      const device = await newDevice();
      const { token } = await store.createEnrollToken({ gate: null, station: null, ttlMinutes: 5, nowMs: Date.now() });
      const { exportJWK } = await import('jose');
      const priv = await exportJWK(device.privateKey);
      const cases: [unknown, number, string][] = [
        [{ token, jwk: priv }, 400, 'private-key'],
        [{ token, jwk: { kty: 'OKP', crv: 'Ed25519', x: device.jwk.x } }, 400, 'malformed'],
        [{ token, jwk: { ...device.jwk, kid: 'someone-else' } }, 400, 'malformed'],
        [{ token, jwk: { ...device.jwk, x: device.jwk.y } }, 400, 'malformed'],
        [{ token, jwk: device.jwk, deviceId: 'not-its-id' }, 400, 'malformed'],
        [{ jwk: device.jwk }, 400, 'malformed'],
        [{ token: 7, jwk: device.jwk }, 400, 'malformed'],
        [[token, device.jwk], 400, 'malformed'],
        ['{"token":', 400, 'malformed'],
        ['x'.repeat(20_000), 413, 'too-large'],
      ];
      for (const [body, status, error] of cases) {
        const r = await postEnroll(a.url, body);
        expect({ body: JSON.stringify(body).slice(0, 60), status: r.status, error: r.json?.error }).toEqual({ body: JSON.stringify(body).slice(0, 60), status, error });
        expect(typeof r.json?.reason).toBe('string');
      }
      // The token was never spent on any of them.
      expect((await postEnroll(a.url, await enrollDoc(device, token))).status).toBe(200);
    });

    it('only the holder of the key enrolls it: no proof, a proof by another key or over another token, and a try to move an enrolled kiosk to another gate are refused', async () => {
      const device = await newDevice();
      const thief = await newDevice();
      const { token } = await store.createEnrollToken({ gate: 'G8', station: null, ttlMinutes: 5, nowMs: Date.now() });
      const proofBy = (signer: DeviceIdentity, payload: unknown, kid = device.deviceId): Promise<string> =>
        new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', typ: 'phc-enroll+jwt', kid }).sign(signer.privateKey);
      const cases: [string, unknown, number, string][] = [
        ['no proof', { token, jwk: device.jwk }, 400, 'no-proof'],
        ['a proof that is no JWS', { token, jwk: device.jwk, proof: 'signed, honest' }, 400, 'malformed'],
        ["another device's kid", { token, jwk: device.jwk, proof: await proofBy(thief, { token, device: thief.deviceId }, thief.deviceId) }, 400, 'malformed'],
        ['signed by another key', { token, jwk: device.jwk, proof: await proofBy(thief, { token, device: device.deviceId }) }, 401, 'bad-proof'],
        ['over another token', { token, jwk: device.jwk, proof: await proofBy(device, { token: 'another-token-entirely', device: device.deviceId }) }, 401, 'bad-proof'],
        ['for another device', { token, jwk: device.jwk, proof: await proofBy(device, { token, device: thief.deviceId }) }, 401, 'bad-proof'],
      ];
      for (const [what, body, status, error] of cases) {
        const r = await postEnroll(a.url, body);
        expect({ what, status: r.status, error: r.json?.error }).toEqual({ what, status, error });
      }
      expect(await store.device(device.deviceId)).toBeNull();
      // Enrolled at G8 with its own proof; a token for G9 in other hands cannot move it there.
      expect((await postEnroll(a.url, await enrollDoc(device, token))).status).toBe(200);
      const other = (await store.createEnrollToken({ gate: 'G9', station: null, ttlMinutes: 5, nowMs: Date.now() })).token;
      const moved = await postEnroll(b.url, { token: other, jwk: device.jwk, proof: await proofBy(thief, { token: other, device: device.deviceId }) });
      expect([moved.status, moved.json?.error]).toEqual([401, 'bad-proof']);
      expect(await store.device(device.deviceId)).toMatchObject({ gate: 'G8' });
    });
  });

  describe('batches', () => {
    it('from a device never enrolled: 401 with a reason, nothing stored', async () => {
      const stranger = await newDevice();
      const checks = wireChecks(3, Date.now() - HOUR);
      const r = await postChecks(a.url, await sign(stranger, payloadOf(stranger, checks)));
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ error: 'unknown-device', reason: expect.stringContaining(stranger.deviceId) });
      expect((await storedFor(stranger.deviceId)).size).toBe(0);
    });

    it("signed by another key under an enrolled device's id: 401 bad signature, nothing stored", async () => {
      const device = await newDevice();
      expect((await enroll(a.url, store, device)).status).toBe(200);
      const forger = await newDevice();
      const checks = wireChecks(5, Date.now() - HOUR);
      const forged = await sign({ ...forger, deviceId: device.deviceId }, payloadOf(device, checks));
      const r = await postChecks(a.url, forged);
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ error: 'bad-signature' });
      // The device's own signature over other bytes does not carry over either.
      const genuine = await sign(device, payloadOf(device, checks));
      const [h, , s] = genuine.split('.');
      const swapped = `${h}.${Buffer.from(JSON.stringify(payloadOf(device, wireChecks(5, Date.now())))).toString('base64url')}.${s}`;
      expect((await postChecks(b.url, swapped)).status).toBe(401);
      expect((await storedFor(device.deviceId)).size).toBe(0);
      expect((await store.events(device.deviceId)).length).toBe(0);
    });

    it('from a revoked device: 403 with a reason, nothing stored, also for a batch it sent before and retries', async () => {
      const device = await newDevice();
      await enroll(a.url, store, device);
      const first = await sign(device, payloadOf(device, wireChecks(4, Date.now() - HOUR)));
      expect((await postChecks(a.url, first)).status).toBe(200);
      await store.revoke(device.deviceId, Date.now());
      const later = await sign(device, payloadOf(device, wireChecks(4, Date.now() - 1000), [wireEvent(Date.now())]));
      for (const [url, jws] of [
        [a.url, later],
        [b.url, later],
        [b.url, first],
      ] as const) {
        const r = await postChecks(url, jws);
        expect(r.status).toBe(403);
        expect(r.json).toMatchObject({ error: 'device-revoked', reason: expect.stringMatching(/revoked at/) });
      }
      expect((await storedFor(device.deviceId)).size).toBe(4);
      expect((await store.events(device.deviceId)).length).toBe(0);
      // And it cannot enroll itself back with a new token.
      expect((await enroll(b.url, store, device)).status).toBe(403);
    });

    it('the same batch twice, then a batch overlapping it: accepted once, then duplicate; the overlap answered part duplicate, part accepted', async () => {
      const device = await newDevice();
      await enroll(a.url, store, device);
      const checks = wireChecks(20, Date.now() - 2 * HOUR);
      const events = [wireEvent(Date.now() - HOUR)];
      const jws = await sign(device, payloadOf(device, checks, events));
      const first = await postChecks(a.url, jws);
      expect(first.status).toBe(200);
      expect(first.json).toEqual({ accepted: [...checks.map((c) => c.checkId), events[0]!.eventId], duplicate: [], receipt: expect.any(String) });
      const again = await postChecks(b.url, jws);
      expect(again.json).toEqual({ accepted: [], duplicate: [...checks.map((c) => c.checkId), events[0]!.eventId], receipt: expect.any(String) });
      const fresh = wireChecks(10, Date.now() - HOUR);
      const overlap = await postChecks(a.url, await sign(device, payloadOf(device, [...checks.slice(15), ...fresh])));
      expect(overlap.json).toEqual({ accepted: fresh.map((c) => c.checkId), duplicate: checks.slice(15).map((c) => c.checkId), receipt: expect.any(String) });
      const stored = await storedFor(device.deviceId);
      expect(stored.size).toBe(30);
      expect([...stored.values()].every((n) => n === 1)).toBe(true);
    });

    it('the same batches posted at the same moment to two service processes: each check stored once, and each answered accepted by exactly one', async () => {
      const device = await newDevice();
      await enroll(a.url, store, device);
      const checks = wireChecks(1500, Date.now() - 3 * HOUR);
      // Three full batches, and two that straddle them, each sent to both processes at once.
      const slices = [checks.slice(0, 500), checks.slice(500, 1000), checks.slice(1000, 1500), checks.slice(250, 750), checks.slice(900, 1300)];
      const jwss = await Promise.all(slices.map((s) => sign(device, payloadOf(device, s))));
      const answers = await Promise.all(jwss.flatMap((jws) => [postChecks(a.url, jws), postChecks(b.url, jws)]));
      expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
      const acceptedBy = new Map<string, number>();
      for (const [i, r] of answers.entries()) {
        const sent = slices[Math.floor(i / 2)]!.map((c) => c.checkId);
        const { accepted, duplicate } = r.json as { accepted: string[]; duplicate: string[] };
        // Every id sent is answered, as one or the other.
        expect([...accepted, ...duplicate].sort()).toEqual([...sent].sort());
        for (const id of accepted) acceptedBy.set(id, (acceptedBy.get(id) ?? 0) + 1);
      }
      expect(acceptedBy.size).toBe(1500);
      expect([...acceptedBy.values()].every((n) => n === 1)).toBe(true);
      const stored = await storedFor(device.deviceId);
      expect(stored.size).toBe(1500);
      expect([...stored.values()].every((n) => n === 1)).toBe(true);
    });
  });

  describe('malformed requests', () => {
    it('are refused with 400 (or 413 when too large) and a JSON reason, store nothing, and leave the service answering; a bad check or event alone is held back and the rest stored', async () => {
      const device = await newDevice();
      await enroll(a.url, store, device);
      const check = wireCheck(Date.now() - HOUR);
      const good = payloadOf(device, [check]);
      const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
      const cases: [string, string | Promise<string>, number, string][] = [
        ['empty body', '', 400, 'malformed'],
        ['not a JWS', 'hello', 400, 'malformed'],
        ['binary noise', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)).toString('latin1'), 400, 'malformed'],
        ['four segments', 'a.b.c.d', 400, 'malformed'],
        ['header not JSON', `${b64('{')}.${b64(good)}.AAAA`, 400, 'malformed'],
        ['wrong typ', sign(device, good, { typ: 'JWT' }), 400, 'malformed'],
        ['alg none', `${b64({ alg: 'none', kid: device.deviceId, typ: 'phc-sync+jwt' })}.${b64(good)}.`, 400, 'malformed'],
        ['extra header member', sign(device, good, { jku: 'https://example.invalid/keys' }), 400, 'malformed'],
        ['no kid', sign(device, good, { kid: undefined }), 400, 'malformed'],
        ['payload not JSON', sign(device, 'not json'), 400, 'malformed'],
        ['payload an array', sign(device, '[1,2]'), 400, 'malformed'],
        ["another device's payload", sign(device, { ...good, device: 'someone-else' }), 400, 'malformed'],
        ['batch not a UUID', sign(device, { ...good, batch: 'b-1' }), 400, 'malformed'],
        ['no checks list', sign(device, { device: device.deviceId, batch: crypto.randomUUID() }), 400, 'malformed'],
        ['501 checks', sign(device, payloadOf(device, wireChecks(501, Date.now() - HOUR))), 413, 'batch-too-large'],
      ];
      for (const [what, body, status, error] of cases) {
        const r = await postChecks(a.url, await body);
        expect({ what, status: r.status, error: r.json?.error, reason: typeof r.json?.reason }).toEqual({ what, status, error, reason: 'string' });
      }
      expect((await storedFor(device.deviceId)).size).toBe(0);
      // A check or event that does not read is held back alone (spec §6: the service may take
      // part of a batch): listed in neither list, named with why, so one bad record never stops
      // the rest of a kiosk's log. Each of these beside a good check.
      const held: [string, unknown, string | null, RegExp][] = [
        ['a check without its id', { ...check, checkId: undefined }, null, /checks\[1\]\.checkId is missing/],
        ['a check id that is no id', { ...check, checkId: 'x y' }, null, /checks\[1\]\.checkId/],
        ['a verdict unknown', { ...check, verdict: 'maybe' }, 'c-verdict', /verdict/],
        ['a time that is no time', { ...check, at: 'yesterday' }, 'c-time', /ISO-8601/],
        ['a time in the year 3000', { ...check, at: '3000-01-01T00:00:00Z' }, 'c-3000', /outside the years/],
        ['reasons not a list', { ...check, reasons: 'OK' }, 'c-reasons', /reasons/],
        ['a temperature of text', { ...check, temperatureC: 'hot' }, 'c-temp', /temperature/],
        ['a holder of 10,000 characters', { ...check, holder: 'x'.repeat(10_000) }, 'c-holder', /pseudonym/],
        ['a holder that is a name', { ...check, holder: 'Zhang San' }, 'c-name', /pseudonym/],
        ['a policy version past int4', { ...check, policyVersion: 3_000_000_000 }, 'c-policy', /policyVersion/],
        ['a time two days ahead of the service', { ...check, at: new Date(Date.now() + 2 * 24 * HOUR).toISOString() }, 'c-future', /ahead of the service's clock/],
      ];
      for (const [what, bad, id, reason] of held) {
        const first = wireCheck(Date.now() - HOUR);
        const withId = id === null ? bad : { ...(bad as object), checkId: `${id}-${crypto.randomUUID().slice(0, 8)}` };
        const r = await postChecks(a.url, await sign(device, { ...good, batch: crypto.randomUUID(), checks: [first, withId] }));
        expect({ what, status: r.status, accepted: r.json?.accepted, duplicate: r.json?.duplicate }).toEqual({ what, status: 200, accepted: [first.checkId], duplicate: [] });
        const heldBack = r.json?.heldBack as { id: string | null; kind: string; reason: string }[];
        expect({ what, heldBack: heldBack.map((h) => ({ ...h, reason: reason.test(h.reason) })) }).toEqual({
          what,
          heldBack: [{ id: id === null ? null : (withId as { checkId: string }).checkId, kind: 'check', reason: true }],
        });
      }
      // A detail nested 20,000 deep (JSON.stringify itself overflows the stack there), spliced in as text.
      const events = [
        { ...wireEvent(Date.now()), type: undefined },
        { ...wireEvent(Date.now()), detail: 'DEEP' },
      ];
      const deep = JSON.stringify({ ...good, batch: crypto.randomUUID(), checks: [], events }).replace('"DEEP"', `${'{"a":'.repeat(20_000)}{}${'}'.repeat(20_000)}`);
      const heldEvents = await postChecks(a.url, await sign(device, deep));
      expect(heldEvents.status).toBe(200);
      expect(heldEvents.json).toMatchObject({
        accepted: [],
        duplicate: [],
        heldBack: [
          { id: events[0]!.eventId, kind: 'event' },
          { id: events[1]!.eventId, kind: 'event' },
        ],
      });
      expect((heldEvents.json?.heldBack as { reason: string }[])[1]!.reason).toMatch(/nested at most 32 deep/);
      // Only the good ones were stored; one alert says records are held back, raised once, not per batch.
      expect((await storedFor(device.deviceId)).size).toBe(held.length);
      const open = (await listAlerts(store.sql, { deviceId: device.deviceId })).filter((x) => x.kind === 'checks-held-back');
      expect(open).toHaveLength(1);
      expect(open[0]!.detail).toMatchObject({ count: 1, first: [{ id: null, kind: 'check' }] });
      // The first batch that holds nothing back clears it.
      const clean = await postChecks(b.url, await sign(device, { ...good, batch: crypto.randomUUID(), checks: [wireCheck(Date.now() - HOUR)] }));
      expect(clean.json).not.toHaveProperty('heldBack');
      expect((await listAlerts(store.sql, { deviceId: device.deviceId })).filter((x) => x.kind === 'checks-held-back')).toEqual([]);
      // Other paths and methods.
      expect((await request(a.url, '/v1/checks')).status).toBe(405);
      expect((await request(a.url, '/v1/trust-bundle', { method: 'POST', body: 'x' })).status).toBe(405);
      expect((await request(a.url, '/v1/nothing-here')).status).toBe(404);
      // A body over 8 MiB: declared, refused unread; streamed without a length, cut off where it passes the cap.
      const tooLarge = /^HTTP\/1\.1 413 [^]*"error":"too-large"[^]*\r\n0\r\n\r\n$/;
      expect(await rawExchange(a.url, 'POST /v1/checks HTTP/1.1\r\nHost: x\r\nContent-Length: 9437184\r\n\r\n', { until: tooLarge })).toMatch(tooLarge);
      const megabyte = `100000\r\n${'a'.repeat(0x100000)}\r\n`;
      const streamed = await rawExchange(a.url, 'POST /v1/checks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', { more: Array(12).fill(megabyte), until: tooLarge });
      expect(streamed).toMatch(tooLarge);
      // Through fetch, a body over the cap sent whole: the answer arrives, not a reset.
      const whole = await postChecks(b.url, 'a'.repeat(9 * 1024 * 1024));
      expect([whole.status, whole.json?.error]).toEqual([413, 'too-large']);
      // A raw request line no HTTP parser would take, and a client that hangs up mid-body.
      expect(await rawExchange(a.url, 'GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
      await rawExchange(a.url, 'POST /v1/checks HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc', { hangUp: true });
      // Still answering, and the good batch is taken.
      const ok = await postChecks(a.url, await sign(device, good));
      expect(ok.json).toEqual({ accepted: [check.checkId], duplicate: [], receipt: expect.any(String) });
    });
  });

  describe('trust bundles', () => {
    it('serves the newest published bundle with its seq as ETag; 304 when the kiosk has it; a rollback or a foreign root is not published', async () => {
      const before = await request(a.url, '/v1/trust-bundle');
      expect(before.status).toBe(404);
      expect(before.json).toMatchObject({ error: 'no-bundle' });
      await publishBundle(store, world.bundle, world.roots, Date.now());
      const got = await request(b.url, '/v1/trust-bundle');
      expect(got.status).toBe(200);
      expect(got.text).toBe(world.bundle);
      expect(got.headers.get('etag')).toBe('"17"');
      expect(got.headers.get('content-type')).toBe('application/jose');
      const same = await request(a.url, '/v1/trust-bundle', { headers: { 'if-none-match': '"17"' } });
      expect(same.status).toBe(304);
      expect(same.text).toBe('');
      expect(same.headers.get('etag')).toBe('"17"');
      expect((await request(a.url, '/v1/trust-bundle', { headers: { 'if-none-match': '"16"' } })).status).toBe(200);
      const head = await request(a.url, '/v1/trust-bundle', { method: 'HEAD' });
      expect([head.status, head.text]).toEqual([200, '']);
      const next = await signBundle({ ...world.bundlePayload, seq: 18 }, world.root);
      await publishBundle(store, next, world.roots, Date.now());
      const newer = await request(a.url, '/v1/trust-bundle', { headers: { 'if-none-match': '"17"' } });
      expect([newer.status, newer.headers.get('etag'), newer.text]).toEqual([200, '"18"', next]);
      await expect(publishBundle(store, world.bundle, world.roots, Date.now())).rejects.toMatchObject({ problem: 'rollback' });
      const foreign = await makeWorld({ seq: 40 });
      await expect(publishBundle(store, foreign.bundle, world.roots, Date.now())).rejects.toMatchObject({ problem: 'bad-signature' });
      expect((await request(b.url, '/v1/trust-bundle')).headers.get('etag')).toBe('"18"');
    });
  });

  describe("the kiosk's own sync client", () => {
    it('enrolled with sentinel enroll, pushes its checks and audit events through a link that loses answers: every one stored once, all marked synced, the bundle fetched', async () => {
      const nowMs = Date.now();
      const data = tempDir('sentinel-central-kiosk-');
      const dir = DataDir.open(data, { create: true });
      await new TrustStore(dir).install(world.bundle, { nowS: nowMs / 1000, newRoots: world.roots });
      const log = CheckLog.openIn(dir);
      try {
        log.append(Array.from({ length: 1200 }, (_, i) => checkRecord(i, { checkId: uuidv7(nowMs - HOUR + i), atMs: nowMs - HOUR + i * 1000 })));
        new AuditTrail(log).record('config/changed', 'tech-07', { key: 'screen.sound', before: true, after: false }, nowMs - HOUR);

        // Enrolled as a technician would: a token, then `sentinel enroll URL TOKEN` on the kiosk.
        const { token } = await store.createEnrollToken({ gate: 'G8', station: 'Hongqiao', ttlMinutes: 10, nowMs });
        const out: string[] = [];
        const err: string[] = [];
        const io = { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), stdin: process.stdin, clock: Date.now };
        expect(await runSentinel(['enroll', a.url, token, '--data', data, '--json'], io), err.join('')).toBe(0);
        const device = await loadOrCreateDeviceIdentity(dir);
        expect(JSON.parse(out.join(''))).toEqual({ enrolled: true, deviceId: device.deviceId, endpoint: a.url, gate: 'G8', station: 'Hongqiao', serviceKey: (await a.serviceKey()).kid });
        expect(new ConfigStore(dir).load().config.sync.endpoint).toBe(a.url);
        expect(await runSentinel(['enroll', a.url, token, '--data', data], io)).toBe(1);
        expect(err.join('')).toMatch(/refused the enrollment \(HTTP 410, token-used: /);

        // The first two answers to a push are lost on the way back (the service stored the batch).
        const proxy = await lossyProxy(b.url, 2);
        try {
          const client = new SyncClient({ endpoints: syncEndpoints(proxy.url), log, device, trust: new TrustStore(dir), floor: new TimeFloor(log), clock: Date.now, timeoutMs: 10_000 });
          const results = [];
          for (let i = 0; i < 10 && log.count().pending > 0; i++) results.push(await client.pushBatch());
          expect(results.filter((r) => r.kind === 'failed')).toHaveLength(2);
          expect(log.count().pending).toBe(0);
          expect(proxy.lost()).toBe(2);
          const stored = await storedFor(device.deviceId);
          expect(stored.size).toBe(1200);
          expect([...stored.values()].every((n) => n === 1)).toBe(true);
          expect([...stored.keys()].sort()).toEqual([...log.list()].map((c) => c.checkId).sort());
          // The technician's change, and the enrollment itself (sync.endpoint set, audited by sentinel enroll).
          expect((await store.events(device.deviceId)).map((e) => [e.type, e.actor, e.detail.key])).toEqual([
            ['config/changed', 'tech-07', 'screen.sound'],
            ['config/changed', expect.stringMatching(/^cli/), 'sync.endpoint'],
          ]);
          // Stored is exactly what the kiosk sent (its wire fields), nothing more.
          for await (const c of store.checks({ deviceId: device.deviceId, pageSize: 1 })) {
            expect(Object.keys(c).sort()).toEqual([
              'at',
              'batch',
              'bundleSeq',
              'checkId',
              'clockState',
              'device',
              'format',
              'holder',
              'issuer',
              'kid',
              'policyVersion',
              'reasons',
              'receivedAt',
              'status',
              'temperatureC',
              'verdict',
            ]);
            break;
          }
          expect((await store.device(device.deviceId))?.lastSeenAt).not.toBeNull();
          // A newer bundle comes back the same way, and then nothing more.
          const seq = Math.max(17, (await store.newestBundle())?.seq ?? 0) + 1;
          await publishBundle(store, await signBundle({ ...world.bundlePayload, seq }, world.root), world.roots, Date.now());
          expect(await client.fetchBundle()).toEqual({ kind: 'installed', seq });
          expect(await client.fetchBundle()).toEqual({ kind: 'unchanged' });
        } finally {
          await proxy.close();
        }
      } finally {
        log.close();
      }
    });
  });
});

/**
 * Sends raw bytes (then each of `more` in turn while the connection is open)
 * and resolves with what came back once the connection closes (or what came back matches `until`);
 * hangUp closes it soon after sending.
 */
function rawExchange(base: string, text: string, opts: { hangUp?: boolean; more?: string[]; until?: RegExp } = {}): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const s = net.connect(Number(new URL(base).port), '127.0.0.1', () => {
      s.write(text);
      if (opts.hangUp) setTimeout(() => s.destroy(), 50);
      const more = [...(opts.more ?? [])];
      const next = (): void => {
        const chunk = more.shift();
        if (chunk !== undefined && !s.destroyed) s.write(chunk, () => setImmediate(next));
      };
      next();
    });
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (opts.until?.test(got)) s.destroy();
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
    setTimeout(() => s.destroy(), 5000);
  });
}

/** A loopback proxy to `upstream` that, for the first `lose` pushes, lets the service answer and then cuts the connection instead of passing the answer on. */
async function lossyProxy(upstream: string, lose: number): Promise<{ url: string; lost(): number; close(): Promise<void> }> {
  let lost = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const target = new URL(req.url ?? '/', upstream);
    const forward = http.request(target, { method: req.method, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        if (req.method === 'POST' && answer.statusCode === 200 && lost < lose) {
          lost++;
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(Buffer.concat(chunks));
      });
    });
    forward.on('error', () => req.socket.destroy());
    req.pipe(forward);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    lost: () => lost,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
