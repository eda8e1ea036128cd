// SMART Health Cards from our own signer (main/issuer/shc-sign.ts): every
// reason, the numeric form's edges, the chunk collector on an injected
// clock, revocation, and what never leaves the verifier (formats.md §3).
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type Policy } from '../../main/contract/policy.js';
import type { ReasonCode, Verdict } from '../../main/contract/reasons.js';
import { decide } from '../../main/decide/decide.js';
import { newSigningKey, signBundle, type SigningKey } from '../../main/issuer/sign.js';
import { chunkShc, deflateShcPayload, newShcSigningKey, shcEntry, shcNumeric, signShc, signShcJws, immunizationCard, SHC_HEALTH_CARD as HEALTH_CARD } from '../../main/issuer/shc-sign.js';
import { readRootKeys } from '../../main/trust/trust-store.js';
import { verifyCode, type CodeVerification } from '../../main/verify/code.js';
import { joinShcChunks, parseShcChunk, ShcChunkCollector, SHC_CHUNK_WINDOW_MS } from '../../main/verify/formats/shc-chunks.js';
import { readShcEntry } from '../../main/verify/formats/shc-trust.js';
import { decodeShcNumeric, MAX_SHC_PAYLOAD_BYTES, verifyShc } from '../../main/verify/formats/shc.js';
import { BundleRefused, verifyBundle, type PinnedRoot, type TrustSnapshot } from '../../main/verify/trust.js';
import { lowSP256 } from '../../main/verify/signature.js';
import { decodeBase64url, encodeBase64url } from '../../main/verify/base64url.js';

/** The card's signature in its low-S form, which its pseudonym keys on (the twin of a card is the same holder). */
const lowS = (sig: string): string => encodeBase64url(lowSP256(decodeBase64url(sig)!));

const T0 = Date.UTC(2026, 10, 29, 8, 0, 0) / 1000;
const DAY = 86_400;
const ISS = 'https://health.example.org/issuer';
const OTHER_ISS = 'https://other.example.org';
const te = new TextEncoder();

let root: SigningKey;
let roots: PinnedRoot[];
let k1: SigningKey;
let k2: SigningKey;
let stranger: SigningKey;
let trust: TrustSnapshot;

const patient = { family: 'Anyperson', given: ['Johnathan', 'B.'], birthDate: '1951-01-20' };

function payload(over: Record<string, unknown> = {}, vcOver: Record<string, unknown> = {}): Record<string, unknown> {
  const card = immunizationCard({ iss: ISS, nbf: T0 - DAY, patient });
  return { ...card, vc: { ...(card.vc as Record<string, unknown>), ...vcOver }, ...over };
}

async function bundleOf(entries: Record<string, unknown>[]): Promise<TrustSnapshot> {
  const body = { iss: 'CN-NHC', seq: 1, iat: T0 - DAY, exp: T0 + 30 * DAY, issuers: entries };
  return verifyBundle(await signBundle(body, root), roots, { nowS: T0, installedSeq: null, allowExpired: false });
}

function judged(v: CodeVerification, nowS = T0): [Verdict, ReasonCode[]] {
  const d = decide(v, {
    nowS,
    policy: structuredClone(DEFAULT_POLICY) as Policy,
    temperatureC: 36.6,
    // The bundle's own age is not under test here.
    trust: { iat: nowS - DAY, exp: nowS + 30 * DAY },
    timeFloorS: null,
    lastAdmittedS: null,
  });
  return [d.verdict, d.reasons.map((r) => r.code)];
}

/** A card whose header and (uncompressed) payload bytes are given as is, truly signed. */
async function rawCard(header: Record<string, unknown>, payloadBytes: Uint8Array, key = k1): Promise<string> {
  return 'shc:/' + shcNumeric(await signShcJws(header, payloadBytes, key));
}
const hdr = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ zip: 'DEF', alg: 'ES256', kid: k1.kid, ...over });

