// Option parsing: a 43-character base64url value (a device id, an enrollment
// token) that happens to begin with "-" is a value, never an option.
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../main/cli/options.js';
import { UsageError } from '../../main/cli/exit-codes.js';

const ID = '-SxkCQ3pDzb5ODxYzW3f0ELRr_e5xwMz1v7gJ0iR6cI';

describe('parseCommand', () => {
  it('takes a dashed device id as the positional it is, in its place', () => {
    expect(ID).toHaveLength(43);
    const { positionals, values } = parseCommand(['revoke', ID, '--data', '/d'], {}, 3);
    expect(positionals).toEqual(['revoke', ID]);
    expect(values.data).toBe('/d');
  });

  it('takes a dashed id as the value of an option that wants one', () => {
    const { positionals, values } = parseCommand(['checks', '--device', ID, '--json'], { device: { type: 'string' } }, 3);
    expect(positionals).toEqual(['checks']);
    expect(values).toMatchObject({ device: ID, json: true });
  });

  it('puts back each dashed value of an option given more than once (a list of roots)', () => {
    const other = `-${'a'.repeat(42)}`;
    const { values } = parseCommand(['install', 'b.jws', '--root', ID, '--root', 'plain.jwk', '--root', other], { root: { type: 'string', multiple: true } }, 2);
    expect(values.root).toEqual([ID, 'plain.jwk', other]);
  });

  it('takes a 43-character word beginning "--" as a value too (an id can begin so): a command refuses it as a stray argument', () => {
    const long = `--${'x'.repeat(41)}`;
    expect(parseCommand(['revoke', long], {}, 3).positionals).toEqual(['revoke', long]);
    expect(() => parseCommand(['status', long], {}, 1)).toThrow(`unexpected argument "${long}"`);
  });

  it('still refuses an unknown short option, and a dashed word of another length', () => {
    expect(() => parseCommand(['revoke', '-S'], {}, 3)).toThrow(UsageError);
    expect(() => parseCommand(['revoke', ID.slice(0, 42)], {}, 3)).toThrow(/Unknown option/);
    expect(() => parseCommand(['revoke', `${ID}x`], {}, 3)).toThrow(/Unknown option/);
  });

  it('leaves what follows "--" as it is', () => {
    expect(parseCommand(['revoke', '--', ID], {}, 3).positionals).toEqual(['revoke', ID]);
  });
});
