// SMART Health Cards against the shared corpus (formats.md §3): the spec's own
// examples (../shared/corpus/shc) and the validator's cases
// (../shared/corpus/shc-validation). Every file of both folders is either
// used by a case below or listed in NOT_APPLICABLE with the reason; a file
// that is neither fails the inventory test, so a corpus update cannot slip by.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JWK } from 'jose';
import { DEFAULT_POLICY, type Policy } from '../../main/contract/policy.js';
import type { ReasonCode, Verdict } from '../../main/contract/reasons.js';
import { decide } from '../../main/decide/decide.js';
import { decodeImage } from '../../main/decode/qr-decoder.js';
import { newSigningKey, signBundle, type SigningKey } from '../../main/issuer/sign.js';
import { shcNumeric, shcSigningKeyFromJwk, signShcJws, deflateShcPayload, signShc } from '../../main/issuer/shc-sign.js';
import { readRootKeys } from '../../main/trust/trust-store.js';
import { verifyCode, type CodeVerification } from '../../main/verify/code.js';
import { joinShcChunks, parseShcChunk, ShcChunkCollector } from '../../main/verify/formats/shc-chunks.js';
import { readShcEntry } from '../../main/verify/formats/shc-trust.js';
import { verifyShc } from '../../main/verify/formats/shc.js';
import { BundleRefused, verifyBundle, type PinnedRoot, type TrustSnapshot } from '../../main/verify/trust.js';
import { CORPUS, HAVE_CORPUS } from '../fixtures/corpus.js';
import { lowSP256 } from '../../main/verify/signature.js';
import { decodeBase64url, encodeBase64url } from '../../main/verify/base64url.js';

/** The card's signature in its low-S form, which its pseudonym keys on (the twin of a card is the same holder). */
const lowS = (sig: string): string => encodeBase64url(lowSP256(decodeBase64url(sig)!));

const DAY = 86_400;
/** The examples were signed 2023-06-22; judged on 2023-07-01. */
const AT_EXAMPLES = Date.UTC(2023, 6, 1) / 1000;
/** The validator pins its own clock here (its key chain expired the next day). */
const AT_VALIDATOR = Date.UTC(2022, 4, 31) / 1000;
const EXAMPLE_ISS = 'https://spec.smarthealth.cards/examples/issuer';
const BADCRL_ISS = 'https://raw.githubusercontent.com/smart-on-fhir/health-cards-dev-tools/main/testdata/badcrl/';
const EXAMPLE_KID = '3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s';

// ---- the inventory: every file a case reads is registered when the tables below are built ----

const FOLDERS = ['shc', 'shc-validation'];
const used = new Set<string>();
/** A corpus path (relative to ../shared/corpus), registered as used. */
const f = (rel: string): string => {
  used.add(rel);
  return rel;
};
const V = (name: string): string => f(`shc-validation/${name}`);
const E = (name: string): string => f(`shc/examples/${name}`);

const NOT_APPLICABLE: Readonly<Record<string, string>> = {
  'shc/MANIFEST.md': 'provenance notes, not a case',
  'shc/LICENSE': 'licence text',
  'shc-validation/MANIFEST.md': 'provenance notes, not a case',
  'shc-validation/README.md': 'provenance notes, not a case',
  'shc-validation/LICENSE': 'licence text',
  'shc-validation/badcrl/info.md': 'provenance notes, not a case',
  'shc/examples/issuer/.well-known/crl/.gitkeep': 'empty placeholder of the published site',
  ...Object.fromEntries(
    ['00-g-qr-code-0', '01-g-qr-code-0', '02-g-qr-code-0', '02-g-qr-code-1', '02-g-qr-code-2', '03-g-qr-code-0'].map((n) => [
      `shc/examples/example-${n}.svg`,
      "an SVG (vector) rendering of the -f- text beside it; the kiosk's decoder reads camera frames and raster files, and the text is checked through -f-",
    ]),
  ),
  'shc-validation/test-issuers.json': "the validator's directory of participating issuers; a kiosk trusts only what the signed bundle lists (the example issuer is in the bundle built here)",
};

