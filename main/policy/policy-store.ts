// The checkpoint policy of one data directory. Without a policy file the
// spec's defaults apply (version 0); each `policy set` is a new version,
// recorded with every check decided under it.
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../contract/policy.js';
import type { DataDir } from '../data-dir.js';
import { DATA_FILES } from '../data-dir.js';
import { isJsonObject } from '../verify/jws.js';

export interface InstalledPolicy {
  version: number;
  /** ms since the epoch; null for the built-in defaults. */
  setAtMs: number | null;
  policy: Policy;
}

/** A policy document that was refused; `field` names what is wrong. */
export class PolicyRefused extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'PolicyRefused';
  }
}

/** The stored policy file is damaged (CLI exit 78). */
export class PolicyUnusable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyUnusable';
  }
}

export function parsePolicyText(text: string): Policy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new PolicyRefused('(document)', `the policy is not valid JSON (${(err as Error).message})`);
  }
  const result = parsePolicy(doc);
  if (!result.ok) throw new PolicyRefused(result.field, result.message);
  return result.policy;
}

export class PolicyStore {
  constructor(private readonly dir: DataDir) {}

  load(): InstalledPolicy {
    const text = this.dir.readText(DATA_FILES.policy);
    if (text === null) return { version: 0, setAtMs: null, policy: structuredClone(DEFAULT_POLICY) as Policy };
    const file = this.dir.path(DATA_FILES.policy);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new PolicyUnusable(`${file} is damaged (not JSON); set the policy again`);
    }
    if (!isJsonObject(doc) || !Number.isSafeInteger(doc.version) || typeof doc.setAtMs !== 'number') {
      throw new PolicyUnusable(`${file} is damaged; set the policy again`);
    }
    const result = parsePolicy(doc.policy);
    if (!result.ok) throw new PolicyUnusable(`${file} holds an invalid policy (${result.message}); set the policy again`);
    return { version: doc.version as number, setAtMs: doc.setAtMs, policy: result.policy };
  }

  /** Validates and installs a policy document; throws PolicyRefused and keeps the old one. */
  set(text: string, nowMs: number): InstalledPolicy {
    const policy = parsePolicyText(text);
    let previous = 0;
    try {
      previous = this.load().version;
    } catch (err) {
      if (!(err instanceof PolicyUnusable)) throw err;
    }
    const installed: InstalledPolicy = { version: previous + 1, setAtMs: nowMs, policy };
    this.dir.writeAtomic(DATA_FILES.policy, JSON.stringify(installed, null, 2) + '\n', 0o600);
    return installed;
  }
}
