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
