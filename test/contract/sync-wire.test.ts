// The text rules a check crosses to the service under (main/contract/sync-wire.ts):
// what PostgreSQL cannot store becomes U+FFFD, and a cut never splits a character.
import { describe, expect, it } from 'vitest';
import { storableText, wireText } from '../../main/contract/sync-wire.js';

describe('text on the wire', () => {
  it('replaces NUL and lone surrogates, keeps pairs and everything else as it is', () => {
    expect(storableText('CN-ZJ')).toBe('CN-ZJ');
    expect(storableText('a\u0000b\u0000')).toBe('a\uFFFDb\uFFFD');
    expect(storableText('\uD800x\uDC00')).toBe('\uFFFDx\uFFFD');
    expect(storableText('\uDC00\uD800')).toBe('\uFFFD\uFFFD');
    expect(storableText('😀 浙江')).toBe('😀 浙江');
  });

  it('cuts to the limit in UTF-16 units without leaving half a pair', () => {
    expect(wireText(null, 4)).toBeNull();
    expect(wireText('abcdef', 4)).toBe('abcd');
    expect(wireText('abc😀', 5)).toBe('abc😀');
    expect(wireText('abc😀z', 5)).toBe('abc😀');
    expect(wireText('abc😀z', 4)).toBe('abc');
    expect(wireText('ab😀z', 3)).toBe('ab');
    expect(wireText('a\u0000😀', 2)).toBe('a\uFFFD');
  });
});
