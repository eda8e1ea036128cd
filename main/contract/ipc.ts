// The kiosk's IPC contract, one table: each renderer → main channel with the
// request it takes, the answer it gives, main's parser for it, and where the
// screen calls it; each main → renderer event with its payload and listener.
// Everything else is derived from these two tables — the channel list, the
// request and response types, parseInvoke, the typed handler map main must
// fill, and `window.kiosk` itself (makeKioskApi, shared by the Electron
// preload and the browser bridge). Adding a channel is an entry here and its
// handler in main; the compiler finds the rest.
//
// The screen and the Electron preload bundle this file (makeKioskApi and the
// parsers it carries along), so it stays free of node and electron.
import type {
  CheckView,
  ClockView,
  CodeTest,
  DeviceChoices,
  FloorTarget,
  KioskStatus,
  ScannerTestResult,
  PartialScanView,
  ScanAnswer,
  ScanSource,
  ScreenConfig,
  SettingUpdate,
  TechnicianRole,
  TechnicianState,
  UnlockResult,
} from './kiosk.js';
import { isFloorTarget, SCAN_SOURCES } from './kiosk.js';
import type { ThermometerCounters } from './devices.js';
import { OVERRIDE_PRESETS, OVERRIDE_TEXT_CHARS, techMessage, type OverrideReason, type SelfTestLine, type TechnicianMessage } from './technician-messages.js';

// The technician's panel renders what main says by key. The catalog is code
// the screen needs, and this table is the one contract module whose code the
// screen takes (eslint.config.js): the panel reaches the catalog through here.
export * from './technician-messages.js';
// The screen knows the technician's test card: held up while the PIN pad is open, it is never a traveller's scan.
export { TEST_CARD_TEXT } from './kiosk.js';
// The screen recognises an enrollment QR (the camera test offers it to the Settings section).
export { parseEnrollmentText } from './enrollment.js';

/**
 * An error that crossed the boundary: a stable code and a sentence (English,
 * for logs and tools); a technician's refusal also says what the panel shows,
 * in the operator's language.
 */
export interface KioskError {
  code: 'BAD_REQUEST' | 'UNKNOWN_CHANNEL' | 'PAYLOAD_TOO_LARGE' | 'UNAVAILABLE' | 'INTERNAL' | 'LOCKED' | 'REFUSED' | 'RATE_LIMITED';
  message: string;
  says?: TechnicianMessage;
}

/** The devices plugged in, for the technician's pickers, with what could not be listed. */
export interface DeviceList {
  serial: DeviceChoices['serial'];
  hid: DeviceChoices['hid'];
  notes: TechnicianMessage[];
}

/** A removable drive mounted now: where the export may go, and the trust bundle files on it. */
export interface RemovableDriveView {
  path: string;
  device: string;
  bundleFiles: string[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: KioskError };

/**
 * The most a scan payload may carry across the boundary. Larger than the
 * PHC1 cap on purpose: a 3 KB text still deserves its TOO_LARGE verdict;
 * only absurd payloads are refused at the door.
 */
export const MAX_SCAN_PAYLOAD_CHARS = 16_384;

/** A technician's form has a dozen fields; more in one request is not a form. */
export const MAX_SETTINGS_PER_UPDATE = 32;

/**
 * One renderer → main channel. `Req` and `Res` are written out in the table
 * (they are the contract); the method name and its positional arguments are
 * inferred from the entry.
 */
export interface ChannelSpec<Req, Res, Method extends string = string, Args extends unknown[] = never> {
  /** Where the screen calls it: 'submitScan' is `kiosk.submitScan`, 'technician.unlock' is `kiosk.technician.unlock`. */
  method: Method;
  /** The call's positional arguments as the request main receives. */
  request: (...args: Args) => Req;
  /** Main's check of what arrived (types, shapes, caps); `channel` names it in messages. */
  parse: (payload: unknown, channel: string) => Parsed<Req>;
  /** Never set: carries the answer's type for the derived types below. */
  readonly response?: Res;
}

/** A channel taking `Req` and answering `Res` (curried so the method name and arguments are inferred). */
function channel<Req, Res>() {
  return <const Method extends string, Args extends unknown[]>(spec: {
    method: Method;
    request: (...args: Args) => Req;
    parse: (payload: unknown, channel: string) => Parsed<Req>;
  }): ChannelSpec<Req, Res, Method, Args> => spec;
}

const bad = (message: string, says?: TechnicianMessage): { ok: false; error: KioskError } => ({ ok: false, error: { code: 'BAD_REQUEST', message, ...(says ? { says } : {}) } });
const tooLarge = (message: string): { ok: false; error: KioskError } => ({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message } });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A setting's name is section.field in letters: nothing else reaches the configuration's validators. */
function isSettingKey(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 64 && /^[a-z]+\.[a-zA-Z]+$/.test(v);
}

