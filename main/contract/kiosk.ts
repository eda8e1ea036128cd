// The kiosk's one typed contract between main (which decides) and the
// screen (which shows). Both shells — Electron and the browser shell —
// carry exactly these channels; the renderer imports these types only.
import type { HealthStatus, IssuerName } from './code.js';
import type { DeviceState, ThermometerCounters } from './devices.js';
import type { RedactedKioskConfig } from './kiosk-config.js';
import type { ClockState } from './decision.js';
import type { Lang } from './messages.js';
import type { ReasonCode, Verdict } from './reasons.js';

/** Where a scanned text came from. */
export type ScanSource = 'camera' | 'wedge' | 'scanner';
export const SCAN_SOURCES: readonly ScanSource[] = ['camera', 'wedge', 'scanner'];

/** A reason as the screen shows it: its code, its verdict, its sentence in both languages. */
export interface ReasonView {
  code: ReasonCode;
  verdict: Verdict;
  message: Record<Lang, string>;
}

/** One decided check, as the screen shows it. No key, no raw claim beyond what is displayed. */
export interface CheckView {
  checkId: string | null;
  atMs: number;
  verdict: Verdict;
  verdictWord: Record<Lang, string>;
  reasons: ReasonView[];
  issuer: string | null;
  issuerName: IssuerName | null;
  status: HealthStatus | null;
  maskedName: string | null;
  issuerReason: string | null;
  temperatureC: number | null;
  source: ScanSource;
}


export interface KioskStatus {
  online: boolean;
  pendingSync: number;
  /** The central log service: whether one is configured, the last batch it stored, the backlog's age. */
  sync: {
    configured: boolean;
    lastSuccessAtMs: number | null;
    oldestPendingAtMs: number | null;
    backlogWarning: boolean;
    /** When the policy's unsyncedMaxAgeDays will drop the oldest unsynced check (null: never); `warn` from two weeks before. */
    unsyncedPurge: { purgeAtMs: number | null; warn: boolean };
  };
  trust: {
    state: 'ok' | 'stale' | 'expired' | 'missing';
    seq: number | null;
    ageSeconds: number | null;
  };
  clock: ClockState;
  thermometer: { state: DeviceState; lastC: number | null; atMs: number | null; calibrationDueAtMs: number | null; calibrationOverdue: boolean };
  /** Scanners main reads itself (serial, HID); 'none' when none is configured. */
  scanner: { state: DeviceState };
  /** Scans dropped for coming faster than people present codes (never checked, logged or counted); `dropping` within the last minute. */
  scans: { dropped: number; lastDroppedAtMs: number | null; dropping: boolean };
  today: Record<Verdict, number>;
}

/** Settings the screen needs; chosen by the technician, never by the traveller. */
export interface ScreenConfig {
  operatorLang: Lang;
  holderLangs: Lang[];
  resultSeconds: number;
  sound: boolean;
  cameraId: string | null;
  simulated: boolean;
  /** Where the kiosk stands, shown in the status bar. */
  gate: string;
  station: string;
  /** IANA zone of the gate: the status bar's clock and "today" count in it. */
  timeZone: string;
  /** False on a first start: the screen asks the technician to set a PIN. */
  pinSet: boolean;
}

/** One setting in a technician's form: a dotted key of the kiosk configuration and its new value. */
export interface SettingUpdate {
  key: string;
  value: unknown;
}

/**
 * The technician's test card (\`sentinel demo-code --test-card\`): a QR the
 * camera and scanner tests recognise. It is no travel code; at the gate it
 * is refused as NOT_PHC like any other text. Over 20 characters, so a
 * keyboard-wedge scanner's burst of it is told from typing (renderer/wedge.ts).
 */
export const TEST_CARD_TEXT = 'SENTINEL-TEST-CARD-V1';

/** A code read in a technician's test: the test card, or what the checkpoint would decide of it (nothing is logged). */
export type CodeTest = { testCard: true; length: number } | { testCard: false; length: number; view: CheckView };

/** A technician's test scan: what the scanner read, if anything came. */
export type ScannerTestResult = { received: false; scanners: number } | ({ received: true; symbology: string | null } & CodeTest);

export type TechnicianRole = 'technician' | 'supervisor';

/** The devices plugged in, for the technician's pickers (cameras are listed by the screen itself). */
export interface DeviceChoices {
  serial: { path: string; label: string }[];
  hid: { id: string; label: string }[];
  notes: string[];
}

/**
 * 'too-fast': this connection tried again before its pause was over (or
 * while its last attempt was still being checked); nothing was counted.
 */
