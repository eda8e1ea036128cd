// The holder is logged only as a keyed pseudonym: HMAC-SHA256 over issuer
// and subject with a per-kiosk secret. The same holder maps to the same
// value on this kiosk (anti-passback works), and to nothing anyone without
// the secret can reverse or link across kiosks.
import { createHmac } from 'node:crypto';
import { DATA_FILES, type DataDir } from '../data-dir.js';

export const HOLDER_SECRET_BYTES = 32;

export class HolderPseudonym {
  constructor(private readonly secret: Uint8Array) {
    if (secret.length < 16) throw new Error('the holder secret is too short');
  }

  static forDataDir(dir: DataDir): HolderPseudonym {
    return new HolderPseudonym(dir.secret(DATA_FILES.holderSecret, HOLDER_SECRET_BYTES));
  }

  of(issuer: string, subject: string): string {
    // The NUL separator keeps ("CN-Z", "Jx") and ("CN-ZJ", "x") apart.
    return createHmac('sha256', this.secret).update(`${issuer}\u0000${subject}`, 'utf8').digest('base64url');
  }
}