function isScanSource(v: unknown): v is ScanSource {
  return typeof v === 'string' && (SCAN_SOURCES as readonly string[]).includes(v);
}

type NoArguments = Record<string, never>;

function noArguments(payload: unknown, channel: string): Parsed<NoArguments> {
  if (payload !== undefined && !(isObject(payload) && Object.keys(payload).length === 0)) return bad(`${channel} takes no arguments`);
  return { ok: true, value: {} };
}

function aPin(payload: unknown, channel: string): Parsed<{ pin: string }> {
  if (!isObject(payload) || typeof payload.pin !== 'string' || payload.pin.length > 32 || Object.keys(payload).length !== 1) return bad(`${channel} takes {pin}`);
  return { ok: true, value: { pin: payload.pin } };
}

const none = (): NoArguments => ({});

/** A preset, or "other" with the guard's own words (trimmed, within bounds); anything else is no reason. */
function overrideReason(v: unknown): OverrideReason | null {
  if (!isObject(v) || typeof v.preset !== 'string' || !(OVERRIDE_PRESETS as readonly string[]).includes(v.preset)) return null;
  if (v.preset !== 'other') return Object.keys(v).length === 1 ? { preset: v.preset as Exclude<OverrideReason['preset'], 'other'> } : null;
  if (Object.keys(v).length !== 2 || typeof v.text !== 'string') return null;
  const text = v.text.trim();
  return text.length >= OVERRIDE_TEXT_CHARS.min && v.text.length <= OVERRIDE_TEXT_CHARS.max ? { preset: 'other', text } : null;
}

