// The EU DCC and SMART Health Card figures of `npm run bench`: decisions per
// second through the kiosk's own path (verifyCode, then decide), beside the
// bare signature check those decisions cannot go faster than — WebCrypto's
// verify over the same signed bytes (the COSE Sig_structure, the JWS signing
// input) with the same imported key. The ratio is the share of a decision's
// time the signature takes; everything else is decoding and deciding.
import { inflateSync } from 'node:zlib';
import { DEFAULT_POLICY } from '../main/contract/policy.js';
import { decide } from '../main/decide/decide.js';
import { dccEntry, makeDsc, signDcc, type Dsc } from '../main/issuer/dcc-sign.js';
import { immunizationCard, newShcSigningKey, shcEntry, signShc } from '../main/issuer/shc-sign.js';
import { newSigningKey, signBundle } from '../main/issuer/sign.js';
import { readRootKeys } from '../main/trust/trust-store.js';
import { decodeBase45 } from '../main/verify/base45.js';
import { decodeBase64url } from '../main/verify/base64url.js';
import { CborTag, decodeCbor, encodeCbor } from '../main/verify/cbor.js';
import { verifyCode } from '../main/verify/code.js';
import { decodeShcNumeric } from '../main/verify/formats/shc.js';
import { verifyBundle, type TrustSnapshot } from '../main/verify/trust.js';

export type RecordFigure = (name: string, value: number, unit: string, note?: string) => void;

/** Codes per figure; each is timed on its own, so a few seconds each at most on a small machine. */
const CODES = Number(process.env.BENCH_FORMAT_CODES ?? 10_000);
const DISTINCT = 200;
const IN_FLIGHT = 256;
const ROUNDS = 5;
const SHC_ISS = 'https://health.example.org/issuer';

/** One signature check as the verifier makes it: algorithm parameters, key, signature, signed bytes. */
interface Bare {
  params: AlgorithmIdentifier | EcdsaParams | RsaPssParams;
  key: CryptoKey;
  signature: Uint8Array<ArrayBuffer>;
  data: Uint8Array<ArrayBuffer>;
}

interface Workload {
  name: string;
  codes: string[];
  bare: Bare[];
}

const ES256 = { name: 'ECDSA', hash: 'SHA-256' };
const PS256 = { name: 'RSA-PSS', saltLength: 32 };

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** Runs fn over every item: one at a time, or some in flight at once. */
type Runner = <T>(items: readonly T[], fn: (item: T) => Promise<unknown>) => Promise<void>;

