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
import type { SyncedCheck, SyncedEvent } from '../main/contract/sync-wire.js';
import { decodeBase64urlNative } from './base64url.js';

export const SYNC_TYP = 'phc-sync+jwt';
/** Spec §6: at most 500 checks in a batch. */
export const MAX_CHECKS_PER_BATCH = 500;
/** The kiosk sends at most 100 events a request; room is left for a later kiosk. */
export const MAX_EVENTS_PER_BATCH = 500;
/** An event's detail (old and new settings and the like), as JSON. */
export const MAX_EVENT_DETAIL_CHARS = 64 * 1024;

/**
 * One check as stored: the wire fields of spec §6 (main/contract/sync-wire.ts),
 * nothing else; a policy version and clock state may be absent (null) from
 * a kiosk that did not send them.
 */
export type WireCheck = Omit<SyncedCheck, 'policyVersion' | 'clockState'> & { policyVersion: number | null; clockState: string | null };

/** One event as stored: its detail is always a JSON object here. */
export type WireEvent = Omit<SyncedEvent, 'detail'> & { detail: Record<string, unknown> };

export interface SyncBatch {
  device: string;
  batch: string;
  checks: WireCheck[];
  events: WireEvent[];
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

function text(value: unknown, where: string, max: number, opts: { nullable: boolean }): string | null {
  if (value === undefined || value === null) {
    if (opts.nullable) return null;
    throw malformed(`${where} is missing`);
  }
  if (typeof value !== 'string' || value.length > max) throw malformed(`${where} must be text of at most ${max} characters`);
  return value;
}

function time(value: unknown, where: string): string {
  const ms = typeof value === 'string' && value.length <= 40 ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw malformed(`${where} must be an ISO-8601 time`);
  if (ms < EARLIEST_MS || ms >= LATEST_MS) throw malformed(`${where} (${String(value)}) is outside the years 2000 to 2099`);
  return new Date(ms).toISOString();
}

function integer(value: unknown, where: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw malformed(`${where} must be a whole number`);
  return value;
}

export function readCheck(raw: unknown, where: string): WireCheck {
  if (!isJsonObject(raw)) throw malformed(`${where} is not an object`);
  const checkId = text(raw.checkId, `${where}.checkId`, 64, { nullable: false })!;
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
    format: text(raw.format, `${where}.format`, 16, { nullable: true }),
    issuer: text(raw.issuer, `${where}.issuer`, 512, { nullable: true }),
    status: text(raw.status, `${where}.status`, 32, { nullable: true }),
    kid: text(raw.kid, `${where}.kid`, 256, { nullable: true }),
    temperatureC: (t as number | null | undefined) ?? null,
    bundleSeq: integer(raw.bundleSeq, `${where}.bundleSeq`),
    policyVersion: integer(raw.policyVersion, `${where}.policyVersion`),
    clockState: text(raw.clockState, `${where}.clockState`, 32, { nullable: true }),
    holder: text(raw.holder, `${where}.holder`, 128, { nullable: true }),
  };
}

export function readEvent(raw: unknown, where: string): WireEvent {
  if (!isJsonObject(raw)) throw malformed(`${where} is not an object`);
  const eventId = text(raw.eventId, `${where}.eventId`, 64, { nullable: false })!;
  if (!ID.test(eventId)) throw malformed(`${where}.eventId must be an id such as a UUID`);
  const detail = raw.detail === undefined || raw.detail === null ? {} : raw.detail;
  if (!isJsonObject(detail) || JSON.stringify(detail).length > MAX_EVENT_DETAIL_CHARS) throw malformed(`${where}.detail must be an object of at most ${MAX_EVENT_DETAIL_CHARS} characters`);
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
  return {
    device: kid,
    batch: doc.batch.toLowerCase(),
    checks: doc.checks.map((c, i) => readCheck(c, `checks[${i}]`)),
    events: events.map((e, i) => readEvent(e, `events[${i}]`)),
    chain: readChainHead(doc.chain),
    status: parseKioskSyncStatus(doc.status),
  };
}