function listCorpus(): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const d of fs.readdirSync(path.join(CORPUS, rel), { withFileTypes: true })) {
      const r = `${rel}/${d.name}`;
      if (d.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  for (const folder of FOLDERS) walk(folder);
  return out.sort();
}

const read = (rel: string): string => fs.readFileSync(path.join(CORPUS, rel), 'utf8');
const readJson = <T = Record<string, unknown>>(rel: string): T => JSON.parse(read(rel)) as T;

// ---- trust: a bundle with shc entries, signed by a test root, through verifyBundle ----

let root: SigningKey;
let roots: PinnedRoot[];

async function bundleOf(entries: Record<string, unknown>[], nowS: number): Promise<TrustSnapshot> {
  const payload = { iss: 'CN-NHC', seq: 1, iat: nowS - DAY, exp: nowS + 30 * DAY, issuers: entries };
  return verifyBundle(await signBundle(payload, root), roots, { nowS, installedSeq: null, allowExpired: false });
}

interface ShcCrlFile {
  kid: string;
  method: string;
  ctr: number;
  rids: string[];
}

/** A published SMART CRL file as the bundle carries it: its rids under its kid (method and ctr stay with the operator). */
function bundleCrl(rel: string): Record<string, string[]> {
  const crl = readJson<ShcCrlFile>(rel);
  return { [crl.kid]: crl.rids };
}

const exampleJwks = (): JWK[] => readJson<{ keys: JWK[] }>(E('issuer/.well-known/jwks.json')).keys;
const exampleEntry = (): Record<string, unknown> => ({
  id: EXAMPLE_ISS,
  format: 'shc',
  name: { zh: 'SMART 示例签发方', en: 'SMART example issuer' },
  keys: exampleJwks(),
  crl: bundleCrl(E(`issuer/.well-known/crl/${EXAMPLE_KID}.json`)),
});

// ---- judging: verifyCode, then decide() with the default policy ----

interface Judged {
  verdict: Verdict;
  reasons: ReasonCode[];
  v: CodeVerification;
}

function judgeWith(v: CodeVerification, nowS: number): Judged {
  const d = decide(v, {
    nowS,
    policy: structuredClone(DEFAULT_POLICY) as Policy,
    temperatureC: 36.6,
    trust: { iat: nowS - DAY, exp: nowS + 30 * DAY },
    timeFloorS: null,
    lastAdmittedS: null,
  });
  return { verdict: d.verdict, reasons: d.reasons.map((r) => r.code), v };
}

async function judge(text: string, trust: TrustSnapshot, nowS: number): Promise<Judged> {
  return judgeWith(await verifyCode(text, trust), nowS);
}

type Expect = [Verdict, ReasonCode];
const ADMIT: Expect = ['admit', 'OK'];
const deny = (r: ReasonCode): Expect => ['deny', r];
const REVIEW_UNKNOWN: Expect = ['review', 'UNKNOWN_ISSUER'];

/** A JWS as the kiosk would scan it: one unchunked shc:/ QR text. */
const qrOf = (jws: string): string => 'shc:/' + shcNumeric(jws);

function sortedNumeric(files: string[]): string[] {
  return files.sort((a, b) => Number(/-(\d+)-qr_chunk/.exec(a)?.[1]) - Number(/-(\d+)-qr_chunk/.exec(b)?.[1]));
}

// ---- the examples ----

interface ExampleCase {
  nn: string;
  chunks: number;
  expect: Expect;
  kind: string | null;
  masked: string | null;
}
const EXAMPLES: ExampleCase[] = [
  { nn: '00', chunks: 1, expect: ADMIT, kind: 'immunization', masked: 'A*' },
  { nn: '01', chunks: 1, expect: ADMIT, kind: 'immunization', masked: 'A*' },
  { nn: '02', chunks: 3, expect: ADMIT, kind: 'laboratory', masked: null },
  { nn: '03', chunks: 1, expect: deny('REVOKED'), kind: 'immunization', masked: 'R*' },
];
const exampleFiles = (nn: string, chunks: number) => ({
  a: E(`example-${nn}-a-fhirBundle.json`),
  b: E(`example-${nn}-b-jws-payload-expanded.json`),
  c: E(`example-${nn}-c-jws-payload-minified.json`),
  d: E(`example-${nn}-d-jws.txt`),
  e: E(`example-${nn}-e-file.smart-health-card`),
  f: Array.from({ length: chunks }, (_, i) => E(`example-${nn}-f-qr-code-numeric-value-${i}.txt`)),
});
const EXAMPLE_FILES = Object.fromEntries(EXAMPLES.map(({ nn, chunks }) => [nn, exampleFiles(nn, chunks)]));
const PRIVATE_JWKS = f('shc/generate-examples-config/issuer.jwks.private.json');

/** Every order of a list (three chunks: six orders). */
function orders<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => orders([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

// ---- the validator's compact JWS, .smart-health-card and $health-cards-issue files ----

/** How a file holds its JWS(s). */
type Holder = 'jws' | 'file' | 'params';
interface JwsCase {
  file: string;
  holder: Holder;
  /** One expectation per JWS in the file; 'unencodable' = the text cannot be a QR numeric segment at all. */
  expect: (Expect | 'unencodable')[];
  why: string;
}
const JWS_CASES: JwsCase[] = [
  { file: V('test-example-00-d-jws-bad-fhir-metadata.txt'), holder: 'jws', expect: [ADMIT], why: 'FHIR meta rules are not the kiosk’s: §3 asks fhirVersion and fhirBundle only' },
  { file: V('test-example-00-d-jws-der-signature.txt'), holder: 'jws', expect: [deny('BAD_SIGNATURE')], why: 'a DER signature is not the JWS r||s form' },
  { file: V('test-example-00-d-jws-der-signature-r-neg.txt'), holder: 'jws', expect: [deny('BAD_SIGNATURE')], why: 'DER, negative r' },
  { file: V('test-example-00-d-jws-der-signature-s-neg.txt'), holder: 'jws', expect: [deny('BAD_SIGNATURE')], why: 'DER, negative s' },
  { file: V('test-example-00-d-jws-der-signature-rs-neg.txt'), holder: 'jws', expect: [deny('BAD_SIGNATURE')], why: 'DER, both negative' },
  { file: V('test-example-00-d-jws-invalid-signature.txt'), holder: 'jws', expect: [deny('BAD_SIGNATURE')], why: 'a signature that does not verify' },
  { file: V('test-example-00-d-jws-issuer-kid-mismatch.txt'), holder: 'jws', expect: [deny('UNKNOWN_KEY')], why: 'kid of a key the example issuer does not list' },
  { file: V('test-example-00-d-jws-wrong_jws_header_kid.txt'), holder: 'jws', expect: [deny('UNKNOWN_KEY')], why: 'kid 000…0' },
  { file: V('test-example-00-d-jws-issuer-not-valid-with-smart-key.txt'), holder: 'jws', expect: [REVIEW_UNKNOWN], why: 'iss foo.smarthealth.cards is in no bundle' },
  { file: V('test-example-00-d-jws-jws_too_long.txt'), holder: 'jws', expect: [deny('MALFORMED')], why: 'no nbf and no #health-card type (its length alone is no fault here: the cap is 8,192)' },
  { file: V('test-example-00-d-jws-no_deflate.txt'), holder: 'jws', expect: [deny('MALFORMED')], why: 'no zip, payload plain JSON' },
  { file: V('test-example-00-d-jws-no_jws_header_alg.txt'), holder: 'jws', expect: [deny('UNSUPPORTED_ALG')], why: 'no alg' },
  { file: V('test-example-00-d-jws-no_jws_header_kid.txt'), holder: 'jws', expect: [deny('MALFORMED')], why: 'no kid' },
  { file: V('test-example-00-d-jws-no_jws_header_zip.txt'), holder: 'jws', expect: [deny('MALFORMED')], why: 'DEFLATEd payload but no zip' },
  { file: V('test-example-00-d-jws-utf8_bom_prefix.txt'), holder: 'jws', expect: [deny('MALFORMED')], why: 'the inflated payload starts with a UTF-8 BOM' },
  {
    file: V('test-example-00-d-jws-trailing_chars.txt'),
    holder: 'jws',
    expect: ['unencodable'],
    why: 'whitespace around the JWS cannot be written in shc digits (each character is ≥ "-"); its QR twin (-f-…-trailing_chars) is judged below',
  },
  { file: V('test-example-00-e-file-bad_jwks.smart-health-card'), holder: 'file', expect: [REVIEW_UNKNOWN], why: 'iss …/badjwks, whose JWKS is not a JWKS, is in no bundle' },
  { file: V('test-example-00-e-file-invalid_deflate.smart-health-card'), holder: 'file', expect: [deny('MALFORMED')], why: 'zlib-wrapped, not raw DEFLATE' },
  { file: V('test-example-00-e-file-invalid_issuer_url.smart-health-card'), holder: 'file', expect: [REVIEW_UNKNOWN], why: 'a well-formed https iss that no bundle lists' },
  { file: V('test-example-00-e-file-invalid_issuer_url_http.smart-health-card'), holder: 'file', expect: [deny('MALFORMED')], why: 'iss is http, not https' },
  {
    file: V('test-example-00-e-file-issuer_url_with_trailing_slash.smart-health-card'),
    holder: 'file',
    expect: [REVIEW_UNKNOWN],
    why: 'iss is compared exactly: "…/issuer/" is not "…/issuer"',
  },
  { file: V('test-example-00-e-file-jws_too_long.smart-health-card'), holder: 'file', expect: [deny('MALFORMED')], why: 'as the -d- twin' },
  { file: V('test-example-00-e-file-multi-jws.smart-health-card'), holder: 'file', expect: [ADMIT, ADMIT], why: 'two good cards, one per key' },
  { file: V('test-example-00-e-file-multi-jws-issues.smart-health-card'), holder: 'file', expect: [deny('UNSUPPORTED_ALG'), ADMIT], why: 'first without alg' },
  { file: V('test-example-00-e-file-no_deflate.smart-health-card'), holder: 'file', expect: [deny('MALFORMED')], why: 'no zip' },
  {
    file: V('test-example-00-e-file-trailing_chars.smart-health-card'),
    holder: 'file',
    expect: [ADMIT],
    why: 'the whitespace is before the file’s JSON, which a QR kiosk never reads; the card inside is good',
  },
  { file: V('test-example-00-e-file.wrong-extension'), holder: 'file', expect: [ADMIT], why: 'a file-name rule; the card inside is good' },
  { file: V('test-example-00-fhirhealthcard.json'), holder: 'params', expect: [ADMIT], why: '$health-cards-issue answer: its card' },
  { file: V('test-example-00-fhirhealthcard-multi-jws.json'), holder: 'params', expect: [ADMIT, ADMIT], why: 'its two cards' },
  { file: V('test-example-00-fhirhealthcard-with-resource-link.json'), holder: 'params', expect: [ADMIT, ADMIT], why: 'its two cards (resource links are not for a kiosk)' },
  { file: V('badcrl/duplicate-rid/jws-crl-duplicate-rid.txt'), holder: 'jws', expect: [ADMIT], why: 'rid abcde is in no list' },
  { file: V('badcrl/invalid-method/jws-crl-invalid-method.txt'), holder: 'jws', expect: [ADMIT], why: 'rid abcde is in no list' },
  { file: V('badcrl/non-base64url-rid/jws-crl-non-base64url-rid.txt'), holder: 'jws', expect: [ADMIT], why: 'rid abcde is in no list' },
  { file: V('badcrl/too-long-rid/jws-crl-too-long-rid.txt'), holder: 'jws', expect: [ADMIT], why: 'rid abcde is in no list' },
  { file: V('badcrl/version-mismatch/jws-crl-version-mismatch.txt'), holder: 'jws', expect: [ADMIT], why: 'rid abcde is in no list' },
];

function jwsOf(c: JwsCase): string[] {
  const text = read(c.file);
  if (c.holder === 'jws') return [text];
  if (c.holder === 'file') return (JSON.parse(text) as { verifiableCredential: string[] }).verifiableCredential;
  const params = (JSON.parse(text) as { parameter: { name: string; valueString?: string }[] }).parameter;
  return params.filter((p) => p.name === 'verifiableCredential').map((p) => p.valueString!);
}

// ---- the validator's payloads and FHIR bundles, signed here with the spec's example key ----

interface PayloadCase {
  file: string;
  expect: Expect;
  kind?: string;
  why: string;
}
const PAYLOAD_CASES: PayloadCase[] = [
  { file: V('test-example-00-b-jws-payload-expanded-exp_milliseconds.json'), expect: deny('MALFORMED'), why: 'exp in milliseconds (≥ 1e11 s)' },
  { file: V('test-example-00-b-jws-payload-expanded-nbf_milliseconds.json'), expect: deny('MALFORMED'), why: 'nbf in milliseconds' },
  { file: V('test-example-00-b-jws-payload-expanded-expired.json'), expect: deny('EXPIRED'), why: 'exp one second after nbf, in 2021' },
  { file: V('test-example-00-b-jws-payload-expanded-pre-expired.json'), expect: deny('MALFORMED'), why: 'exp before nbf' },
  { file: V('test-example-00-b-jws-payload-expanded-nbf_not_yet_valid.json'), expect: deny('NOT_YET_VALID'), why: 'nbf in 2050' },
  { file: V('test-example-00-b-jws-payload-expanded-missing-shc-vc-type.json'), expect: deny('MALFORMED'), why: 'no #health-card type' },
  { file: V('test-example-00-b-jws-payload-expanded-trailing_chars.json'), expect: deny('MALFORMED'), why: 'whitespace before the JSON, signed as is' },
  { file: V('test-example-00-b-jws-payload-expanded-missing-coding.json'), expect: ADMIT, kind: 'immunization', why: 'a FHIR coding rule' },
  { file: V('test-example-00-b-jws-payload-expanded-missing-covid-vc-type.json'), expect: ADMIT, kind: 'immunization', why: '#covid19 is optional' },
  { file: V('test-example-00-b-jws-payload-expanded-missing-imm-vc-type.json'), expect: ADMIT, kind: 'immunization', why: 'kind from its Immunization resources' },
  { file: V('test-example-00-b-jws-payload-expanded-optional-vc-type.json'), expect: ADMIT, kind: 'immunization', why: 'extra types are fine' },
  { file: V('test-example-00-b-jws-payload-expanded-unknown-vc-types.json'), expect: ADMIT, kind: 'immunization', why: 'unknown types are ignored' },
  { file: V('test-example-covid-lab-jwspayload-missing-lab-vc-type.json'), expect: ADMIT, kind: 'laboratory', why: 'kind from its Observation' },
];
/** FHIR content rules (profiles, meta, empty values, references, data minimisation): accepted by design, §3 asks no FHIR validation. */
const FHIR_BUNDLES = [
  'test-example-00-a-fhirBundle-bad_meta_extra_key.json',
  'test-example-00-a-fhirBundle-bad_meta_non_security.json',
  'test-example-00-a-fhirBundle-bad_meta_wrong_security.json',
  'test-example-00-a-fhirBundle-empty-values.json',
  'test-example-00-a-fhirBundle-occurrence-issues.json',
  'test-example-00-a-fhirBundle-profile-usa.json',
  'test-example-00-a-fhirBundle-status-not-completed.json',
  'test-example-00-a-fhirBundle-trailing_chars.json',
  'test-example-00-a-non-dm-properties.json',
  'test-example-00-a-short-refs.json',
].map(V);

// ---- the validator's QR texts ----

const QR_CASES: { file: string; expect: Expect; why: string }[] = [
  { file: V('test-example-00-f-qr-code-numeric-value-0-index-out-of-range.txt'), expect: deny('MALFORMED'), why: 'part 3 of 2' },
  { file: V('test-example-00-f-qr-code-numeric-value-0-number-too-big.txt'), expect: deny('MALFORMED'), why: 'a pair 78' },
  { file: V('test-example-00-f-qr-code-numeric-value-0-odd-count.txt'), expect: deny('MALFORMED'), why: 'an odd count of digits' },
  { file: V('test-example-00-f-qr-code-numeric-value-0-wrong-multi-chunk.txt'), expect: deny('MALFORMED'), why: '"1 of 1" is not a chunk' },
  { file: V('test-example-00-f-qr-code-numeric-value-0-wrong_qr_header.txt'), expect: deny('NOT_PHC'), why: '"shc:" without "/" is no format §1 knows' },
  { file: V('test-example-00-f-qr-code-numeric-value-0-trailing_chars.txt'), expect: deny('NOT_PHC'), why: 'whitespace before "shc:/": the text does not start with a known prefix' },
  { file: V('test-example-1195-byte-qrnumeric.txt'), expect: ADMIT, why: 'the largest single QR (V22) the SMART spec allows' },
];
const SMALL_CHUNKS = sortedNumeric(Array.from({ length: 17 }, (_, i) => V(`test-example-00-f-qr-code-numeric-value-${i}-qr_chunk_too_small.txt`)));
/**
 * Chunk size is the issuer's concern (the SMART spec wants the fewest QR codes,
 * each at most V22): the kiosk joins whatever its camera reads, up to 20 parts
 * and 8,192 characters in all, and judges the card. Both sets are good cards.
 */
const SMALL_CHUNKS_VERDICT: [Verdict, ReasonCode[]] = ['admit', ['OK']];
const BIG_CHUNKS_VERDICT: [Verdict, ReasonCode[]] = ['admit', ['OK']];
const BIG_CHUNKS = [0, 1].map((i) => V(`test-example-02-f-qr-code-numeric-value-${i}-qr_chunk_too_big.txt`));

// ---- issuer key sets and revocation lists, as bundle entries ----

const KEY_SETS: { file: string; problem: BundleRefused['problem'] | null; why: string }[] = [
  { file: V('valid_key.json'), problem: null, why: 'one good key' },
  { file: V('valid_keys.json'), problem: null, why: 'three good keys' },
  { file: V('issuer.jwks.public.not.smart.json'), problem: null, why: 'a good key (of another issuer: the kid-mismatch card’s)' },
  { file: V('valid_key_with_x5c.json'), problem: null, why: 'x5c is not judged: the bundle root vouches for the key' },
  { file: V('valid_2_chain.public.json'), problem: null, why: 'x5c is not judged' },
  { file: V('cert_mismatch.public.json'), problem: null, why: 'x5c is not judged: the key itself is a good P-256 key whose kid is its thumbprint' },
  { file: V('invalid_chain.public.json'), problem: null, why: 'x5c is not judged' },
  { file: V('invalid_DNS_SAN.public.json'), problem: null, why: 'x5c is not judged' },
  { file: V('invalid_no_SAN.public.json'), problem: null, why: 'x5c is not judged' },
  { file: V('wrong_alg_key.json'), problem: 'bad-key', why: 'alg ES256K' },
  { file: V('wrong_curve_key.json'), problem: 'bad-key', why: 'P-384' },
  { file: V('wrong_kty_key.json'), problem: 'bad-key', why: 'RSA' },
  { file: V('wrong_use_key.json'), problem: 'bad-key', why: 'use enc' },
  { file: V('wrong_kid_key.json'), problem: 'bad-key', why: 'kid is not the thumbprint' },
];
const BADCRL = ['duplicate-rid', 'invalid-method', 'non-base64url-rid', 'too-long-rid', 'version-mismatch'] as const;
const BADCRL_CRL_REFUSED: Readonly<Record<(typeof BADCRL)[number], boolean>> = {
  'duplicate-rid': true, // XkNHp2Iyk0Y three times: one rid, one rule
  'non-base64url-rid': true, // "base64==", "$wrongrid!"
  'too-long-rid': true, // over 24 characters
  // The bundle carries rid lists only: method, ctr and crlVersion are the issuer's
  // publication protocol, which the operator reconciles when building the bundle.
  'invalid-method': false,
  'version-mismatch': false,
};
const badcrlJwks = (name: string): string => V(`badcrl/${name}/.well-known/jwks.json`);
const badcrlCrl = (name: string): string => V(`badcrl/${name}/.well-known/crl/hrvC0uzB16UXK83BnPo7Glg685b1D6iYOyJd5hpRaAA.json`);
for (const name of BADCRL) {
  badcrlJwks(name);
  badcrlCrl(name);
}
const BADCRL_SINGLE_KEYS = [V('badcrl/.well-known/jwks.json'), V('badcrl/public.json')];
const BAD_JWKS = V('badjwks/.well-known/jwks.json');

// ---- QR images ----

/** Each image decoded, then judged; null = the decoder finds no code in it (nothing is checked). */
const IMAGES: { file: string; expect: Expect | null; why: string }[] = [
  { file: V('test-example-00-g-qr-code-0-bad_qr_version.png'), expect: ADMIT, why: 'a QR version rule is the issuer’s; the text is a good card' },
  { file: V('test-example-00-g-qr-code-0-corrupted.png'), expect: null, why: 'damaged beyond error correction' },
  { file: V('test-example-00-g-qr-code-0-scaled-23.jpg'), expect: ADMIT, why: 'small JPEG, still read' },
  { file: V('test-example-00-g-qr-code-0-scaled-85.jpg'), expect: ADMIT, why: 'large JPEG' },
  { file: V('test-example-00-g-qr-code-0-single_qr_segment.png'), expect: ADMIT, why: 'one byte-mode segment: same text' },
  { file: V('test-example-00-g-qr-code-0-too_many_qr_segment.png'), expect: deny('MALFORMED'), why: 'the extra segment puts non-digits after the digits' },
  { file: V('test-example-00-g-qr-code-inflated-to-v22.png'), expect: ADMIT, why: 'a larger QR version, same text' },
  { file: V('test-invalid-jws-payload.png'), expect: deny('MALFORMED'), why: 'a JWS without zip (kid verifymyidentity)' },
  { file: V('test-example-00-g-qr-code-0-qr_chunk_too_small.png'), expect: deny('MALFORMED'), why: 'part 1 of 2 alone is not a card' },
  { file: V('test-example-00-g-qr-code-1-qr_chunk_too_small.png'), expect: deny('MALFORMED'), why: 'part 2 of 2 alone is not a card' },
];
const CHUNK_IMAGES = IMAGES.slice(-2).map((i) => i.file);

describe.skipIf(!HAVE_CORPUS)('SMART Health Cards corpus', () => {
  let examplePrivate: SigningKey;
  let trust2023: TrustSnapshot;
  let trust2022: TrustSnapshot;

  beforeAll(async () => {
    root = await newSigningKey('ES256', 'root-test-shc');
    roots = await readRootKeys(JSON.stringify(root.publicJwk), 'test root');
    const priv = readJson<{ keys: JWK[] }>(PRIVATE_JWKS).keys.find((k) => k.kid === EXAMPLE_KID)!;
    examplePrivate = await shcSigningKeyFromJwk(priv);
    trust2023 = await bundleOf([exampleEntry()], AT_EXAMPLES);
    const badcrlEntries = BADCRL.map((name) => ({
      id: BADCRL_ISS + name,
      format: 'shc',
      keys: readJson<{ keys: JWK[] }>(badcrlJwks(name)).keys,
      ...(BADCRL_CRL_REFUSED[name] ? {} : { crl: bundleCrl(badcrlCrl(name)) }),
    }));
    trust2022 = await bundleOf([exampleEntry(), ...badcrlEntries], AT_VALIDATOR);
  });

  it('every file of both folders is used by a case or listed as not applicable', () => {
    const all = listCorpus();
    const unaccounted = all.filter((p) => !used.has(p) && !(p in NOT_APPLICABLE));
    expect(unaccounted).toEqual([]);
    const both = all.filter((p) => used.has(p) && p in NOT_APPLICABLE);
    expect(both).toEqual([]);
    // And no case names a file that is not there.
    expect([...used].filter((p) => !all.includes(p))).toEqual([]);
  });

  describe('the spec examples, 2023-07-01', () => {
    it('the private example key is the published key 3Kfdg…', () => {
      expect(examplePrivate.publicJwk).toMatchObject({ kid: EXAMPLE_KID, x: exampleJwks()[0]!.x, y: exampleJwks()[0]!.y });
    });

    it.each(EXAMPLES)('example $nn: its files agree, and it is judged $expect', async ({ nn, chunks, expect: want, kind, masked }) => {
      const files = EXAMPLE_FILES[nn]!;
      const jws = read(files.d).trim();
      expect((JSON.parse(read(files.e)) as { verifiableCredential: string[] }).verifiableCredential).toEqual([jws]);
      expect(JSON.parse(read(files.b))).toEqual(JSON.parse(read(files.c)));
      const qr = files.f.map((p) => read(p).trim());
      let text: string;
      if (chunks === 1) {
        text = qr[0]!;
      } else {
        // Any order gives the one card (formats.md §3), on the command line and at the kiosk.
        const joins = orders(qr).map((o) => joinShcChunks(o));
        for (const j of joins) expect(j).toEqual({ ok: true, text: joins[0]!.ok ? joins[0]!.text : '' });
        text = (joins[0] as { text: string }).text;
        for (const [n, order] of orders(qr).entries()) {
          const collector = new ShcChunkCollector();
          const results = order.map((c, i) => collector.add(c, 1_000 + n * 100_000 + i * 20_000));
          expect(results.slice(0, -1).map((r) => r.kind)).toEqual(Array(chunks - 1).fill('partial'));
          expect(results.at(-1)).toMatchObject({ kind: 'complete', text });
        }
      }
      expect(text).toBe(qrOf(jws));
      const d = await judge(text, trust2023, AT_EXAMPLES);
      expect([d.verdict, d.reasons]).toEqual([want[0], [want[1]]]);
      const c = JSON.parse(read(files.c)) as { iss: string; nbf: number; exp?: number };
      expect(d.v).toMatchObject({ format: 'shc', issuer: c.iss, issuerName: { en: 'SMART example issuer' }, alg: 'ES256' });
      expect(d.v.credential).toMatchObject({ format: 'shc', issuer: c.iss, holderScope: `shc:${c.iss}`, holderSubject: lowS(jws.split('.')[2]!), status: 'green' });
      expect(d.v.credential).toMatchObject({ issuedAt: c.nbf, expires: c.exp ?? null, kind, maskedName: masked });
      // The bundle (a) is what the masked name is read from; none of it leaves but the initial.
      const bundle = readJson(files.a);
      const out = JSON.stringify(d.v);
      for (const r of (bundle.entry as { resource: Record<string, unknown> }[]).map((e) => e.resource)) {
        if (r.resourceType !== 'Patient') continue;
        expect(out).not.toContain(r.birthDate as string);
        for (const n of r.name as { family: string; given: string[] }[]) {
          expect(masked).toBe(`${n.family[0]}*`);
          expect(out).not.toContain(n.family);
          for (const g of n.given) expect(out).not.toContain(`"${g}"`);
        }
      }
    });

    it('example 03 is revoked only through the crl: without it, the same card is admitted', async () => {
      const { crl: _crl, ...noCrl } = exampleEntry();
      const trust = await bundleOf([noCrl], AT_EXAMPLES);
      const d = await judge(read(EXAMPLE_FILES['03']!.f[0]!).trim(), trust, AT_EXAMPLES);
      expect([d.verdict, d.reasons]).toEqual(['admit', ['OK']]);
    });

    it('example 01 is signed by the key with an expired x5c chain, admitted: the chain is not judged', async () => {
      const d = await judge(read(EXAMPLE_FILES['01']!.f[0]!).trim(), trust2023, AT_EXAMPLES);
      expect(d.v.kid).toBe('EBKOr72QQDcTBUuVzAzkfBTGew0ZA16GuWty64nS-sw');
    });

    it('a card of 02 with a part missing is MALFORMED, naming the part', () => {
      const qr = EXAMPLE_FILES['02']!.f.map((p) => read(p).trim());
      expect(joinShcChunks([qr[2]!, qr[0]!])).toEqual({ ok: false, missing: [2], problem: 'incomplete' });
    });
  });

  describe('the validator’s JWS files, 2022-05-31', () => {
    const rows = JWS_CASES.flatMap((c) => c.expect.map((want, i) => ({ ...c, i, want, label: `${path.basename(c.file)}#${i}` })));
    it.each(rows)('$label → $want ($why)', async ({ want, i, ...c }) => {
      const jws = jwsOf(c)[i]!;
      expect(jwsOf(c)).toHaveLength(c.expect.length);
      if (want === 'unencodable') {
        expect(() => shcNumeric(jws)).toThrow();
        expect((await verifyCode(jws, trust2022)).reasons).toEqual(['NOT_PHC']);
        return;
      }
      const d = await judge(qrOf(jws), trust2022, AT_VALIDATOR);
      expect([d.verdict, d.reasons]).toEqual([want[0], [want[1]]]);
    });
  });

  describe('the validator’s payloads, signed here with the example key', () => {
    it.each(PAYLOAD_CASES)('$file → $expect ($why)', async ({ file, expect: want, kind }) => {
      // Signed over the file's exact bytes, whitespace and all.
      const bytes = fs.readFileSync(path.join(CORPUS, file));
      const jws = await signShcJws({ zip: 'DEF', alg: 'ES256', kid: EXAMPLE_KID }, deflateShcPayload(new Uint8Array(bytes)), examplePrivate);
      const d = await judge(qrOf(jws), trust2022, AT_VALIDATOR);
      expect([d.verdict, d.reasons]).toEqual([want[0], [want[1]]]);
      if (kind !== undefined) expect(d.v.credential?.kind).toBe(kind);
    });

    it.each(FHIR_BUNDLES)('%s, wrapped in a card, is admitted: FHIR rules are not the kiosk’s', async (file) => {
      const fhirBundle = readJson(file);
      const payload = {
        iss: EXAMPLE_ISS,
        nbf: AT_VALIDATOR - DAY,
        vc: { type: ['https://smarthealth.cards#health-card'], credentialSubject: { fhirVersion: '4.0.1', fhirBundle } },
      };
      const d = await judge(await signShc(payload, examplePrivate), trust2022, AT_VALIDATOR);
      expect([d.verdict, d.reasons]).toEqual(['admit', ['OK']]);
      expect(d.v.credential).toMatchObject({ maskedName: 'A*', kind: 'immunization' });
      expect(JSON.stringify(d.v)).not.toMatch(/1951-01-20|Anyperson/);
    });
  });

  describe('the validator’s QR texts', () => {
    it.each(QR_CASES)('$file → $expect ($why)', async ({ file, expect: want }) => {
      const d = await judge(read(file), trust2022, AT_VALIDATOR);
      expect([d.verdict, d.reasons]).toEqual([want[0], [want[1]]]);
    });

    it('given to the SHC verifier directly, a bad header or leading whitespace is MALFORMED', async () => {
      for (const name of ['test-example-00-f-qr-code-numeric-value-0-wrong_qr_header.txt', 'test-example-00-f-qr-code-numeric-value-0-trailing_chars.txt']) {
        expect((await verifyShc(read(`shc-validation/${name}`), trust2022)).reasons).toEqual(['MALFORMED']);
      }
    });

    it('a chunk out of range is no chunk, for the join and the collector alike', () => {
      const text = read(QR_CASES[0]!.file).trim();
      expect(parseShcChunk(text)).toBeNull();
      expect(joinShcChunks([text])).toMatchObject({ ok: false, problem: 'not-a-chunk' });
      expect(new ShcChunkCollector().add(text, 0)).toMatchObject({ kind: 'malformed' });
    });

    it('17 small chunks join, given in reverse, into a card that is judged as a whole', async () => {
      const parts = SMALL_CHUNKS.map((p) => read(p).trim());
      const joined = joinShcChunks([...parts].reverse());
      expect(joined.ok).toBe(true);
      const d = await judge((joined as { text: string }).text, trust2022, AT_VALIDATOR);
      expect([d.verdict, d.reasons]).toEqual(SMALL_CHUNKS_VERDICT);
    });

    it('2 over-large chunks join into example 02’s card', async () => {
      const joined = joinShcChunks(BIG_CHUNKS.map((p) => read(p).trim()).reverse());
      expect(joined.ok).toBe(true);
      const d = await judge((joined as { text: string }).text, trust2022, AT_VALIDATOR);
      expect([d.verdict, d.reasons]).toEqual(BIG_CHUNKS_VERDICT);
    });
  });

  describe('issuer key sets and revocation lists as bundle entries', () => {
    const entryOf = (keys: unknown, crl?: unknown): Record<string, unknown> => ({ id: EXAMPLE_ISS, format: 'shc', keys, ...(crl === undefined ? {} : { crl }) });
    async function problemOf(entry: Record<string, unknown>): Promise<string | null> {
      try {
        await readShcEntry(entry, 'issuers[0]');
        return null;
      } catch (err) {
        expect(err).toBeInstanceOf(BundleRefused);
        expect((err as Error).message).toMatch(/^issuers\[0\]/);
        return (err as BundleRefused).problem;
      }
    }

    it.each(KEY_SETS)('$file → $problem ($why)', async ({ file, problem }) => {
      expect(await problemOf(entryOf(readJson<{ keys: unknown[] }>(file).keys))).toBe(problem);
    });

    it('the example key set installs through verifyBundle, its crl counted', () => {
      const info = trust2023.info.issuers[0]!;
      expect(info).toMatchObject({ id: EXAMPLE_ISS, format: 'shc', revoked: [], revokedCards: 4 });
      expect(info.keys).toEqual([
        { kid: EXAMPLE_KID, alg: 'ES256', nbf: null, exp: null },
        { kid: 'EBKOr72QQDcTBUuVzAzkfBTGew0ZA16GuWty64nS-sw', alg: 'ES256', nbf: null, exp: null },
      ]);
    });

    it.each(BADCRL)('badcrl/%s: its key set installs, its crl is refused or taken as the list says', async (name) => {
      const keys = readJson<{ keys: unknown[] }>(badcrlJwks(name)).keys;
      expect(await problemOf(entryOf(keys))).toBeNull();
      expect(await problemOf(entryOf(keys, bundleCrl(badcrlCrl(name))))).toBe(BADCRL_CRL_REFUSED[name] ? 'malformed' : null);
    });

    it('badcrl’s bare JWK (with crlVersion) installs as a one-key set', async () => {
      for (const file of BADCRL_SINGLE_KEYS) expect(await problemOf(entryOf([readJson(file)]))).toBeNull();
    });

    it('a key set that is not JSON at all is refused', async () => {
      expect(await problemOf(entryOf(read(BAD_JWKS)))).toBe('malformed');
    });
  });

  describe('QR images, through the decoder `sentinel decode` uses', () => {
    let decoded = 0;
    it.each(IMAGES)('$file → $expect ($why)', async ({ file, expect: want }) => {
      const { text } = await decodeImage(new Uint8Array(fs.readFileSync(path.join(CORPUS, file))));
      if (want === null) {
        expect(text).toBeNull();
        return;
      }
      decoded++;
      expect(text).not.toBeNull();
      const d = await judge(text!, trust2022, AT_VALIDATOR);
      expect([d.verdict, d.reasons]).toEqual([want[0], [want[1]]]);
    });

    it('the two chunk images join into one card', async () => {
      const texts = await Promise.all(CHUNK_IMAGES.map(async (file) => (await decodeImage(new Uint8Array(fs.readFileSync(path.join(CORPUS, file))))).text!));
      const collector = new ShcChunkCollector();
      expect(collector.add(texts[1]!, 0)).toMatchObject({ kind: 'partial', have: [2], missing: [1] });
      const done = collector.add(texts[0]!, 5_000);
      expect(done.kind).toBe('complete');
      const d = await judge((done as { text: string }).text, trust2022, AT_VALIDATOR);
      expect([d.verdict, d.reasons]).toEqual(['admit', ['OK']]);
      console.log(`[shc-corpus] ${decoded} of ${IMAGES.length} QR images decoded to a text; the corrupted one gives none`);
    });
  });
});
