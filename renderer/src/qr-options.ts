// How the screen asks for a QR decode. The same as `sentinel decode`'s
// (main/contract/qr-reader-options.ts): the screen takes only types from
// main, so the values are repeated here and a test keeps the two equal.
export const SCREEN_QR_OPTIONS = { formats: ['QRCode'], tryHarder: true, tryRotate: true, tryInvert: true, maxNumberOfSymbols: 1 } as const;
