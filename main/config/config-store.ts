// The kiosk configuration file of a data directory: versioned (the envelope's
// `version` is the schema; old files are migrated on load), with a revision
// that grows with every change, written whole or not at all.
import { changedKeys, DEFAULT_KIOSK_CONFIG, withSetting, type KioskConfig } from '../contract/kiosk-config.js';
import type { DataDir } from '../data-dir.js';
import { isJsonObject } from '../verify/jws.js';

export const CONFIG_FILE = 'kiosk-config.json';
export const CONFIG_VERSION = 1;

export interface StoredConfig {
  version: number;
  revision: number;
  updatedAtMs: number | null;
  config: KioskConfig;
}

/** The config file cannot be used (CLI exit 78). */
export class ConfigUnusable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigUnusable';
  }
}

/**
 * Migrations, oldest first: each takes the document of its version and
 * returns the next version's. Version 0 is the first field kiosks' bare
 * config object, written before the envelope existed.
 */
export const CONFIG_MIGRATIONS: readonly { from: number; up(doc: Record<string, unknown>): Record<string, unknown> }[] = [
  { from: 0, up: (doc) => ({ version: 1, revision: 1, updatedAtMs: null, config: doc }) },
];

/** Fills sections and fields a file lacks with the defaults (a file written before a field existed). */
function withDefaults(config: Record<string, unknown>): KioskConfig {
  const out = structuredClone(DEFAULT_KIOSK_CONFIG) as unknown as Record<string, Record<string, unknown>>;
  for (const [section, values] of Object.entries(config)) {
    if (section in out && isJsonObject(values)) Object.assign(out[section]!, values);
  }
  return out as unknown as KioskConfig;
}

export class ConfigStore {
  constructor(private readonly dir: DataDir) {}

  load(): StoredConfig {
    const text = this.dir.readText(CONFIG_FILE);
    if (text === null) return { version: CONFIG_VERSION, revision: 0, updatedAtMs: null, config: structuredClone(DEFAULT_KIOSK_CONFIG) as KioskConfig };
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new ConfigUnusable(`${this.dir.path(CONFIG_FILE)} is damaged (not JSON)`);
    }
    if (!isJsonObject(doc)) throw new ConfigUnusable(`${this.dir.path(CONFIG_FILE)} is damaged`);
    let version = typeof doc.version === 'number' ? doc.version : 0;
    if (version > CONFIG_VERSION) throw new ConfigUnusable(`${this.dir.path(CONFIG_FILE)} is version ${version}, newer than this Sentinel knows (${CONFIG_VERSION})`);
    for (const m of CONFIG_MIGRATIONS) {
      if (m.from === version) {
        doc = m.up(doc as Record<string, unknown>);
        version = (doc as { version: number }).version;
      }
    }
    const d = doc as Record<string, unknown>;
    if (!isJsonObject(d.config) || typeof d.revision !== 'number') throw new ConfigUnusable(`${this.dir.path(CONFIG_FILE)} is damaged`);
    return { version, revision: d.revision, updatedAtMs: typeof d.updatedAtMs === 'number' ? d.updatedAtMs : null, config: withDefaults(d.config) };
  }

  save(config: KioskConfig, nowMs: number): StoredConfig {
    const stored: StoredConfig = { version: CONFIG_VERSION, revision: this.load().revision + 1, updatedAtMs: nowMs, config };
    this.dir.writeAtomic(CONFIG_FILE, JSON.stringify(stored, null, 2) + '\n', 0o600);
    return stored;
  }

  /** Validates and saves one setting; returns the value before and after. */
  set(key: string, value: unknown, nowMs: number): { before: unknown; after: unknown; stored: StoredConfig } {
    const { changes, stored } = this.update([{ key, value }], nowMs, { saveUnchanged: true });
    const field = (config: KioskConfig): unknown => fieldOf(config, key);
    // No change recorded: the value was already this (a null before is still a before).
    return { before: changes.length > 0 ? changes[0]!.before : field(stored.config), after: field(stored.config), stored };
  }

  /**
   * Validates every change first and saves them as one revision, or none
   * of them: a form whose third field is wrong changes nothing. Returns
   * the settings whose value actually changed.
   */
  update(changes: readonly { key: string; value: unknown }[], nowMs: number, opts: { saveUnchanged?: boolean } = {}): { changes: SettingChange[]; stored: StoredConfig } {
    const current = this.load();
    let next = current.config;
    for (const { key, value } of changes) next = withSetting(next, key, value);
    const changed: SettingChange[] = changedKeys(current.config, next).map((key) => ({ key, before: fieldOf(current.config, key), after: fieldOf(next, key) }));
    if (changed.length === 0 && !opts.saveUnchanged) return { changes: [], stored: current };
    return { changes: changed, stored: this.save(next, nowMs) };
  }
}

export interface SettingChange {
  key: string;
  before: unknown;
  after: unknown;
}

function fieldOf(config: KioskConfig, key: string): unknown {
  const [section, field] = key.split('.') as [keyof KioskConfig, string];
  return (config[section] as unknown as Record<string, unknown>)[field];
}
