// EU DCC verification (formats.md §2) with codes made by our own signer
// (main/issuer/dcc-sign.ts): one case at least per reason, and the privacy
// rule that a verification never carries the date of birth or the full name.
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { dccEkuOid, dccEntry, dccText, makeDsc, signDcc, signDccCose, type Dsc, type DccSignOptions } from '../../main/issuer/dcc-sign.js';
import { newSigningKey, signBundle } from '../../main/issuer/sign.js';
import { readRootKeys } from '../../main/trust/trust-store.js';
import { decodeBase45, encodeBase45 } from '../../main/verify/base45.js';
import { encodeCbor } from '../../main/verify/cbor.js';
import { verifyCode } from '../../main/verify/code.js';
import { verifyDcc } from '../../main/verify/formats/dcc.js';
import { BundleRefused, verifyBundle, type TrustSnapshot } from '../../main/verify/trust.js';

const T0 = Date.UTC(2026, 10, 29, 8, 0, 0) / 1000;
const YEAR = 365 * 86_400;
const validity = { notBefore: T0 - YEAR, notAfter: T0 + YEAR };

const DOB = '1964-08-12';
const hcert = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  ver: '1.3.0',
  nam: { fn: 'Musterfrau-Gößinger', fnt: 'MUSTERFRAU<GOESSINGER', gn: 'Gabriele', gnt: 'GABRIELE' },
  dob: DOB,
  v: [{ tg: '840539006', vp: 'J07BX03', mp: 'EU/1/20/1528', ma: 'ORG-100030215', dn: 2, sd: 2, dt: '2026-06-01', co: 'AT', is: 'BMSGPK', ci: 'URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B' }],
  ...over,
});
const testEntry = (tr: string): Record<string, unknown> => ({
  t: [{ tg: '840539006', tt: 'LP6464-4', sc: '2026-11-28T10:00:00Z', tr, tc: 'Wien', co: 'AT', is: 'BMSGPK', ci: 'URN:UVCI:01:AT:TEST0001#X' }],
});

let es: Dsc; // AT, P-256, no EKU
let ps: Dsc; // AT, RSA 2048
let testOnly: Dsc; // AT, EKU test only
let vaccAlt: Dsc; // AT, EKU vaccination, the `.0.` OID spelling
let p384: Dsc; // AT, P-384: listed, signs nothing
let rsa1024: Dsc; // AT, RSA 1024: listed, signs nothing
let revoked: Dsc; // AT, revoked
let stranger: Dsc; // in no bundle
let trust: TrustSnapshot;

async function bundleOf(issuers: Record<string, unknown>[]): Promise<TrustSnapshot> {
  const root = await newSigningKey('ES256', 'dcc-test-root');
  const roots = await readRootKeys(JSON.stringify(root.publicJwk), 'test root');
  const jws = await signBundle({ iss: 'TEST', seq: 1, iat: T0 - 86_400, exp: T0 + 30 * 86_400, issuers }, root);
  return verifyBundle(jws, roots, { nowS: T0, installedSeq: null, allowExpired: false });
}

beforeAll(async () => {
  es = makeDsc({ ...validity, country: 'AT' });
  ps = makeDsc({ ...validity, country: 'AT', key: { type: 'rsa', bits: 2048 } });
  testOnly = makeDsc({ ...validity, country: 'AT', ekus: [dccEkuOid('t')] });
  vaccAlt = makeDsc({ ...validity, country: 'AT', ekus: [dccEkuOid('v', true)] });
  p384 = makeDsc({ ...validity, country: 'AT', key: { type: 'ec', curve: 'P-384' } });
  rsa1024 = makeDsc({ ...validity, country: 'AT', key: { type: 'rsa', bits: 1024 } });
  revoked = makeDsc({ ...validity, country: 'AT' });
  stranger = makeDsc({ ...validity, country: 'AT' });
  trust = await bundleOf([
    dccEntry({
      id: 'DCC-AT',
      country: 'AT',
      name: { zh: '奥地利', en: 'Austria' },
      certificates: [es, ps, testOnly, vaccAlt, p384, rsa1024, revoked].map((d) => d.base64),
      revoked: [revoked.kid],
    }),
  ]);
});

