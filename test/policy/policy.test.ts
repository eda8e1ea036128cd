// The checkpoint policy (spec §3): defaults, validation naming the field,
// versions, and a refused policy leaving the old one in force.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parsePolicy } from '../../main/contract/policy.js';
import { DATA_FILES, DataDir } from '../../main/data-dir.js';
import { PolicyRefused, PolicyStore, PolicyUnusable } from '../../main/policy/policy-store.js';
import { tempDir } from '../fixtures/tmp.js';

describe('parsePolicy', () => {
  it('the spec example is the defaults', () => {
    const example = {
      acceptIssuers: ['*'],
      onStatus: { green: 'admit', yellow: 'review', red: 'deny' },
      maxCodeAgeSeconds: 300,
      clockSkewSeconds: 60,
      temperature: 'required',
      feverThresholdC: 37.3,
      onFever: 'deny',
      natMaxAgeHours: null,
      trustMaxAgeDays: 7,
      antiPassbackSeconds: 0,
    };
    // The spec's fields are the defaults; formats.md's members take theirs (§4), and the one extension field (unsyncedMaxAgeDays) its own.
    expect(parsePolicy(example)).toEqual({ ok: true, policy: { ...example, acceptFormats: ['phc1', 'dcc', 'shc'], dccAccept: ['v', 't', 'r'], unsyncedMaxAgeDays: 90 } });
    expect(parsePolicy({})).toEqual({ ok: true, policy: DEFAULT_POLICY });
  });

  it('missing fields take defaults; a partial onStatus keeps the other statuses', () => {
    const r = parsePolicy({ onStatus: { yellow: 'deny' }, natMaxAgeHours: 72, acceptIssuers: ['CN-ZJ', 'CN-GD'] });
    expect(r).toMatchObject({ ok: true, policy: { onStatus: { green: 'admit', yellow: 'deny', red: 'deny' }, natMaxAgeHours: 72, maxCodeAgeSeconds: 300 } });
  });

  it.each([
    [[], '(document)'],
    ['policy', '(document)'],
    [{ feverThreshold: 37.5 }, 'feverThreshold'],
    [{ acceptIssuers: 'CN-ZJ' }, 'acceptIssuers'],
    [{ acceptIssuers: [] }, 'acceptIssuers'],
    [{ acceptIssuers: ['CN-ZJ', 'zhe jiang'] }, 'acceptIssuers[1]'],
    [{ onStatus: { green: 'allow' } }, 'onStatus.green'],
    [{ onStatus: { blue: 'deny' } }, 'onStatus.blue'],
    [{ onStatus: 'strict' }, 'onStatus'],
    [{ maxCodeAgeSeconds: 0 }, 'maxCodeAgeSeconds'],
    [{ maxCodeAgeSeconds: 12.5 }, 'maxCodeAgeSeconds'],
    [{ maxCodeAgeSeconds: '300' }, 'maxCodeAgeSeconds'],
    [{ clockSkewSeconds: -1 }, 'clockSkewSeconds'],
    [{ temperature: 'yes' }, 'temperature'],
    [{ feverThresholdC: 98.6 }, 'feverThresholdC'],
    [{ feverThresholdC: null }, 'feverThresholdC'],
    [{ onFever: 'quarantine' }, 'onFever'],
    [{ natMaxAgeHours: 0 }, 'natMaxAgeHours'],
    [{ natMaxAgeHours: '48' }, 'natMaxAgeHours'],
    [{ trustMaxAgeDays: 0 }, 'trustMaxAgeDays'],
    [{ antiPassbackSeconds: -5 }, 'antiPassbackSeconds'],
    [{ antiPassbackSeconds: Number.NaN }, 'antiPassbackSeconds'],
  ])('refuses %j naming %s', (doc, field) => {
    const r = parsePolicy(doc);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.field).toBe(field);
      expect(r.message).toContain(field === '(document)' ? 'object' : field);
    }
  });
});

describe('PolicyStore', () => {
  it('defaults at version 0 until set; each set is a new version', () => {
    const store = new PolicyStore(DataDir.open(tempDir(), { create: true }));
    expect(store.load()).toMatchObject({ version: 0, setAtMs: null, policy: DEFAULT_POLICY });
    expect(store.set('{"temperature":"optional"}', 1000).version).toBe(1);
    expect(store.set('{"antiPassbackSeconds":30}', 2000)).toMatchObject({ version: 2, setAtMs: 2000, policy: { antiPassbackSeconds: 30, temperature: 'required' } });
    expect(store.load().version).toBe(2);
  });

  it('a refused policy names the field and leaves the old one in force', () => {
    const dir = DataDir.open(tempDir(), { create: true });
    const store = new PolicyStore(dir);
    store.set('{"onFever":"review"}', 1000);
    const before = fs.readFileSync(dir.path(DATA_FILES.policy), 'utf8');
    expect(() => store.set('{"onFever":"maybe"}', 2000)).toThrow(PolicyRefused);
    expect(() => store.set('{ not json', 2000)).toThrow(/not valid JSON/);
    try {
      store.set('{"feverThresholdC":"high"}', 2000);
    } catch (err) {
      expect((err as PolicyRefused).field).toBe('feverThresholdC');
    }
    expect(fs.readFileSync(dir.path(DATA_FILES.policy), 'utf8')).toBe(before);
    expect(store.load()).toMatchObject({ version: 1, policy: { onFever: 'review' } });
  });

  it('a damaged policy file is unusable, not silently replaced by defaults', () => {
    const dir = DataDir.open(tempDir(), { create: true });
    fs.writeFileSync(dir.path(DATA_FILES.policy), '{"version":1,');
    expect(() => new PolicyStore(dir).load()).toThrow(PolicyUnusable);
    fs.writeFileSync(dir.path(DATA_FILES.policy), JSON.stringify({ version: 1, setAtMs: 1, policy: { onFever: 'maybe' } }));
    expect(() => new PolicyStore(dir).load()).toThrow(PolicyUnusable);
  });
});
