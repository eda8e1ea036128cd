// Trust bundles (spec §2): every refusal leaves the installed bundle in
// force, byte for byte; roots are pinned only with an accepted bundle.
import * as fs from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { DATA_FILES, DataDir } from '../../main/data-dir.js';
import { newSigningKey, signBundle } from '../../main/issuer/sign.js';
import { readRootKeys, TrustStore, TrustUnusable } from '../../main/trust/trust-store.js';
import { BundleRefused } from '../../main/verify/trust.js';
import { T0, DAY, makeWorld, type World } from '../fixtures/world.js';
import { tempDir } from '../fixtures/tmp.js';

let w: World;
let dir: DataDir;
let store: TrustStore;

beforeEach(async () => {
  w = await makeWorld({ seq: 17 });
  dir = DataDir.open(tempDir(), { create: true });
  store = new TrustStore(dir);
  await store.install(w.bundle, { nowS: T0, newRoots: w.roots });
});

function withPayload(over: Record<string, unknown>): Record<string, unknown> {
  return { ...w.bundlePayload, ...over };
}

async function expectRefusedKeepingOld(jws: string, problem: string, opts: { newRoots?: World['roots'] } = {}): Promise<void> {
  const before = fs.readFileSync(dir.path(DATA_FILES.bundle), 'utf8');
  const rootsBefore = fs.readFileSync(dir.path(DATA_FILES.roots), 'utf8');
  const err = await store.install(jws, { nowS: T0, ...opts }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(BundleRefused);
  expect((err as BundleRefused).problem).toBe(problem);
  expect(fs.readFileSync(dir.path(DATA_FILES.bundle), 'utf8')).toBe(before);
  expect(fs.readFileSync(dir.path(DATA_FILES.roots), 'utf8')).toBe(rootsBefore);
  expect((await store.load(T0))?.info.seq).toBe(17);
  expect(fs.readdirSync(dir.root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
}

describe('install', () => {
  it('installs a bundle and loads it back, verified, with keys imported', async () => {
    const loaded = await store.load(T0);
    expect(loaded?.info).toMatchObject({ seq: 17, iss: 'CN-NHC', rootKid: 'root-test-1' });
    expect([...loaded!.issuers.keys()]).toEqual(['CN-ZJ', 'CN-GD', 'CN-BJ']);
    expect(loaded!.issuers.get('CN-BJ')!.revokedKids.has('bj-2025-3')).toBe(true);
    expect(loaded!.issuers.get('CN-ZJ')!.keysByKid.get('zj-2026-1')!.key.type).toBe('public');
  });

  it('accepts a newer seq', async () => {
    await store.install(await signBundle(withPayload({ seq: 18 }), w.root), { nowS: T0 });
    expect((await store.load(T0))?.info.seq).toBe(18);
  });

  it('needs a pinned root', async () => {
    const fresh = new TrustStore(DataDir.open(tempDir(), { create: true }));
    await expect(fresh.install(w.bundle, { nowS: T0 })).rejects.toBeInstanceOf(TrustUnusable);
  });

  it('anti-rollback survives a deleted or damaged bundle file; the recorded seq itself repairs it', async () => {
    fs.rmSync(dir.path(DATA_FILES.bundle));
    await expect(store.install(await signBundle(withPayload({ seq: 5 }), w.root), { nowS: T0 })).rejects.toMatchObject({ problem: 'rollback' });
    fs.writeFileSync(dir.path(DATA_FILES.bundle), 'garbage');
    await expect(store.install(await signBundle(withPayload({ seq: 16 }), w.root), { nowS: T0 })).rejects.toMatchObject({ problem: 'rollback' });
    // Seq 17 is no rollback from the 17 recorded: it replaces the damaged file (as the load refusal says: "seq 17 or higher").
    await store.install(await signBundle(withPayload({ seq: 17 }), w.root), { nowS: T0 });
    expect((await store.load(T0))?.info.seq).toBe(17);
    // Over a bundle that loads, the same seq again is no change.
    await expect(store.install(await signBundle(withPayload({ seq: 17 }), w.root), { nowS: T0 })).rejects.toMatchObject({ problem: 'rollback' });
    await store.install(await signBundle(withPayload({ seq: 18 }), w.root), { nowS: T0 });
    expect((await store.load(T0))?.info.seq).toBe(18);
  });

  it("load takes a floor from the caller (the check log's record): a lower seq is refused, the same or higher loads and raises the file", async () => {
    await expect(store.load(T0, { minSeq: 18 })).rejects.toThrow(/seq 17\) is older than seq 18/);
    expect((await store.load(T0, { minSeq: 17 }))?.info.seq).toBe(17);
    fs.rmSync(dir.path('trust-highest-seq'));
    expect((await store.load(T0, { minSeq: 16 }))?.info.seq).toBe(17);
    expect(fs.readFileSync(dir.path('trust-highest-seq'), 'utf8')).toBe('17\n');
  });

  it('loads an installed bundle that has since expired (TRUST_EXPIRED is decided later)', async () => {
    const loaded = await store.load(T0 + 365 * DAY);
    expect(loaded?.info.seq).toBe(17);
  });

  it('a tampered bundle file on disk is unusable, not silently trusted', async () => {
    const text = fs.readFileSync(dir.path(DATA_FILES.bundle), 'utf8');
    const [h, p, s] = text.trim().split('.');
    fs.writeFileSync(dir.path(DATA_FILES.bundle), `${h}.${p}x.${s}`);
    await expect(store.load(T0)).rejects.toBeInstanceOf(TrustUnusable);
    // …and a good bundle replaces it.
    await store.install(await signBundle(withPayload({ seq: 18 }), w.root), { nowS: T0 });
    expect((await store.load(T0))?.info.seq).toBe(18);
  });
});

describe('refusals leave the old bundle in force', () => {
  it('rollback: same or lower seq', async () => {
    await expectRefusedKeepingOld(await signBundle(withPayload({ seq: 17 }), w.root), 'rollback');
    await expectRefusedKeepingOld(await signBundle(withPayload({ seq: 3 }), w.root), 'rollback');
  });

  it('foreign root', async () => {
    const foreign = await newSigningKey('ES256', 'root-evil');
    await expectRefusedKeepingOld(await signBundle(withPayload({ seq: 99 }), foreign), 'foreign-root');
    // Same kid as the pinned root, different key: the signature fails.
    const impostor = await newSigningKey('ES256', 'root-test-1');
    await expectRefusedKeepingOld(await signBundle(withPayload({ seq: 99 }), impostor), 'bad-signature');
  });

  it('a foreign root offered with --root is not pinned when its bundle is refused', async () => {
    const foreign = await newSigningKey('ES256', 'root-other');
    const foreignRoots = await readRootKeys(JSON.stringify(foreign.publicJwk), 'foreign');
    const expiredByForeign = await signBundle(withPayload({ seq: 99, iat: T0 - 10 * DAY, exp: T0 - DAY }), foreign);
    await expectRefusedKeepingOld(expiredByForeign, 'expired', { newRoots: foreignRoots });
    expect((await store.pinnedRoots()).map((r) => r.kid)).toEqual(['root-test-1']);
  });

  it("a different key under a pinned root's kid is refused", async () => {
    const impostor = await newSigningKey('ES256', 'root-test-1');
    const roots = await readRootKeys(JSON.stringify(impostor.publicJwk), 'impostor');
    await expectRefusedKeepingOld(await signBundle(withPayload({ seq: 99 }), impostor), 'foreign-root', { newRoots: roots });
  });

  it('private key material inside', async () => {
    const priv = JSON.parse(JSON.stringify(w.bundlePayload)) as { issuers: { keys: Record<string, unknown>[] }[] };
    priv.issuers[0]!.keys[0]!.d = 'c2VjcmV0';
    await expectRefusedKeepingOld(await signBundle({ ...priv, seq: 99 }, w.root), 'private-key');
    const sym = JSON.parse(JSON.stringify(w.bundlePayload)) as { issuers: { keys: Record<string, unknown>[] }[] };
    sym.issuers[1]!.keys.push({ kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' });
    await expectRefusedKeepingOld(await signBundle({ ...sym, seq: 99 }, w.root), 'private-key');
  });

  it('expired', async () => {
    await expectRefusedKeepingOld(await signBundle(withPayload({ seq: 99, iat: T0 - 10 * DAY, exp: T0 }), w.root), 'expired');
  });

  it.each([
    ['not a JWS', () => 'hello'],
    ['truncated', () => w.bundle.slice(0, 80)],
    ['seq not a number', () => signBundle(withPayload({ seq: '99' }), w.root)],
    ['exp before iat', () => signBundle(withPayload({ seq: 99, iat: T0 + DAY, exp: T0 }), w.root)],
    ['issuers missing', () => signBundle(withPayload({ seq: 99, issuers: undefined }), w.root)],
    ['issuer id with a space', () => signBundle(withPayload({ seq: 99, issuers: [{ id: 'zhe jiang', keys: [] }] }), w.root)],
    [
      'duplicate issuer',
      () =>
        signBundle(
          withPayload({
            seq: 99,
            issuers: [
              { id: 'CN-ZJ', keys: [] },
              { id: 'CN-ZJ', keys: [] },
            ],
          }),
          w.root,
        ),
    ],
    ['key without kid', () => signBundle(withPayload({ seq: 99, issuers: [{ id: 'CN-ZJ', keys: [{ ...w.zj.publicJwk, kid: undefined }] }] }), w.root)],
  ])('malformed: %s', async (_label, make) => {
    await expectRefusedKeepingOld(await make(), 'malformed');
  });

  it.each([
    ['a P-384 key', { kty: 'EC', crv: 'P-384', x: 'AA', y: 'AA', kid: 'k' }],
    ['an RSA key', { kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'k' }],
    ["alg not the key's", { kid: 'k', alg: 'EdDSA' }],
    ['not a point on the curve', { kid: 'k', x: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', y: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
    ['an encryption key', { kid: 'k', use: 'enc' }],
  ])('bad key: %s', async (_label, over) => {
    const key = { ...w.zj.publicJwk, ...over };
    await expectRefusedKeepingOld(await signBundle(withPayload({ seq: 99, issuers: [{ id: 'CN-ZJ', keys: [key] }] }), w.root), 'bad-key');
  });

  it('forbidden header members on a bundle', async () => {
    const { CompactSign } = await import('jose');
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(withPayload({ seq: 99 }))))
      .setProtectedHeader({ alg: 'ES256', kid: 'root-test-1', typ: 'phc-trust+jwt', jwk: w.root.publicJwk })
      .sign(w.root.privateKey);
    await expectRefusedKeepingOld(jws, 'forbidden-header');
    const wrongTyp = await new CompactSign(new TextEncoder().encode(JSON.stringify(withPayload({ seq: 99 }))))
      .setProtectedHeader({ alg: 'ES256', kid: 'root-test-1', typ: 'phc+jwt' })
      .sign(w.root.privateKey);
    await expectRefusedKeepingOld(wrongTyp, 'forbidden-header');
  });
});

describe('root keys', () => {
  it('refuses a root file holding a private key', async () => {
    const { exportPrivateJwk } = await import('../../main/issuer/sign.js');
    await expect(readRootKeys(JSON.stringify(await exportPrivateJwk(w.root)), 'root.jwk')).rejects.toThrow(/private key/);
  });
  it('reads a JWK set and names kid-less roots by thumbprint', async () => {
    const a = await newSigningKey('ES256', 'a');
    const b = await newSigningKey('EdDSA', 'b');
    const { kid: _kid, ...noKid } = b.publicJwk;
    const roots = await readRootKeys(JSON.stringify({ keys: [a.publicJwk, noKid] }), 'set');
    expect(roots.map((r) => r.alg)).toEqual(['ES256', 'EdDSA']);
    expect(roots[1]!.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
  it('pins several roots: a bundle from a second pinned root installs', async () => {
    const second = await newSigningKey('EdDSA', 'root-test-2');
    const roots = await readRootKeys(JSON.stringify(second.publicJwk), 'second');
    await store.install(await signBundle(withPayload({ seq: 30 }), second), { nowS: T0, newRoots: roots });
    expect((await store.pinnedRoots()).map((r) => r.kid)).toEqual(['root-test-1', 'root-test-2']);
    await store.install(await signBundle(withPayload({ seq: 31 }), w.root), { nowS: T0 });
    expect((await store.load(T0))?.info).toMatchObject({ seq: 31, rootKid: 'root-test-1' });
  });
});