export type UnlockResult =
  | { result: 'ok'; role: TechnicianRole; idleMs: number }
  | { result: 'wrong'; remaining: number }
  | { result: 'locked'; untilMs: number }
  | { result: 'no-pin' }
  | { result: 'too-fast'; retryAfterMs: number };

export interface SelfTestItemView {
  name: string;
  state: 'ok' | 'warn' | 'fail' | 'skipped';
  detail: string;
}

/** Where the floor may be lowered to: one source's evidence, or the kiosk's clock as it reads now. */
export type FloorTarget = 'bundle' | 'checks' | 'server' | 'now';
export const FLOOR_TARGETS: readonly FloorTarget[] = ['bundle', 'checks', 'server', 'now'];

export function isFloorTarget(value: unknown): value is FloorTarget {
  return typeof value === 'string' && (FLOOR_TARGETS as readonly string[]).includes(value);
}

/** What the kiosk knows of the time (\`sentinel clock show --json\`): times as ISO-8601. */
export interface ClockView {
  clock: string;
  floor: string | null;
  floorSource: Exclude<FloorTarget, 'now'> | null;
  trusted: boolean;
  skewSeconds: number;
  behindSeconds: number;
  evidence: {
    bundle: { at: string; seq: number } | null;
    checks: { at: string; recordedAt: string } | null;
    server: { at: string; recordedAt: string } | null;
  };
  /** The last evidence refused per source (far beyond everything else known), never counted. */
  refused: { checks: { at: string; refusedAt: string; count: number } | null; server: { at: string; refusedAt: string; count: number } | null };
  legacy: { at: string; counted: false } | null;
}

/** What technician mode shows: settings without secrets, the policy, the trust bundle. */
export interface TechnicianState {
  role: TechnicianRole;
  config: RedactedKioskConfig;
  policy: Record<string, unknown>;
  policyVersion: number;
  trust: { seq: number; iss: string; ageDays: number; expiresAt: string; issuers: string[]; keys: { issuer: string; kid: string; alg: string; validFrom: string | null; validUntil: string | null; revoked: boolean }[] } | null;
}

/** Renderer → main requests and their answers. */
export interface InvokeChannels {
  'scan/submit': { request: { text: string; source: ScanSource }; response: CheckView };
  'status/get': { request: Record<string, never>; response: KioskStatus };
  'config/get': { request: Record<string, never>; response: ScreenConfig };
  'technician/unlock': { request: { pin: string }; response: UnlockResult };
  /** First start: no PIN is set yet, so the screen sets the technician's. */
  'technician/set-first-pin': { request: { pin: string }; response: UnlockResult };
  'technician/lock': { request: Record<string, never>; response: { locked: true } };
  'technician/state': { request: Record<string, never>; response: TechnicianState };
  'technician/selftest': { request: Record<string, never>; response: SelfTestItemView[] };
  'technician/config-set': { request: { key: string; value: unknown }; response: { before: unknown; after: unknown } };
  /** A whole form at once: every value validated, then saved as one revision and applied live. */
  'technician/config-update': { request: { changes: SettingUpdate[] }; response: { revision: number; changed: { key: string; before: unknown; after: unknown }[] } };
  /** Waits for the next scan from main's scanners; it is decided but not logged. 0 seconds stops a waiting test. */
  'technician/scanner-test': { request: { seconds: number }; response: ScannerTestResult };
  /** Decides a code the technician's camera test read, without logging it. */
  'technician/try-code': { request: { text: string }; response: CodeTest };
  'technician/policy-set': { request: { policy: Record<string, unknown> }; response: { version: number } };
  'technician/export': { request: { dir: string }; response: { folder: string; checks: number } };
  'technician/trust-import': { request: { bundlePath: string; rootPath?: string; fingerprint?: string }; response: { seq: number; pinnedRoots: string[] } };
  'technician/devices': { request: Record<string, never>; response: DeviceChoices };
  /** The thermometer driver's frame and error counters since start, or null when not known here. */
  'technician/thermometer-counters': { request: Record<string, never>; response: ThermometerCounters | null };
  'technician/sync-test': { request: { endpoint: string }; response: { reachable: boolean; detail: string } };
  'technician/calibrate': { request: { referenceC: number; by: string }; response: { offsetC: number; previousOffsetC: number | null; readingsC: number[]; dueAtMs: number } };
  'supervisor/override': { request: { checkId: string; verdict: 'admit' | 'deny'; reason: string }; response: { checkId: string; verdict: 'admit' | 'deny'; role: TechnicianRole } };
  /** The clock, the time floor and each source's evidence. */
  'technician/clock': { request: Record<string, never>; response: ClockView };
  /** Lowers the floor to one source's evidence (or the clock), audited. */
  'technician/clock-reset': { request: { to: FloorTarget }; response: ClockView };
  /** Sets the system clock (where the kiosk is allowed to), audited; optionally lowers the floor to it. */
  'technician/clock-set': { request: { at: string; resetFloor: boolean }; response: ClockView };
}

