// What the fleet view shows, read from the store at the moment it is asked:
// every kiosk's row (its device row and the status object it last sent),
// the alerts computed from them and the thresholds below, the alerts the
// service stored (a rewritten or truncated chain), and per gate the
// admit/review/deny counts of each hour of the last day and the gates'
// not-passed and tailgating events. Counts and device rows only: no
// pseudonym (the checks' holder column) is ever read here.
import { parseKioskSyncStatus, type KioskSyncStatus } from '../../main/contract/sync-status.js';
import { isoOf, numberOf, textOf, type Row, type SqlQueryable } from '../sql.js';

const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The alerts' thresholds (docs/fleet.md lists them). */
export const THRESHOLDS = {
  /** No batch for this long: the kiosk is silent. */
  silentMs: 10 * MINUTE_MS,
  /** The trust bundle in force was issued this long ago (by the published bundle of that seq): stale. */
  bundleStaleMs: 7 * DAY_MS,
  /** The trust bundle expires within this: stale. */
  bundleExpiringMs: 2 * DAY_MS,
  /** The kiosk's clock this far from the service's: off. */
  clockOffMs: MINUTE_MS,
} as const;
export type Thresholds = { [K in keyof typeof THRESHOLDS]: number };

export const HOURS = 24;

export type Severity = 'critical' | 'warning';

/** Computed from a device row at read time, or stored by the service (kind 'stored:<its kind>'). */
export type AlertKind =
  | 'silent'
  | 'never-seen'
  | 'no-bundle'
  | 'bundle-expired'
  | 'bundle-expiring'
  | 'bundle-stale'
  | 'clock-off'
  | 'thermometer-offline'
  | 'scanner-offline'
  | 'gate-out-of-order'
  | 'gate-free-passage'
  | 'stored';

export interface FleetAlert {
  kind: AlertKind;
  /** For a stored alert, the kind the service gave it (chain-rewritten, chain-truncated, …). */
  storedKind?: string;
  severity: Severity;
  deviceId: string | null;
  gate: string | null;
  station: string | null;
  /** Since when it holds, where that is known (last seen, the bundle's expiry, the stored alert's time). */
  sinceMs: number | null;
  /** The figure it is about: ms silent, ms to/after expiry, ms of age, the clock's offset in ms. */
  value?: number;
  bundleSeq?: number;
}

export type KioskState = 'ok' | 'warning' | 'critical' | 'revoked';

export interface KioskRow {
  deviceId: string;
  gate: string | null;
  station: string | null;
  enrolledAtMs: number;
  revoked: boolean;
  lastSeenAtMs: number | null;
  /** When the status below arrived; null when the kiosk has sent none (a kiosk from before, or not yet). */
  statusAtMs: number | null;
  status: KioskSyncStatus | null;
  /** The kiosk's clock minus the service's, ms, at its last batch. */
  clockOffsetMs: number | null;
  /** When the bundle it runs was issued, if that seq was published here. */
  bundleIssuedAtMs: number | null;
  alerts: FleetAlert[];
  state: KioskState;
}

export interface HourCounts {
  startMs: number;
  admit: number;
  review: number;
  deny: number;
}

export interface GateCounts {
  station: string | null;
  gate: string | null;
  /** Enrolled, unrevoked kiosks at this gate. */
  kiosks: number;
  /** HOURS buckets, oldest first; the last is the hour under way. */
  hours: HourCounts[];
  totals: { admit: number; review: number; deny: number };
  /** gate/not-passed and gate/tailgate events of the window. */
  notPassed: number;
  tailgates: number;
}

export interface FleetSummary {
  generatedAtMs: number;
  /** The counts' window: [windowStartMs, windowEndMs). */
  windowStartMs: number;
  windowEndMs: number;
  thresholds: Thresholds;
  kiosks: KioskRow[];
  /** Every alert, the critical first, then the oldest first. */
  alerts: FleetAlert[];
  gates: GateCounts[];
  totals: { kiosks: number; online: number; attention: number; admit: number; review: number; deny: number; notPassed: number; tailgates: number };
  newestBundle: { seq: number; issuedAtMs: number; expiresAtMs: number } | null;
}

const ms = (v: unknown): number | null => {
  const s = isoOf(v);
  return s === null ? null : Date.parse(s);
};

function jsonOf(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return null;
  }
}

const SEVERITY_ORDER: Record<KioskState, number> = { critical: 0, warning: 1, ok: 2, revoked: 3 };
const byName = (a: string | null, b: string | null): number => (a ?? '\uffff').localeCompare(b ?? '\uffff', 'en', { numeric: true });

