// The self-test a technician runs at the gate: every part of the kiosk that
// can be checked without a traveller, each with a plain result.
import * as fs from 'node:fs';
import * as path from 'node:path';
import QRCode from 'qrcode';
import { openSerialThermometer, type DeviceBindings } from '../../drivers/open-devices.js';
import { PROTOCOLS } from '../../drivers/thermometer/protocols/index.js';
import { TimeFloor } from '../clock/time-floor.js';
import { ConfigStore } from '../config/config-store.js';
import { DataDir } from '../data-dir.js';
import { decodeImage } from '../decode/qr-decoder.js';
import { clockIsUntrusted } from '../decide/decide.js';
import { loadOrCreateDeviceIdentity } from '../device/device-key.js';
import { CheckLog } from '../log/check-log.js';
import { PolicyStore } from '../policy/policy-store.js';
import { syncClientIn } from '../sync/open-sync.js';
import type { SyncClient } from '../sync/sync-client.js';
import { TrustStore } from '../trust/trust-store.js';
import { TEST_CARD_TEXT } from '../contract/kiosk.js';
import { type ProtocolName, type ThermometerCounters, isProtocolName } from '../contract/devices.js';

export type CheckState = 'ok' | 'warn' | 'fail' | 'skipped';

export interface SelfTestItem {
  name: string;
  state: CheckState;
  detail: string;
}

const MIN_FREE_BYTES = 200 * 2 ** 20;

async function item(name: string, fn: () => Promise<[CheckState, string]> | [CheckState, string]): Promise<SelfTestItem> {
  try {
    const [state, detail] = await fn();
    return { name, state, detail };
  } catch (err) {
    return { name, state: 'fail', detail: (err as Error).message };
  }
}

/** The kiosk's own running thermometer: the self-test reads its counters rather than open the port a second time. */
export interface LiveThermometer {
  readonly state: string;
  readonly counters?: ThermometerCounters | undefined;
}

/** Frames and checksum errors over `seconds`: from the kiosk's own driver, or a driver opened for the test (the CLI). */
async function sampleThermometer(
  path: string,
  protocol: ProtocolName,
  baud: number,
  seconds: number,
  live: LiveThermometer | undefined,
  bindings: (() => DeviceBindings) | undefined,
): Promise<{ frames: number; checksumFailures: number } | string> {
  if (live && live.state !== 'none' && live.state !== 'simulated') {
    // A copy: a driver may hand out the same counters object as it counts.
    const before = live.counters ? { ...live.counters } : undefined;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const after = live.counters;
    if (!after) return `the kiosk's thermometer is ${live.state}; its drivers have reported no counters yet`;
    return { frames: after.frames - (before?.frames ?? 0), checksumFailures: after.checksumFailures - (before?.checksumFailures ?? 0) };
  }
  // Where the drivers run in another process, main never opens a port of its own.
  if (!bindings) return `the kiosk's thermometer is ${live?.state ?? 'not running'}`;
  const thermo = openSerialThermometer({ path, protocol, baud, calibration: null }, bindings(), { clock: Date.now, remeasureAtC: null });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const c = thermo.counters;
  thermo.close();
  return c;
}

export interface SelfTestOptions {
  thermometerSeconds?: number;
  liveThermometer?: LiveThermometer;
  bindings?: () => DeviceBindings;
}

export async function runSelfTest(dataDir: string, nowMs: number, opts: SelfTestOptions = {}): Promise<SelfTestItem[]> {
  return selfTestIn(DataDir.open(dataDir, { create: false }), nowMs, opts);
}