/** Main → renderer events. */
export interface RendererChannels {
  'checkpoint/decided': CheckView;
  'status/changed': KioskStatus;
  'thermometer/reading': { celsius: number; atMs: number; simulated: boolean };
  /** A technician changed a screen setting: it applies now, not at the next start. */
  'config/changed': ScreenConfig;
}

export type InvokeChannel = keyof InvokeChannels;
export type RendererChannel = keyof RendererChannels;
export const INVOKE_CHANNELS: readonly InvokeChannel[] = [
  'scan/submit',
  'status/get',
  'config/get',
  'technician/unlock',
  'technician/set-first-pin',
  'technician/lock',
  'technician/state',
  'technician/selftest',
  'technician/config-set',
  'technician/config-update',
  'technician/scanner-test',
  'technician/try-code',
  'technician/policy-set',
  'technician/export',
  'technician/trust-import',
  'technician/calibrate',
  'technician/sync-test',
  'technician/devices',
  'technician/thermometer-counters',
  'supervisor/override',
  'technician/clock',
  'technician/clock-reset',
  'technician/clock-set',
];

/** An error that crossed the boundary: a stable code and a sentence. */
export interface KioskError {
  code: 'BAD_REQUEST' | 'UNKNOWN_CHANNEL' | 'PAYLOAD_TOO_LARGE' | 'UNAVAILABLE' | 'INTERNAL' | 'LOCKED' | 'REFUSED' | 'RATE_LIMITED';
  message: string;
}

export type InvokeResult<C extends InvokeChannel> = { ok: true; value: InvokeChannels[C]['response'] } | { ok: false; error: KioskError };

/** What the renderer sees as `window.kiosk`, whichever shell carries it. */
export interface KioskApi {
  submitScan(text: string, source: ScanSource): Promise<InvokeResult<'scan/submit'>>;
  getStatus(): Promise<InvokeResult<'status/get'>>;
  getConfig(): Promise<InvokeResult<'config/get'>>;
  technician: {
    unlock(pin: string): Promise<InvokeResult<'technician/unlock'>>;
    setFirstPin(pin: string): Promise<InvokeResult<'technician/set-first-pin'>>;
    lock(): Promise<InvokeResult<'technician/lock'>>;
    state(): Promise<InvokeResult<'technician/state'>>;
    selftest(): Promise<InvokeResult<'technician/selftest'>>;
    setConfig(key: string, value: unknown): Promise<InvokeResult<'technician/config-set'>>;
    updateConfig(changes: SettingUpdate[]): Promise<InvokeResult<'technician/config-update'>>;
    scannerTest(seconds: number): Promise<InvokeResult<'technician/scanner-test'>>;
    tryCode(text: string): Promise<InvokeResult<'technician/try-code'>>;
    setPolicy(policy: Record<string, unknown>): Promise<InvokeResult<'technician/policy-set'>>;
    exportTo(dir: string): Promise<InvokeResult<'technician/export'>>;
    importTrust(bundlePath: string, rootPath?: string, fingerprint?: string): Promise<InvokeResult<'technician/trust-import'>>;
    devices(): Promise<InvokeResult<'technician/devices'>>;
    thermometerCounters(): Promise<InvokeResult<'technician/thermometer-counters'>>;
    testSync(endpoint: string): Promise<InvokeResult<'technician/sync-test'>>;
    calibrate(referenceC: number, by: string): Promise<InvokeResult<'technician/calibrate'>>;
    override(checkId: string, verdict: 'admit' | 'deny', reason: string): Promise<InvokeResult<'supervisor/override'>>;
    clock(): Promise<InvokeResult<'technician/clock'>>;
    resetClockFloor(to: FloorTarget): Promise<InvokeResult<'technician/clock-reset'>>;
    setClock(at: string, resetFloor: boolean): Promise<InvokeResult<'technician/clock-set'>>;
  };
  /** Each returns a function that unsubscribes. */
  onDecided(listener: (view: CheckView) => void): () => void;
  onStatus(listener: (status: KioskStatus) => void): () => void;
  onThermometer(listener: (reading: RendererChannels['thermometer/reading']) => void): () => void;
  onConfig(listener: (config: ScreenConfig) => void): () => void;
}

