import { describe, expect, it } from 'vitest';
import { typeKey } from '../../renderer/src/technician/on-screen-keyboard.js';

describe('the on-screen keyboard’s keys', () => {
  it('types at the caret and moves it on', () => {
    expect(typeKey('Gate', 4, 4, { insert: ' 9' })).toEqual({ value: 'Gate 9', caret: 6 });
    expect(typeKey('Gte', 1, 1, { insert: 'a' })).toEqual({ value: 'Gate', caret: 2 });
  });

  it('replaces a selection', () => {
    expect(typeKey('Gate 9', 5, 6, { insert: '12' })).toEqual({ value: 'Gate 12', caret: 7 });
    // A selection made backwards is the same selection.
    expect(typeKey('Gate 9', 6, 5, { insert: '3' })).toEqual({ value: 'Gate 3', caret: 6 });
  });

  it('deletes the character before the caret, or the selection, and nothing before the start', () => {
    expect(typeKey('Gate', 4, 4, 'back')).toEqual({ value: 'Gat', caret: 3 });
    expect(typeKey('Gate', 1, 3, 'back')).toEqual({ value: 'Ge', caret: 1 });
    expect(typeKey('Gate', 0, 0, 'back')).toEqual({ value: 'Gate', caret: 0 });
    expect(typeKey('', 0, 0, 'back')).toEqual({ value: '', caret: 0 });
  });

  it('keeps a caret past the end (a number field has none) at the end', () => {
    expect(typeKey('36.', 99, 99, { insert: '5' })).toEqual({ value: '36.5', caret: 4 });
  });
});
