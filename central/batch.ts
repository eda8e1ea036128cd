// What a kiosk posts to /v1/checks (spec §6), read strictly before anything
// is stored: a compact JWS (typ phc-sync+jwt, ES256, kid = the device id)
// over {"device","batch","checks":[…]} and, beside the checks, the kiosk's
// audit events (the `events` extension main/sync/sync-client.ts sends).
// Only the members named here are kept, so nothing a kiosk should not have
// sent (a QR text, a name) can reach the store by riding along.
import { isJsonObject, parseJsonObject, splitCompact, type CompactParts } from '../main/verify/jws.js';
import { parseKioskSyncStatus, type KioskSyncStatus } from '../main/contract/sync-status.js';
import { readChainHead, type ChainHead } from './alerts.js';
import { Refused } from './refused.js';
import { HOLDER_PSEUDONYM, WIRE_CHECK_TEXT_MAX, storableText, type SyncedCheck, type SyncedEvent } from '../main/contract/sync-wire.js';
import { decodeBase64urlNative } from './base64url.js';

export const SYNC_TYP = 'phc-sync+jwt';
/** Spec §6: at most 500 checks in a batch. */
export const MAX_CHECKS_PER_BATCH = 500;
/** The kiosk sends at most 100 events a request; room is left for a later kiosk. */
export const MAX_EVENTS_PER_BATCH = 500;
/** An event's detail (old and new settings and the like), as JSON. */
export const MAX_EVENT_DETAIL_CHARS = 64 * 1024;
/** Nesting in an event's detail: settings are a few levels deep; JSON.stringify itself fails near 10,000. */
export const MAX_EVENT_DETAIL_DEPTH = 32;
/** policy_version is an integer column (int4). */
const MAX_POLICY_VERSION = 2_147_483_647;

/**
 * One check as stored: the wire fields of spec §6 (main/contract/sync-wire.ts),
 * nothing else; a policy version and clock state may be absent (null) from
 * a kiosk that did not send them.
 */
export type WireCheck = Omit<SyncedCheck, 'policyVersion' | 'clockState'> & { policyVersion: number | null; clockState: string | null };

/** One event as stored: its detail is always a JSON object here. */
export type WireEvent = Omit<SyncedEvent, 'detail'> & { detail: Record<string, unknown> };

/**
 * A check or event the service did not store and says why: listed in
 * neither accepted nor duplicate, so the kiosk keeps it and sends it again
 * (spec §6: "the service may take part of a batch"). One bad check never
 * stops the rest of its kiosk's log from reaching the service.
 */
export interface HeldBack {
  /** Its id, when it carried a readable one (null: the kiosk cannot be told which). */
  id: string | null;
  kind: 'check' | 'event';
  reason: string;
}