/** The self-test of a data directory the caller holds open (an export runs it on the directory it exports). */
export async function selfTestIn(dir: DataDir, nowMs: number, opts: SelfTestOptions = {}): Promise<SelfTestItem[]> {
  const items: SelfTestItem[] = [];
  items.push(
    await item('data directory', () => {
      const probe = dir.path(`.selftest-${process.pid}`);
      fs.writeFileSync(probe, 'x');
      fs.rmSync(probe);
      return ['ok', `${dir.root} is writable`];
    }),
  );
  items.push(
    await item('disk space', () => {
      const st = fs.statfsSync(dir.root);
      const free = st.bavail * st.bsize;
      return [free >= MIN_FREE_BYTES ? 'ok' : 'fail', `${Math.round(free / 2 ** 20)} MB free`];
    }),
  );
  const log = CheckLog.openIn(dir);
  try {
    items.push(
      await item('database integrity', () => {
        const r = log.integrity();
        return [r === 'ok' ? 'ok' : 'fail', `quick_check: ${r}`];
      }),
    );
    items.push(
      await item('check log chain', () => {
        const r = log.verifyChain();
        return [r.ok ? 'ok' : 'fail', r.ok ? `${r.checked} entries chained` : (r.problem ?? 'broken')];
      }),
    );
    const policy = await item('policy', () => ['ok', `version ${new PolicyStore(dir).load().version}`]);
    items.push(policy);
    let trustIat: number | null = null;
    items.push(
      await item('trust bundle', async () => {
        const snap = await new TrustStore(dir).load(nowMs / 1000);
        if (!snap) return ['fail', 'no trust bundle installed'];
        trustIat = snap.info.iat;
        const ageDays = (nowMs / 1000 - snap.info.iat) / 86_400;
        const maxAge = new PolicyStore(dir).load().policy.trustMaxAgeDays;
        if (nowMs / 1000 >= snap.info.exp) return ['fail', `seq ${snap.info.seq} expired`];
        return [ageDays > maxAge ? 'warn' : 'ok', `seq ${snap.info.seq}, ${ageDays.toFixed(1)} days old`];
      }),
    );
    items.push(
      await item('clock', () => {
        const floor = new TimeFloor(log).currentMs(trustIat);
        const policy = new PolicyStore(dir).load().policy;
        const untrusted = clockIsUntrusted(nowMs / 1000, floor === null ? null : floor / 1000, policy);
        return [untrusted ? 'fail' : 'ok', `now ${new Date(nowMs).toISOString()}, time floor ${floor === null ? 'none' : new Date(floor).toISOString()}`];
      }),
    );
    items.push(await item('device key', async () => ['ok', `device id ${(await loadOrCreateDeviceIdentity(dir)).deviceId}`]));
    const config = new ConfigStore(dir).load().config;
    items.push(
      await item('QR decoder (test card)', async () => {
        const text = TEST_CARD_TEXT;
        const png = await QRCode.toBuffer(text, { type: 'png', width: 400 });
        const r = await decodeImage(new Uint8Array(png));
        return [r.text === text ? 'ok' : 'fail', r.text === text ? `decoded in ${r.ms.toFixed(1)} ms` : 'the test card did not decode'];
      }),
    );
    items.push(
      await item('thermometer', async () => {
        const t = config.thermometer;
        if (!t.path || !isProtocolName(t.protocol)) return ['skipped', 'no thermometer configured'];
        const seconds = opts.thermometerSeconds ?? 3;
        const c = await sampleThermometer(t.path, t.protocol, t.baud ?? PROTOCOLS[t.protocol].defaultBaud, seconds, opts.liveThermometer, opts.bindings);
        if (typeof c === 'string') return ['warn', c];
        const calibration = t.calibration;
        const overdue = calibration !== null && nowMs > calibration.dueAtMs;
        const rate = `${(c.frames / seconds).toFixed(1)} frames/s, ${c.checksumFailures} checksum errors`;
        if (c.frames === 0) return ['fail', `no valid frames from ${t.path} (${rate})`];
        return [
          overdue || calibration === null ? 'warn' : 'ok',
          `${rate}; ${calibration === null ? 'never calibrated' : overdue ? 'calibration overdue' : `calibrated ${new Date(calibration.atMs).toISOString().slice(0, 10)}`}`,
        ];
      }),
    );
    items.push(
      await item('scanner', () => {
        const s = config.scanner;
        if (!s.serialPath && !s.hid) return ['skipped', 'no serial or HID scanner configured (the camera and wedge scanners need none)'];
        if (s.serialPath && !fs.existsSync(s.serialPath)) return ['fail', `${s.serialPath} is not there`];
        return ['ok', `${s.serialPath ?? s.hid} present; Test scan (technician screen, Devices) reads a code through it`];
      }),
    );
    items.push(
      await item('sync service', async () => {
        if (!config.sync.endpoint) return ['skipped', 'no sync endpoint configured'];
        const probe = await probeSyncEndpointIn(dir, config.sync.endpoint, log, nowMs);
        return [probe.reachable ? 'ok' : 'warn', probe.detail];
      }),
    );
  } finally {
    log.close();
  }
  return items;
}

/**
 * The "test connection" of a sync endpoint: reachable or not, in words,
 * never throwing (a malformed address is an answer too).
 */
export async function probeSyncEndpointIn(dir: DataDir, endpoint: string, log: CheckLog, nowMs: number): Promise<{ reachable: boolean; detail: string }> {
  return probeWith(log, () => syncClientIn(dir, endpoint, log, () => nowMs));
}

async function probeWith(log: CheckLog, openClient: () => Promise<SyncClient>): Promise<{ reachable: boolean; detail: string }> {
  const pending = log.count().pending;
  try {
    const client = await openClient();
    const up = await client.probe();
    return { reachable: up, detail: `${up ? 'reachable' : 'not reachable'}; ${pending} checks pending` };
  } catch (err) {
    return { reachable: false, detail: `not usable: ${(err as Error).message}` };
  }
}

/** Where a technician's export goes: a new folder each time, never over an earlier one. */
export function exportFolder(out: string, nowMs: number): string {
  return path.join(out, `sentinel-export-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}`);
}
