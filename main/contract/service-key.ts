// The central service's own public key as the kiosk pins it at enrollment
// (issue 16): it signs every receipt. Declared once, for the service that
// hands it out (central/service-key.ts) and the kiosk that pins it
// (main/sync/service-pin.ts).

/** A public P-256 key whose kid is its RFC 7638 thumbprint. */
export interface ServiceKeyJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}
