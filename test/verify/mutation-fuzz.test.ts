// Mutation fuzz: 10,000 random mutations of valid codes (byte flips, bit
// flips inside segments, segment swaps, header and payload edits,
// truncations). None may be admitted, none may even verify, none may throw.
import { compactVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../main/contract/policy.js';
import { decide } from '../../main/decide/decide.js';
import { decodeBase64url, encodeBase64url } from '../../main/verify/base64url.js';
import { verifyCode } from '../../main/verify/code.js';
import { T0, code, makeWorld, type World } from '../fixtures/world.js';
import { prng } from '../../bench/frames.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const ITERATIONS = 10_000;
const CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \n\té:{}"\u0000';

type Mutator = (text: string, r: () => number, pool: string[]) => string;

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const te = new TextEncoder();
const td = new TextDecoder();

function parts(text: string): [string, string, string] {
  return text.slice(5).split('.') as [string, string, string];
}
const join = (h: string, p: string, s: string): string => `PHC1:${h}.${p}.${s}`;

function editJson(segment: string, edit: (o: Record<string, unknown>) => void): string {
  const obj = JSON.parse(td.decode(decodeBase64url(segment)!)) as Record<string, unknown>;
  edit(obj);
  return encodeBase64url(te.encode(JSON.stringify(obj)));
}

const MUTATORS: Record<string, Mutator> = {
  replaceChar: (t, r) => {
    const i = Math.floor(r() * t.length);
    return t.slice(0, i) + pick(r, [...CHARS]) + t.slice(i + 1);
  },
  insertChar: (t, r) => {
    const i = Math.floor(r() * (t.length + 1));
    return t.slice(0, i) + pick(r, [...CHARS]) + t.slice(i);
  },
  deleteChars: (t, r) => {
    const i = Math.floor(r() * t.length);
    return t.slice(0, i) + t.slice(i + 1 + Math.floor(r() * 4));
  },
  flipBitInSegment: (t, r) => {
    const segs = parts(t);
    const which = Math.floor(r() * 3);
    const bytes = decodeBase64url(segs[which]!)!;
    if (bytes.length === 0) return t + 'A';
    bytes[Math.floor(r() * bytes.length)]! ^= 1 << Math.floor(r() * 8);
    segs[which] = encodeBase64url(bytes);
    return join(...segs);
  },
  swapSegmentsWithin: (t, r) => {
    const [h, p, s] = parts(t);
    return pick(r, [join(p, h, s), join(h, s, p), join(s, p, h), `PHC1:${h}.${p}`, `PHC1:${h}.${p}.${s}.${s}`]);
  },
  swapSegmentsAcross: (t, r, pool) => {
    const [h, p, s] = parts(t);
    const [h2, p2, s2] = parts(pick(r, pool));
    return pick(r, [join(h2, p, s), join(h, p2, s), join(h, p, s2), join(h2, p2, s), join(h, p2, s2)]);
  },
  editHeader: (t, r) => {
    const [h, p, s] = parts(t);
    const edits: ((o: Record<string, unknown>) => void)[] = [
      (o) => (o.alg = pick(r, ['none', 'HS256', 'ES384', 'RS256', 'EdDSA', 'ES256'])),
      (o) => (o.jwk = { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }),
      (o) => (o.jku = 'https://attacker.example/jwks'),
      (o) => (o.crit = ['b64']),
      (o) => (o.b64 = false),
      (o) => (o.kid = pick(r, ['zj-2026-1', 'gd-2026-1', 'bj-2026-1', 'bj-2025-3', 'zj-2027-1', 'nope', ''])),
      (o) => (o.typ = pick(r, ['JWT', 'phc-trust+jwt', 'PHC+JWT'])),
      (o) => delete o[pick(r, ['alg', 'kid', 'typ'])],
    ];
    return join(editJson(h, pick(r, edits)), p, s);
  },
  editPayload: (t, r) => {
    const [h, p, s] = parts(t);
    const edits: ((o: Record<string, unknown>) => void)[] = [
      (o) => (o.st = pick(r, ['green', 'yellow', 'red'])),
      (o) => (o.exp = (o.exp as number) + 1 + Math.floor(r() * 86_400)),
      (o) => (o.iat = (o.iat as number) + 1),
      (o) => (o.iss = pick(r, ['CN-ZJ', 'CN-GD', 'CN-BJ', 'CN-SH'])),
      (o) => (o.sub = `${o.sub as string}x`),
      (o) => (o.nm = '李*'),
      (o) => delete o.rsn,
    ];
    return join(h, editJson(p, pick(r, edits)), s);
  },
  truncate: (t, r) => t.slice(0, Math.floor(r() * t.length)),
  duplicate: (t, r) => (r() < 0.5 ? t + t : t + t.slice(5)),
};

let w: World;
let pool: string[];

beforeAll(async () => {
  w = await makeWorld();
  pool = [
    await code(w.zj),
    await code(w.zj, { st: 'red', rsn: 'confirmed' }),
    await code(w.zj, { sub: 'holder-0002' }),
    await code(w.gd, { iss: 'CN-GD' }),
    await code(w.gd, { iss: 'CN-GD', st: 'yellow' }),
    await code(w.bj, { iss: 'CN-BJ', nat: T0 - 3600, vac: 3 }),
  ];
});

describe('mutation fuzz', () => {
  it(`${ITERATIONS} mutations of valid codes: none admitted, none verified, none throws (seed ${SEED})`, async () => {
    const r = prng(SEED);
    const names = Object.keys(MUTATORS);
    const tally: Record<string, number> = {};
    const policy = structuredClone(DEFAULT_POLICY);
    let done = 0;
    while (done < ITERATIONS) {
      const original = pick(r, pool);
      let text = original;
      // One to three mutations stacked.
      const rounds = 1 + Math.floor(r() * 3);
      const applied: string[] = [];
      for (let k = 0; k < rounds; k++) {
        const name = pick(r, names);
        try {
          text = MUTATORS[name]!(text, r, pool);
          applied.push(name);
        } catch {
          // A mutator that needs a well-formed input met an already-mutated one: fine, stop stacking.
          break;
        }
      }
      // Swaps can rebuild another valid code of the pool: that is no mutation.
      if (text === original || pool.includes(text) || applied.length === 0) continue;
      const v = await verifyCode(text, w.trust);
      const d = decide(v, { nowS: T0, policy, temperatureC: 36.6, trust: { iat: w.trust.info.iat, exp: w.trust.info.exp }, timeFloorS: null, lastAdmittedS: null });
      if (v.outcome === 'verified' || d.verdict === 'admit') {
        throw new Error(`mutation ${applied.join('+')} was accepted: ${JSON.stringify(text)}`);
      }
      expect(d.reasons.length).toBeGreaterThan(0);
      for (const reason of d.reasons) tally[reason.code] = (tally[reason.code] ?? 0) + 1;
      done++;
    }
    // The fuzz must reach every stage, or it tests less than it claims.
    for (const stage of ['NOT_PHC', 'MALFORMED', 'FORBIDDEN_HEADER', 'UNSUPPORTED_ALG', 'UNKNOWN_KEY', 'BAD_SIGNATURE']) {
      expect(tally[stage] ?? 0, stage).toBeGreaterThan(20);
    }
  });

  it('jose agrees on the unmutated codes (differential check of the verifier)', async () => {
    for (const text of pool) {
      const v = await verifyCode(text, w.trust);
      expect(v.outcome).toBe('verified');
      const key = w.trust.issuers.get(v.issuer!)!.keysByKid.get(v.kid!)!;
      await expect(compactVerify(text.slice(5), key.key, { algorithms: [key.alg] })).resolves.toBeTruthy();
    }
  });
});