async function sequentially<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  for (const item of items) await fn(item);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function inChunks<T>(items: readonly T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

const copy = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

/** A DCC's signature and Sig_structure (RFC 9052 §4.4), read apart from the verifier. */
function dccSigned(text: string): { signature: Uint8Array<ArrayBuffer>; data: Uint8Array<ArrayBuffer> } {
  let item = decodeCbor(new Uint8Array(inflateSync(decodeBase45(text.slice(4))!)));
  if (item instanceof CborTag) item = item.value;
  const [protectedBytes, , payload, signature] = item as [Uint8Array, unknown, Uint8Array, Uint8Array];
  return { signature: copy(signature), data: copy(encodeCbor(['Signature1', protectedBytes, new Uint8Array(0), payload])) };
}

/** An SHC's signature and JWS signing input, read apart from the verifier. */
function shcSigned(text: string): { signature: Uint8Array<ArrayBuffer>; data: Uint8Array<ArrayBuffer> } {
  const jws = decodeShcNumeric(text)!;
  const at = jws.lastIndexOf('.');
  return { signature: copy(decodeBase64url(jws.slice(at + 1))!), data: copy(new TextEncoder().encode(jws.slice(0, at))) };
}

async function setUp(nowS: number): Promise<{ trust: TrustSnapshot; workloads: Workload[] }> {
  const validity = { notBefore: nowS - 86_400, notAfter: nowS + 365 * 86_400, country: 'AT' };
  const es: Dsc = makeDsc(validity);
  const ps: Dsc = makeDsc({ ...validity, key: { type: 'rsa', bits: 2048 } });
  const shcKey = await newShcSigningKey();
  const root = await newSigningKey('ES256', 'bench-formats-root');
  const bundle = await signBundle(
    {
      iss: 'CN-NHC',
      seq: 1,
      iat: nowS - 60,
      exp: nowS + 86_400,
      issuers: [
        dccEntry({ id: 'DCC-AT', country: 'AT', name: { zh: '奥地利', en: 'Austria' }, certificates: [es.base64, ps.base64] }),
        shcEntry({ iss: SHC_ISS, name: { zh: '示例', en: 'Example Health' }, keys: [shcKey] }),
      ],
    },
    root,
  );
  const trust = await verifyBundle(bundle, await readRootKeys(JSON.stringify(root.publicJwk), 'bench root'), { nowS, installedSeq: null, allowExpired: false });

  const hcert = (i: number): Record<string, unknown> => ({
    ver: '1.3.0',
    nam: { fn: 'Musterfrau', fnt: 'MUSTERFRAU', gn: 'Gabriele', gnt: 'GABRIELE' },
    dob: '1964-08-12',
    v: [{ tg: '840539006', vp: 'J07BX03', mp: 'EU/1/20/1528', ma: 'ORG-100030215', dn: 2, sd: 2, dt: '2026-06-01', co: 'AT', is: 'BMSGPK', ci: `URN:UVCI:01:AT:BENCH${i}#B` }],
  });
  const dccCodes = (dsc: Dsc): string[] =>
    Array.from({ length: DISTINCT }, (_, i) => signDcc(hcert(i), { iss: 'AT', iat: nowS - 86_400, exp: nowS + 365 * 86_400, key: dsc.privateKey, kid: dsc.kidBytes, alg: dsc.alg }));
  const card = (i: number): Record<string, unknown> => immunizationCard({ iss: SHC_ISS, nbf: nowS - 86_400, patient: { family: 'Anyperson', given: [`Bench${i}`], birthDate: '1951-01-20' } });
  const shcCodes: string[] = [];
  for (let i = 0; i < DISTINCT; i++) shcCodes.push(await signShc(card(i), shcKey));

  const repeat = (distinct: string[]): string[] => Array.from({ length: CODES }, (_, i) => distinct[i % distinct.length]!);
  const dscKey = (d: Dsc): CryptoKey => trust.dcc.byKid.get(d.kid)![0]!.key;
  const shcCryptoKey = trust.shc.get(SHC_ISS)!.keysByKid.get(shcKey.kid)!.key;
  const workload = (name: string, distinct: string[], bareOf: (text: string) => Bare): Workload => {
    const codes = repeat(distinct);
    return { name, codes, bare: codes.map(bareOf) };
  };
  return {
    trust,
    workloads: [
      workload('DCC ES256', dccCodes(es), (t) => ({ params: ES256, key: dscKey(es), ...dccSigned(t) })),
      workload('DCC PS256', dccCodes(ps), (t) => ({ params: PS256, key: dscKey(ps), ...dccSigned(t) })),
      workload('SHC ES256', shcCodes, (t) => ({ params: ES256, key: shcCryptoKey, ...shcSigned(t) })),
    ],
  };
}

export async function formatThroughput(record: RecordFigure): Promise<void> {
  const nowS = Math.floor(Date.now() / 1000);
  const { trust, workloads } = await setUp(nowS);
  const circumstances = {
    nowS,
    policy: structuredClone(DEFAULT_POLICY),
    temperatureC: 36.6,
    trust: { iat: trust.info.iat, exp: trust.info.exp },
    timeFloorS: null,
    lastAdmittedS: null,
  };
  const decideOne = async (text: string): Promise<string> => decide(await verifyCode(text, trust), circumstances).verdict;
  const bareOne = (b: Bare): Promise<boolean> => crypto.subtle.verify(b.params, b.key, b.signature, b.data);

  for (const { name, codes, bare } of workloads) {
    // Warm both paths, and make sure both measure what they claim: every code admitted, every signature good.
    for (const text of new Set(codes)) if ((await decideOne(text)) !== 'admit') throw new Error(`${name}: a benchmark code is not admitted`);
    for (const b of bare.slice(0, DISTINCT)) if (!(await bareOne(b))) throw new Error(`${name}: a bare signature does not verify`);

    // Under a machine's other load a single timing is noise: the two paths take turns, round by
    // round, each on the same codes, and each figure is the median of its rounds.
    const modes: [string, Runner][] = [
      ['sequential', sequentially],
      [`${IN_FLIGHT} in flight`, (items, fn) => inChunks(items, IN_FLIGHT, fn)],
    ];
    for (const [mode, run] of modes) {
      const bareRates: number[] = [];
      const coreRates: number[] = [];
      const ratios: number[] = [];
      const per = Math.ceil(codes.length / ROUNDS);
      for (let i = 0; i < codes.length; i += per) {
        const b = bare.slice(i, i + per);
        const c = codes.slice(i, i + per);
        const bareRate = b.length / (await timed(() => run(b, bareOne)));
        const coreRate = c.length / (await timed(() => run(c, decideOne)));
        bareRates.push(bareRate);
        coreRates.push(coreRate);
        ratios.push(coreRate / bareRate);
      }
      const note = `median of ${ratios.length} alternating rounds of ${per}`;
      record(`${name} bare WebCrypto verify, ${mode}`, median(bareRates), 'sigs/s', `${name.startsWith('DCC') ? 'over the Sig_structure' : 'over the JWS signing input'}; ${note}`);
      record(`${name} verifyCode + decide, ${mode}`, median(coreRates), 'decisions/s', note);
      record(`${name} decisions ÷ bare verify, ${mode}`, median(ratios) * 100, '%', 'target ≥ 80%');
    }
  }
}