/** Renderer → main requests: the table. */
const INVOKE = {
  'scan/submit': channel<{ text: string; source: ScanSource }, ScanAnswer>()({
    method: 'submitScan',
    request: (text: string, source: ScanSource) => ({ text, source }),
    parse: (payload) => {
      if (!isObject(payload)) return bad('scan/submit takes {text, source}');
      const { text, source } = payload;
      if (Object.keys(payload).some((k) => k !== 'text' && k !== 'source')) return bad('scan/submit takes only text and source');
      if (typeof text !== 'string') return bad('text must be a string');
      if (text.length > MAX_SCAN_PAYLOAD_CHARS) return tooLarge(`a scan is at most ${MAX_SCAN_PAYLOAD_CHARS} characters`);
      if (!isScanSource(source)) return bad('source must be camera, wedge or scanner');
      return { ok: true, value: { text, source } };
    },
  }),
  'status/get': channel<NoArguments, KioskStatus>()({ method: 'getStatus', request: none, parse: noArguments }),
  'config/get': channel<NoArguments, ScreenConfig>()({ method: 'getConfig', request: none, parse: noArguments }),
  'technician/unlock': channel<{ pin: string }, UnlockResult>()({ method: 'technician.unlock', request: (pin: string) => ({ pin }), parse: aPin }),
  /** First start: no PIN is set yet, so the screen sets the technician's. */
  'technician/set-first-pin': channel<{ pin: string }, UnlockResult>()({ method: 'technician.setFirstPin', request: (pin: string) => ({ pin }), parse: aPin }),
  'technician/lock': channel<NoArguments, { locked: true }>()({ method: 'technician.lock', request: none, parse: noArguments }),
  'technician/state': channel<NoArguments, TechnicianState>()({ method: 'technician.state', request: none, parse: noArguments }),
  'technician/selftest': channel<NoArguments, SelfTestLine[]>()({ method: 'technician.selftest', request: none, parse: noArguments }),
  /** A whole form at once: every value validated, then saved as one revision and applied live. */
  'technician/config-update': channel<{ changes: SettingUpdate[] }, { revision: number; changed: { key: string; before: unknown; after: unknown }[] }>()({
    method: 'technician.updateConfig',
    request: (changes: SettingUpdate[]) => ({ changes }),
    parse: (payload) => {
      if (!isObject(payload) || !Array.isArray(payload.changes) || Object.keys(payload).length !== 1) return bad('technician/config-update takes {changes: [{key, value}]}');
      const { changes } = payload;
      if (changes.length === 0 || changes.length > MAX_SETTINGS_PER_UPDATE) return bad(`an update changes 1 to ${MAX_SETTINGS_PER_UPDATE} settings`);
      const out: SettingUpdate[] = [];
      for (const c of changes) {
        if (!isObject(c) || !isSettingKey(c.key) || !('value' in c) || Object.keys(c).length !== 2) return bad('each change is {key, value} (key: section.field)');
        if (JSON.stringify(c.value ?? null).length > 1024) return tooLarge('a setting is at most 1 KB');
        out.push({ key: c.key, value: c.value });
      }
      return { ok: true, value: { changes: out } };
    },
  }),
  /** Waits for the next scan from main's scanners; it is decided but not logged. 0 seconds stops a waiting test. */
  'technician/scanner-test': channel<{ seconds: number }, ScannerTestResult>()({
    method: 'technician.scannerTest',
    request: (seconds: number) => ({ seconds }),
    parse: (payload) => {
      if (!isObject(payload) || Object.keys(payload).length !== 1 || typeof payload.seconds !== 'number' || !Number.isInteger(payload.seconds) || payload.seconds < 0 || payload.seconds > 60) {
        return bad('technician/scanner-test takes {seconds} (0 to 60; 0 stops a test that is waiting)');
      }
      return { ok: true, value: { seconds: payload.seconds } };
    },
  }),
  /** Decides a code the technician's camera test read, without logging it. */
  'technician/try-code': channel<{ text: string }, CodeTest>()({
    method: 'technician.tryCode',
    request: (text: string) => ({ text }),
    parse: (payload) => {
      if (!isObject(payload) || typeof payload.text !== 'string' || Object.keys(payload).length !== 1) return bad('technician/try-code takes {text}');
      if (payload.text.length > MAX_SCAN_PAYLOAD_CHARS) return tooLarge(`a scan is at most ${MAX_SCAN_PAYLOAD_CHARS} characters`);
      return { ok: true, value: { text: payload.text } };
    },
  }),
  'technician/policy-set': channel<{ policy: Record<string, unknown> }, { version: number }>()({
    method: 'technician.setPolicy',
    request: (policy: Record<string, unknown>) => ({ policy }),
    parse: (payload) => {
      if (!isObject(payload) || !isObject(payload.policy) || Object.keys(payload).length !== 1) return bad('technician/policy-set takes {policy}');
      if (JSON.stringify(payload.policy).length > 8192) return tooLarge('a policy is at most 8 KB');
      return { ok: true, value: { policy: payload.policy } };
    },
  }),
  'technician/export': channel<{ dir: string }, { folder: string; checks: number }>()({
    method: 'technician.exportTo',
    request: (dir: string) => ({ dir }),
    parse: (payload) => {
      if (!isObject(payload) || typeof payload.dir !== 'string' || payload.dir.length > 512 || Object.keys(payload).length !== 1) return bad('technician/export takes {dir}');
      if (payload.dir.trim() === '') return bad('choose a USB drive to export to', techMessage('exportChooseDrive', {}));
      return { ok: true, value: { dir: payload.dir } };
    },
  }),
  /** The removable drives mounted now (export targets) and the trust bundle files on them. */
  'technician/drives': channel<NoArguments, RemovableDriveView[]>()({ method: 'technician.drives', request: none, parse: noArguments }),
  'technician/trust-import': channel<{ bundlePath: string; rootPath?: string; fingerprint?: string }, { seq: number; pinnedRoots: string[] }>()({
    method: 'technician.importTrust',
    request: (bundlePath: string, rootPath?: string, fingerprint?: string) => ({ bundlePath, ...(rootPath ? { rootPath } : {}), ...(fingerprint ? { fingerprint } : {}) }),
    parse: (payload) => {
      if (!isObject(payload) || typeof payload.bundlePath !== 'string' || payload.bundlePath.length > 512) return bad('technician/trust-import takes {bundlePath, rootPath?, fingerprint?}');
      if (payload.bundlePath.trim() === '') return bad('choose a bundle file', techMessage('bundleChooseFile', {}));
      const extra = Object.keys(payload).filter((k) => !['bundlePath', 'rootPath', 'fingerprint'].includes(k));
      if (extra.length > 0) return bad(`technician/trust-import does not take ${extra.join(', ')}`);
      const { rootPath, fingerprint } = payload;
      if (rootPath !== undefined && (typeof rootPath !== 'string' || rootPath.length > 512)) return bad('rootPath must be text');
      if (fingerprint !== undefined && (typeof fingerprint !== 'string' || fingerprint.length > 512)) return bad('fingerprint must be text');
      return { ok: true, value: { bundlePath: payload.bundlePath, ...(rootPath ? { rootPath } : {}), ...(fingerprint ? { fingerprint } : {}) } };
    },
  }),
  'technician/calibrate': channel<{ referenceC: number; by: string }, { offsetC: number; previousOffsetC: number | null; readingsC: number[]; dueAtMs: number }>()({
    method: 'technician.calibrate',
    request: (referenceC: number, by: string) => ({ referenceC, by }),
    parse: (payload) => {
      if (!isObject(payload) || Object.keys(payload).length !== 2) return bad('technician/calibrate takes {referenceC, by}');
      const { referenceC, by } = payload;
      if (typeof referenceC !== 'number' || !Number.isFinite(referenceC)) return bad('the reference is a temperature in °C', techMessage('calibrationRefused', { problem: 'reference' }));
      if (typeof by !== 'string' || by.trim().length === 0 || by.length > 64)
        return bad('a calibration must say who did it (up to 64 characters)', techMessage('calibrationRefused', { problem: 'by' }));
      return { ok: true, value: { referenceC, by: by.trim() } };
    },
  }),
  'technician/sync-test': channel<{ endpoint: string }, { reachable: boolean; detail: string; says: TechnicianMessage }>()({
    method: 'technician.testSync',
    request: (endpoint: string) => ({ endpoint }),
    parse: (payload) => {
      if (!isObject(payload) || typeof payload.endpoint !== 'string' || payload.endpoint.length > 512 || Object.keys(payload).length !== 1) return bad('technician/sync-test takes {endpoint}');
      if (payload.endpoint.trim() === '') return bad('type an address to test', techMessage('settingRefused', { setting: 'sync.endpoint', problem: 'url' }));
      return { ok: true, value: { endpoint: payload.endpoint } };
    },
  }),
  'technician/devices': channel<NoArguments, DeviceList>()({ method: 'technician.devices', request: none, parse: noArguments }),
  /** Enrolls this kiosk with a central service: the enrollment QR's text, or "URL TOKEN" typed. */
  'technician/enroll': channel<{ code: string }, { enrolled: boolean; says: TechnicianMessage }>()({
    method: 'technician.enroll',
    request: (code: string) => ({ code }),
    parse: (payload) => {
      if (!isObject(payload) || typeof payload.code !== 'string' || payload.code.length > 1024 || Object.keys(payload).length !== 1) return bad('technician/enroll takes {code}');
      if (payload.code.trim() === '') return bad('scan or type an enrollment code', techMessage('enrollRefused', { problem: 'notACode', detail: '' }));
      return { ok: true, value: { code: payload.code } };
    },
  }),
  /** Opens the gate once, for no check (audited); says whether the device confirmed it. */
  'technician/gate-test': channel<NoArguments, { confirmed: boolean; says: TechnicianMessage }>()({ method: 'technician.testGate', request: none, parse: noArguments }),
  /** The thermometer driver's frame and error counters since start, or null when not known here. */
  'technician/thermometer-counters': channel<NoArguments, ThermometerCounters | null>()({ method: 'technician.thermometerCounters', request: none, parse: noArguments }),
  /** A guard's decision on a review: a preset reason, or "other" with the guard's words. */
  'supervisor/override': channel<{ checkId: string; verdict: 'admit' | 'deny'; reason: OverrideReason }, { checkId: string; verdict: 'admit' | 'deny'; role: TechnicianRole }>()({
    method: 'technician.override',
    request: (checkId: string, verdict: 'admit' | 'deny', reason: OverrideReason) => ({ checkId, verdict, reason }),
    parse: (payload) => {
      if (!isObject(payload) || Object.keys(payload).length !== 3) return bad('supervisor/override takes {checkId, verdict, reason}');
      const { checkId, verdict } = payload;
      if (typeof checkId !== 'string' || !/^[0-9a-f-]{36}$/.test(checkId)) return bad('checkId must be a check id');
      if (verdict !== 'admit' && verdict !== 'deny') return bad('an override is admit or deny');
      const reason = overrideReason(payload.reason);
      if (!reason) return bad(`an override needs a reason: a preset, or other with ${OVERRIDE_TEXT_CHARS.min} to ${OVERRIDE_TEXT_CHARS.max} characters`, techMessage('overrideReasonNeeded', {}));
      return { ok: true, value: { checkId, verdict, reason } };
    },
  }),
  /** The clock, the time floor and each source's evidence. */
  'technician/clock': channel<NoArguments, ClockView>()({ method: 'technician.clock', request: none, parse: noArguments }),
  /** Lowers the floor to one source's evidence (or the clock), audited. */
  'technician/clock-reset': channel<{ to: FloorTarget }, ClockView>()({
    method: 'technician.resetClockFloor',
    request: (to: FloorTarget) => ({ to }),
    parse: (payload) => {
      if (!isObject(payload) || Object.keys(payload).length !== 1 || !isFloorTarget(payload.to)) return bad('technician/clock-reset takes {to: bundle|checks|server|now}');
      return { ok: true, value: { to: payload.to } };
    },
  }),
  /** Sets the system clock (where the kiosk is allowed to), audited; optionally lowers the floor to it. */
  'technician/clock-set': channel<{ at: string; resetFloor: boolean }, ClockView>()({
    method: 'technician.setClock',
    request: (at: string, resetFloor: boolean) => ({ at, resetFloor }),
    parse: (payload) => {
      if (!isObject(payload) || Object.keys(payload).length !== 2 || typeof payload.resetFloor !== 'boolean') return bad('technician/clock-set takes {at, resetFloor}');
      // A time that names its zone (Z or ±hh:mm): a bare local time would be read in the wrong one.
      const at = payload.at;
      if (typeof at !== 'string' || at.length > 40 || !/(Z|[+-]\d{2}:\d{2})$/.test(at) || !Number.isFinite(Date.parse(at)))
        return bad('the time is ISO-8601 with its zone, e.g. 2026-12-01T08:00:00+08:00', techMessage('clockBadTime', {}));
      return { ok: true, value: { at, resetFloor: payload.resetFloor } };
    },
  }),
};

