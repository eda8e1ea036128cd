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
import type { KioskConfig } from '../contract/kiosk-config.js';
import type { SyncClient } from '../sync/sync-client.js';
import { TrustStore } from '../trust/trust-store.js';
import { TEST_CARD_TEXT } from '../contract/kiosk.js';
import { type DeviceState, type ProtocolName, type ThermometerCounters, isProtocolName } from '../contract/devices.js';
import { SELF_TEST_LABELS, techMessage, technicianText, type CheckState, type SelfTestCheck, type SelfTestLine, type TechnicianMessage } from '../contract/technician-messages.js';

export type { CheckState } from '../contract/technician-messages.js';

/** One check's result: its words for the panel (`says`), and the same in English for the CLI and the export. */
export interface SelfTestItem extends SelfTestLine {
  /** The check's English label. */
  name: string;
  /** What it says, in English. */
  detail: string;
}

const MIN_FREE_BYTES = 200 * 2 ** 20;

type Outcome = [CheckState, TechnicianMessage];

async function item(check: SelfTestCheck, timeZone: string, fn: () => Promise<Outcome> | Outcome): Promise<SelfTestItem> {
  let state: CheckState;
  let says: TechnicianMessage;
  try {
    [state, says] = await fn();
  } catch (err) {
    // The panel shows the error's code, never its raw sentence; the CLI and the export keep the sentence.
    state = 'fail';
    says = techMessage('checkFailed', { code: (err as NodeJS.ErrnoException).code ?? (err as Error).name, detail: (err as Error).message });
  }
  return { check, state, says, name: SELF_TEST_LABELS[check].en, detail: technicianText(says, 'en', timeZone) };
}

/** The kiosk's own running thermometer: the self-test reads its counters rather than open the port a second time. */
export interface LiveThermometer {
  readonly state: string;
  readonly counters?: ThermometerCounters | undefined;
}

/** Frames and checksum errors over `seconds`, from a driver that is counting. */
async function sampleCounters(live: LiveThermometer, seconds: number): Promise<{ frames: number; checksumFailures: number } | null> {
  // A copy: a driver may hand out the same counters object as it counts.
  const before = live.counters ? { ...live.counters } : undefined;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = live.counters;
  if (!after) return null;
  return { frames: after.frames - (before?.frames ?? 0), checksumFailures: after.checksumFailures - (before?.checksumFailures ?? 0) };
}

/** A driver opened for the test alone (the CLI, where no kiosk holds the port). */
async function sampleOpened(port: string, protocol: ProtocolName, baud: number, seconds: number, bindings: () => DeviceBindings): Promise<{ frames: number; checksumFailures: number }> {
  const thermo = openSerialThermometer({ path: port, protocol, baud, calibration: null }, bindings(), { clock: Date.now, remeasureAtC: null });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const c = thermo.counters;
  thermo.close();
  return c;
}

export interface SelfTestOptions {
  thermometerSeconds?: number;
  /** The kiosk's own thermometer, whatever started it (the configuration, a start flag, the simulator). */
  liveThermometer?: LiveThermometer;
  /** How many serial and HID scanners the kiosk is reading now. */
  liveScanners?: () => number;
  bindings?: () => DeviceBindings;
}

export async function runSelfTest(dataDir: string, nowMs: number, opts: SelfTestOptions = {}): Promise<SelfTestItem[]> {
  return selfTestIn(DataDir.open(dataDir, { create: false }), nowMs, opts);
}

/** The gate's zone for the self-test's times; a configuration that cannot be read says so in its own line. */
function gateZone(dir: DataDir): string {
  try {
    return new ConfigStore(dir).load().config.identity.timeZone;
  } catch {
    return 'UTC';
  }
}

/**
 * The thermometer the kiosk runs, not only the one configured: a simulator
 * or a module started by a flag is reported as it is.
 */
async function thermometerCheck(config: KioskConfig, nowMs: number, opts: SelfTestOptions): Promise<Outcome> {
  const t = config.thermometer;
  const live = opts.liveThermometer;
  const seconds = opts.thermometerSeconds ?? 3;
  if (live?.state === 'simulated') return ['warn', techMessage('thermometerSimulated', {})];
  let c: { frames: number; checksumFailures: number } | null;
  if (live && live.state !== 'none') {
    c = await sampleCounters(live, seconds);
    if (!c) return ['warn', techMessage('thermometerNoCounters', { state: live.state as DeviceState })];
  } else {
    if (!t.path || !isProtocolName(t.protocol)) return ['skipped', techMessage('thermometerNone', {})];
    // Where the drivers run in another process, main never opens a port of its own.
    if (!opts.bindings) return ['warn', techMessage('thermometerNotRunning', { state: (live?.state as DeviceState | undefined) ?? null })];
    c = await sampleOpened(t.path, t.protocol, t.baud ?? PROTOCOLS[t.protocol].defaultBaud, seconds, opts.bindings);
  }
  const fps = c.frames / seconds;
  if (c.frames === 0) return ['fail', techMessage('thermometerSilent', { port: t.path ?? '—', fps, checksumErrors: c.checksumFailures })];
  const calibration = t.calibration;
  const due = calibration === null ? 'never' : nowMs > calibration.dueAtMs ? 'overdue' : 'ok';
  return [due === 'ok' ? 'ok' : 'warn', techMessage('thermometerRate', { fps, checksumErrors: c.checksumFailures, calibration: due, calibratedAtMs: calibration?.atMs ?? null })];
}

