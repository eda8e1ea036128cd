// A small fleet in the central store, for the fleet view's tests
// (test/central/fleet.test.ts, test/e2e/fleet.e2e.test.ts): kiosks in every
// state the view tells apart, their status objects (the KioskSyncStatus the
// kiosks send, kept on the device row by migration 2), published bundles,
// a stored alert, checks stored the way the service stores them, and the
// gates' not-passed and tailgating events.
import type { KioskSyncStatus } from '../../main/contract/sync-status.js';
import type { WireCheck } from '../../central/batch.js';
import type { CentralStore } from '../../central/store.js';
import { newDevice, wireCheck, type WireEvent } from './kiosks.js';
import { uuidv7 } from '../../main/log/check-id.js';

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** 12:30 UTC: the counts' window is 13:00 the day before to 13:00 today. */
export const T0 = Date.UTC(2026, 11, 2, 12, 30);

export interface SeededKiosk {
  id: string;
  station: string;
  gate: string;
}

export interface SeededFleet {
  ok: SeededKiosk;
  okTwin: SeededKiosk;
  silent: SeededKiosk;
  stale: SeededKiosk;
  broken: SeededKiosk;
  expired: SeededKiosk;
  noStatus: SeededKiosk;
  revoked: SeededKiosk;
  /** Every pseudonym the seeded checks carry: none may appear in the view. */
  holders: string[];
}

export function status(over: Partial<KioskSyncStatus> = {}, atMs = T0): KioskSyncStatus {
  return {
    appVersion: '0.1.0',
    sentAtMs: atMs,
    bundleSeq: 17,
    bundleExpiresAtMs: atMs + 30 * DAY,
    policyVersion: 3,
    backlog: 0,
    oldestPendingAtMs: null,
    devices: { thermometer: 'ok', scanner: 'ok', gate: 'ready' },
    gate: { notPassedToday: 0, tailgatesToday: 0 },
    ...over,
  };
}

async function device(store: CentralStore, station: string, gate: string, enrolledAtMs: number): Promise<SeededKiosk> {
  const d = await newDevice();
  await store.sql.query('INSERT INTO devices (id, jwk, gate, station, enrolled_at) VALUES ($1, $2::jsonb, $3, $4, $5::timestamptz)', [
    d.deviceId,
    JSON.stringify(d.jwk),
    gate,
    station,
    new Date(enrolledAtMs).toISOString(),
  ]);
  return { id: d.deviceId, station, gate };
}

/** The device row as the service leaves it after a batch at atMs carrying `s` (null: a kiosk that sends no status). */
async function seen(store: CentralStore, k: SeededKiosk, atMs: number, s: KioskSyncStatus | null, clockOffsetMs = 0): Promise<void> {
  await store.sql.query('UPDATE devices SET last_seen_at = $2::timestamptz, status = $3::jsonb, status_at = $4::timestamptz, clock_offset_ms = $5 WHERE id = $1', [
    k.id,
    new Date(atMs).toISOString(),
    s === null ? null : JSON.stringify(s),
    s === null ? null : new Date(atMs).toISOString(),
    s === null ? null : clockOffsetMs,
  ]);
}

function gateEvent(atMs: number, type: 'gate/not-passed' | 'gate/tailgate'): WireEvent {
  return {
    eventId: uuidv7(atMs),
    at: new Date(atMs).toISOString(),
    type,
    actor: 'gate',
    detail: type === 'gate/not-passed' ? { checkId: uuidv7(atMs - 6000), code: 'NOT_PASSED', admittedAtMs: atMs - 6000, passSeconds: 5 } : { today: 1 },
  };
}

