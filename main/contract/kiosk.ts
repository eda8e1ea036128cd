// What main (which decides) hands the screen (which shows): the views and
// values the kiosk's channels carry. The channels themselves, one table,
// are in ipc.ts.
import type { CodeFormat, CredentialKind, HealthStatus, IssuerName } from './code.js';
import type { DeviceState } from './devices.js';
import type { RedactedKioskConfig } from './kiosk-config.js';
import type { ClockState } from './decision.js';
import type { Audience, Lang } from './messages.js';
import type { ReasonCode, Verdict } from './reasons.js';

/** Where a scanned text came from. */
export type ScanSource = 'camera' | 'wedge' | 'scanner';
export const SCAN_SOURCES: readonly ScanSource[] = ['camera', 'wedge', 'scanner'];

/** A reason as the screen shows it: its code, its verdict, its sentence in both languages. */
export interface ReasonView {
  code: ReasonCode;
  verdict: Verdict;
  message: Record<Lang, string>;
  /** Who can act on it: the traveller's reasons are shown to the traveller, staff's under a staff label. */
  audience: Audience;
  /** False where another reason of the same cause is shown instead (the check keeps every code). */
  shown: boolean;
}

/** One decided check, as the screen shows it. No key, no raw claim beyond what is displayed. */
export interface CheckView {
  checkId: string | null;
  atMs: number;
  verdict: Verdict;
  verdictWord: Record<Lang, string>;
  /** A review's or a refusal's one instruction, first on the screen (null for an admit). */
  action: Record<Lang, string> | null;
  reasons: ReasonView[];
  /** The format the text claimed: phc1, dcc, shc; null when none this kiosk knows. */
  format: CodeFormat | null;
  issuer: string | null;
  /** A province, a DCC's country, an SHC issuer: by name, never the birth date or the full name. */
  issuerName: IssuerName | null;
  status: HealthStatus | null;
  /** A DCC's or an SHC's kind, with its words ("Vaccination", "疫苗接种"); null for PHC1 and refusals. */
  credentialKind: CredentialKind | null;
  credentialKindWord: Record<Lang, string> | null;
  maskedName: string | null;
  issuerReason: string | null;
  /** The issuer's reason with its label, per language ("赋码原因：密接"). */
  issuerReasonLine: Record<Lang, string> | null;
  temperatureC: number | null;
  source: ScanSource;
  /** An admit the gate cannot open by itself (out of order, or free passage): what the traveller does instead. */
  gateNote?: Record<Lang, string> | null;
}

/**
 * One part of a SMART Health Card printed in several QR codes (formats.md
 * §3), held until every part is in: no verdict yet and nothing logged. The
 * screen says "part i of n" and which parts it still needs.
 */
export interface PartialScanView {
  partial: {
    /** The part just read, and how many the card has. */
    index: number;
    total: number;
    /** Parts read so far, and those still needed, ascending. */
    have: number[];
    missing: number[];
    /** When the parts held are given up (and the card checked as incomplete), and the kiosk's time now, ms: the screen waits the difference. */
    expiresAtMs: number;
    nowMs: number;
  };
  /** "Part 1 of 3 read. Scan the next part." per language. */
  message: Record<Lang, string>;
  source: ScanSource;
}

/** What a scan answers: a decided check, or a part of a card still being collected. */
export type ScanAnswer = CheckView | PartialScanView;

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
    /**
     * 'verified': the service's key was pinned at enrollment and a check is marked synced only on a receipt it
     * signed; 'unpinned': enrolled before receipts (or not at all), synced on the service's word: re-enroll.
     */
    receipts: 'verified' | 'unpinned';
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
  /** The gate the kiosk opens (issue 15); null when it drives none. */
  gate: GateStatus | null;
}

/** The gate as the status bar shows it (main/kiosk/gate-control.ts keeps it). */
export interface GateStatus {
  /** Free passage outranks out of order (the screen says free passage; `outOfOrder` still tells the technician). */
  gate: 'none' | 'ready' | 'open' | 'out-of-order' | 'free-passage';
  outOfOrder: boolean;
  /** Why it is out of order (the driver's detail or the failed call), else null. */
  detail: string | null;
  freePassage: { since: number; technician: string | null; input: boolean } | null;
  /** The passage sensor: 'none' without one. */
  sensor: DeviceState;
  /** Admits whose open waits for the traveller before. */
  queued: number;
  /** Admits waiting for their passage. */
  waiting: number;
  tailgatesToday: number;
  /** Admits nobody went through on (NOT_PASSED) today. */
  notPassedToday: number;
  /** The last NOT_PASSED since the kiosk started: the guard is told (the check it annuls, when it was admitted). */
  lastNotPassed: { checkId: string; admittedAtMs: number; atMs: number } | null;
  /** The passage sensor's last passage since start (the technician's live view). */
  lastPassageAtMs: number | null;
  /** The emergency input's level: 'none' without one, 'unknown' until it has reported. */
  emergencyInput: 'none' | 'unknown' | 'normal' | 'alarm';
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
  trust: {
    seq: number;
    iss: string;
    ageDays: number;
    expiresAt: string;
    issuers: string[];
    keys: { issuer: string; format: CodeFormat; kid: string; alg: string; validFrom: string | null; validUntil: string | null; revoked: boolean }[];
  } | null;
}

// The screen's own files take the API's type from here; its channels live in ipc.ts.
