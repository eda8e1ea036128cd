// Compact JWS (RFC 7515 §7.1) split and decoded strictly, without trusting
// anything in it yet. Shared by codes and trust bundles.
import { decodeBase64url } from './base64url.js';

export interface CompactParts {
  header: Record<string, unknown>;
  payloadBytes: Uint8Array;
  signature: Uint8Array;
  /** ASCII(BASE64URL(header) '.' BASE64URL(payload)): what was signed. */
  signingInput: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const ascii = new TextEncoder();

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses UTF-8 JSON and insists on an object; null for anything else. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | null {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return null;
  }
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Exactly three strict base64url segments with a JSON-object header and a
 * payload; null otherwise. An empty signature is let through (it verifies
 * nothing) so that `alg: none` is reported for its alg, not its shape.
 * `decode` must be as strict as decodeBase64url (the central service passes
 * Node's own decoder behind the same checks: a 500-check batch is 200 KB).
 */
export function splitCompact(jws: string, decode: (text: string) => Uint8Array | null = decodeBase64url): CompactParts | null {
  const first = jws.indexOf('.');
  const second = first < 0 ? -1 : jws.indexOf('.', first + 1);
  if (first <= 0 || second < 0 || jws.indexOf('.', second + 1) >= 0) return null;
  const h = jws.slice(0, first);
  const p = jws.slice(first + 1, second);
  const s = jws.slice(second + 1);
  if (p.length === 0) return null; // detached payloads are not allowed
  const headerBytes = decode(h);
  const payloadBytes = decode(p);
  const signature = decode(s);
  if (!headerBytes || !payloadBytes || !signature) return null;
  const header = parseJsonObject(headerBytes);
  if (!header) return null;
  return { header, payloadBytes, signature, signingInput: ascii.encode(jws.slice(0, second)) };
}
