// Assembles a checkpoint from a data directory: trust, policy, log, secret.
// Shared by the CLI and the kiosk shells so both decide the same way.
import { DataDir } from '../data-dir.js';
import { CheckLog } from '../log/check-log.js';
import { HolderPseudonym } from '../log/holder-pseudonym.js';
import { PolicyStore } from '../policy/policy-store.js';
import { TrustStore } from '../trust/trust-store.js';
import { Checkpoint } from './checkpoint.js';

export interface OpenedCheckpoint {
  dir: DataDir;
  checkpoint: Checkpoint;
  log: CheckLog;
  close(): void;
}

/** Throws DataDirError, TrustUnusable, PolicyUnusable or CheckLogUnusable when a part cannot be used. */
export async function openCheckpoint(dataDir: string, opts: { nowMs: number }): Promise<OpenedCheckpoint> {
  const dir = DataDir.open(dataDir, { create: false });
  // The log first: it remembers the highest bundle seq, which the load enforces (anti-rollback).
  const log = CheckLog.openIn(dir);
  try {
    const trust = await new TrustStore(dir, log).load(opts.nowMs / 1000);
    const policy = new PolicyStore(dir).load();
    const checkpoint = new Checkpoint({ trust, policy, log, pseudonym: HolderPseudonym.forDataDir(dir) });
    return { dir, checkpoint, log, close: () => log.close() };
  } catch (err) {
    log.close();
    throw err;
  }
}