const opts = (dsc: Dsc, over: Partial<DccSignOptions> = {}): DccSignOptions => ({ iss: 'AT', iat: T0 - 86_400, exp: T0 + YEAR, key: dsc.privateKey, kid: dsc.kidBytes, alg: dsc.alg, ...over });

describe('verified', () => {
  it('an ES256 vaccination, kid in the protected header', async () => {
    const v = await verifyDcc(signDcc(hcert(), opts(es)), trust);
    expect(v).toEqual({
      outcome: 'verified',
      reasons: [],
      format: 'dcc',
      issuer: 'DCC-AT',
      issuerName: { zh: '奥地利', en: 'Austria' },
      kid: es.kid,
      alg: 'ES256',
      credential: {
        format: 'dcc',
        issuer: 'DCC-AT',
        holderScope: 'dcc:AT',
        holderSubject: 'URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B',
        status: 'green',
        issuedAt: T0 - 86_400,
        notBefore: null,
        expires: T0 + YEAR,
        testedAt: null,
        maskedName: 'M*',
        issuerReason: null,
        kind: 'vaccination',
        dccType: 'v',
      },
    });
    // The dispatcher routes HC1: here.
    expect(await verifyCode(signDcc(hcert(), opts(es)), trust)).toMatchObject({ outcome: 'verified', format: 'dcc' });
  });

  it('PS256 with an RSA 2048 DSC', async () => {
    expect(await verifyDcc(signDcc(hcert(), opts(ps)), trust)).toMatchObject({ outcome: 'verified', reasons: [], alg: 'PS256', kid: ps.kid });
  });

  it('the kid in the unprotected header, and an untagged COSE_Sign1', async () => {
    expect(await verifyDcc(signDcc(hcert(), opts(es, { kidIn: 'unprotected' })), trust)).toMatchObject({ outcome: 'verified', kid: es.kid });
    expect(await verifyDcc(signDcc(hcert(), opts(es, { untagged: true })), trust)).toMatchObject({ outcome: 'verified' });
  });

  it('a test, a recovery; a DSC limited to its types; the alternate EKU spelling', async () => {
    const test = hcert({ v: undefined, ...testEntry('260415000') });
    expect(await verifyDcc(signDcc(test, opts(testOnly)), trust)).toMatchObject({ outcome: 'verified', reasons: [], credential: { kind: 'test', dccType: 't', status: 'green' } });
    const recovery = hcert({ v: undefined, r: [{ tg: '840539006', fr: '2026-10-01', co: 'AT', is: 'BMSGPK', df: '2026-10-12', du: '2027-04-01', ci: 'URN:UVCI:01:AT:R1' }] });
    expect(await verifyDcc(signDcc(recovery, opts(es)), trust)).toMatchObject({ outcome: 'verified', credential: { kind: 'recovery', dccType: 'r' } });
    expect(await verifyDcc(signDcc(hcert(), opts(vaccAlt)), trust)).toMatchObject({ outcome: 'verified' });
  });

  it('TEST_POSITIVE: verified, but the content refuses it', async () => {
    const v = await verifyDcc(signDcc(hcert({ v: undefined, ...testEntry('260373001') }), opts(es)), trust);
    expect(v).toMatchObject({ outcome: 'verified', reasons: ['TEST_POSITIVE'], credential: { status: null, kind: 'test' } });
  });

  it('masks the transliterated family name when the native one is missing', async () => {
    const v = await verifyDcc(signDcc(hcert({ nam: { fnt: 'DUPONT', gnt: 'JEAN' } }), opts(es)), trust);
    expect(v.credential?.maskedName).toBe('D*');
  });
});

