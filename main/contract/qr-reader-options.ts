// How every QR decode in Sentinel is asked for, on the screen (decoder
// worker) and on the command line (`sentinel decode`): one QR code, the
// slower, more thorough search (camera frames are rarely clean).
export const QR_READER_OPTIONS = {
  formats: ['QRCode'],
  tryHarder: true,
  tryRotate: true,
  tryInvert: true,
  maxNumberOfSymbols: 1,
} as const;