type Invoke = typeof INVOKE;
export type InvokeChannel = keyof Invoke;
export type ChannelRequest<C extends InvokeChannel> = Invoke[C] extends ChannelSpec<infer Req, unknown, string, never> ? Req : never;
export type ChannelResponse<C extends InvokeChannel> = Invoke[C] extends ChannelSpec<unknown, infer Res, string, never> ? Res : never;
type ArgsOf<C extends InvokeChannel> = Invoke[C] extends ChannelSpec<unknown, unknown, string, infer Args> ? Args : never;
type MethodOf<C extends InvokeChannel> = Invoke[C]['method'];

/** Each channel's request and answer, by name (what the old hand-written map gave). */
export type InvokeChannels = { [C in InvokeChannel]: { request: ChannelRequest<C>; response: ChannelResponse<C> } };

export const INVOKE_CHANNELS = Object.keys(INVOKE) as readonly InvokeChannel[];

/** Own keys only: `constructor` or `__proto__` is no channel. */
export function isInvokeChannel(channel: unknown): channel is InvokeChannel {
  return typeof channel === 'string' && Object.hasOwn(INVOKE, channel);
}

export function unknownChannel(channel: unknown): { ok: false; error: KioskError } {
  return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `no channel ${String(channel).slice(0, 64)}` } };
}