describe('refused', () => {
  const reasonOf = async (text: string, t: TrustSnapshot | null = trust): Promise<string[]> => (await verifyDcc(text, t)).reasons;

  it('MALFORMED: bad Base45, dangling character, missing or broken compression', async () => {
    const good = signDcc(hcert(), opts(es));
    expect(await reasonOf(good.replace(/^HC1:./, 'HC1:a'))).toEqual(['MALFORMED']);
    expect(await reasonOf(good + 'A')).toEqual(['MALFORMED']);
    expect(await reasonOf('HC1:' + encodeBase45(signDccCose(hcert(), opts(es))))).toEqual(['MALFORMED']);
    const z = new Uint8Array(deflateSync(signDccCose(hcert(), opts(es))));
    z[z.length - 1]! ^= 0xff; // the Adler-32 checksum
    expect(await reasonOf('HC1:' + encodeBase45(z))).toEqual(['MALFORMED']);
    const trailing = new Uint8Array([...deflateSync(signDccCose(hcert(), opts(es))), 0]);
    expect(await reasonOf('HC1:' + encodeBase45(trailing))).toEqual(['MALFORMED']);
  });

  it('MALFORMED: bytes after the COSE, or inside the payload bstr, even when signed', async () => {
    const cose = signDccCose(hcert(), opts(es));
    expect(await reasonOf(dccText(new Uint8Array([...cose, 0xf6])))).toEqual(['MALFORMED']);
    const claims = encodeCbor(
      new Map<number, unknown>([
        [1, 'AT'],
        [4, T0 + YEAR],
        [6, T0],
        [-260, new Map([[1, hcert()]])],
      ]),
    );
    expect(await reasonOf(signDcc(hcert(), opts(es, { rawPayload: new Uint8Array([...claims, 0x00]) })))).toEqual(['MALFORMED']);
  });

  it('MALFORMED: not a COSE_Sign1, not a CWT, no single certificate type, no kid', async () => {
    expect(await reasonOf(dccText(encodeCbor([1, 2, 3])))).toEqual(['MALFORMED']);
    expect(await reasonOf(signDcc(hcert(), opts(es, { rawPayload: encodeCbor('not a map') })))).toEqual(['MALFORMED']);
    expect(await reasonOf(signDcc(hcert(), opts(es, { rawPayload: Uint8Array.of(0x9f, 0x01, 0xff) })))).toEqual(['MALFORMED']);
    expect(await reasonOf(signDcc(hcert({ ...testEntry('260415000') }), opts(es)))).toEqual(['MALFORMED']);
    expect(await reasonOf(signDcc(hcert({ v: [] }), opts(es)))).toEqual(['MALFORMED']);
    expect(await reasonOf(signDcc(hcert({ nam: undefined }), opts(es)))).toEqual(['MALFORMED']);
    expect(await reasonOf(signDcc(hcert(), opts(es, { claims: new Map([[4, 'tomorrow']]) })))).toEqual(['MALFORMED']);
    expect(await reasonOf(signDcc(hcert(), opts(es, { kid: undefined })))).toEqual(['MALFORMED']);
    expect(await reasonOf(signDcc(hcert(), opts(es, { kid: es.kidBytes.subarray(0, 7) })))).toEqual(['MALFORMED']);
  });

  it('UNSUPPORTED_ALG: alg -35, a P-384 DSC, a short RSA DSC, an alg the DSC key does not take', async () => {
    expect(await reasonOf(signDcc(hcert(), opts(es, { coseAlg: -35 })))).toEqual(['UNSUPPORTED_ALG']);
    expect(await reasonOf(signDcc(hcert(), opts(p384)))).toEqual(['UNSUPPORTED_ALG']);
    expect(await reasonOf(signDcc(hcert(), opts(rsa1024)))).toEqual(['UNSUPPORTED_ALG']);
    expect(await reasonOf(signDcc(hcert(), opts(ps, { coseAlg: -7 })))).toEqual(['UNSUPPORTED_ALG']);
  });

  it('UNKNOWN_KEY for a country the bundle has; UNKNOWN_ISSUER (review) for one it has not', async () => {
    expect(await verifyDcc(signDcc(hcert(), opts(stranger)), trust)).toMatchObject({ outcome: 'refused', reasons: ['UNKNOWN_KEY'], issuer: 'AT' });
    const fr = await verifyDcc(signDcc(hcert(), opts(stranger, { iss: 'FR' })), trust);
    expect(fr).toMatchObject({ outcome: 'unknown-issuer', reasons: ['UNKNOWN_ISSUER'], issuer: 'FR', issuerName: null, credential: { issuer: 'FR', holderScope: 'dcc:FR' } });
    expect(await verifyDcc(signDcc(hcert(), opts(es)), null)).toMatchObject({ outcome: 'unknown-issuer', reasons: ['UNKNOWN_ISSUER'] });
  });

  it('KEY_REVOKED', async () => {
    expect(await reasonOf(signDcc(hcert(), opts(revoked)))).toEqual(['KEY_REVOKED']);
  });

  it('BAD_SIGNATURE: another key under the DSC kid, or a changed payload', async () => {
    expect(await reasonOf(signDcc(hcert(), opts(stranger, { kid: es.kidBytes })))).toEqual(['BAD_SIGNATURE']);
    expect(await reasonOf(signDcc(hcert(), opts(ps, { key: rsa1024.privateKey, kid: ps.kidBytes })))).toEqual(['BAD_SIGNATURE']);
  });

  it('KEY_USAGE: a test-only DSC signing a vaccination', async () => {
    expect(await verifyDcc(signDcc(hcert(), opts(testOnly)), trust)).toMatchObject({ outcome: 'refused', reasons: ['KEY_USAGE'], issuer: 'DCC-AT' });
    expect(await reasonOf(signDcc(hcert({ v: undefined, ...testEntry('260415000') }), opts(vaccAlt)))).toEqual(['KEY_USAGE']);
  });

  it('never throws on junk', async () => {
    for (const text of ['HC1:', 'HC1:00', 'HC1:' + '%'.repeat(8000), 'HC1:' + encodeBase45(new Uint8Array(deflateSync(new Uint8Array(200_000))))]) {
      expect(await reasonOf(text)).toEqual(['MALFORMED']);
    }
  });
});

