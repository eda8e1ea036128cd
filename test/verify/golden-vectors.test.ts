// Golden vectors: one case (at least) per reason code and per attack class,
// through verifyCode then decide, with a pinned clock. Fixtures are made from
// keys generated at test time (test/fixtures/world.ts).
import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type Policy } from '../../main/contract/policy.js';
import { REASON_CODES, type ReasonCode, type Verdict } from '../../main/contract/reasons.js';
import type { Decision } from '../../main/contract/decision.js';
import { decide, type CheckCircumstances } from '../../main/decide/decide.js';
import { decodeBase64url, encodeBase64url } from '../../main/verify/base64url.js';
import { verifyCode, type CodeVerification } from '../../main/verify/code.js';
import { newSigningKey, signBundle, signCode } from '../../main/issuer/sign.js';
import { verifyBundle, type TrustSnapshot } from '../../main/verify/trust.js';
import { T0, DAY, b64json, claims, code, makeWorld, rawCode, type World } from '../fixtures/world.js';

let w: World;
beforeAll(async () => {
  w = await makeWorld();
});

interface Judge {
  policy?: Partial<Policy>;
  temp?: number | null;
  nowS?: number;
  trust?: TrustSnapshot | null;
  floorS?: number | null;
  lastAdmittedS?: number | null;
}

async function judge(text: string, j: Judge = {}): Promise<Decision & { v: CodeVerification }> {
  const trust = j.trust === undefined ? w.trust : j.trust;
  const v = await verifyCode(text, trust);
  const c: CheckCircumstances = {
    nowS: j.nowS ?? T0,
    policy: { ...structuredClone(DEFAULT_POLICY), ...j.policy } as Policy,
    temperatureC: j.temp === undefined ? 36.6 : j.temp,
    trust: trust ? { iat: trust.info.iat, exp: trust.info.exp } : null,
    timeFloorS: j.floorS ?? null,
    lastAdmittedS: j.lastAdmittedS ?? null,
  };
  return { ...decide(v, c), v };
}

const codes = (d: Decision): ReasonCode[] => d.reasons.map((r) => r.code);

async function expectOnly(text: string, verdict: Verdict, reason: ReasonCode, j?: Judge): Promise<void> {
  const d = await judge(text, j);
  expect({ verdict: d.verdict, reasons: codes(d) }).toEqual({ verdict, reasons: [reason] });
}

/** P1363 r||s → ASN.1 DER, the form some signers emit by mistake. */
function derOf(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array): number[] => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = [...b.slice(i)];
    return v[0]! & 0x80 ? [0, ...v] : v;
  };
  const r = int(raw.slice(0, 32));
  const s = int(raw.slice(32));
  const body = [0x02, r.length, ...r, 0x02, s.length, ...s];
  return new Uint8Array([0x30, body.length, ...body]);
}

function segments(text: string): [string, string, string] {
  return text.slice('PHC1:'.length).split('.') as [string, string, string];
}

const reasonsSeen = new Set<ReasonCode>();
async function seen(text: string, j?: Judge): Promise<Decision & { v: CodeVerification }> {
  const d = await judge(text, j);
  for (const r of codes(d)) reasonsSeen.add(r);
  return d;
}

describe('admit', () => {
  it('OK for a fresh green ES256 code, sole reason', async () => {
    const d = await seen(await code(w.zj));
    expect(d).toMatchObject({ verdict: 'admit', reasons: [{ code: 'OK', verdict: 'admit' }] });
    expect(d.v).toMatchObject({ outcome: 'verified', issuer: 'CN-ZJ', kid: 'zj-2026-1', alg: 'ES256', issuerName: { en: 'Zhejiang' } });
  });
  it('OK for a fresh green EdDSA code', async () => {
    await expectOnly(await code(w.gd, { iss: 'CN-GD' }), 'admit', 'OK');
  });
  it('unknown claims are ignored', async () => {
    await expectOnly(await code(w.zj, { extra: { nested: true }, vac: 3, nat: T0 - DAY }), 'admit', 'OK');
  });
});

describe('not a PHC1 code', () => {
  it.each([
    ['a URL', 'https://example.com/pay?id=1'],
    ['a payment code', '281234567890123456'],
    ['lower-case prefix', 'phc1:eyJhbGciOiJFUzI1NiJ9.e30.AA'],
    ['empty text', ''],
    ['leading space', ' PHC1:abc.def.ghi'],
  ])('NOT_PHC for %s', async (_label, text) => {
    await expectOnly(text, 'deny', 'NOT_PHC');
    await seen(text);
  });
});

