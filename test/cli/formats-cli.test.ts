// The EU DCC and SMART Health Cards through the real `sentinel` command
// (formats.md): a bundle with dcc and shc entries installed by `trust
// install`, codes decided by `verify --json`, the policy's format rules, SHC
// chunks on stdin, what `trust show` and `log` say about formats, and the
// demo's own DCC and SHC. One data directory, checked in steps: every step
// spawns the CLI, and the suite runs on two cores.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dccEntry, makeDsc, signDcc, type Dsc } from '../../main/issuer/dcc-sign.js';
import { chunkShc, newShcSigningKey, shcEntry, signShc, immunizationCard } from '../../main/issuer/shc-sign.js';
import { newSigningKey, signBundle, type SigningKey } from '../../main/issuer/sign.js';
import { jsonLines, sentinel, type Run } from '../fixtures/cli.js';
import { CORPUS, HAVE_CORPUS } from '../fixtures/corpus.js';

const T0 = Date.UTC(2026, 10, 29, 8, 0, 0) / 1000;
const DAY = 86_400;
const AT = new Date(T0 * 1000).toISOString();
const ISS = 'https://issuer.example/cli-test';
const REVOKED_RID = 'cliRevoked01';

// The holder's birth date and full family name: in every signed code below, and never in what the kiosk prints or keeps.
const DOB = '1971-02-03';
const FAMILY = 'Zimmermann';

const hcert = (entry: Record<string, unknown>): Record<string, unknown> => ({
  ver: '1.3.0',
  nam: { fn: FAMILY, fnt: FAMILY.toUpperCase(), gn: 'Ursula', gnt: 'URSULA' },
  dob: DOB,
  ...entry,
});
const common = (ci: string): Record<string, unknown> => ({ tg: '840539006', co: 'XA', is: 'Testland MoH', ci });
const vaccination = (ci: string): Record<string, unknown> => ({ v: [{ ...common(ci), vp: 'J07BX03', mp: 'EU/1/20/1528', ma: 'ORG-100030215', dn: 2, sd: 2, dt: '2026-06-01' }] });
const test = (tr: string, ci: string): Record<string, unknown> => ({ t: [{ ...common(ci), tt: 'LP6464-4', sc: '2026-11-28T10:00:00Z', tr, tc: 'Test centre' }] });
const POSITIVE = '260373001';
const NEGATIVE = '260415000';

function card(rid?: string): Record<string, unknown> {
  return immunizationCard({ iss: ISS, nbf: T0 - DAY, ...(rid === undefined ? {} : { rid }), patient: { family: FAMILY, given: ['Ursula'], birthDate: DOB } });
}

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-formats-cli-'));
const data = path.join(folder, 'data');
const f = (name: string): string => path.join(folder, name);
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

let dsc: Dsc;
let shcKey: SigningKey;
const codes: Record<'dcc' | 'positiveDcc' | 'negativeTestDcc' | 'shc' | 'revokedShc' | 'chunkedShc', string> = {
  dcc: '',
  positiveDcc: '',
  negativeTestDcc: '',
  shc: '',
  revokedShc: '',
  chunkedShc: '',
};
/** Every run's stdout, to look for the birth date in. */
const printed: string[] = [];

function run(args: string[], opts: { input?: string } = {}): Run {
  const r = sentinel([...args, '--data', data], opts);
  printed.push(r.stdout);
  return r;
}

const verify = (text: string, extra: string[] = []): Run => run(['verify', text, '--json', '--at', AT, '--temp', '36.6', ...extra]);
const reasonCodes = (o: Record<string, unknown>): string[] => (o.reasons as { code: string }[]).map((r) => r.code);

beforeAll(async () => {
  const root = await newSigningKey('ES256', 'formats-cli-root');
  dsc = makeDsc({ country: 'XA', commonName: 'Testland DSC', notBefore: T0 - 365 * DAY, notAfter: T0 + 365 * DAY });
  shcKey = await newShcSigningKey();
  const bundle = await signBundle(
    {
      iss: 'CN-NHC',
      seq: 3,
      iat: T0 - DAY,
      exp: T0 + 30 * DAY,
      issuers: [
        dccEntry({ id: 'DCC-XA', country: 'XA', name: { zh: '测试国', en: 'Testland' }, certificates: [dsc.base64] }),
        shcEntry({ iss: ISS, name: { zh: '测试签发方', en: 'Test SMART issuer' }, keys: [shcKey], crl: { [shcKey.kid]: [REVOKED_RID] } }),
      ],
    },
    root,
  );
  fs.writeFileSync(f('bundle.jws'), bundle);
  fs.writeFileSync(f('root.jwk'), JSON.stringify(root.publicJwk));
  const sign = (h: Record<string, unknown>): string => signDcc(h, { iss: 'XA', iat: T0 - DAY, exp: T0 + 365 * DAY, key: dsc.privateKey, kid: dsc.kidBytes, alg: dsc.alg });
  codes.dcc = sign(hcert(vaccination('URN:UVCI:01:XA:CLI0001')));
  codes.positiveDcc = sign(hcert(test(POSITIVE, 'URN:UVCI:01:XA:CLI0002')));
  codes.negativeTestDcc = sign(hcert(test(NEGATIVE, 'URN:UVCI:01:XA:CLI0003')));
  codes.shc = await signShc(card('cliGood01'), shcKey);
  codes.revokedShc = await signShc(card(REVOKED_RID), shcKey);
  codes.chunkedShc = await signShc(card('cliChunked01'), shcKey);
});

