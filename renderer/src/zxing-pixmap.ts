// Grey pixels read where they lie, in ZXing's own memory. The public
// readBarcodes takes RGBA only and converts it to grey itself; a camera's Y
// plane is grey already, so the worker copies it straight into the decoder's
// heap and reads it there.
//
// This is zxing-wasm's internal API (`readBarcodesFromPixmap`, `_malloc`,
// `_free`, `HEAPU8`; in 3.1.6 the pixmap is 8-bit luma). Two guards:
// test/renderer/zxing-pixmap.test.ts fails if the installed module stops
// exposing it or reading luma, and the worker falls back to readBarcodes
// when it is missing or misreads its warm-up code.
import {
  BINARIZERS,
  CHARACTER_SETS,
  EAN_ADD_ON_SYMBOLS,
  TEXT_MODES,
  defaultReaderOptions,
  encodeFormats,
  type ReaderOptions,
  type ZXingReaderOptions,
  type ZXingReadResult,
  type ZXingVector,
} from 'zxing-wasm/reader';
import { chooseHit, type QrHit } from '../../main/contract/qr-decode-plan.js';

/** What of the compiled module this file uses. */
interface PixmapModule {
  readBarcodesFromPixmap(ptr: number, width: number, height: number, options: ZXingReaderOptions): ZXingVector<ZXingReadResult>;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
}

/** Reader options as the compiled module takes them (enums as indexes): what zxing-wasm does before each read, done once here. */
export function zxingReaderOptions(options: ReaderOptions): ZXingReaderOptions {
  const o = { ...defaultReaderOptions, ...options };
  return {
    ...o,
    formats: encodeFormats(o.formats),
    binarizer: BINARIZERS.indexOf(o.binarizer),
    eanAddOnSymbol: EAN_ADD_ON_SYMBOLS.indexOf(o.eanAddOnSymbol),
    textMode: TEXT_MODES.indexOf(o.textMode),
    characterSet: CHARACTER_SETS.indexOf(o.characterSet),
    tryCode39ExtendedMode: o.tryCode39ExtendedMode ?? true,
  };
}

export class PixmapReader {
  /** Heap buffers kept from frame to frame: 0 the frame, 1 the region pass's image. */
  private readonly buffers = [
    { ptr: 0, bytes: 0 },
    { ptr: 0, bytes: 0 },
  ];

  private constructor(private readonly module: PixmapModule) {}

  /** The reader over a prepared module, or null when the module lacks the internal API. */
  static from(module: unknown): PixmapReader | null {
    const m = module as Partial<PixmapModule> | null;
    const ok = typeof m?.readBarcodesFromPixmap === 'function' && typeof m._malloc === 'function' && typeof m._free === 'function' && m.HEAPU8 instanceof Uint8Array;
    return ok ? new PixmapReader(m as PixmapModule) : null;
  }

  /**
   * `bytes` of the heap, kept from frame to frame (grown, never shrunk), as a
   * fresh view: growing the heap detaches older views, so take one per frame
   * and allocate nothing else while it is in use.
   */
  buffer(bytes: number, slot: 0 | 1 = 0): { ptr: number; view: Uint8Array } {
    const b = this.buffers[slot]!;
    if (bytes > b.bytes) {
      if (b.ptr) this.module._free(b.ptr);
      b.ptr = this.module._malloc(bytes);
      b.bytes = b.ptr ? bytes : 0;
      if (!b.ptr) throw new Error(`the decoder could not allocate ${bytes} bytes`);
    }
    return { ptr: b.ptr, view: this.module.HEAPU8.subarray(b.ptr, b.ptr + bytes) };
  }

  /** The whole heap as it is now (for moving rows inside it). */
  heap(): Uint8Array {
    return this.module.HEAPU8;
  }

  /** Every code found in `width × height` grey bytes at `ptr`, read or (with returnErrors) not, as plain data. */
  hits(ptr: number, width: number, height: number, options: ZXingReaderOptions): QrHit[] {
    const found = this.module.readBarcodesFromPixmap(ptr, width, height, options);
    try {
      const hits: QrHit[] = [];
      for (let i = 0; i < found.size(); i++) {
        const r = found.get(i);
        if (r) hits.push({ isValid: r.isValid, text: r.text, position: r.position });
      }
      return hits;
    } finally {
      found.delete();
    }
  }

  /** The text of the code the plan chooses (the largest valid one), or null. */
  read(ptr: number, width: number, height: number, options: ZXingReaderOptions): string | null {
    return chooseHit(this.hits(ptr, width, height, options))?.text ?? null;
  }
}