describe('size cap before any decoding', () => {
  it('TOO_LARGE for 2049 characters, even when it would otherwise be valid', async () => {
    const valid = await code(w.zj);
    const text = valid + 'x'.repeat(2049 - valid.length);
    expect(text.length).toBe(2049);
    await expectOnly(text, 'deny', 'TOO_LARGE');
    await seen(text);
  });
  it('TOO_LARGE for a megabyte, whatever it starts with', async () => {
    await expectOnly('PHC1:' + 'A'.repeat(1_000_000), 'deny', 'TOO_LARGE');
    await expectOnly('https://' + 'a'.repeat(9000), 'deny', 'TOO_LARGE');
  });
  it('a PHC1 code keeps its own cap of 2,048 under the 8,192 of every format (formats.md §1)', async () => {
    await expectOnly('PHC1:' + 'A'.repeat(3000), 'deny', 'TOO_LARGE');
    await expectOnly('https://' + 'a'.repeat(5000), 'deny', 'NOT_PHC');
  });
  it('2048 characters is not too large', async () => {
    const d = await judge('PHC1:' + 'A'.repeat(2043));
    expect(codes(d)).toEqual(['MALFORMED']);
  });
  it('a long but legitimate code within the cap verifies', async () => {
    const text = await code(w.zj, { rsn: '长'.repeat(120), nm: '张'.repeat(32), sub: 's'.repeat(64) });
    expect(text.length).toBeLessThanOrEqual(2048);
    await expectOnly(text, 'admit', 'OK');
  });
});

describe('MALFORMED: shape, encoding, claims', () => {
  it('structural damage', async () => {
    const good = await code(w.zj);
    const [h, p, s] = segments(good);
    const cases: [string, string][] = [
      ['prefix only', 'PHC1:'],
      ['one segment', 'PHC1:' + h],
      ['two segments', `PHC1:${h}.${p}`],
      ['four segments', `PHC1:${h}.${p}.${s}.${s}`],
      ['detached payload', `PHC1:${h}..${s}`],
      ['empty header', `PHC1:.${p}.${s}`],
      ['base64 padding', `PHC1:${h}.${p}.${s}==`],
      ['padding inside', `PHC1:${h}=.${p}.${s}`],
      ['standard base64 alphabet', `PHC1:${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}${s.includes('-') || s.includes('_') ? '' : '+'}`],
      ['a stray space', `PHC1:${h}.${p} .${s}`],
      ['a trailing newline', `${good}\n`],
      ['a trailing NUL', `${good}\u0000`],
      ['non-ASCII in a segment', `PHC1:${h}.${p}é.${s}`],
      ['impossible base64 length', `PHC1:${h}.${p}.${s}AAA`],
      ['header is not JSON', `PHC1:${b64json('alg=ES256')}.${p}.${s}`],
      ['header is a JSON array', `PHC1:${b64json(['ES256'])}.${p}.${s}`],
      ['header is JSON null', `PHC1:${b64json('null')}.${p}.${s}`],
    ];
    for (const [label, text] of cases) {
      const d = await seen(text);
      expect(codes(d), label).toEqual(['MALFORMED']);
      expect(d.verdict, label).toBe('deny');
    }
  });

  it('non-canonical base64url (stray trailing bits) is refused, not silently decoded', async () => {
    const good = await code(w.zj);
    const [h, p, s] = segments(good);
    // 64 bytes → 86 chars; the last char carries 4 unused bits.
    const last = s[s.length - 1]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) ^ 1]!;
    const text = `PHC1:${h}.${p}.${s.slice(0, -1)}${twin}`;
    expect(decodeBase64url(s.slice(0, -1) + twin)).toBeNull();
    await expectOnly(text, 'deny', 'MALFORMED');
  });

  it('payload not JSON, not an object, not UTF-8', async () => {
    const hdr = { alg: 'ES256', kid: 'zj-2026-1', typ: 'phc+jwt' };
    for (const payload of ['not json', '[1,2,3]', '"a string"', '42']) {
      await expectOnly(await rawCode(hdr, payload, w.zj), 'deny', 'MALFORMED');
    }
    const badUtf8 = `PHC1:${b64json(hdr)}.${encodeBase64url(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))}.${'A'.repeat(86)}`;
    await expectOnly(badUtf8, 'deny', 'MALFORMED');
  });

  it.each([
    ['iss missing', { iss: undefined }],
    ['sub missing', { sub: undefined }],
    ['st missing', { st: undefined }],
    ['iat missing', { iat: undefined }],
    ['exp missing', { exp: undefined }],
    ['iss a number', { iss: 86 }],
    ['iss with a space', { iss: 'CN ZJ' }],
    ['iss empty', { iss: '' }],
    ['sub empty', { sub: '' }],
    ['sub 65 characters', { sub: 's'.repeat(65) }],
    ['sub a number', { sub: 12345 }],
    ['st blue', { st: 'blue' }],
    ['st upper case', { st: 'GREEN' }],
    ['iat a string', { iat: String(T0) }],
    ['exp a string', { exp: '2099-01-01' }],
    ['exp equal to iat', { exp: T0 - 30 }],
    ['exp before iat', { exp: T0 - 60 }],
    ['nbf a string', { nbf: 'soon' }],
    ['nm 33 characters', { nm: '张'.repeat(33) }],
    ['nm a number', { nm: 7 }],
    ['rsn 121 characters', { rsn: 'r'.repeat(121) }],
    ['nat a string', { nat: 'yesterday' }],
    ['vac 10', { vac: 10 }],
    ['vac -1', { vac: -1 }],
    ['vac 1.5', { vac: 1.5 }],
    ['vac a string', { vac: '2' }],
    ['iat NaN-like null', { iat: null }],
  ])('MALFORMED when %s (a genuine signature does not save it)', async (_label, over) => {
    const body = claims(over);
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    const d = await seen(await signCode(body, w.zj));
    expect(codes(d)).toEqual(['MALFORMED']);
  });
});