beforeAll(async () => {
  root = await newSigningKey('ES256', 'root-test-shc');
  roots = await readRootKeys(JSON.stringify(root.publicJwk), 'test root');
  [k1, k2, stranger] = await Promise.all([newShcSigningKey(), newShcSigningKey(), newShcSigningKey()]);
  trust = await bundleOf([shcEntry({ iss: ISS, name: { zh: '示例', en: 'Example Health' }, keys: [k1, k2], crl: { [k1.kid]: ['bareRid', 'timedRid.' + T0] } })]);
});

describe('a good card', () => {
  it('verifies and is admitted, with the credential formats.md §3 describes', async () => {
    const text = await signShc(payload({ exp: T0 + 365 * DAY }, { rid: 'someRid' }), k1);
    const v = await verifyCode(text, trust);
    expect(v).toMatchObject({ outcome: 'verified', reasons: [], format: 'shc', issuer: ISS, kid: k1.kid, alg: 'ES256', issuerName: { en: 'Example Health' } });
    expect(v.credential).toEqual({
      format: 'shc',
      issuer: ISS,
      holderScope: `shc:${ISS}`,
      holderSubject: lowS(decodeShcNumeric(text)!.split('.')[2]!),
      status: 'green',
      issuedAt: T0 - DAY,
      notBefore: null,
      expires: T0 + 365 * DAY,
      testedAt: null,
      maskedName: 'A*',
      issuerReason: null,
      kind: 'immunization',
      dccType: null,
    });
    expect(judged(v)).toEqual(['admit', ['OK']]);
  });

  it('never returns the birth date, the full name or the given names', async () => {
    for (const text of [await signShc(payload(), k1), await signShc(payload(), stranger), await signShc(payload({ iss: OTHER_ISS }), k1)]) {
      const out = JSON.stringify(await verifyCode(text, trust));
      expect(out).not.toMatch(/1951|Anyperson|Johnathan|birthDate|"B\."/);
    }
  });

  it('a card without exp has expires null and does not expire', async () => {
    const v = await verifyCode(await signShc(payload(), k1), trust);
    expect(v.credential?.expires).toBeNull();
    expect(judged(v, T0 + 3650 * DAY)).toEqual(['admit', ['OK']]);
  });

  it.each([
    ['#laboratory type', { type: [HEALTH_CARD, 'https://smarthealth.cards#laboratory'] }, 'laboratory'],
    ['an Observation', { type: [HEALTH_CARD], credentialSubject: { fhirVersion: '4.0.1', fhirBundle: { entry: [{ resource: { resourceType: 'Observation' } }] } } }, 'laboratory'],
    ['an Immunization', { type: [HEALTH_CARD] }, 'immunization'],
    [
      'neither',
      {
        type: [HEALTH_CARD],
        credentialSubject: { fhirVersion: '4.0.1', fhirBundle: { entry: [{ resource: { resourceType: 'Patient', name: [{ family: patient.family }], birthDate: patient.birthDate } }] } },
      },
      null,
    ],
  ])('kind from %s', async (_label, vc, kind) => {
    const v = await verifyCode(await signShc(payload({}, vc), k1), trust);
    expect(v.outcome).toBe('verified');
    expect(v.credential?.kind).toBe(kind);
  });

  it('time is decide()’s: NOT_YET_VALID beyond the skew, EXPIRED at exp + skew', async () => {
    expect(judged(await verifyCode(await signShc(payload({ nbf: T0 + 61 }), k1), trust))).toEqual(['deny', ['NOT_YET_VALID']]);
    expect(judged(await verifyCode(await signShc(payload({ nbf: T0 + 60 }), k1), trust))).toEqual(['admit', ['OK']]);
    expect(judged(await verifyCode(await signShc(payload({ exp: T0 - 60 }), k1), trust))).toEqual(['deny', ['EXPIRED']]);
    expect(judged(await verifyCode(await signShc(payload({ exp: T0 - 59 }), k1), trust))).toEqual(['admit', ['OK']]);
  });
});

