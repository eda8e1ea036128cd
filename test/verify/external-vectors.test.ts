// Vectors written by others, from ../shared/corpus: Wycheproof ECDSA P-256
// (IEEE P1363) and Ed25519 through the very signature check the verifier
// uses, with keys imported by the very function bundles use; RFC 7515 A.3,
// RFC 8037 A.4 and the JOSE cookbook through the whole PHC1 verifier.
import { compactVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkSignature } from '../../main/verify/signature.js';
import { importPublicKey } from '../../main/verify/trust.js';
import { decodeBase64url, encodeBase64url } from '../../main/verify/base64url.js';
import { verifyCode } from '../../main/verify/code.js';
import type { CodeAlg } from '../../main/contract/code.js';
import { HAVE_CORPUS, readCorpusJson } from '../fixtures/corpus.js';
import { makeWorld, type World } from '../fixtures/world.js';

interface WycheproofTest {
  tcId: number;
  comment: string;
  msg: string;
  sig: string;
  result: 'valid' | 'invalid' | 'acceptable';
  flags: string[];
}
interface WycheproofGroup {
  /** `publicKey` in the v1 files, `key` in the legacy ones. */
  publicKey?: { wx?: string; wy?: string; pk?: string };
  key?: { wx?: string; wy?: string; pk?: string };
  tests: WycheproofTest[];
}

const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

/** Wycheproof gives P-256 coordinates as signed big-endian hex: strip and left-pad to 32 bytes. */
function coordinate(h: string): string {
  const bytes = Buffer.from(h, 'hex');
  const trimmed = bytes.subarray(Math.max(0, bytes.length - 32));
  return encodeBase64url(new Uint8Array(Buffer.concat([Buffer.alloc(32 - trimmed.length), trimmed])));
}

async function runWycheproof(file: string, alg: CodeAlg): Promise<{ valid: number; invalid: number; acceptable: number }> {
  const doc = readCorpusJson<{ testGroups: WycheproofGroup[] }>(file);
  const counts = { valid: 0, invalid: 0, acceptable: 0 };
  for (const group of doc.testGroups) {
    const pk = (group.publicKey ?? group.key)!;
    const jwk = alg === 'ES256' ? { kty: 'EC', crv: 'P-256', x: coordinate(pk.wx!), y: coordinate(pk.wy!) } : { kty: 'OKP', crv: 'Ed25519', x: encodeBase64url(hex(pk.pk!)) };
    const { key } = await importPublicKey(jwk, `${file} group`);
    for (const t of group.tests) {
      const ok = await checkSignature(alg, key, hex(t.msg), hex(t.sig));
      // "acceptable" cases (e.g. a wrongly sized signature) may go either way; the kiosk refuses them.
      if (t.result === 'acceptable') expect(ok, `tcId ${t.tcId} ${t.comment}`).toBe(false);
      else expect(ok, `tcId ${t.tcId} ${t.comment} (${t.flags.join(',')})`).toBe(t.result === 'valid');
      counts[t.result]++;
    }
  }
  return counts;
}

describe.skipIf(!HAVE_CORPUS)('Wycheproof', () => {
  it('ECDSA P-256 SHA-256 P1363 (v1): 173 valid, 89 invalid', async () => {
    expect(await runWycheproof('wycheproof/testvectors_v1/ecdsa_secp256r1_sha256_p1363_test.json', 'ES256')).toEqual({ valid: 173, invalid: 89, acceptable: 0 });
  });
  it('ECDSA P-256 SHA-256 P1363 (legacy, with acceptable wrong-size signatures)', async () => {
    expect(await runWycheproof('wycheproof/testvectors_legacy/ecdsa_secp256r1_sha256_p1363_test.json', 'ES256')).toEqual({ valid: 146, invalid: 69, acceptable: 4 });
  });
  it('Ed25519 (v1): 88 valid, 63 invalid', async () => {
    expect(await runWycheproof('wycheproof/testvectors_v1/ed25519_test.json', 'EdDSA')).toEqual({ valid: 88, invalid: 63, acceptable: 0 });
  });
  it('Ed25519 (legacy)', async () => {
    expect(await runWycheproof('wycheproof/testvectors_legacy/eddsa_test.json', 'EdDSA')).toEqual({ valid: 84, invalid: 61, acceptable: 0 });
  });
});