/**
 * The most a scan payload may carry across the boundary. Larger than the
 * PHC1 cap on purpose: a 3 KB text still deserves its TOO_LARGE verdict;
 * only absurd payloads are refused at the door.
 */
export const MAX_SCAN_PAYLOAD_CHARS = 16_384;

/** A technician's form has a dozen fields; more in one request is not a form. */
export const MAX_SETTINGS_PER_UPDATE = 32;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: KioskError };

const bad = (message: string): { ok: false; error: KioskError } => ({ ok: false, error: { code: 'BAD_REQUEST', message } });

/** A setting's name is section.field in letters: nothing else reaches the configuration's validators. */
function isSettingKey(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 64 && /^[a-z]+\.[a-zA-Z]+$/.test(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates a renderer → main payload for its channel (types and length caps). */
export function parseInvoke<C extends InvokeChannel>(channel: C, payload: unknown): Parsed<InvokeChannels[C]['request']>;
export function parseInvoke(channel: string, payload: unknown): Parsed<unknown> {
  switch (channel) {
    case 'scan/submit': {
      if (!isObject(payload)) return bad('scan/submit takes {text, source}');
      const { text, source } = payload;
      if (Object.keys(payload).some((k) => k !== 'text' && k !== 'source')) return bad('scan/submit takes only text and source');
      if (typeof text !== 'string') return bad('text must be a string');
      if (text.length > MAX_SCAN_PAYLOAD_CHARS) {
        return { ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: `a scan is at most ${MAX_SCAN_PAYLOAD_CHARS} characters` } };
      }
      if (typeof source !== 'string' || !(SCAN_SOURCES as readonly string[]).includes(source)) return bad('source must be camera, wedge or scanner');
      return { ok: true, value: { text, source } };
    }
    case 'status/get':
    case 'config/get':
    case 'technician/lock':
    case 'technician/state':
    case 'technician/selftest':
      if (payload !== undefined && !(isObject(payload) && Object.keys(payload).length === 0)) return bad(`${channel} takes no arguments`);
      return { ok: true, value: {} };
    case 'technician/unlock': {
      if (!isObject(payload) || typeof payload.pin !== 'string' || payload.pin.length > 32 || Object.keys(payload).length !== 1) return bad('technician/unlock takes {pin}');
      return { ok: true, value: { pin: payload.pin } };
    }
    case 'technician/set-first-pin': {
      if (!isObject(payload) || typeof payload.pin !== 'string' || payload.pin.length > 32 || Object.keys(payload).length !== 1) return bad('technician/set-first-pin takes {pin}');
      return { ok: true, value: { pin: payload.pin } };
    }
    case 'technician/config-set': {
      if (!isObject(payload) || !isSettingKey(payload.key) || !('value' in payload) || Object.keys(payload).length !== 2) return bad('technician/config-set takes {key, value} (key: section.field)');
      if (JSON.stringify(payload.value ?? null).length > 1024) return { ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: 'a setting is at most 1 KB' } };
      return { ok: true, value: { key: payload.key, value: payload.value } };
    }
    case 'technician/config-update': {
      if (!isObject(payload) || !Array.isArray(payload.changes) || Object.keys(payload).length !== 1) return bad('technician/config-update takes {changes: [{key, value}]}');
      const { changes } = payload;
      if (changes.length === 0 || changes.length > MAX_SETTINGS_PER_UPDATE) return bad(`an update changes 1 to ${MAX_SETTINGS_PER_UPDATE} settings`);
      const out: SettingUpdate[] = [];
      for (const c of changes) {
        if (!isObject(c) || !isSettingKey(c.key) || !('value' in c) || Object.keys(c).length !== 2) return bad('each change is {key, value} (key: section.field)');
        if (JSON.stringify(c.value ?? null).length > 1024) return { ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: 'a setting is at most 1 KB' } };
        out.push({ key: c.key, value: c.value });
      }
      return { ok: true, value: { changes: out } };
    }
    case 'technician/scanner-test': {
      if (!isObject(payload) || Object.keys(payload).length !== 1 || typeof payload.seconds !== 'number' || !Number.isInteger(payload.seconds) || payload.seconds < 0 || payload.seconds > 60) {
        return bad('technician/scanner-test takes {seconds} (0 to 60; 0 stops a test that is waiting)');
      }
      return { ok: true, value: { seconds: payload.seconds } };
    }
    case 'technician/try-code': {
      if (!isObject(payload) || typeof payload.text !== 'string' || Object.keys(payload).length !== 1) return bad('technician/try-code takes {text}');
      if (payload.text.length > MAX_SCAN_PAYLOAD_CHARS) return { ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: `a scan is at most ${MAX_SCAN_PAYLOAD_CHARS} characters` } };
      return { ok: true, value: { text: payload.text } };
    }
    case 'technician/clock-reset': {
      if (!isObject(payload) || Object.keys(payload).length !== 1 || !isFloorTarget(payload.to)) return bad('technician/clock-reset takes {to: bundle|checks|server|now}');
      return { ok: true, value: { to: payload.to } };
    }
    case 'technician/clock-set': {
      if (!isObject(payload) || Object.keys(payload).length !== 2 || typeof payload.resetFloor !== 'boolean') return bad('technician/clock-set takes {at, resetFloor}');
      // A time that names its zone (Z or ±hh:mm): a bare local time would be read in the wrong one.
      const at = payload.at;
      if (typeof at !== 'string' || at.length > 40 || !/(Z|[+-]\d{2}:\d{2})$/.test(at) || !Number.isFinite(Date.parse(at))) return bad('the time is ISO-8601 with its zone, e.g. 2026-12-01T08:00:00+08:00');
      return { ok: true, value: { at, resetFloor: payload.resetFloor } };
    }
    case 'technician/clock':
    case 'technician/devices':
    case 'technician/thermometer-counters':
      if (payload !== undefined && (!isObject(payload) || Object.keys(payload).length !== 0)) return bad(`${channel} takes no arguments`);
      return { ok: true, value: {} };
    case 'technician/sync-test': {
      if (!isObject(payload) || typeof payload.endpoint !== 'string' || payload.endpoint.length === 0 || payload.endpoint.length > 512 || Object.keys(payload).length !== 1) return bad('technician/sync-test takes {endpoint}');
      return { ok: true, value: { endpoint: payload.endpoint } };
    }
    case 'technician/calibrate': {
      if (!isObject(payload) || Object.keys(payload).length !== 2) return bad('technician/calibrate takes {referenceC, by}');
      const { referenceC, by } = payload;
      if (typeof referenceC !== 'number' || !Number.isFinite(referenceC)) return bad('the reference is a temperature in °C');
      if (typeof by !== 'string' || by.trim().length === 0 || by.length > 64) return bad('a calibration must say who did it (up to 64 characters)');
      return { ok: true, value: { referenceC, by: by.trim() } };
    }
    case 'technician/policy-set': {
      if (!isObject(payload) || !isObject(payload.policy) || Object.keys(payload).length !== 1) return bad('technician/policy-set takes {policy}');
      if (JSON.stringify(payload.policy).length > 8192) return { ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: 'a policy is at most 8 KB' } };
      return { ok: true, value: { policy: payload.policy } };
    }
    case 'technician/trust-import': {
      if (!isObject(payload) || typeof payload.bundlePath !== 'string' || payload.bundlePath.length === 0 || payload.bundlePath.length > 512) return bad('technician/trust-import takes {bundlePath, rootPath?, fingerprint?}');
      const extra = Object.keys(payload).filter((k) => !['bundlePath', 'rootPath', 'fingerprint'].includes(k));
      if (extra.length > 0) return bad(`technician/trust-import does not take ${extra.join(', ')}`);
      for (const k of ['rootPath', 'fingerprint'] as const) {
        if (payload[k] !== undefined && (typeof payload[k] !== 'string' || (payload[k] as string).length > 512)) return bad(`${k} must be text`);
      }
      return { ok: true, value: { bundlePath: payload.bundlePath, ...(payload.rootPath ? { rootPath: payload.rootPath as string } : {}), ...(payload.fingerprint ? { fingerprint: payload.fingerprint as string } : {}) } };
    }
    case 'supervisor/override': {
      if (!isObject(payload) || Object.keys(payload).length !== 3) return bad('supervisor/override takes {checkId, verdict, reason}');
      const { checkId, verdict, reason } = payload;
      if (typeof checkId !== 'string' || !/^[0-9a-f-]{36}$/.test(checkId)) return bad('checkId must be a check id');
      if (verdict !== 'admit' && verdict !== 'deny') return bad('an override is admit or deny');
      if (typeof reason !== 'string' || reason.trim().length < 3 || reason.length > 200) return bad('an override needs a reason (3 to 200 characters)');
      return { ok: true, value: { checkId, verdict, reason: reason.trim() } };
    }
    case 'technician/export': {
      if (!isObject(payload) || typeof payload.dir !== 'string' || payload.dir.length === 0 || payload.dir.length > 512 || Object.keys(payload).length !== 1) return bad('technician/export takes {dir}');
      return { ok: true, value: { dir: payload.dir } };
    }
    default:
      return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `no channel ${String(channel).slice(0, 64)}` } };
  }
}