/** The alerts a kiosk's row gives at nowMs. */
export function kioskAlerts(k: Omit<KioskRow, 'alerts' | 'state'>, nowMs: number, t: Thresholds = THRESHOLDS): FleetAlert[] {
  if (k.revoked) return [];
  const where = { deviceId: k.deviceId, gate: k.gate, station: k.station };
  const out: FleetAlert[] = [];
  if (k.lastSeenAtMs === null) {
    if (nowMs - k.enrolledAtMs > t.silentMs) out.push({ kind: 'never-seen', severity: 'critical', ...where, sinceMs: k.enrolledAtMs, value: nowMs - k.enrolledAtMs });
  } else if (nowMs - k.lastSeenAtMs > t.silentMs) {
    out.push({ kind: 'silent', severity: 'critical', ...where, sinceMs: k.lastSeenAtMs, value: nowMs - k.lastSeenAtMs });
  }
  const s = k.status;
  if (s) {
    if (s.bundleSeq === null) out.push({ kind: 'no-bundle', severity: 'critical', ...where, sinceMs: k.statusAtMs });
    else if (s.bundleExpiresAtMs !== null && s.bundleExpiresAtMs <= nowMs) {
      out.push({ kind: 'bundle-expired', severity: 'critical', ...where, sinceMs: s.bundleExpiresAtMs, value: nowMs - s.bundleExpiresAtMs, bundleSeq: s.bundleSeq });
    } else if (s.bundleExpiresAtMs !== null && s.bundleExpiresAtMs - nowMs <= t.bundleExpiringMs) {
      out.push({ kind: 'bundle-expiring', severity: 'warning', ...where, sinceMs: s.bundleExpiresAtMs - t.bundleExpiringMs, value: s.bundleExpiresAtMs - nowMs, bundleSeq: s.bundleSeq });
    } else if (k.bundleIssuedAtMs !== null && nowMs - k.bundleIssuedAtMs > t.bundleStaleMs) {
      out.push({ kind: 'bundle-stale', severity: 'warning', ...where, sinceMs: k.bundleIssuedAtMs + t.bundleStaleMs, value: nowMs - k.bundleIssuedAtMs, bundleSeq: s.bundleSeq });
    }
    if (s.devices.thermometer === 'offline') out.push({ kind: 'thermometer-offline', severity: 'critical', ...where, sinceMs: k.statusAtMs });
    if (s.devices.gate === 'out-of-order') out.push({ kind: 'gate-out-of-order', severity: 'critical', ...where, sinceMs: k.statusAtMs });
    if (s.devices.gate === 'free-passage') out.push({ kind: 'gate-free-passage', severity: 'warning', ...where, sinceMs: k.statusAtMs });
    if (s.devices.scanner === 'offline') out.push({ kind: 'scanner-offline', severity: 'warning', ...where, sinceMs: k.statusAtMs });
  }
  if (k.clockOffsetMs !== null && Math.abs(k.clockOffsetMs) > t.clockOffMs) out.push({ kind: 'clock-off', severity: 'warning', ...where, sinceMs: k.statusAtMs, value: k.clockOffsetMs });
  return out;
}

function stateOf(revoked: boolean, alerts: readonly FleetAlert[]): KioskState {
  if (revoked) return 'revoked';
  if (alerts.some((a) => a.severity === 'critical')) return 'critical';
  return alerts.length > 0 ? 'warning' : 'ok';
}

function kioskOf(row: Row, bundleIssued: Map<number, number>): Omit<KioskRow, 'alerts' | 'state'> {
  // status, status_at and clock_offset_ms come with migration 2; a store without them reads as "no status sent".
  const status = parseKioskSyncStatus(jsonOf(row.status));
  const statusAtMs = ms(row.status_at);
  let clockOffsetMs = numberOf(row.clock_offset_ms);
  if (clockOffsetMs === null && status && statusAtMs !== null) clockOffsetMs = status.sentAtMs - statusAtMs;
  return {
    deviceId: String(row.id),
    gate: textOf(row.gate),
    station: textOf(row.station),
    enrolledAtMs: ms(row.enrolled_at) ?? 0,
    revoked: row.revoked_at !== null && row.revoked_at !== undefined,
    lastSeenAtMs: ms(row.last_seen_at),
    statusAtMs: status ? statusAtMs : null,
    status,
    clockOffsetMs,
    bundleIssuedAtMs: status?.bundleSeq !== null && status?.bundleSeq !== undefined ? (bundleIssued.get(status.bundleSeq) ?? null) : null,
  };
}

const gateKey = (station: string | null, gate: string | null): string => JSON.stringify([station, gate]);