interface Rfc7515 {
  'A.3_ES256': { jwk: Record<string, string>; compact: string };
  'A.5_unsecured_none': { compact: string };
}
interface CookbookEd25519 {
  input: { key: Record<string, string> };
  output: { compact: string };
}

describe.skipIf(!HAVE_CORPUS)('RFC examples', () => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld();
  });

  it('RFC 7515 A.3 (ES256) verifies through checkSignature and jose, and fails once altered', async () => {
    const a3 = readCorpusJson<Rfc7515>('rfc-jws/rfc7515-appendix-A.json')['A.3_ES256'];
    const { d: _d, ...pub } = a3.jwk;
    const { key } = await importPublicKey(pub, 'RFC 7515 A.3');
    const [h, p, s] = a3.compact.split('.') as [string, string, string];
    const input = new TextEncoder().encode(`${h}.${p}`);
    expect(await checkSignature('ES256', key, input, decodeBase64url(s)!)).toBe(true);
    await expect(compactVerify(a3.compact, key)).resolves.toBeTruthy();
    const altered = new TextEncoder().encode(`${h}.${p}x`);
    expect(await checkSignature('ES256', key, altered, decodeBase64url(s)!)).toBe(false);
    // A private JWK is never imported as a verification key.
    await expect(importPublicKey(a3.jwk, 'RFC 7515 A.3 private')).rejects.toMatchObject({ problem: 'private-key' });
  });

  it('RFC 7515 A.3 as a scanned PHC1 code is refused for its header (no kid, no typ)', async () => {
    const a3 = readCorpusJson<Rfc7515>('rfc-jws/rfc7515-appendix-A.json')['A.3_ES256'];
    const v = await verifyCode('PHC1:' + a3.compact, w.trust);
    expect(v.reasons).toEqual(['FORBIDDEN_HEADER']);
  });

  it('RFC 7515 A.5 (alg none) is refused', async () => {
    const a5 = readCorpusJson<Rfc7515>('rfc-jws/rfc7515-appendix-A.json')['A.5_unsecured_none'];
    const v = await verifyCode('PHC1:' + a5.compact, w.trust);
    expect(v.outcome).toBe('refused');
    expect(v.reasons).toContain('UNSUPPORTED_ALG');
  });

  it('RFC 8037 A.4 (Ed25519) verifies through checkSignature, and fails once altered', async () => {
    const ex = readCorpusJson<CookbookEd25519>('rfc-jws/ietf-jose-cookbook/curve25519/jws.json');
    const { d: _d, ...pub } = ex.input.key;
    const { key, alg } = await importPublicKey(pub, 'RFC 8037 A.4');
    expect(alg).toBe('EdDSA');
    const [h, p, s] = ex.output.compact.split('.') as [string, string, string];
    const sig = decodeBase64url(s)!;
    expect(await checkSignature('EdDSA', key, new TextEncoder().encode(`${h}.${p}`), sig)).toBe(true);
    sig[0]! ^= 1;
    expect(await checkSignature('EdDSA', key, new TextEncoder().encode(`${h}.${p}`), sig)).toBe(false);
  });

  it.each([
    ['4_1.rsa_v15_signature.json', 'RS256'],
    ['4_2.rsa-pss_signature.json', 'PS384'],
    ['4_3.ecdsa_signature.json', 'ES512'],
    ['4_4.hmac-sha2_integrity_protection.json', 'HS256'],
  ])('JOSE cookbook %s (%s) as a PHC1 code is refused for its algorithm', async (file, _alg) => {
    const ex = readCorpusJson<{ output: { compact: string } }>(`rfc-jws/ietf-jose-cookbook/jws/${file}`);
    const v = await verifyCode('PHC1:' + ex.output.compact, w.trust);
    expect(v.outcome).toBe('refused');
    expect(v.reasons).toContain('UNSUPPORTED_ALG');
  });

  it('JOSE cookbook detached content and RFC 7797 b64:false are refused', async () => {
    const detached = readCorpusJson<{ output: { compact: string } }>('rfc-jws/ietf-jose-cookbook/jws/4_5.signature_with_detached_content.json');
    expect((await verifyCode('PHC1:' + detached.output.compact, w.trust)).reasons).toEqual(['MALFORMED']);
    const b64 = readCorpusJson<{ output: { compact: string } }>('rfc-jws/ietf-jose-cookbook/rfc7797/hmac-sha2_b64_false.json');
    const v = await verifyCode('PHC1:' + b64.output.compact, w.trust);
    expect(v.outcome).toBe('refused');
  });
});