describe('DCC and SHC through sentinel', () => {
  it('trust install takes the bundle with dcc and shc entries; trust show lists formats and each DSC', () => {
    const installed = run(['trust', 'install', f('bundle.jws'), '--root', f('root.jwk'), '--at', AT, '--json']);
    expect(installed.status, installed.stderr).toBe(0);
    expect(JSON.parse(installed.stdout)).toMatchObject({ installed: true, seq: 3, issuers: ['DCC-XA', ISS] });
    const show = run(['trust', 'show', '--at', AT, '--json']);
    expect(show.status, show.stderr).toBe(0);
    const { issuers } = JSON.parse(show.stdout) as { issuers: Record<string, unknown>[] };
    expect(issuers).toHaveLength(2);
    expect(issuers[0]).toMatchObject({ id: 'DCC-XA', format: 'dcc', country: 'XA', name: { en: 'Testland' } });
    expect(issuers[0]!.certificates).toEqual([
      expect.objectContaining({
        kid: dsc.kid,
        subject: expect.stringMatching(/C=XA.*CN=Testland DSC/),
        notBefore: new Date((T0 - 365 * DAY) * 1000).toISOString(),
        notAfter: new Date((T0 + 365 * DAY) * 1000).toISOString(),
        revoked: false,
      }),
    ]);
    expect(issuers[1]).toMatchObject({ id: ISS, format: 'shc', keys: [{ kid: shcKey.kid, alg: 'ES256' }] });
  });

  it('a valid DCC is admitted as a vaccination, with the country from the bundle and the name masked', () => {
    const r = verify(codes.dcc);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      verdict: 'admit',
      format: 'dcc',
      kind: 'vaccination',
      issuer: 'DCC-XA',
      issuerName: { zh: '测试国', en: 'Testland' },
      kid: dsc.kid,
      name: 'Z*',
      reasons: [{ code: 'OK' }],
    });
  });

  it('a positive test DCC is denied; a valid SHC admitted; a revoked SHC denied (one batch)', () => {
    const r = run(['verify', '--batch', '-', '--json', '--at', AT, '--temp', '36.6'], { input: [codes.positiveDcc, codes.shc, codes.revokedShc].join('\n') + '\n' });
    expect(r.status, r.stderr).toBe(0);
    const [positive, shc, revoked] = jsonLines(r.stdout);
    expect(positive).toMatchObject({ verdict: 'deny', format: 'dcc', kind: 'test' });
    expect(reasonCodes(positive!)).toEqual(['TEST_POSITIVE']);
    expect(shc).toMatchObject({ verdict: 'admit', format: 'shc', kind: 'immunization', issuer: ISS, issuerName: { en: 'Test SMART issuer' }, kid: shcKey.kid, name: 'Z*' });
    expect(revoked).toMatchObject({ verdict: 'deny', format: 'shc' });
    expect(reasonCodes(revoked!)).toEqual(['REVOKED']);
  });

  it('SHC chunks on stdin in any order are joined and admitted; an incomplete set is MALFORMED naming the missing parts', () => {
    const parts = chunkShc(codes.chunkedShc, 3);
    const joined = run(['verify', '-', '--json', '--at', AT, '--temp', '36.6'], { input: [parts[2], parts[0], parts[1]].join('\n') + '\n' });
    expect(joined.status, joined.stderr).toBe(0);
    expect(JSON.parse(joined.stdout)).toMatchObject({ verdict: 'admit', format: 'shc', kind: 'immunization' });
    const incomplete = run(['verify', '-', '--json', '--at', AT, '--temp', '36.6'], { input: parts[1] + '\n' });
    expect(incomplete.status).toBe(1);
    const out = JSON.parse(incomplete.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ verdict: 'deny', chunks: { problem: 'incomplete', missingParts: [1, 3] } });
    expect(reasonCodes(out)).toEqual(['MALFORMED']);
    expect((out.chunks as { message: string }).message).toMatch(/1, 3/);
  });

  it("the policy's dccAccept and acceptFormats: a type not accepted, a format not accepted", () => {
    fs.writeFileSync(f('vaccinations-only.json'), JSON.stringify({ dccAccept: ['v'] }));
    expect(run(['policy', 'set', f('vaccinations-only.json')]).status).toBe(0);
    const testDcc = verify(codes.negativeTestDcc);
    expect(testDcc.status).toBe(1);
    expect(JSON.parse(testDcc.stdout)).toMatchObject({ verdict: 'deny', format: 'dcc', kind: 'test', reasons: [{ code: 'ISSUER_NOT_ACCEPTED' }] });

    fs.writeFileSync(f('phc1-only.json'), JSON.stringify({ acceptFormats: ['phc1'] }));
    expect(run(['policy', 'set', f('phc1-only.json')]).status).toBe(0);
    const dcc = verify(codes.dcc);
    expect(dcc.status).toBe(2);
    const out = JSON.parse(dcc.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ verdict: 'review', format: 'dcc' });
    expect(reasonCodes(out)).toEqual(['FORMAT_NOT_ACCEPTED']);
  });

  it('log --format csv and jsonl carry the format of every check', () => {
    // The checks above, in order: dcc, the batch (dcc, shc, shc), the joined card and the incomplete set (shc), dccAccept, acceptFormats (dcc).
    const expected = ['dcc', 'dcc', 'shc', 'shc', 'shc', 'shc', 'dcc', 'dcc'];
    const jsonl = jsonLines(run(['log', '--format', 'jsonl']).stdout);
    expect(jsonl.map((c) => c.format)).toEqual(expected);
    const csv = run(['log', '--format', 'csv']).stdout.trim().split('\n');
    const header = csv[0]!.split(',');
    const col = header.indexOf('format');
    expect(col).toBeGreaterThanOrEqual(0);
    expect(csv.slice(1).map((l) => l.split(',')[col])).toEqual(expected);
  });

  it('the date of birth, the full name and the certificate identifier are nowhere: not printed, not in any file of the data directory', () => {
    const everything = printed.join('\n');
    expect(everything).toContain('Z*');
    for (const secret of [DOB, FAMILY, 'Ursula', 'URN:UVCI', 'CLI0001']) {
      expect(everything).not.toContain(secret);
      const files = fs.readdirSync(data, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      // The SQLite log (with its WAL) and every JSON file, read as bytes.
      expect(files.map((e) => e.name)).toContain('checks.db');
      for (const e of files) expect(fs.readFileSync(path.join(e.parentPath, e.name)).includes(secret), `${secret} in ${e.name}`).toBe(false);
    }
  });
});