export interface SyncBatch {
  device: string;
  batch: string;
  checks: WireCheck[];
  events: WireEvent[];
  /** What was read but will not be stored (the store adds checks from the future). */
  held: HeldBack[];
  /** The kiosk's log chain head (central/alerts.ts); null when it sent none, or none readable (ignored, never refused). */
  chain?: ChainHead | null;
  /** The kiosk's status (main/contract/sync-status.ts); null when it sent none, or an invalid one (ignored, never refused). */
  status?: KioskSyncStatus | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ID = /^[A-Za-z0-9._:-]{1,64}$/;
const REASON = /^[A-Za-z0-9_.-]{1,64}$/;
const VERDICTS = new Set(['admit', 'review', 'deny']);
/** Checks and events are stored by the time they carry; these are the times a partition can be made for. */
const EARLIEST_MS = Date.UTC(2000, 0, 1);
const LATEST_MS = Date.UTC(2100, 0, 1);

const malformed = (message: string): Refused => new Refused(400, 'malformed', message);

/** The JWS taken apart and its header checked: the device it names, and what its signature covers. */
export function readSyncJws(body: string): { kid: string; parts: CompactParts } {
  const parts = splitCompact(body.trim(), decodeBase64urlNative);
  if (!parts) throw malformed('the body is not a compact JWS');
  const { header } = parts;
  for (const member of Object.keys(header)) {
    if (member !== 'alg' && member !== 'kid' && member !== 'typ') throw malformed(`the JWS header carries "${member}"; only alg, kid and typ are allowed`);
  }
  if (header.typ !== SYNC_TYP) throw malformed(`the JWS typ must be ${SYNC_TYP}`);
  if (header.alg !== 'ES256') throw malformed('the JWS alg must be ES256');
  if (typeof header.kid !== 'string' || !ID.test(header.kid)) throw malformed('the JWS kid must be the device id');
  return { kid: header.kid, parts };
}

/** Text as PostgreSQL can keep it: a NUL or a lone surrogate (which it would refuse, failing the whole batch) becomes U+FFFD. */
function text(value: unknown, where: string, max: number, opts: { nullable: boolean }): string | null {
  if (value === undefined || value === null) {
    if (opts.nullable) return null;
    throw malformed(`${where} is missing`);
  }
  if (typeof value !== 'string' || value.length > max) throw malformed(`${where} must be text of at most ${max} characters`);
  return storableText(value);
}

/** The form a kiosk writes (toISOString), hours 00–23: kept as sent when its day exists. */
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

function time(value: unknown, where: string): string {
  const ms = typeof value === 'string' && value.length <= 40 ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw malformed(`${where} must be an ISO-8601 time`);
  if (ms < EARLIEST_MS || ms >= LATEST_MS) throw malformed(`${where} (${String(value)}) is outside the years 2000 to 2099`);
  // Writing every time out again was 5.7% of a service's CPU; the kiosk's own form needs it only
  // when V8 rolled a day that does not exist (02-30 reads as 03-02) over.
  const text = value as string;
  if (CANONICAL_TIME.test(text) && new Date(ms).getUTCDate() === Number(text.slice(8, 10))) return text;
  return new Date(ms).toISOString();
}

function integer(value: unknown, where: string, max = Number.MAX_SAFE_INTEGER): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) throw malformed(`${where} must be a whole number up to ${max}`);
  return value;
}

/**
 * The holder's pseudonym exactly as the kiosk makes it, nothing else: no
 * name or raw subject a broken kiosk might send is kept, and no text a
 * spreadsheet would run as a formula reaches an export for authorities.
 */
function holder(value: unknown, where: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !HOLDER_PSEUDONYM.test(value)) throw malformed(`${where} must be the kiosk's keyed pseudonym (43 base64url characters)`);
  return value;
}

/** A detail's value with its text made storable; undefined past the depth bound (refused by the caller as not an object). */
function storableJson(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_EVENT_DETAIL_DEPTH) return undefined;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) {
      const clean = storableJson(v, depth + 1);
      if (clean === undefined) return undefined;
      out.push(clean);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const clean = storableJson(v, depth + 1);
    if (clean === undefined) return undefined;
    out[storableText(k)] = clean;
  }
  return out;
}

/** The id a malformed check or event carried, when it is one the kiosk would know it by. */
function idOf(raw: unknown, member: 'checkId' | 'eventId'): string | null {
  if (!isJsonObject(raw)) return null;
  const id = raw[member];
  return typeof id === 'string' && ID.test(id) ? id : null;
}

/** Reads each item; one that does not read is held back with why, and the rest go on. */
function readEach<T>(list: unknown[], read: (raw: unknown, where: string) => T, kind: HeldBack['kind'], held: HeldBack[]): T[] {
  const out: T[] = [];
  const member = kind === 'check' ? 'checkId' : 'eventId';
  const name = kind === 'check' ? 'checks' : 'events';
  for (let i = 0; i < list.length; i++) {
    try {
      out.push(read(list[i], `${name}[${i}]`));
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      held.push({ id: idOf(list[i], member), kind, reason: err.message });
    }
  }
  return out;
}

