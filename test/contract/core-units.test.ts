// Small units the bigger suites lean on: strict base64url, the messages of
// every reason, the verdict order, the data directory's atomic writes, and
// the layering lint rules themselves.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { LANGS, reasonMessage, verdictWord } from '../../main/contract/messages.js';
import { REASON_CODES, REASON_VERDICT, VERDICTS, worstVerdict } from '../../main/contract/reasons.js';
import { DataDir, DataDirError, defaultDataDir } from '../../main/data-dir.js';
import { decodeBase64url, encodeBase64url } from '../../main/verify/base64url.js';
import { ROOT } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/tmp.js';

describe('base64url', () => {
  it('round-trips every length and agrees with Buffer', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = new Uint8Array(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      const text = encodeBase64url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(decodeBase64url(text)).toEqual(bytes);
    }
  });
  it.each(['A', 'AAAAA', 'QQ==', 'Q=', 'a+b/', 'ab c', 'QR', 'QUF', 'é', 'AB\n'])('refuses %j', (text) => {
    expect(decodeBase64url(text)).toBeNull();
  });
  it('accepts the empty string as no bytes', () => {
    expect(decodeBase64url('')).toEqual(new Uint8Array(0));
  });
});

describe('reasons and messages', () => {
  it('every reason code has a distinct plain sentence in zh-CN and en', () => {
    for (const lang of LANGS) {
      const seen = new Set<string>();
      for (const code of REASON_CODES) {
        const m = reasonMessage(code, lang);
        expect(m.length, `${lang} ${code}`).toBeGreaterThan(4);
        expect(seen.has(m), `${lang} ${code} repeats another message`).toBe(false);
        seen.add(m);
      }
      for (const v of VERDICTS) expect(verdictWord(v, lang).length).toBeGreaterThan(0);
    }
    expect(reasonMessage('UNKNOWN_ISSUER', 'en')).toMatch(/not recognised here/);
  });
  it('the table of spec §4 verdicts', () => {
    expect(REASON_VERDICT.UNKNOWN_ISSUER).toBe('review');
    expect(REASON_VERDICT.TEMPERATURE_MISSING).toBe('review');
    expect(REASON_VERDICT.CLOCK_UNTRUSTED).toBe('review');
    expect(REASON_VERDICT.BAD_SIGNATURE).toBe('deny');
    expect(REASON_VERDICT.FEVER).toBe('policy');
  });
  it('deny > review > admit', () => {
    expect(worstVerdict([])).toBe('admit');
    expect(worstVerdict(['admit', 'review'])).toBe('review');
    expect(worstVerdict(['review', 'deny', 'admit'])).toBe('deny');
  });
});

describe('data directory', () => {
  it('writes whole files atomically and leaves no temporary files', () => {
    const dir = DataDir.open(path.join(tempDir(), 'new', 'nested'), { create: true });
    dir.writeAtomic('a.json', '{"v":1}', 0o640);
    dir.writeAtomic('a.json', '{"v":2}', 0o640);
    expect(dir.readText('a.json')).toBe('{"v":2}');
    expect(fs.readdirSync(dir.root)).toEqual(['a.json']);
    expect(fs.statSync(dir.root).mode & 0o777).toBe(0o700);
  });
  it('makes a secret once, 0600, and tightens loosened permissions', () => {
    const dir = DataDir.open(tempDir(), { create: true });
    const a = dir.secret('s', 32);
    expect(dir.secret('s', 32)).toEqual(a);
    fs.chmodSync(dir.path('s'), 0o644);
    expect(dir.secret('s', 32)).toEqual(a);
    expect(fs.statSync(dir.path('s')).mode & 0o777).toBe(0o600);
    fs.writeFileSync(dir.path('s'), 'short');
    expect(() => dir.secret('s', 32)).toThrow(DataDirError);
  });
  it('createExclusive never replaces an existing file', () => {
    const dir = DataDir.open(tempDir(), { create: true });
    expect(dir.createExclusive('k', 'first')).toBe(true);
    expect(dir.createExclusive('k', 'second')).toBe(false);
    expect(dir.readText('k')).toBe('first');
  });
  it('refuses a missing folder without create, and a file', () => {
    expect(() => DataDir.open(path.join(tempDir(), 'missing'), { create: false })).toThrow(/does not exist/);
    const file = path.join(tempDir(), 'f');
    fs.writeFileSync(file, '');
    expect(() => DataDir.open(file, { create: false })).toThrow(/not a directory/);
  });
  it("defaults to the platform's app-data folder, or $SENTINEL_DATA", () => {
    expect(defaultDataDir({ SENTINEL_DATA: '/srv/sentinel' }, 'linux')).toBe('/srv/sentinel');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/home/k/.cfg' }, 'linux')).toBe('/home/k/.cfg/sentinel');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\k\\AppData\\Roaming' }, 'win32')).toContain('sentinel');
    expect(defaultDataDir({}, 'darwin')).toMatch(/Library\/Application Support\/sentinel$/);
  });
});

