// The central service's receipt for a batch (issue 16), checked on the
// kiosk: a compact JWS (ES256, typ phc-receipt+jwt, kid = the service key's
// thumbprint) over {device, batch, accepted, duplicate, chain, at}, sent as
// `receipt` beside spec §6's lists. A kiosk that pinned the service key at
// enrollment (service-pin.ts) takes an answer as stored only when its
// receipt verifies with that key, is for this device and this batch, and
// names exactly the ids the answer lists: anything else is "nothing known
// stored", and the batch is sent again. The service signs it in
// central/receipts.ts.
import { checkSignature } from '../verify/signature.js';
import { isJsonObject, parseJsonObject, splitCompact } from '../verify/jws.js';

export const RECEIPT_TYP = 'phc-receipt+jwt';
/** A receipt names at most a batch's ids (600, about 30 KB): longer is not one. */
export const MAX_RECEIPT_CHARS = 256 * 1024;

export interface ReceiptExpectation {
  device: string;
  batch: string;
  /** The answer's own lists, which the receipt must name exactly. */
  accepted: readonly string[];
  duplicate: readonly string[];
}

export type ReceiptVerdict = { ok: true; at: string | null } | { ok: false; reason: string };

const refused = (reason: string): ReceiptVerdict => ({ ok: false, reason });
const idList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((id) => right.has(id));
}

/** Does `receipt` vouch for this answer, under the pinned key? Never throws. */
export async function checkReceipt(receipt: unknown, pinned: { kid: string; key: CryptoKey }, expect: ReceiptExpectation): Promise<ReceiptVerdict> {
  if (receipt === undefined || receipt === null) return refused('the answer carries no receipt');
  if (typeof receipt !== 'string' || receipt.length > MAX_RECEIPT_CHARS) return refused('the receipt is not a compact JWS');
  const parts = splitCompact(receipt);
  if (!parts) return refused('the receipt is not a compact JWS');
  const { header } = parts;
  if (Object.keys(header).some((m) => m !== 'alg' && m !== 'kid' && m !== 'typ') || header.typ !== RECEIPT_TYP || header.alg !== 'ES256') {
    return refused(`the receipt's header is not a ${RECEIPT_TYP} (ES256, alg/kid/typ only)`);
  }
  if (header.kid !== pinned.kid) {
    return refused(`the receipt is signed by key ${String(header.kid).slice(0, 64)}, not by the service key pinned at enrollment (${pinned.kid}): enroll again if the service's key changed`);
  }
  if (!(await checkSignature('ES256', pinned.key, parts.signingInput, parts.signature))) return refused("the receipt's signature does not verify with the pinned service key");
  const doc = parseJsonObject(parts.payloadBytes);
  if (!doc) return refused("the receipt's payload is not a JSON object");
  if (doc.device !== expect.device) return refused('the receipt is for another device');
  if (typeof doc.batch !== 'string' || doc.batch.toLowerCase() !== expect.batch.toLowerCase()) return refused('the receipt is for another batch');
  if (!idList(doc.accepted) || !idList(doc.duplicate)) return refused('the receipt does not list what was stored');
  if (!sameIds(doc.accepted, expect.accepted) || !sameIds(doc.duplicate, expect.duplicate)) return refused('the receipt does not name exactly the ids the answer lists as stored');
  return { ok: true, at: typeof doc.at === 'string' ? doc.at : null };
}

/** The answer to a push (spec §6 and the receipt beside it); null when it is not one. */
/**
 * Why the service held the first of the batch's checks back (its `heldBack`
 * list beside spec §6's), cut for a status line; null when it held nothing
 * back or said nothing readable. Only shown, never trusted for anything.
 */
function heldBackReason(raw: unknown): string | null {
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const first: unknown = raw[0];
  const reason = isJsonObject(first) && typeof first.reason === 'string' ? first.reason.slice(0, 200) : 'no reason given';
  return `the service held back ${raw.length} (${reason})`;
}

export function readPushAnswer(body: string): { accepted: string[]; duplicate: string[]; receipt: unknown; heldBack: string | null } | null {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return null;
  }
  if (!isJsonObject(doc) || !idList(doc.accepted) || !idList(doc.duplicate)) return null;
  return { accepted: doc.accepted, duplicate: doc.duplicate, receipt: doc.receipt, heldBack: heldBackReason(doc.heldBack) };
}
