// Check ids are UUIDv7 (RFC 9562 §5.7): globally unique without coordination,
// and ordered by time, which keeps the central service's index compact.
import { randomBytes } from 'node:crypto';

export function uuidv7(atMs: number): string {
  const b = randomBytes(16);
  const ms = BigInt(Math.max(0, Math.floor(atMs)));
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const UUID_V7_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
