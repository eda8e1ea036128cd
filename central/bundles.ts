// Publishing a trust bundle: verified exactly as a kiosk will verify it
// (main/verify/trust.ts) against the root public key the operator pins
// here — the root's private key never comes near the service — and refused
// unless its seq is higher than the newest published, so a kiosk is never
// offered a rollback it would refuse anyway.
import { verifyBundle, type PinnedRoot } from '../main/verify/trust.js';
import type { CentralStore, PublishedBundle } from './store.js';

/** Throws BundleRefused (foreign-root, bad-signature, expired, rollback, malformed, …) and then publishes nothing. */
export async function publishBundle(store: CentralStore, jws: string, roots: readonly PinnedRoot[], nowMs: number): Promise<PublishedBundle> {
  const newest = await store.newestBundle();
  const snapshot = await verifyBundle(jws, roots, { nowS: nowMs / 1000, installedSeq: newest?.seq ?? null, allowExpired: false });
  return store.publishBundle(snapshot.info, snapshot.jws, nowMs);
}
