// The installed trust bundle and the pinned root keys of one data directory.
// Installing is all or nothing: a refused bundle leaves the old one in force.
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { DataDir } from '../data-dir.js';
import { DATA_FILES } from '../data-dir.js';
import { BundleRefused, importPublicKey, verifyBundle, type PinnedRoot, type TrustSnapshot } from '../verify/trust.js';
import { isJsonObject } from '../verify/jws.js';

/** The installed bundle or the pinned roots cannot be used (CLI exit 78). */
export class TrustUnusable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustUnusable';
  }
}

/** Reads a root key file: one public JWK, or a JWK set `{"keys":[…]}`. */
export async function readRootKeys(text: string, source: string): Promise<PinnedRoot[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new TrustUnusable(`${source} is not JSON`);
  }
  const list = isJsonObject(doc) && Array.isArray(doc.keys) ? (doc.keys as unknown[]) : [doc];
  const roots: PinnedRoot[] = [];
  for (const [i, jwk] of list.entries()) {
    const where = list.length > 1 ? `${source} key ${i}` : source;
    if (!isJsonObject(jwk)) throw new TrustUnusable(`${where} is not a JWK`);
    try {
      const { alg, key } = await importPublicKey(jwk, where);
      // A root without a kid is named by its RFC 7638 thumbprint.
      const kid = typeof jwk.kid === 'string' && jwk.kid.length > 0 ? jwk.kid : await calculateJwkThumbprint(jwk as JWK);
      const { kty, crv, x, y } = jwk as Record<string, string>;
      const pub: JWK = y === undefined ? { kty, crv, x, kid, alg } : { kty, crv, x, y, kid, alg };
      roots.push({ kid, alg, key, jwk: pub });
    } catch (err) {
      if (err instanceof BundleRefused) throw new TrustUnusable(err.message.replace('holds private key material', 'holds a private key: pin only the public key'));
      throw err;
    }
  }
  return roots;
}

const HIGHEST_SEQ_FILE = 'trust-highest-seq';

/**
 * What the check log remembers of the bundles in force here
 * (CheckLog.highestBundleSeq): a record in its keyed chain, which deleting
 * `trust-highest-seq` does not erase. A structural type: trust sits below
 * the log and does not import it.
 */
export interface BundleSeqRecord {
  highestBundleSeq(): number | null;
}

export class TrustStore {
  /**
   * `log`: the data directory's open check log. Every load and install of
   * this store then enforces its record, without each call having to pass
   * it. Give it wherever the log is open; a store without it knows only
   * `trust-highest-seq` (and a `minSeq` given to load).
   */
  constructor(
    private readonly dir: DataDir,
    private readonly log?: BundleSeqRecord,
  ) {}

  async pinnedRoots(): Promise<PinnedRoot[]> {
    const text = this.dir.readText(DATA_FILES.roots);
    return text === null ? [] : readRootKeys(text, this.dir.path(DATA_FILES.roots));
  }

  /**
   * The installed bundle, re-verified against the pinned roots; null when
   * none is installed. A bundle older than one already installed here is
   * refused like a tampered one: an older, validly signed bundle copied over
   * the installed file would otherwise bring back the keys revoked since.
   *
   * "Already installed" is the highest of `trust-highest-seq`, the check
   * log's record (CheckLog.highestBundleSeq — the bundle seq of the checks
   * and trust/installed events in its keyed chain) given at construction,
   * and `minSeq`, so that deleting one file does not erase it.
   */
  async load(nowS: number, opts: { minSeq?: number | null } = {}): Promise<TrustSnapshot | null> {
    const jws = this.dir.readText(DATA_FILES.bundle);
    if (jws === null) return null;
    const roots = await this.pinnedRoots();
    let snapshot: TrustSnapshot;
    try {
      snapshot = await verifyBundle(jws, roots, { nowS, installedSeq: null, allowExpired: true });
    } catch (err) {
      if (err instanceof BundleRefused) {
        throw new TrustUnusable(`the installed trust bundle no longer verifies (${err.message}); install a new one`);
      }
      throw err;
    }
    const recorded = this.highestSeq('strict');
    const highest = highestOf(recorded, this.logSeq(), opts.minSeq ?? null);
    if (highest !== null && snapshot.info.seq < highest) {
      throw new TrustUnusable(
        `the installed trust bundle (seq ${snapshot.info.seq}) is older than seq ${highest}, already installed here: an older bundle was put in its place; install one with seq ${highest} or higher`,
      );
    }
    // A bundle installed before this record was kept (or with the record lost) sets it from now on.
    if (recorded === null || snapshot.info.seq > recorded) this.dir.writeAtomic(HIGHEST_SEQ_FILE, `${snapshot.info.seq}\n`, 0o600);
    return snapshot;
  }