export type InvokeResult<C extends InvokeChannel> = { ok: true; value: ChannelResponse<C> } | { ok: false; error: KioskError };

/** Validates a renderer → main payload for its channel (types and length caps). */
export function parseInvoke<C extends InvokeChannel>(channel: C, payload: unknown): Parsed<ChannelRequest<C>>;
export function parseInvoke(channel: string, payload: unknown): Parsed<unknown>;
export function parseInvoke(channel: string, payload: unknown): Parsed<unknown> {
  return isInvokeChannel(channel) ? INVOKE[channel].parse(payload, channel) : unknownChannel(channel);
}

/** The channels a technician (or supervisor) session serves. */
export type TechnicianChannel = Extract<InvokeChannel, `technician/${string}` | `supervisor/${string}`>;
export const TECHNICIAN_CHANNELS = INVOKE_CHANNELS.filter((c): c is TechnicianChannel => c.startsWith('technician/') || c.startsWith('supervisor/'));

/**
 * Main's answer to one channel. `caller` names the connection the request
 * came on (a screen socket, a window): a technician session belongs to it.
 */
export type InvokeHandler<C extends InvokeChannel> = (request: ChannelRequest<C>, caller: string) => Promise<ChannelResponse<C>>;
/** A handler for every channel in `C`: one missing or of the wrong type does not compile. */
export type InvokeHandlers<C extends InvokeChannel = InvokeChannel> = { [K in C]: InvokeHandler<K> };

