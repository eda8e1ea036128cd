// The service's receipt for a stored batch (issue 16): a compact JWS
// (ES256, typ phc-receipt+jwt, kid = the service key's thumbprint) over
// what it stored of which batch of which device, and the chain head that
// batch reported. The answer to POST /v1/checks keeps spec §6's
// {"accepted","duplicate"} as they were and carries this beside them as
// "receipt"; a kiosk that pinned the service key at enrollment marks checks
// synced only on a receipt that verifies and names them
// (main/sync/receipt.ts reads it).
import { CompactSign } from 'jose';
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

export function signReceipt(key: ServiceKey, payload: ReceiptPayload): Promise<string> {
  const doc: ReceiptPayload = {
    device: payload.device,
    batch: payload.batch,
    accepted: payload.accepted,
    duplicate: payload.duplicate,
    chain: payload.chain,
    at: payload.at,
  };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(doc))).setProtectedHeader({ alg: 'ES256', typ: RECEIPT_TYP, kid: key.kid }).sign(key.privateKey);
}