describe('every refusal', () => {
  it('UNKNOWN_ISSUER (review) for an iss no bundle lists, and with no bundle at all', async () => {
    const text = await signShc(payload({ iss: OTHER_ISS }), k1);
    const v = await verifyCode(text, trust);
    expect(v).toMatchObject({ outcome: 'unknown-issuer', reasons: ['UNKNOWN_ISSUER'], issuer: OTHER_ISS, issuerName: null });
    expect(judged(v)).toEqual(['review', ['UNKNOWN_ISSUER']]);
    expect((await verifyShc(await signShc(payload(), k1), null)).reasons).toEqual(['UNKNOWN_ISSUER']);
  });

  it('UNKNOWN_KEY for a kid the issuer does not list', async () => {
    expect(judged(await verifyCode(await signShc(payload(), stranger), trust))).toEqual(['deny', ['UNKNOWN_KEY']]);
  });

  it('BAD_SIGNATURE for a card signed by another key under a listed kid, and for a tampered payload', async () => {
    const forged = await rawCard(hdr(), deflateShcPayload(JSON.stringify(payload())), stranger);
    expect(judged(await verifyCode(forged, trust))).toEqual(['deny', ['BAD_SIGNATURE']]);
    const good = decodeShcNumeric(await signShc(payload(), k1))!;
    const [h, , s] = good.split('.');
    const other = decodeShcNumeric(await signShc(payload({ nbf: T0 - 2 * DAY }), k1))!.split('.')[1];
    expect(judged(await verifyCode('shc:/' + shcNumeric(`${h}.${other}.${s}`), trust))).toEqual(['deny', ['BAD_SIGNATURE']]);
  });

  it.each([['ES384'], ['none'], ['HS256'], [undefined]])('UNSUPPORTED_ALG for alg %s', async (alg) => {
    const text = await rawCard(hdr({ alg }), deflateShcPayload(JSON.stringify(payload())));
    expect(judged(await verifyCode(text, trust))).toEqual(['deny', ['UNSUPPORTED_ALG']]);
  });

  const MALFORMED_PAYLOADS: [string, () => Uint8Array][] = [
    ['a UTF-8 BOM before the JSON', () => deflateShcPayload(new Uint8Array([0xef, 0xbb, 0xbf, ...te.encode(JSON.stringify(payload()))]))],
    ['a trailing space', () => deflateShcPayload(JSON.stringify(payload()) + ' ')],
    ['a trailing newline', () => deflateShcPayload(JSON.stringify(payload()) + '\n')],
    ['trailing characters after the object', () => deflateShcPayload(JSON.stringify(payload()) + 'x')],
    ['zlib (RFC 1950), not raw DEFLATE', () => new Uint8Array(deflateSync(te.encode(JSON.stringify(payload()))))],
    ['not DEFLATE at all', () => te.encode('not deflate')],
    ['a JSON array', () => deflateShcPayload('[1]')],
    ['bad UTF-8', () => deflateShcPayload(new Uint8Array([0x7b, 0xff, 0x7d]))],
    ['a DEFLATE bomb over the cap', () => deflateShcPayload(`{"iss":"${ISS}","pad":"${'a'.repeat(MAX_SHC_PAYLOAD_BYTES)}"}`)],
    ['iss http', () => deflateShcPayload(JSON.stringify(payload({ iss: 'http://health.example.org' })))],
    ['iss not a URL', () => deflateShcPayload(JSON.stringify(payload({ iss: 'CN-ZJ' })))],
    ['no nbf', () => deflateShcPayload(JSON.stringify(payload({ nbf: undefined })))],
    ['nbf a string', () => deflateShcPayload(JSON.stringify(payload({ nbf: '1700000000' })))],
    ['nbf in milliseconds', () => deflateShcPayload(JSON.stringify(payload({ nbf: (T0 - DAY) * 1000 })))],
    ['exp before nbf', () => deflateShcPayload(JSON.stringify(payload({ exp: T0 - 2 * DAY })))],
    ['no #health-card type', () => deflateShcPayload(JSON.stringify(payload({}, { type: ['https://smarthealth.cards#immunization'] })))],
    ['no vc', () => deflateShcPayload(JSON.stringify(payload({ vc: undefined })))],
    ['no fhirVersion', () => deflateShcPayload(JSON.stringify(payload({}, { credentialSubject: { fhirBundle: {} } })))],
    ['no fhirBundle', () => deflateShcPayload(JSON.stringify(payload({}, { credentialSubject: { fhirVersion: '4.0.1' } })))],
    ['a rid that is not base64url', () => deflateShcPayload(JSON.stringify(payload({}, { rid: 'not/base64' })))],
  ];
  it.each(MALFORMED_PAYLOADS)('MALFORMED for %s', async (_label, bytes) => {
    const v = await verifyCode(await rawCard(hdr(), bytes()), trust);
    expect(judged(v)).toEqual(['deny', ['MALFORMED']]);
  });

  it.each([
    ['no zip', { zip: undefined }],
    ['zip other than DEF', { zip: 'GZIP' }],
    ['no kid', { kid: undefined }],
    ['an empty kid', { kid: '' }],
    ['a crit header', { crit: ['b64'], b64: false }],
  ])('MALFORMED for a header with %s', async (_label, over) => {
    const v = await verifyCode(await rawCard(hdr(over), deflateShcPayload(JSON.stringify(payload()))), trust);
    expect(judged(v)).toEqual(['deny', ['MALFORMED']]);
  });

  it('TOO_LARGE over 8,192 characters, before any decoding', async () => {
    expect((await verifyCode('shc:/' + '56'.repeat(4094), trust)).reasons).toEqual(['TOO_LARGE']);
  });

  it('never throws, whatever it is given', async () => {
    const good = await signShc(payload(), k1);
    const texts = ['shc:/', 'shc:/00', 'shc:/7777', 'shc:/' + '5'.repeat(100), good.slice(0, -2), good + '00', good.replace(/\d{2}$/, '77')];
    for (let i = 0; i < 200; i++) {
      const at = (i * 37) % (good.length - 6);
      texts.push(good.slice(0, 5 + at) + String((Number(good[5 + at]) + 1) % 10) + good.slice(6 + at));
    }
    for (const t of texts) {
      const v = await verifyShc(t, trust);
      expect(v.outcome).not.toBe('verified');
      expect(v.format).toBe('shc');
    }
  });
});