/** The fleet as it stands at nowMs. One snapshot of reads; a few small queries, the counts grouped in the database. */
export async function fleetSummary(sql: SqlQueryable, nowMs: number, t: Thresholds = THRESHOLDS): Promise<FleetSummary> {
  const windowEndMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS + HOUR_MS;
  const windowStartMs = windowEndMs - HOURS * HOUR_MS;
  const from = new Date(windowStartMs).toISOString();
  const to = new Date(windowEndMs).toISOString();

  const bundles = await sql.query('SELECT seq, issued_at, expires_at FROM bundles ORDER BY seq');
  const bundleIssued = new Map<number, number>();
  for (const b of bundles) bundleIssued.set(numberOf(b.seq)!, ms(b.issued_at)!);
  const newest = bundles[bundles.length - 1];

  const kiosks: KioskRow[] = (await sql.query('SELECT * FROM devices')).map((row) => {
    const k = kioskOf(row, bundleIssued);
    const alerts = kioskAlerts(k, nowMs, t);
    return { ...k, alerts, state: stateOf(k.revoked, alerts) };
  });

  // The alerts the service stored (migration 2's table), the open ones.
  const orphanAlerts: FleetAlert[] = [];
  const [alertsTable] = await sql.query("SELECT to_regclass('alerts') IS NOT NULL AS present");
  if (alertsTable?.present === true) {
    const byId = new Map(kiosks.map((k) => [k.deviceId, k]));
    for (const r of await sql.query('SELECT device_id, kind, raised_at FROM alerts WHERE cleared_at IS NULL ORDER BY raised_at DESC LIMIT 500')) {
      const deviceId = textOf(r.device_id);
      const k = deviceId === null ? undefined : byId.get(deviceId);
      const alert: FleetAlert = { kind: 'stored', storedKind: String(r.kind), severity: 'critical', deviceId, gate: k?.gate ?? null, station: k?.station ?? null, sinceMs: ms(r.raised_at) };
      if (k?.revoked) continue;
      if (k) {
        k.alerts.push(alert);
        k.state = stateOf(false, k.alerts);
      } else orphanAlerts.push(alert); // a service-wide alert, or one of a device no longer here: listed all the same
    }
  }
  kiosks.sort((a, b) => SEVERITY_ORDER[a.state] - SEVERITY_ORDER[b.state] || byName(a.station, b.station) || byName(a.gate, b.gate) || a.deviceId.localeCompare(b.deviceId));

  // Per gate: every gate an unrevoked kiosk stands at, and any other the window's checks came from.
  const gates = new Map<string, GateCounts>();
  const gateOf = (station: string | null, gate: string | null): GateCounts => {
    const key = gateKey(station, gate);
    let g = gates.get(key);
    if (!g) {
      g = {
        station,
        gate,
        kiosks: 0,
        hours: Array.from({ length: HOURS }, (_, i) => ({ startMs: windowStartMs + i * HOUR_MS, admit: 0, review: 0, deny: 0 })),
        totals: { admit: 0, review: 0, deny: 0 },
        notPassed: 0,
        tailgates: 0,
      };
      gates.set(key, g);
    }
    return g;
  };
  for (const k of kiosks) if (!k.revoked) gateOf(k.station, k.gate).kiosks++;
  const counts = await sql.query(
    `SELECT d.station, d.gate, floor(extract(epoch FROM c.at) / 3600)::bigint AS hour, c.verdict, count(*) AS n
     FROM checks c JOIN devices d ON d.id = c.device_id
     WHERE c.at >= $1::timestamptz AND c.at < $2::timestamptz
     GROUP BY d.station, d.gate, hour, c.verdict`,
    [from, to],
  );
  for (const r of counts) {
    const g = gateOf(textOf(r.station), textOf(r.gate));
    const i = (numberOf(r.hour) ?? 0) - windowStartMs / HOUR_MS;
    const verdict = String(r.verdict);
    const n = numberOf(r.n) ?? 0;
    const hour = g.hours[i];
    if (!hour || (verdict !== 'admit' && verdict !== 'review' && verdict !== 'deny')) continue;
    hour[verdict] += n;
    g.totals[verdict] += n;
  }
  const gateEvents = await sql.query(
    `SELECT d.station, d.gate, e.type, count(*) AS n
     FROM events e JOIN devices d ON d.id = e.device_id
     WHERE e.type IN ('gate/not-passed', 'gate/tailgate') AND e.at >= $1::timestamptz AND e.at < $2::timestamptz
     GROUP BY d.station, d.gate, e.type`,
    [from, to],
  );
  for (const r of gateEvents) {
    const g = gateOf(textOf(r.station), textOf(r.gate));
    if (r.type === 'gate/not-passed') g.notPassed += numberOf(r.n) ?? 0;
    else g.tailgates += numberOf(r.n) ?? 0;
  }
  const gateList = [...gates.values()].sort((a, b) => byName(a.station, b.station) || byName(a.gate, b.gate));

  const alerts = [...kiosks.flatMap((k) => k.alerts), ...orphanAlerts];
  alerts.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1) || (a.sinceMs ?? Infinity) - (b.sinceMs ?? Infinity));
  const live = kiosks.filter((k) => !k.revoked);
  const sum = (f: (g: GateCounts) => number): number => gateList.reduce((n, g) => n + f(g), 0);
  return {
    generatedAtMs: nowMs,
    windowStartMs,
    windowEndMs,
    thresholds: { ...t },
    kiosks,
    alerts,
    gates: gateList,
    totals: {
      kiosks: live.length,
      online: live.filter((k) => k.lastSeenAtMs !== null && nowMs - k.lastSeenAtMs <= t.silentMs).length,
      attention: live.filter((k) => k.state !== 'ok').length,
      admit: sum((g) => g.totals.admit),
      review: sum((g) => g.totals.review),
      deny: sum((g) => g.totals.deny),
      notPassed: sum((g) => g.notPassed),
      tailgates: sum((g) => g.tailgates),
    },
    newestBundle: newest ? { seq: numberOf(newest.seq)!, issuedAtMs: ms(newest.issued_at)!, expiresAtMs: ms(newest.expires_at)! } : null,
  };
}