export async function seedFleet(store: CentralStore, t0 = T0): Promise<SeededFleet> {
  const enrolled = t0 - 30 * DAY;
  const f: Omit<SeededFleet, 'holders'> = {
    ok: await device(store, '虹桥站 Hongqiao', 'G1', enrolled),
    okTwin: await device(store, '虹桥站 Hongqiao', 'G1', enrolled),
    silent: await device(store, '虹桥站 Hongqiao', 'G2', enrolled),
    stale: await device(store, '虹桥站 Hongqiao', 'G3', enrolled),
    broken: await device(store, '浦东站 Pudong', 'G1', enrolled),
    expired: await device(store, '浦东站 Pudong', 'G2', enrolled),
    noStatus: await device(store, '浦东站 Pudong', 'G3', enrolled),
    revoked: await device(store, '浦东站 Pudong', 'G9', enrolled),
  };
  // Bundles as published: 17 a day old, 12 nine days old.
  for (const [seq, issuedMs] of [
    [12, t0 - 9 * DAY],
    [17, t0 - DAY],
  ] as const) {
    await store.sql.query('INSERT INTO bundles (seq, jws, root_kid, issued_at, expires_at, published_at) VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz, $4::timestamptz)', [
      seq,
      `bundle-${seq}`,
      'demo-root',
      new Date(issuedMs).toISOString(),
      new Date(issuedMs + 40 * DAY).toISOString(),
    ]);
  }

  // Checks and events, stored as the service stores a batch. The counts' window: 13:00 yesterday to 13:00 today.
  const holders: string[] = [];
  const checks = (atMs: number, verdict: 'admit' | 'review' | 'deny', n: number) =>
    Array.from({ length: n }, (_, i) => {
      const c = wireCheck(atMs + i * 1000, { verdict, reasons: verdict === 'admit' ? ['OK'] : verdict === 'review' ? ['TEMPERATURE_HIGH'] : ['EXPIRED'] }) as WireCheck;
      holders.push(c.holder!);
      return c;
    });
  const batch = (k: SeededKiosk, list: ReturnType<typeof checks>, events: WireEvent[] = []) => store.storeBatch({ device: k.id, batch: crypto.randomUUID(), checks: list, events, held: [] }, t0);
  await batch(f.ok, [...checks(t0 - HOUR, 'admit', 3), ...checks(t0 - HOUR, 'review', 1), ...checks(t0 - 5 * HOUR, 'deny', 2), ...checks(t0 - 25 * HOUR, 'admit', 5)]);
  await batch(f.okTwin, checks(t0 - HOUR + 10 * MIN, 'admit', 1));
  await batch(f.noStatus, checks(t0 - 10 * MIN, 'admit', 4));
  await batch(f.broken, checks(t0 - 3 * HOUR, 'admit', 2), [
    gateEvent(t0 - 3 * HOUR, 'gate/not-passed'),
    gateEvent(t0 - 2 * HOUR, 'gate/not-passed'),
    gateEvent(t0 - 2 * HOUR, 'gate/tailgate'),
    gateEvent(t0 - 30 * HOUR, 'gate/not-passed'),
  ]);

  // What each kiosk last reported.
  await seen(store, f.ok, t0 - MIN, status({ backlog: 12, oldestPendingAtMs: t0 - 2 * MIN }, t0 - MIN), 400);
  await seen(store, f.okTwin, t0 - 2 * MIN, status({}, t0 - 2 * MIN), -300);
  await seen(store, f.silent, t0 - 25 * MIN, status({ backlog: 340, oldestPendingAtMs: t0 - 26 * MIN }, t0 - 25 * MIN), 0);
  await seen(store, f.stale, t0 - 3 * MIN, status({ bundleSeq: 12, bundleExpiresAtMs: t0 + 20 * DAY, appVersion: '0.0.9' }, t0 - 3 * MIN), 95_000);
  await seen(store, f.broken, t0 - MIN, status({ devices: { thermometer: 'offline', scanner: 'ok', gate: 'out-of-order' } }, t0 - MIN), 0);
  await seen(store, f.expired, t0 - 4 * MIN, status({ bundleSeq: 17, bundleExpiresAtMs: t0 - 2 * HOUR }, t0 - 4 * MIN), -1_000);
  await seen(store, f.noStatus, t0 - 2 * MIN, null);
  await seen(store, f.revoked, t0 - 2 * DAY, status({}, t0 - 2 * DAY), 0);
  await store.revoke(f.revoked.id, t0 - DAY);
  // An alert the service stored when a batch showed the kiosk's history rewritten (central/alerts.ts).
  await store.sql.query("INSERT INTO alerts (device_id, kind, detail, raised_at) VALUES ($1, 'chain-rewritten', $2::jsonb, $3::timestamptz)", [
    f.stale.id,
    JSON.stringify({ before: { length: 10, head: 'aaa' }, after: { length: 10, head: 'bbb' } }),
    new Date(t0 - 20 * MIN).toISOString(),
  ]);
  return { ...f, holders };
}