describe('the numeric form', () => {
  it('decodes pairs as value + 45, up to 77 ("z")', () => {
    expect(decodeShcNumeric('shc:/' + shcNumeric('-0Az_z'))).toBe('-0Az_z');
    expect(decodeShcNumeric('shc:/0077')).toBe('-z');
  });
  it.each([
    ['an odd count', 'shc:/567'],
    ['a pair 78', 'shc:/5678'],
    ['a pair 99', 'shc:/99'],
    ['no digits', 'shc:/'],
    ['a letter', 'shc:/56a7'],
    ['a space', 'shc:/56 76'],
    ['a chunk given as a card', 'shc:/1/2/5676'],
  ])('is MALFORMED for %s', async (_label, text) => {
    expect(decodeShcNumeric(text)).toBeNull();
    expect((await verifyShc(text, trust)).reasons).toEqual(['MALFORMED']);
  });
  it('a real card with its last pair raised to 78 is MALFORMED', async () => {
    const good = await signShc(payload(), k1);
    expect((await verifyShc(good.slice(0, -2) + '78', trust)).reasons).toEqual(['MALFORMED']);
    expect((await verifyShc(good.slice(0, -1), trust)).reasons).toEqual(['MALFORMED']);
  });
});

describe('revocation (formats.md §3)', () => {
  const card = (rid: string | undefined, nbf: number, key = k1): Promise<string> => signShc(payload({ nbf }, rid === undefined ? {} : { rid }), key);

  it('a bare rid is always revoked, after the signature verifies', async () => {
    expect(judged(await verifyCode(await card('bareRid', T0 - 100 * DAY), trust))).toEqual(['deny', ['REVOKED']]);
    expect(judged(await verifyCode(await card('bareRid', T0), trust))).toEqual(['deny', ['REVOKED']]);
    // A forgery naming a revoked rid is a bad signature, not a revocation.
    const forged = await rawCard(hdr(), deflateShcPayload(JSON.stringify(payload({}, { rid: 'bareRid' }))), stranger);
    expect((await verifyCode(forged, trust)).reasons).toEqual(['BAD_SIGNATURE']);
  });

  it('rid.timestamp revokes cards issued before the timestamp only', async () => {
    expect((await verifyCode(await card('timedRid', T0 - 1), trust)).reasons).toEqual(['REVOKED']);
    expect((await verifyCode(await card('timedRid', T0 - 0.001), trust)).reasons).toEqual(['REVOKED']);
    expect((await verifyCode(await card('timedRid', T0), trust)).outcome).toBe('verified');
    expect((await verifyCode(await card('timedRid', T0 + 1), trust)).outcome).toBe('verified');
  });

  it('the list is per key: the same rid under another kid is not revoked; a card without rid never is', async () => {
    expect((await verifyCode(await card('bareRid', T0 - DAY, k2), trust)).outcome).toBe('verified');
    expect((await verifyCode(await card(undefined, T0 - DAY), trust)).outcome).toBe('verified');
    expect((await verifyCode(await card('otherRid', T0 - DAY), trust)).outcome).toBe('verified');
  });
});