/**
 * Parses a request for its channel, then hands it to that channel's handler;
 * what a handler throws is the caller's to answer. Nothing of `handlers` is
 * touched before the request has parsed.
 */
export async function handleInvoke(handlers: InvokeHandlers, channel: string, payload: unknown, caller: string): Promise<InvokeResult<InvokeChannel>> {
  if (!isInvokeChannel(channel)) return unknownChannel(channel);
  return answer(handlers, channel, payload, caller);
}

async function answer<C extends InvokeChannel>(handlers: InvokeHandlers, channel: C, payload: unknown, caller: string): Promise<InvokeResult<C>> {
  const parsed = parseInvoke(channel, payload);
  if (!parsed.ok) return parsed;
  return { ok: true, value: await handlers[channel](parsed.value, caller) };
}

/**
 * A handler map for `channels` all served by one generic function: a
 * service that routes its own channels (and binds its own callers), or one
 * that is not there. Its completeness is checked where `handle` routes.
 */
export function handlersFor<C extends InvokeChannel>(
  channels: readonly C[],
  handle: <K extends C>(channel: K, request: ChannelRequest<K>, caller: string) => Promise<ChannelResponse<K>>,
): InvokeHandlers<C> {
  // Built from a list at run time, so the compiler cannot see it is complete; `channels` is.
  return Object.fromEntries(channels.map((c) => [c, (request: ChannelRequest<typeof c>, caller: string) => handle(c, request, caller)])) as InvokeHandlers<C>;
}

