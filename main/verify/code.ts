// A scanned text to a verification, whatever its format (formats.md §1):
// the size cap first, then the prefix chooses the verifier. Each verifier is
// staged (decode → structure → key lookup → signature → content) and pure;
// time rules are decide()'s, against the clock and the time floor.
import { formatOf, MAX_SCAN_CHARS, type CodeFormat } from '../contract/code.js';
import { verifyDcc } from './formats/dcc.js';
import { verifyPhc1 } from './formats/phc1.js';
import { verifyShc } from './formats/shc.js';
import type { TrustSnapshot } from './trust.js';
import { refused, type CodeVerification } from './verification.js';

export { CODE_TYP } from './formats/phc1.js';
export type { CodeOutcome, CodeVerification, Credential } from './verification.js';

const VERIFIERS: Readonly<Record<CodeFormat, (text: string, trust: TrustSnapshot | null) => Promise<CodeVerification>>> = {
  phc1: verifyPhc1,
  dcc: verifyDcc,
  shc: verifyShc,
};

export async function verifyCode(text: string, trust: TrustSnapshot | null): Promise<CodeVerification> {
  // Size before anything else: nothing over the cap is decoded at all.
  if (text.length > MAX_SCAN_CHARS) return refused('TOO_LARGE');
  const format = formatOf(text);
  if (format === null) return refused('NOT_PHC');
  return VERIFIERS[format](text, trust);
}