describe('layering lint', () => {
  const eslint = new ESLint({ cwd: ROOT });
  const lint = async (file: string, code: string): Promise<string[]> => (await eslint.lintText(code, { filePath: path.join(ROOT, file) }))[0]!.messages.map((m) => m.ruleId ?? m.message);

  it('the pure core may not touch node, native modules, other layers or the clock', async () => {
    expect(await lint('main/verify/x.ts', "import * as fs from 'node:fs';\nexport const a = fs;\n")).toContain('no-restricted-imports');
    expect(await lint('main/decide/x.ts', "import Database from 'better-sqlite3';\nexport const a = Database;\n")).toContain('no-restricted-imports');
    expect(await lint('main/verify/x.ts', "import { CheckLog } from '../log/check-log.js';\nexport const a = CheckLog;\n")).toContain('no-restricted-imports');
    expect(await lint('main/decide/x.ts', 'export const now = Date.now();\n')).toContain('no-restricted-syntax');
    expect(await lint('main/contract/x.ts', "import { importJWK } from 'jose';\nexport const a = importJWK;\n")).toContain('no-restricted-imports');
    expect(await lint('main/verify/x.ts', "import { importJWK } from 'jose';\nexport const a = importJWK;\n")).toEqual([]);
  });
  it('only drivers/bindings.ts imports the device libraries', async () => {
    expect(await lint('drivers/thermometer/x.ts', "import { SerialPort } from 'serialport';\nexport const a = SerialPort;\n")).toContain('no-restricted-imports');
    expect(await lint('main/kiosk/x.ts', "import HID from 'node-hid';\nexport const a = HID;\n")).toContain('no-restricted-imports');
    expect(await lint('drivers/bindings.ts', "import { SerialPort } from 'serialport';\nexport const a = SerialPort;\n")).toEqual([]);
  });
  it('drivers and renderer keep to their side', async () => {
    expect(await lint('drivers/x.ts', "import { CheckLog } from '../main/log/check-log.js';\nexport const a = CheckLog;\n")).toContain('no-restricted-imports');
    expect(await lint('renderer/x.ts', "import * as fs from 'node:fs';\nexport const a = fs;\n")).toContain('no-restricted-imports');
    expect(await lint('renderer/src/x.ts', "import { DEFAULT_POLICY } from '../../main/contract/policy.js';\nexport const a = DEFAULT_POLICY;\n")).toContain(
      '@typescript-eslint/no-restricted-imports',
    );
    expect(await lint('renderer/src/x.ts', "import type { Policy } from '../../main/contract/policy.js';\nexport type A = Policy;\n")).toEqual([]);
    expect(await lint('main/checkpoint/x.ts', "import { x } from '../../renderer/x.js';\nexport const a = x;\n")).toContain('no-restricted-imports');
  });
});