describe('the demo', () => {
  it('decides its EU DCC and its SMART Health Cards as shown', () => {
    const r = sentinel(['demo', '--data', path.join(folder, 'demo'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const by = Object.fromEntries(jsonLines(r.stdout).map((o) => [o.demo, o]));
    expect(by['EU vaccination certificate (DCC)']).toMatchObject({ verdict: 'admit', format: 'dcc', kind: 'vaccination', issuer: 'DCC-XD', name: 'C*' });
    expect(by['EU test certificate, positive (DCC)']).toMatchObject({ verdict: 'deny', format: 'dcc', reasons: [{ code: 'TEST_POSITIVE' }] });
    expect(by['SMART Health Card, immunization']).toMatchObject({ verdict: 'admit', format: 'shc', kind: 'immunization', issuer: 'https://demo-issuer.example' });
    expect(by['SMART Health Card revoked by its issuer']).toMatchObject({ verdict: 'deny', format: 'shc', reasons: [{ code: 'REVOKED' }] });
    expect(r.stdout).not.toContain('1985-04-17');
  });

  it('demo-code --format shc --parts 2 prints a part a line and an image a part; the parts, in any order, are the demo card', () => {
    const png = path.join(folder, 'card.png');
    const made = sentinel(['demo-code', '--format', 'shc', '--parts', '2', '--png', png, '--json']);
    expect(made.status, made.stderr).toBe(0);
    const { parts, png: images } = JSON.parse(made.stdout) as { parts: string[]; png: string[] };
    expect(parts.map((p) => p.slice(0, 9))).toEqual(['shc:/1/2/', 'shc:/2/2/']);
    expect(images).toEqual([path.join(folder, 'card-1.png'), path.join(folder, 'card-2.png')]);
    for (const image of images) expect(fs.readFileSync(image).subarray(1, 4).toString()).toBe('PNG');
    const r = sentinel(['verify', '-', '--json', '--temp', '36.6', '--data', path.join(folder, 'demo')], { input: [...parts].reverse().join('\n') + '\n' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'admit', format: 'shc', issuer: 'https://demo-issuer.example' });
  });

  it("sentinel decode reads the EU suite's own QR images to their texts (every image is read in-process by test/verify/dcc-testdata; these few go through the command)", () => {
    if (!HAVE_CORPUS) return;
    const cases = ['AT/2DCode/raw/1.json', 'DE/2DCode/raw/1.json', 'BG/2DCode/raw/1.json']
      .map((rel) => path.join(CORPUS, 'dcc-testdata', rel))
      .filter((file) => fs.existsSync(file))
      .map((file) => JSON.parse(fs.readFileSync(file, 'utf8')) as { PREFIX: string; '2DCODE': string });
    expect(cases.length).toBeGreaterThan(0);
    const images = cases.map((c, i) => {
      const file = path.join(folder, `dcc-${i}.png`);
      fs.writeFileSync(file, Buffer.from(c['2DCODE'], 'base64'));
      return file;
    });
    const r = sentinel(['decode', ...images, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(jsonLines(r.stdout).map((o) => o.text)).toEqual(cases.map((c) => c.PREFIX));
  });
});
