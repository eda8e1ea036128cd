import { describe, expect, it } from 'vitest';
import { pinWeakness } from '../../main/contract/pin-rule.js';

describe('the PIN rule', () => {
  it.each([
    ['12345', 'format'],
    ['1234567890123', 'format'],
    ['12a456', 'format'],
    ['１２３４５６', 'format'],
    ['', 'format'],
    ['000000', 'repeated'],
    ['777777777777', 'repeated'],
    ['123456', 'run'],
    ['890123', 'run'],
    ['654321', 'run'],
    ['210987', 'run'],
  ] as const)('%s is refused (%s)', (pin, why) => expect(pinWeakness(pin)).toBe(why));

  it.each(['482915', '135790', '112233', '123457', '902118731204'])('%s is accepted', (pin) => expect(pinWeakness(pin)).toBeNull());
});