/** The scanners the kiosk reads, or the one configured. */
function scannerCheck(config: KioskConfig, opts: SelfTestOptions): Outcome {
  const s = config.scanner;
  const running = opts.liveScanners?.() ?? 0;
  if (s.serialPath && !fs.existsSync(s.serialPath)) return ['fail', techMessage('scannerMissing', { port: s.serialPath })];
  if (s.serialPath || s.hid) return ['ok', techMessage('scannerPresent', { device: s.serialPath ?? s.hid ?? '' })];
  if (running > 0) return ['ok', techMessage('scannersRunning', { count: running })];
  return ['skipped', techMessage('scannerNone', {})];
}

/** The self-test of a data directory the caller holds open (an export runs it on the directory it exports). */
export async function selfTestIn(dir: DataDir, nowMs: number, opts: SelfTestOptions = {}): Promise<SelfTestItem[]> {
  const zone = gateZone(dir);
  const check = (name: SelfTestCheck, fn: () => Promise<Outcome> | Outcome): Promise<SelfTestItem> => item(name, zone, fn);
  const items: SelfTestItem[] = [];
  items.push(
    await check('dataDir', () => {
      const probe = dir.path(`.selftest-${process.pid}`);
      fs.writeFileSync(probe, 'x');
      fs.rmSync(probe);
      return ['ok', techMessage('dataDirWritable', { dir: dir.root })];
    }),
  );
  items.push(
    await check('diskSpace', () => {
      const st = fs.statfsSync(dir.root);
      const free = st.bavail * st.bsize;
      const low = free < MIN_FREE_BYTES;
      return [low ? 'fail' : 'ok', techMessage('diskFree', { mb: Math.round(free / 2 ** 20), low })];
    }),
  );
  const log = CheckLog.openIn(dir);
  try {
    items.push(
      await check('database', () => {
        const r = log.integrity();
        return [r === 'ok' ? 'ok' : 'fail', techMessage('databaseIntegrity', { result: r })];
      }),
    );
    items.push(
      await check('chain', () => {
        const r = log.verifyChain();
        return r.ok ? ['ok', techMessage('chainIntact', { entries: r.checked })] : ['fail', techMessage('chainBroken', { problem: r.problem ?? 'broken' })];
      }),
    );
    items.push(await check('policy', () => ['ok', techMessage('policyVersion', { version: new PolicyStore(dir).load().version })]));
    let trustIat: number | null = null;
    items.push(
      await check('trust', async () => {
        const snap = await new TrustStore(dir, log).load(nowMs / 1000);
        if (!snap) return ['fail', techMessage('trustMissing', {})];
        trustIat = snap.info.iat;
        const ageDays = (nowMs / 1000 - snap.info.iat) / 86_400;
        const maxAge = new PolicyStore(dir).load().policy.trustMaxAgeDays;
        if (nowMs / 1000 >= snap.info.exp) return ['fail', techMessage('trustExpired', { seq: snap.info.seq })];
        const stale = ageDays > maxAge;
        return [stale ? 'warn' : 'ok', techMessage('trustAge', { seq: snap.info.seq, days: ageDays, stale })];
      }),
    );
    items.push(
      await check('clock', () => {
        const floor = new TimeFloor(log).currentMs(trustIat);
        const policy = new PolicyStore(dir).load().policy;
        const untrusted = clockIsUntrusted(nowMs / 1000, floor === null ? null : floor / 1000, policy);
        return [untrusted ? 'fail' : 'ok', techMessage('clockReading', { nowMs, floorMs: floor, trusted: !untrusted })];
      }),
    );
    items.push(await check('deviceKey', async () => ['ok', techMessage('deviceId', { deviceId: (await loadOrCreateDeviceIdentity(dir)).deviceId })]));
    const config = new ConfigStore(dir).load().config;
    items.push(
      await check('decoder', async () => {
        const text = TEST_CARD_TEXT;
        const png = await QRCode.toBuffer(text, { type: 'png', width: 400 });
        const r = await decodeImage(new Uint8Array(png));
        return r.text === text ? ['ok', techMessage('decoderOk', { ms: r.ms })] : ['fail', techMessage('decoderFailed', {})];
      }),
    );
    items.push(await check('thermometer', () => thermometerCheck(config, nowMs, opts)));
    items.push(await check('scanner', () => scannerCheck(config, opts)));
    items.push(
      await check('sync', async () => {
        if (!config.sync.endpoint) return ['skipped', techMessage('syncNone', {})];
        const probe = await syncProbeIn(dir, config.sync.endpoint, log, nowMs);
        return [probe.reachable ? 'ok' : 'warn', probe.says];
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
  const { reachable, detail } = await syncProbeIn(dir, endpoint, log, nowMs);
  return { reachable, detail };
}

/** The same probe with what the technician's panel says of it. */
export async function syncProbeIn(dir: DataDir, endpoint: string, log: CheckLog, nowMs: number): Promise<SyncProbe> {
  return probeWith(log, () => syncClientIn(dir, endpoint, log, () => nowMs));
}

/** A probe's answer: reachable or not, what the panel says, and the same in English. */
export interface SyncProbe {
  reachable: boolean;
  detail: string;
  says: TechnicianMessage;
}

async function probeWith(log: CheckLog, openClient: () => Promise<SyncClient>): Promise<SyncProbe> {
  const pending = log.count().pending;
  let says: TechnicianMessage;
  let reachable = false;
  try {
    const client = await openClient();
    reachable = await client.probe();
    says = techMessage(reachable ? 'syncReachable' : 'syncUnreachable', { pending });
  } catch (err) {
    // An address refused for its scheme is the one a technician can fix by typing; anything else is "check the address".
    says = techMessage('syncUnusable', { reason: (err as Error).message, https: (err as Error).name === 'EndpointRefused' });
  }
  return { reachable, says, detail: technicianText(says, 'en', 'UTC') };
}

/** Where a technician's export goes: a new folder each time, never over an earlier one. */
export function exportFolder(out: string, nowMs: number): string {
  return path.join(out, `sentinel-export-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}`);
}