/** One main → renderer event: its payload, and the listener method the screen subscribes with. */
export interface EventSpec<Payload, Method extends string = string> {
  method: Method;
  /** Never set: carries the payload's type. */
  readonly payload?: Payload;
}

function event<Payload>() {
  return <const Method extends string>(method: Method): EventSpec<Payload, Method> => ({ method });
}

/** Main → renderer events: the table. */
const EVENTS = {
  'checkpoint/decided': event<CheckView>()('onDecided'),
  /** A part of a card in several QR codes from main's own scanners, held until the rest come (formats.md §3). */
  'scan/partial': event<PartialScanView>()('onPartial'),
  'status/changed': event<KioskStatus>()('onStatus'),
  'thermometer/reading': event<{ celsius: number; atMs: number; simulated: boolean }>()('onThermometer'),
  /** A technician changed a screen setting: it applies now, not at the next start. */
  'config/changed': event<ScreenConfig>()('onConfig'),
};

type Events = typeof EVENTS;
export type RendererChannel = keyof Events;
export type RendererChannels = { [E in RendererChannel]: Events[E] extends EventSpec<infer P, string> ? P : never };
export const RENDERER_CHANNELS = Object.keys(EVENTS) as readonly RendererChannel[];

type Call<C extends InvokeChannel> = (...args: ArgsOf<C>) => Promise<InvokeResult<C>>;
type Listen<E extends RendererChannel> = (listener: (payload: RendererChannels[E]) => void) => () => void;

/** What the renderer sees as `window.kiosk`, whichever shell carries it. */
export type KioskApi = { [C in InvokeChannel as MethodOf<C> extends `${string}.${string}` ? never : MethodOf<C>]: Call<C> } & {
  technician: { [C in InvokeChannel as MethodOf<C> extends `technician.${infer M}` ? M : never]: Call<C> };
} & {
  /** Each returns a function that unsubscribes. */
  [E in RendererChannel as Events[E]['method']]: Listen<E>;
};

/** How a shell carries the contract to main: ipcRenderer in the preload, a WebSocket in the browser. */
/**
 * What a shell carries between the screen and main: requests by channel name
 * (parsed and answered by main, never trusted as typed) and main's events.
 * `caller` names the connection (socket, window) a request came on: a
 * technician session belongs to the one that unlocked it.
 */
export interface KioskEndpoint {
  /** A transport passes the answer on as it is: main made it an InvokeResult. */
  invoke(channel: string, payload: unknown, caller: string): Promise<unknown>;
  subscribe(listener: <C extends RendererChannel>(channel: C, payload: RendererChannels[C]) => void): () => void;
}

export interface KioskTransport {
  invoke<C extends InvokeChannel>(channel: C, request: ChannelRequest<C>): Promise<InvokeResult<C>>;
  /** Returns a function that unsubscribes. */
  on<E extends RendererChannel>(event: E, listener: (payload: RendererChannels[E]) => void): () => void;
}

/** `window.kiosk` over a transport: one function per channel and per event, from the tables. */
export function makeKioskApi(transport: KioskTransport): KioskApi {
  const api: Record<string, unknown> = {};
  const place = (method: string, fn: unknown): void => {
    const [group, name] = method.includes('.') ? method.split('.', 2) : [null, method];
    const target = group === null ? api : ((api[group] ??= {}) as Record<string, unknown>);
    target[name!] = fn;
  };
  for (const c of INVOKE_CHANNELS) {
    const request = INVOKE[c].request as (...args: unknown[]) => ChannelRequest<typeof c>;
    place(INVOKE[c].method, (...args: unknown[]) => transport.invoke(c, request(...args)));
  }
  for (const e of RENDERER_CHANNELS) place(EVENTS[e].method, (listener: (payload: RendererChannels[typeof e]) => void) => transport.on(e, listener));
  // Assembled from the tables at run time; KioskApi is derived from the same tables.
  return api as KioskApi;
}