  /**
   * Verifies and installs a bundle; `newRoots` are pinned along with it, and
   * only if it is accepted. Throws BundleRefused, leaving everything as it was.
   */
  async install(jws: string, opts: { nowS: number; newRoots?: PinnedRoot[] }): Promise<TrustSnapshot> {
    const pinned = await this.pinnedRoots();
    const added = (opts.newRoots ?? []).filter((r) => !pinned.some((p) => p.kid === r.kid));
    for (const r of opts.newRoots ?? []) {
      const same = pinned.find((p) => p.kid === r.kid);
      if (same && JSON.stringify(same.jwk) !== JSON.stringify(r.jwk)) {
        throw new BundleRefused('foreign-root', `a different root with kid "${r.kid}" is already pinned here`);
      }
    }
    const roots = [...pinned, ...added];
    if (roots.length === 0) throw new TrustUnusable('no root key is pinned here: give one with --root JWK-FILE');
    let loadedSeq: number | null = null;
    try {
      loadedSeq = (await this.load(opts.nowS))?.info.seq ?? null;
    } catch (err) {
      // A damaged (or older, put back) installed bundle is replaced by a good one — but never by an older one.
      if (!(err instanceof TrustUnusable)) throw err;
    }
    // Newer than the bundle in force (the same again is no change); never older than the records —
    // the file's (a damaged one is rewritten by the bundle installed now) and the log's, which hold
    // when the installed bundle did not load. The recorded seq itself repairs a bundle that did not.
    const floor = highestOf(this.highestSeq('lenient'), this.logSeq());
    const snapshot = await verifyBundle(jws, roots, { nowS: opts.nowS, installedSeq: loadedSeq, allowExpired: false });
    if (floor !== null && snapshot.info.seq < floor) {
      throw new BundleRefused('rollback', `the bundle's seq ${snapshot.info.seq} is older than seq ${floor}, already installed here`);
    }
    // Roots first: a bundle on disk must never be signed by an unpinned root.
    if (added.length > 0) {
      this.dir.writeAtomic(DATA_FILES.roots, JSON.stringify({ keys: roots.map((r) => r.jwk) }, null, 2) + '\n', 0o600);
    }
    this.dir.writeAtomic(DATA_FILES.bundle, snapshot.jws + '\n', 0o600);
    this.dir.writeAtomic(HIGHEST_SEQ_FILE, `${snapshot.info.seq}\n`, 0o600);
    return snapshot;
  }

  private logSeq(): number | null {
    return this.log?.highestBundleSeq() ?? null;
  }

  /**
   * The highest seq ever installed here: anti-rollback survives a deleted or
   * damaged bundle file. Null only when there is no record; a record that
   * is not a seq is not "no record" (that would let load write a lower one
   * over it): load refuses it ('strict'), install replaces it ('lenient').
   */
  private highestSeq(mode: 'strict' | 'lenient'): number | null {
    const text = this.dir.readText(HIGHEST_SEQ_FILE);
    if (text === null) return null;
    const trimmed = text.trim();
    const seq = /^\d{1,15}$/.test(trimmed) ? Number(trimmed) : NaN;
    if (Number.isSafeInteger(seq)) return seq;
    if (mode === 'lenient') return null;
    throw new TrustUnusable(
      `${this.dir.path(HIGHEST_SEQ_FILE)} (the highest trust bundle seq installed here) is damaged; install the newest trust bundle again (sentinel trust install) to rewrite it`,
    );
  }
}

function highestOf(...seqs: (number | null)[]): number | null {
  const known = seqs.filter((s): s is number => s !== null);
  return known.length === 0 ? null : Math.max(...known);
}