describe('chunks', () => {
  let card: string;
  let parts: string[];
  beforeAll(async () => {
    card = await signShc(payload({}, { rid: 'chunkedRid' }), k1);
    parts = chunkShc(card, 3);
  });

  it('chunkShc splits the JWS in nearly equal parts, each a chunk text', () => {
    expect(parts).toHaveLength(3);
    expect(parts.map((p) => parseShcChunk(p)?.index)).toEqual([1, 2, 3]);
    const sizes = parts.map((p) => parseShcChunk(p)!.body.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(2 * 2);
  });

  it('parseShcChunk refuses what is not a chunk', () => {
    for (const t of ['shc:/0/2/56', 'shc:/3/2/56', 'shc:/1/1/56', 'shc:/1/21/56', 'shc:/01/2/56', 'shc:/1/2/', 'shc:/1/2/567', 'shc:/1/2/5a', 'shc:/5676']) {
      expect(parseShcChunk(t)).toBeNull();
    }
    expect(parseShcChunk('shc:/2/20/5676')).toEqual({ index: 2, total: 20, body: '5676' });
  });

  it('joinShcChunks: any order gives the card; a repeated part counts once', async () => {
    for (const order of [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
      [2, 0, 1, 2],
    ]) {
      const j = joinShcChunks(order.map((i) => parts[i]!));
      expect(j).toEqual({ ok: true, text: card });
    }
    expect((await verifyCode(card, trust)).outcome).toBe('verified');
  });

  it('joinShcChunks names the missing parts, and refuses mixed or conflicting sets', async () => {
    expect(joinShcChunks([parts[2]!])).toEqual({ ok: false, missing: [1, 2], problem: 'incomplete' });
    expect(joinShcChunks([parts[0]!, '', parts[2]!])).toEqual({ ok: false, missing: [2], problem: 'incomplete' });
    const other = chunkShc(await signShc(payload(), k2), 2);
    expect(joinShcChunks([parts[0]!, other[1]!])).toMatchObject({ ok: false, problem: 'mixed-totals' });
    const otherThree = chunkShc(await signShc(payload({ nbf: T0 - 3 * DAY }), k1), 3);
    expect(joinShcChunks([parts[0]!, otherThree[0]!, parts[1]!, parts[2]!])).toMatchObject({ ok: false, problem: 'conflict' });
    expect(joinShcChunks([parts[0]!, card])).toMatchObject({ ok: false, problem: 'not-a-chunk' });
    expect(joinShcChunks([])).toMatchObject({ ok: false, problem: 'not-a-chunk' });
  });

  it('two cards of the same total, mixed, join but never verify', async () => {
    const otherThree = chunkShc(await signShc(payload({ nbf: T0 - 3 * DAY }), k1), 3);
    const j = joinShcChunks([parts[0]!, parts[1]!, otherThree[2]!]);
    expect(j.ok).toBe(true);
    expect((await verifyCode((j as { text: string }).text, trust)).outcome).toBe('refused');
  });

  describe('ShcChunkCollector, on an injected clock', () => {
    it('collects in any order and completes once, when all are in', () => {
      const c = new ShcChunkCollector();
      expect(c.add(parts[1]!, 0)).toEqual({ kind: 'partial', index: 2, total: 3, have: [2], missing: [1, 3], dropped: [] });
      expect(c.add(parts[1]!, 1_000)).toEqual({ kind: 'partial', index: 2, total: 3, have: [2], missing: [1, 3], dropped: [] });
      expect(c.add(parts[2]!, 2_000)).toMatchObject({ kind: 'partial', have: [2, 3], missing: [1] });
      expect(c.add(parts[0]!, 3_000)).toEqual({ kind: 'complete', total: 3, text: card, dropped: [] });
      expect(c.pending()).toBeNull();
    });

    it('a set older than 60 s is dropped: by expire(), and before the next part', () => {
      const c = new ShcChunkCollector();
      c.add(parts[0]!, 10_000);
      expect(c.expire(10_000 + SHC_CHUNK_WINDOW_MS)).toEqual([]);
      expect(c.expire(10_000 + SHC_CHUNK_WINDOW_MS + 1)).toEqual([{ total: 3, have: [1], why: 'expired' }]);
      expect(c.pending()).toBeNull();

      c.add(parts[0]!, 100_000);
      c.add(parts[1]!, 130_000);
      const late = c.add(parts[2]!, 100_000 + SHC_CHUNK_WINDOW_MS + 1);
      expect(late).toEqual({ kind: 'partial', index: 3, total: 3, have: [3], missing: [1, 2], dropped: [{ total: 3, have: [1, 2], why: 'expired' }] });
    });

    it('the window runs from the first part: all three within 60 s complete', () => {
      const c = new ShcChunkCollector();
      c.add(parts[2]!, 0);
      c.add(parts[0]!, 30_000);
      expect(c.add(parts[1]!, SHC_CHUNK_WINDOW_MS)).toMatchObject({ kind: 'complete', text: card });
    });

    it('a part of another total starts a new set', async () => {
      const other = chunkShc(await signShc(payload(), k2), 2);
      const c = new ShcChunkCollector();
      c.add(parts[0]!, 0);
      expect(c.add(other[1]!, 1_000)).toMatchObject({ kind: 'partial', total: 2, have: [2], dropped: [{ total: 3, have: [1], why: 'replaced' }] });
      expect(c.add(other[0]!, 2_000)).toMatchObject({ kind: 'complete', total: 2 });
    });

    it('the same part with other digits is a conflict: the set is discarded', async () => {
      const otherThree = chunkShc(await signShc(payload({ nbf: T0 - 3 * DAY }), k1), 3);
      const c = new ShcChunkCollector();
      c.add(parts[0]!, 0);
      c.add(parts[1]!, 1_000);
      expect(c.add(otherThree[1]!, 2_000)).toEqual({ kind: 'conflict', index: 2, total: 3, dropped: [{ total: 3, have: [1, 2], why: 'conflict' }] });
      expect(c.pending()).toBeNull();
    });

    it('a text that is not a chunk changes nothing', () => {
      const c = new ShcChunkCollector();
      c.add(parts[0]!, 0);
      expect(c.add('shc:/3/2/5676', 1_000)).toEqual({ kind: 'malformed', dropped: [] });
      expect(c.pending()).toEqual({ total: 3, have: [1], missing: [2, 3] });
    });
  });
});

describe('the bundle entry (readShcEntry)', () => {
  const where = 'issuers[4]';
  async function problem(entry: Record<string, unknown>): Promise<[string, string] | null> {
    try {
      await readShcEntry(entry, where);
      return null;
    } catch (err) {
      expect(err).toBeInstanceOf(BundleRefused);
      expect((err as Error).message.startsWith(where)).toBe(true);
      return [(err as BundleRefused).problem, (err as Error).message];
    }
  }
  const entry = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ ...shcEntry({ iss: ISS, keys: [k1] }), ...over });

  it('reads the info trust show lists', async () => {
    const e = await readShcEntry(shcEntry({ iss: ISS, keys: [k1, k2], crl: { [k1.kid]: ['a', 'b.5'], [k2.kid]: [] } }), where);
    expect(e.info).toEqual({
      id: ISS,
      format: 'shc',
      name: { zh: ISS, en: ISS },
      keys: [k1, k2].map((k) => ({ kid: k.kid, alg: 'ES256', nbf: null, exp: null })),
      revoked: [],
      revokedCards: 2,
    });
    expect(e.issuer.crl.get(k1.kid)).toEqual([
      { rid: 'a', before: null },
      { rid: 'b', before: 5 },
    ]);
  });

  it.each([
    ['an http id', { id: 'http://health.example.org' }, 'malformed'],
    ['an id that is not a URL', { id: 'CN-ZJ' }, 'malformed'],
    ['no keys', { keys: [] }, 'malformed'],
    ['keys not a list', { keys: 'x' }, 'malformed'],
    ['a name without en', { name: { zh: '示例' } }, 'malformed'],
    ['a crl naming an unlisted kid', { crl: { other: ['a'] } }, 'malformed'],
    ['a crl that is a list', { crl: ['a'] }, 'malformed'],
  ])('refuses %s', async (_label, over, p) => {
    expect((await problem(entry(over)))?.[0]).toBe(p);
  });

  it('refuses a private key, an Ed25519 key, a kid that is not the thumbprint, a duplicate', async () => {
    const { exportJWK } = await import('jose');
    const priv = { ...(await exportJWK(k1.privateKey)), kid: k1.kid };
    expect(await problem(entry({ keys: [priv] }))).toEqual(['private-key', expect.stringContaining('private key material (d)')]);
    const ed = await newSigningKey('EdDSA', 'ed');
    expect((await problem(entry({ keys: [ed.publicJwk] })))?.[0]).toBe('bad-key');
    expect(await problem(entry({ keys: [{ ...k1.publicJwk, kid: k2.kid }] }))).toEqual(['bad-key', expect.stringContaining(`thumbprint is ${k1.kid}`)]);
    expect(await problem(entry({ keys: [k1.publicJwk, k1.publicJwk] }))).toEqual(['malformed', expect.stringContaining('twice')]);
    expect((await problem(entry({ keys: [{ ...k1.publicJwk, kid: undefined }] })))?.[0]).toBe('malformed');
  });

  it.each([
    ['a non-base64url rid', ['bad/rid']],
    ['a rid over 24 characters', ['a'.repeat(25)]],
    ['a timestamp that is not a number', ['rid.soon']],
    ['a rid listed bare and timed', ['rid', 'rid.5']],
    ['a rid listed twice', ['rid.5', 'rid.6']],
    ['a number', [5]],
  ])('refuses a crl with %s', async (_label, items) => {
    expect(await problem(entry({ crl: { [k1.kid]: items } }))).toEqual(['malformed', expect.stringContaining(`crl["${k1.kid}"]`)]);
  });

  it('goes through verifyBundle, where an entry is refused with its place named', async () => {
    await expect(bundleOf([entry({ keys: [{ ...k1.publicJwk, kid: 'wrong' }] })])).rejects.toThrow(/^issuers\[0\] \(https:\/\/health\.example\.org\/issuer\) keys\[0\]/);
    await expect(bundleOf([entry(), entry()])).rejects.toThrow(/listed twice/);
  });
});