describe('privacy', () => {
  it('no verification carries the date of birth, the full name or the given name', async () => {
    const texts = [signDcc(hcert(), opts(es)), signDcc(hcert(), opts(stranger, { iss: 'FR' })), signDcc(hcert(), opts(testOnly))];
    for (const text of texts) {
      const json = JSON.stringify(await verifyDcc(text, trust));
      for (const secret of [DOB, 'Musterfrau', 'MUSTERFRAU', 'Gabriele', 'GABRIELE']) expect(json).not.toContain(secret);
    }
  });
});

describe('Base45 (RFC 9285)', () => {
  const te = new TextEncoder();
  it('encodes and decodes the RFC examples', () => {
    for (const [plain, b45] of [
      ['AB', 'BB8'],
      ['Hello!!', '%69 VD92EX0'],
      ['base-45', 'UJCLQE7W581'],
      ['ietf!', 'QED8WEX0'],
    ] as const) {
      expect(encodeBase45(te.encode(plain))).toBe(b45);
      expect(decodeBase45(b45)).toEqual(te.encode(plain));
    }
  });
  it('refuses invalid characters, an overflowing group and a dangling character', () => {
    for (const bad of ['GGW', 'ZZZ', 'BB8a', 'BB', 'A', 'BB8A', 'BB8\u00e9']) expect(decodeBase45(bad), bad).toBeNull();
    // 65535 is the largest a group may hold; one more ('GGW') is refused above.
    expect(decodeBase45('FGW')).toEqual(Uint8Array.of(255, 255));
    expect(decodeBase45('')).toEqual(new Uint8Array(0));
  });
});

describe('trust entries', () => {
  it('refuses a certificate that is not one, naming where', async () => {
    const bad = bundleOf([dccEntry({ id: 'DCC-AT', country: 'AT', certificates: ['MIIBAAAA'] })]);
    await expect(bad).rejects.toThrow(BundleRefused);
    await expect(bad).rejects.toThrow(/DCC-AT certificates\[0\]/);
    await expect(bundleOf([dccEntry({ id: 'DCC-AT', country: 'at', certificates: [] })])).rejects.toThrow(/country/);
  });

  it('lists each DSC with its kid, types and alg', async () => {
    const info = trust.info.issuers.find((i) => i.id === 'DCC-AT')!;
    expect(info).toMatchObject({ format: 'dcc', country: 'AT', keys: [], revoked: [revoked.kid] });
    expect(info.certificates!.map((c) => [c.kid, c.alg, c.types])).toEqual([
      [es.kid, 'ES256', null],
      [ps.kid, 'PS256', null],
      [testOnly.kid, 'ES256', ['t']],
      [vaccAlt.kid, 'ES256', ['v']],
      [p384.kid, 'ES256', null],
      [rsa1024.kid, 'PS256', null],
      [revoked.kid, 'ES256', null],
    ]);
    expect(info.certificates![0]!.subject).toContain('CN=Sentinel test DSC');
  });
});
