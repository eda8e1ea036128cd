// The service's receipt for a stored batch (issue 16): a compact JWS
// (ES256, typ phc-receipt+jwt, kid = the service key's thumbprint) over
// what it stored of which batch of which device, and the chain head that
// batch reported. The answer to POST /v1/checks keeps spec §6's
// {"accepted","duplicate"} as they were and carries this beside them as
// "receipt"; a kiosk that pinned the service key at enrollment marks checks
// synced only on a receipt that verifies and names them
// (main/sync/receipt.ts reads it).
//
// Signed with Node's crypto, not jose's WebCrypto: one receipt a batch names
// up to 500 ids, and WebCrypto's round trip cost 0.4–0.5 ms of CPU for it
// against 0.08 ms here (8.7% of a service process's CPU in the benchmark's
// profile). The kiosk reads it with jose all the same: it is a plain compact JWS.
import { sign } from 'node:crypto';
import type { ChainHead } from './alerts.js';
import type { ServiceKey } from './service-key.js';

export const RECEIPT_TYP = 'phc-receipt+jwt';

/** What a receipt says, as signed. */
export interface ReceiptPayload {
  device: string;
  batch: string;
  /** Exactly the answer's lists: both mean stored. */
  accepted: string[];
  duplicate: string[];
  /** The chain head the batch carried, as received (null: it carried none, or none the service could read). */
  chain: ChainHead | null;
  /** When the service stored the batch, ISO-8601. */
  at: string;
}

export function signReceipt(key: ServiceKey, payload: ReceiptPayload): string {
  const doc: ReceiptPayload = {
    device: payload.device,
    batch: payload.batch,
    accepted: payload.accepted,
    duplicate: payload.duplicate,
    chain: payload.chain,
    at: payload.at,
  };
  const signingInput = `${Buffer.from(JSON.stringify({ alg: 'ES256', typ: RECEIPT_TYP, kid: key.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(doc)).toString('base64url')}`;
  // ieee-p1363: JWS's r‖s, not DER.
  const signature = sign('sha256', Buffer.from(signingInput), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}
