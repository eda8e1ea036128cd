// ECDSA signatures are malleable: (r, s) and (r, n − s) both verify, so one
// code has a second text that verifies too. Nothing in Sentinel may rely on
// a code's text being unique — anti-passback keys on the holder, and the
// log never stores the text — and this test keeps it so.
import { describe, expect, it } from 'vitest';
import { Checkpoint } from '../../main/checkpoint/checkpoint.js';
import { DEFAULT_POLICY } from '../../main/contract/policy.js';
import { DATA_FILES, DataDir } from '../../main/data-dir.js';
import { CheckLog } from '../../main/log/check-log.js';
import { HolderPseudonym } from '../../main/log/holder-pseudonym.js';
import { decodeBase64url, encodeBase64url } from '../../main/verify/base64url.js';
import { verifyCode } from '../../main/verify/code.js';
import { newSigningKey, signBundle } from '../../main/issuer/sign.js';
import { newShcSigningKey, shcEntry, signShc } from '../../main/issuer/shc-sign.js';
import { readRootKeys } from '../../main/trust/trust-store.js';
import { decodeShcNumeric } from '../../main/verify/formats/shc.js';
import { lowSP256 } from '../../main/verify/signature.js';
import { verifyBundle } from '../../main/verify/trust.js';
import { tempDir } from '../fixtures/tmp.js';
import { code, makeWorld, T0 } from '../fixtures/world.js';

/** The P-256 group order. */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** The same code with s replaced by n − s: a different text, a signature that still verifies. */
function twin(text: string): string {
  const [head, payload, sig] = text.split('.') as [string, string, string];
  const bytes = decodeBase64url(sig)!;
  const r = bytes.slice(0, 32);
  const s = BigInt('0x' + Buffer.from(bytes.slice(32)).toString('hex'));
  const flipped = Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex');
  return `${head}.${payload}.${encodeBase64url(new Uint8Array([...r, ...flipped]))}`;
}

describe('a second text of the same ES256 code', () => {
  it('verifies (so a code text is never treated as unique), and anti-passback still stops its holder', async () => {
    const w = await makeWorld();
    const original = await code(w.zj, { sub: 'twin-holder' });
    const second = twin(original);
    expect(second).not.toBe(original);
    expect((await verifyCode(second, w.trust)).outcome).toBe('verified');

    const dir = DataDir.open(tempDir(), { create: true });
    const log = CheckLog.open(dir.path(DATA_FILES.database));
    const checkpoint = new Checkpoint({
      trust: w.trust,
      policy: { version: 1, setAtMs: 0, policy: { ...structuredClone(DEFAULT_POLICY), antiPassbackSeconds: 600 } },
      log,
      pseudonym: HolderPseudonym.forDataDir(dir),
    });
    try {
      expect((await checkpoint.check({ text: original, temperatureC: 36.6, atMs: T0 * 1000 }, { record: true })).verdict).toBe('admit');
      const again = await checkpoint.check({ text: second, temperatureC: 36.6, atMs: T0 * 1000 + 5000 }, { record: true });
      expect(again.verdict).toBe('deny');
      expect(again.reasons.map((r) => r.code)).toContain('ALREADY_PASSED');
    } finally {
      log.close();
    }
  });
});

describe('a second text of the same SMART Health Card', () => {
  // The card's pseudonym is keyed over its signature (formats.md §3): over the twin's too, unless the signature is taken in one form.
  it('is the same holder: its pseudonym keys on the low-S signature, so anti-passback holds (the twin of a card was admitted again)', async () => {
    const root = await newSigningKey('ES256', 'root-twin');
    const roots = await readRootKeys(JSON.stringify(root.publicJwk), 'test root');
    const issuer = await newShcSigningKey();
    const iss = 'https://twin.example/issuer';
    const bundle = await signBundle({ iss: 'TEST', seq: 1, iat: T0 - 60, exp: T0 + 30 * 86_400, issuers: [shcEntry({ iss, keys: [issuer] })] }, root);
    const trust = await verifyBundle(bundle, roots, { nowS: T0, installedSeq: null, allowExpired: false });
    const card = await signShc(
      {
        iss,
        nbf: T0 - 60,
        vc: { type: ['https://smarthealth.cards#health-card'], credentialSubject: { fhirVersion: '4.0.1', fhirBundle: { resourceType: 'Bundle', type: 'collection', entry: [] } } },
      },
      issuer,
    );
    const jws = decodeShcNumeric(card)!;
    const second = `shc:/${[...twin(jws)].map((c) => String(c.charCodeAt(0) - 45).padStart(2, '0')).join('')}`;
    expect(second).not.toBe(card);
    const [a, b] = await Promise.all([verifyCode(card, trust), verifyCode(second, trust)]);
    expect([a.outcome, b.outcome]).toEqual(['verified', 'verified']);
    expect(b.credential!.holderSubject).toBe(a.credential!.holderSubject);

    const dir = DataDir.open(tempDir(), { create: true });
    const log = CheckLog.open(dir.path(DATA_FILES.database));
    const checkpoint = new Checkpoint({
      trust,
      policy: { version: 1, setAtMs: 0, policy: { ...structuredClone(DEFAULT_POLICY), antiPassbackSeconds: 600 } },
      log,
      pseudonym: HolderPseudonym.forDataDir(dir),
    });
    try {
      expect((await checkpoint.check({ text: card, temperatureC: 36.6, atMs: T0 * 1000 }, { record: true })).verdict).toBe('admit');
      const again = await checkpoint.check({ text: second, temperatureC: 36.6, atMs: T0 * 1000 + 5000 }, { record: true });
      expect(again.reasons.map((r) => r.code)).toContain('ALREADY_PASSED');
    } finally {
      log.close();
    }
  });

  it('lowSP256 turns a high s into n − s and leaves a low one as it is', () => {
    const high = new Uint8Array(64);
    high.set(Buffer.from((N - 1n).toString(16), 'hex'), 32);
    const low = lowSP256(high);
    expect(BigInt('0x' + Buffer.from(low.subarray(32)).toString('hex'))).toBe(1n);
    expect(lowSP256(low)).toBe(low);
    const beyond = new Uint8Array(64).fill(0xff, 32);
    expect(lowSP256(beyond)).toBe(beyond);
    expect(lowSP256(new Uint8Array(10)).length).toBe(10);
  });
});