export function readCheck(raw: unknown, where: string): WireCheck {
  if (!isJsonObject(raw)) throw malformed(`${where} is not an object`);
  const M = WIRE_CHECK_TEXT_MAX;
  const checkId = text(raw.checkId, `${where}.checkId`, M.checkId, { nullable: false })!;
  if (!ID.test(checkId)) throw malformed(`${where}.checkId must be an id such as a UUID`);
  if (typeof raw.verdict !== 'string' || !VERDICTS.has(raw.verdict)) throw malformed(`${where}.verdict must be admit, review or deny`);
  if (!Array.isArray(raw.reasons) || raw.reasons.length > 64 || !raw.reasons.every((r) => typeof r === 'string' && REASON.test(r))) {
    throw malformed(`${where}.reasons must be a list of reason codes`);
  }
  const t = raw.temperatureC;
  if (t !== undefined && t !== null && (typeof t !== 'number' || !Number.isFinite(t) || Math.abs(t) > 1000)) throw malformed(`${where}.temperatureC must be a number of degrees`);
  return {
    checkId,
    at: time(raw.at, `${where}.at`),
    verdict: raw.verdict as WireCheck['verdict'],
    reasons: raw.reasons as string[],
    format: text(raw.format, `${where}.format`, M.format, { nullable: true }),
    issuer: text(raw.issuer, `${where}.issuer`, M.issuer, { nullable: true }),
    status: text(raw.status, `${where}.status`, M.status, { nullable: true }),
    kid: text(raw.kid, `${where}.kid`, M.kid, { nullable: true }),
    temperatureC: (t as number | null | undefined) ?? null,
    bundleSeq: integer(raw.bundleSeq, `${where}.bundleSeq`),
    policyVersion: integer(raw.policyVersion, `${where}.policyVersion`, MAX_POLICY_VERSION),
    clockState: text(raw.clockState, `${where}.clockState`, M.clockState, { nullable: true }),
    holder: holder(raw.holder, `${where}.holder`),
  };
}

export function readEvent(raw: unknown, where: string): WireEvent {
  if (!isJsonObject(raw)) throw malformed(`${where} is not an object`);
  const eventId = text(raw.eventId, `${where}.eventId`, 64, { nullable: false })!;
  if (!ID.test(eventId)) throw malformed(`${where}.eventId must be an id such as a UUID`);
  const detail = raw.detail === undefined || raw.detail === null ? {} : storableJson(raw.detail, 0);
  if (!isJsonObject(detail) || JSON.stringify(detail).length > MAX_EVENT_DETAIL_CHARS) {
    throw malformed(`${where}.detail must be an object of at most ${MAX_EVENT_DETAIL_CHARS} characters, nested at most ${MAX_EVENT_DETAIL_DEPTH} deep`);
  }
  return {
    eventId,
    at: time(raw.at, `${where}.at`),
    type: text(raw.type, `${where}.type`, 64, { nullable: false })!,
    actor: text(raw.actor, `${where}.actor`, 128, { nullable: false })!,
    detail,
  };
}

/** The signed payload read, for the device the header named (its signature already verified). */
export function readSyncPayload(bytes: Uint8Array, kid: string): SyncBatch {
  const doc = parseJsonObject(bytes);
  if (!doc) throw malformed('the JWS payload is not a JSON object');
  if (doc.device !== kid) throw malformed("the payload's device is not the device whose key signed it");
  if (typeof doc.batch !== 'string' || !UUID.test(doc.batch)) throw malformed('the payload batch must be a UUID');
  if (!Array.isArray(doc.checks)) throw malformed('the payload has no checks list');
  if (doc.checks.length > MAX_CHECKS_PER_BATCH) {
    throw new Refused(413, 'batch-too-large', `a batch carries at most ${MAX_CHECKS_PER_BATCH} checks (spec §6); this one has ${doc.checks.length}`);
  }
  const events = doc.events ?? [];
  if (!Array.isArray(events)) throw malformed('the payload events must be a list');
  if (events.length > MAX_EVENTS_PER_BATCH) throw new Refused(413, 'batch-too-large', `a batch carries at most ${MAX_EVENTS_PER_BATCH} events; this one has ${events.length}`);
  const held: HeldBack[] = [];
  return {
    device: kid,
    batch: doc.batch.toLowerCase(),
    checks: readEach(doc.checks, readCheck, 'check', held),
    events: readEach(events, readEvent, 'event', held),
    held,
    chain: readChainHead(doc.chain),
    status: parseKioskSyncStatus(doc.status),
  };
}