describe('FORBIDDEN_HEADER and UNSUPPORTED_ALG: header attacks', () => {
  const base = { alg: 'ES256', kid: 'zj-2026-1', typ: 'phc+jwt' };
  it.each([
    ['embedded jwk', { jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' } }],
    ['jku', { jku: 'https://attacker.example/keys' }],
    ['x5u', { x5u: 'https://attacker.example/cert' }],
    ['x5c', { x5c: ['MIIB'] }],
    ['crit', { crit: ['exp'] }],
    ['b64:false with crit', { b64: false, crit: ['b64'] }],
    ['zip', { zip: 'DEF' }],
    ['cty', { cty: 'JWT' }],
    ['wrong typ', { typ: 'JWT' }],
    ['typ of a trust bundle', { typ: 'phc-trust+jwt' }],
    ['typ missing', { typ: undefined }],
  ])('FORBIDDEN_HEADER for %s, even when genuinely signed', async (_label, over) => {
    const header: Record<string, unknown> = { ...base, ...over };
    for (const k of Object.keys(header)) if (header[k] === undefined) delete header[k];
    const d = await seen(await rawCode(header, claims(), w.zj));
    expect(codes(d)).toEqual(['FORBIDDEN_HEADER']);
    expect(d.verdict).toBe('deny');
  });

  it('UNSUPPORTED_ALG for alg none with an empty signature', async () => {
    const text = `PHC1:${b64json({ alg: 'none', kid: 'zj-2026-1', typ: 'phc+jwt' })}.${b64json(claims())}.`;
    await expectOnly(text, 'deny', 'UNSUPPORTED_ALG');
    await seen(text);
  });

  it('UNSUPPORTED_ALG for HS256 keyed with the issuer public key', async () => {
    const header = b64json({ alg: 'HS256', kid: 'zj-2026-1', typ: 'phc+jwt' });
    const payload = b64json(claims());
    for (const secret of [JSON.stringify(w.zj.publicJwk), w.zj.publicJwk.x!]) {
      const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
      await expectOnly(`PHC1:${header}.${payload}.${encodeBase64url(mac)}`, 'deny', 'UNSUPPORTED_ALG');
    }
  });

  it.each(['ES384', 'ES512', 'RS256', 'PS256', 'es256', 'Ed25519', ''])('UNSUPPORTED_ALG for alg %j', async (alg) => {
    await expectOnly(await rawCode({ ...base, alg }, claims(), w.zj), 'deny', 'UNSUPPORTED_ALG');
  });

  it('UNSUPPORTED_ALG for a non-string alg', async () => {
    await expectOnly(await rawCode({ ...base, alg: ['ES256'] }, claims(), w.zj), 'deny', 'UNSUPPORTED_ALG');
  });

  it("UNSUPPORTED_ALG when the alg is allowed but not the key's own", async () => {
    // EdDSA claimed for the ES256 key zj-2026-1 (signed by an Ed25519 key to make it look right).
    const ed = await newSigningKey('EdDSA', 'zj-2026-1');
    await expectOnly(await rawCode({ ...base, alg: 'EdDSA' }, claims(), ed), 'deny', 'UNSUPPORTED_ALG');
  });

  it('both reasons when the header breaks both rules', async () => {
    const d = await judge(`PHC1:${b64json({ alg: 'none', jwk: {}, kid: 'x', typ: 'phc+jwt' })}.${b64json(claims())}.`);
    expect(codes(d)).toEqual(['FORBIDDEN_HEADER', 'UNSUPPORTED_ALG']);
  });

  it('MALFORMED for a missing or mistyped kid', async () => {
    await expectOnly(await rawCode({ alg: 'ES256', typ: 'phc+jwt' }, claims(), w.zj), 'deny', 'MALFORMED');
    await expectOnly(await rawCode({ ...base, kid: 42 }, claims(), w.zj), 'deny', 'MALFORMED');
    await expectOnly(await rawCode({ ...base, kid: '' }, claims(), w.zj), 'deny', 'MALFORMED');
  });
});

describe('issuers and keys', () => {
  it('UNKNOWN_ISSUER is review ("not recognised here"), not forged', async () => {
    const stranger = await newSigningKey('ES256', 'sh-2026-1');
    const d = await seen(await code(stranger, { iss: 'CN-SH' }));
    expect(d.verdict).toBe('review');
    expect(codes(d)).toEqual(['UNKNOWN_ISSUER']);
    expect(d.v.outcome).toBe('unknown-issuer');
  });

  it('UNKNOWN_ISSUER for an issuer id that is not ISO 3166-2 but is a fine token', async () => {
    const stranger = await newSigningKey('ES256', 'test-1');
    await expectOnly(await code(stranger, { iss: 'CN-TEST' }), 'review', 'UNKNOWN_ISSUER');
  });

  it('UNKNOWN_ISSUER for every code when no bundle is installed', async () => {
    await expectOnly(await code(w.zj), 'review', 'UNKNOWN_ISSUER', { trust: null });
  });

  it('ISSUER_NOT_ACCEPTED when the policy does not accept a known issuer', async () => {
    const d = await seen(await code(w.zj), { policy: { acceptIssuers: ['CN-GD', 'CN-BJ'] } });
    expect(d.verdict).toBe('deny');
    expect(codes(d)).toEqual(['ISSUER_NOT_ACCEPTED']);
    await expectOnly(await code(w.gd, { iss: 'CN-GD' }), 'admit', 'OK', { policy: { acceptIssuers: ['CN-GD'] } });
  });

  it('UNKNOWN_KEY for a kid the issuer does not list', async () => {
    const other = await newSigningKey('ES256', 'zj-2026-9');
    await expectOnly(await code(other), 'deny', 'UNKNOWN_KEY');
    await seen(await code(other));
  });

  it('a key of one issuer used for another is UNKNOWN_KEY (kid looked up within the issuer only)', async () => {
    // Signed genuinely by Zhejiang's key, but claiming to be from Guangdong.
    await expectOnly(await code(w.zj, { iss: 'CN-GD' }), 'deny', 'UNKNOWN_KEY');
    await expectOnly(await code(w.gd, { iss: 'CN-ZJ' }), 'deny', 'UNKNOWN_KEY');
    await expectOnly(await code(w.bj, { iss: 'CN-ZJ' }), 'deny', 'UNKNOWN_KEY');
  });

  it('KEY_REVOKED for a revoked kid, however recently it signed', async () => {
    const d = await seen(await code(w.bjOld, { iss: 'CN-BJ' }));
    expect(codes(d)).toEqual(['KEY_REVOKED']);
    expect(d.verdict).toBe('deny');
  });

  it("KEY_NOT_VALID_AT_ISSUE when iat is before the key's nbf or at/after its exp", async () => {
    const d = await seen(await code(w.zjFuture));
    expect(codes(d)).toEqual(['KEY_NOT_VALID_AT_ISSUE']);
    // zj-2026-1 is valid until T0 + 365 days: a code issued then is refused.
    const late = T0 + 365 * DAY;
    await expectOnly(await code(w.zj, { iat: late, exp: late + 3600 }), 'deny', 'KEY_NOT_VALID_AT_ISSUE', { nowS: late + 10 });
    // …and one from the key's own window is fine.
    const inside = T0 + 20 * DAY;
    await expectOnly(await code(w.zjFuture, { iat: inside, exp: inside + 3600 }), 'admit', 'OK', { nowS: inside + 10, policy: { trustMaxAgeDays: 30 } });
  });
});

describe('BAD_SIGNATURE', () => {
  it('a payload edited after signing (red → green)', async () => {
    const red = await code(w.zj, { st: 'red' });
    const [h, , s] = segments(red);
    const forged = `PHC1:${h}.${b64json(claims({ st: 'green' }))}.${s}`;
    const d = await seen(forged);
    expect(codes(d)).toEqual(['BAD_SIGNATURE']);
    expect(d.v.outcome).toBe('refused');
  });

  it('signed by another key under the right kid', async () => {
    const impostor = await newSigningKey('ES256', 'zj-2026-1');
    await expectOnly(await code(impostor), 'deny', 'BAD_SIGNATURE');
    const edImpostor = await newSigningKey('EdDSA', 'gd-2026-1');
    await expectOnly(await code(edImpostor, { iss: 'CN-GD' }), 'deny', 'BAD_SIGNATURE');
  });

  it('a DER-encoded ECDSA signature instead of raw r||s', async () => {
    const good = await code(w.zj);
    const [h, p, s] = segments(good);
    const der = derOf(decodeBase64url(s)!);
    await expectOnly(`PHC1:${h}.${p}.${encodeBase64url(der)}`, 'deny', 'BAD_SIGNATURE');
  });

  it('a truncated, extended, zero or swapped signature', async () => {
    const good = await code(w.zj);
    const other = await code(w.zj, { sub: 'holder-0002' });
    const [h, p, s] = segments(good);
    const sig = decodeBase64url(s)!;
    const swapped = new Uint8Array([...sig.slice(32), ...sig.slice(0, 32)]);
    for (const bad of [sig.slice(0, 63), new Uint8Array([...sig, 0]), new Uint8Array(64), swapped, decodeBase64url(segments(other)[2])!]) {
      await expectOnly(`PHC1:${h}.${p}.${encodeBase64url(bad)}`, 'deny', 'BAD_SIGNATURE');
    }
    await expectOnly(`PHC1:${h}.${p}.`, 'deny', 'BAD_SIGNATURE');
  });
});

describe('time', () => {
  it('EXPIRED at exp + skew, not before', async () => {
    await expectOnly(await code(w.zj, { iat: T0 - 200, exp: T0 - 61 }), 'deny', 'EXPIRED');
    await expectOnly(await code(w.zj, { iat: T0 - 200, exp: T0 - 60 }), 'deny', 'EXPIRED');
    await expectOnly(await code(w.zj, { iat: T0 - 200, exp: T0 - 59 }), 'admit', 'OK');
    await seen(await code(w.zj, { iat: T0 - 200, exp: T0 - 61 }));
  });

  it('NOT_YET_VALID before nbf − skew, or iat in the future beyond skew', async () => {
    await expectOnly(await code(w.zj, { nbf: T0 + 61 }), 'deny', 'NOT_YET_VALID');
    await expectOnly(await code(w.zj, { nbf: T0 + 59 }), 'admit', 'OK');
    await expectOnly(await code(w.zj, { iat: T0 + 61, exp: T0 + 3600 }), 'deny', 'NOT_YET_VALID');
    await expectOnly(await code(w.zj, { iat: T0 + 59, exp: T0 + 3600 }), 'admit', 'OK');
    await seen(await code(w.zj, { nbf: T0 + 61 }));
  });

  it('CODE_TOO_OLD when now − iat exceeds maxCodeAgeSeconds (a screenshot)', async () => {
    await expectOnly(await code(w.zj, { iat: T0 - 301 }), 'deny', 'CODE_TOO_OLD');
    await expectOnly(await code(w.zj, { iat: T0 - 300 }), 'admit', 'OK');
    await expectOnly(await code(w.zj, { iat: T0 - 301 }), 'admit', 'OK', { policy: { maxCodeAgeSeconds: 600 } });
    await seen(await code(w.zj, { iat: T0 - 301 }));
  });

  it('an old expired screenshot gets both reasons', async () => {
    const d = await judge(await code(w.zj, { iat: T0 - 2 * DAY, exp: T0 - DAY }));
    expect(codes(d)).toEqual(['EXPIRED', 'CODE_TOO_OLD']);
  });
});

describe('status, temperature, tests', () => {
  it('STATUS_YELLOW and STATUS_RED follow onStatus', async () => {
    const yellow = await code(w.zj, { st: 'yellow', rsn: 'close contact' });
    const red = await code(w.zj, { st: 'red' });
    await expectOnly(yellow, 'review', 'STATUS_YELLOW');
    await expectOnly(red, 'deny', 'STATUS_RED');
    await expectOnly(yellow, 'deny', 'STATUS_YELLOW', { policy: { onStatus: { green: 'admit', yellow: 'deny', red: 'deny' } } });
    await expectOnly(red, 'review', 'STATUS_RED', { policy: { onStatus: { green: 'admit', yellow: 'review', red: 'review' } } });
    await seen(yellow);
    await seen(red);
  });

  it('a policy that does not admit green says so (STATUS_GREEN)', async () => {
    await expectOnly(await code(w.zj), 'review', 'STATUS_GREEN', { policy: { onStatus: { green: 'review', yellow: 'deny', red: 'deny' } } });
    await seen(await code(w.zj), { policy: { onStatus: { green: 'review', yellow: 'deny', red: 'deny' } } });
  });

  it('FEVER at or above the threshold, per onFever', async () => {
    const green = await code(w.zj);
    await expectOnly(green, 'deny', 'FEVER', { temp: 37.3 });
    await expectOnly(green, 'admit', 'OK', { temp: 37.2 });
    await expectOnly(green, 'review', 'FEVER', { temp: 38.5, policy: { onFever: 'review' } });
    await expectOnly(green, 'admit', 'OK', { temp: 38.5, policy: { feverThresholdC: 39 } });
    await seen(green, { temp: 39 });
  });

  it('TEMPERATURE_MISSING only when required', async () => {
    const green = await code(w.zj);
    await expectOnly(green, 'review', 'TEMPERATURE_MISSING', { temp: null });
    await expectOnly(green, 'admit', 'OK', { temp: null, policy: { temperature: 'optional' } });
    await expectOnly(green, 'admit', 'OK', { temp: 39.5, policy: { temperature: 'off' } });
    await seen(green, { temp: null });
  });

  it('TEMPERATURE_IMPLAUSIBLE outside 30.0–43.0 °C, never FEVER', async () => {
    const green = await code(w.zj);
    for (const t of [29.9, 43.1, 20, 80]) await expectOnly(green, 'review', 'TEMPERATURE_IMPLAUSIBLE', { temp: t });
    await expectOnly(green, 'admit', 'OK', { temp: 30.0 });
    await expectOnly(green, 'deny', 'FEVER', { temp: 43.0 });
    await seen(green, { temp: 25 });
  });

  it('TEST_MISSING and TEST_TOO_OLD when a nucleic-acid test is required', async () => {
    const policy = { natMaxAgeHours: 48 };
    await expectOnly(await code(w.zj), 'deny', 'TEST_MISSING', { policy });
    await expectOnly(await code(w.zj, { nat: T0 - 49 * 3600 }), 'deny', 'TEST_TOO_OLD', { policy });
    await expectOnly(await code(w.zj, { nat: T0 - 47 * 3600 }), 'admit', 'OK', { policy });
    await expectOnly(await code(w.zj), 'admit', 'OK');
    await seen(await code(w.zj), { policy });
    await seen(await code(w.zj, { nat: T0 - 49 * 3600 }), { policy });
  });
});

describe('the kiosk itself: trust age, clock, anti-passback', () => {
  it('TRUST_EXPIRED and TRUST_STALE are review', async () => {
    const old = await makeWorld({ iat: T0 - 40 * DAY, exp: T0 - DAY });
    const expired = await verifyBundle(old.bundle, old.roots, { nowS: T0, installedSeq: null, allowExpired: true });
    const d = await seen(await code(old.zj), { trust: expired });
    expect(d.verdict).toBe('review');
    expect(codes(d)).toEqual(['TRUST_EXPIRED', 'TRUST_STALE']);

    const stale = await makeWorld({ iat: T0 - 8 * DAY, exp: T0 + 30 * DAY });
    await expectOnly(await code(stale.zj), 'review', 'TRUST_STALE', { trust: stale.trust });
    await expectOnly(await code(stale.zj), 'admit', 'OK', { trust: stale.trust, policy: { trustMaxAgeDays: 9 } });
  });

  it('CLOCK_UNTRUSTED when the clock is behind the time floor beyond skew', async () => {
    const green = await code(w.zj);
    await expectOnly(green, 'review', 'CLOCK_UNTRUSTED', { floorS: T0 + 61, policy: { maxCodeAgeSeconds: 3600 } });
    await expectOnly(green, 'admit', 'OK', { floorS: T0 + 59 });
    await seen(green, { floorS: T0 + 61, policy: { maxCodeAgeSeconds: 3600 } });
  });

  it('a slow clock cannot make an expired code look valid: expiry is judged at the floor', async () => {
    const d = await judge(await code(w.zj, { exp: T0 + 1800 }), { floorS: T0 + 3600, policy: { maxCodeAgeSeconds: 86_400 } });
    expect(d.verdict).toBe('deny');
    expect(codes(d)).toEqual(['EXPIRED', 'CLOCK_UNTRUSTED']);
  });

  it('ALREADY_PASSED within antiPassbackSeconds', async () => {
    const green = await code(w.zj);
    const policy = { antiPassbackSeconds: 60 };
    await expectOnly(green, 'deny', 'ALREADY_PASSED', { policy, lastAdmittedS: T0 - 30 });
    await expectOnly(green, 'admit', 'OK', { policy, lastAdmittedS: T0 - 61 });
    await expectOnly(green, 'admit', 'OK', { lastAdmittedS: T0 - 1 });
    await seen(green, { policy, lastAdmittedS: T0 - 30 });
  });
});

describe('the verdict is the worst of the reasons', () => {
  it('yellow with fever is deny, and both are listed', async () => {
    const d = await judge(await code(w.zj, { st: 'yellow' }), { temp: 38.9 });
    expect(d.verdict).toBe('deny');
    expect(d.reasons).toEqual([
      { code: 'STATUS_YELLOW', verdict: 'review' },
      { code: 'FEVER', verdict: 'deny' },
    ]);
  });
  it('unknown issuer with fever is deny', async () => {
    const stranger = await newSigningKey('ES256', 'sh-1');
    const d = await judge(await code(stranger, { iss: 'CN-SH' }), { temp: 39 });
    expect(d.verdict).toBe('deny');
    expect(codes(d)).toEqual(['UNKNOWN_ISSUER', 'FEVER']);
  });
  it('a forged code is refused for what it is, without circumstantial noise', async () => {
    const d = await judge(`PHC1:${b64json({ alg: 'ES256', kid: 'zj-2026-1', typ: 'phc+jwt' })}.${b64json(claims())}.${'A'.repeat(86)}`, { temp: null, floorS: T0 + 9999 });
    expect(codes(d)).toEqual(['BAD_SIGNATURE']);
  });
});

describe('coverage of the table', () => {
  it('every reason code of spec §4 was produced by some vector above', () => {
    // The codes formats.md adds for DCC and SHC are produced by their own suites (test/verify/dcc*, shc*, test/decide).
    const otherFormats = new Set(['FORMAT_NOT_ACCEPTED', 'KEY_USAGE', 'REVOKED', 'TEST_POSITIVE']);
    const missing = REASON_CODES.filter((c) => !reasonsSeen.has(c) && !otherFormats.has(c));
    expect(missing).toEqual([]);
  });
});

describe('a bundle signed with the code key is not a bundle', () => {
  it('an issuer cannot sign its own trust bundle', async () => {
    const fake = await signBundle(w.bundlePayload, w.zj);
    await expect(verifyBundle(fake, w.roots, { nowS: T0, installedSeq: null, allowExpired: false })).rejects.toMatchObject({ problem: 'foreign-root' });
  });
});
