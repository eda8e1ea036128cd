// A technician's export to a chosen folder (a USB stick): a diagnostics
// bundle (configuration with its secrets removed, counts, versions, the
// self-test) and the check log and audit events — pseudonyms only, never
// holder data. A new folder each time, never over an earlier export.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { redacted } from '../contract/kiosk-config.js';
import { ConfigStore } from '../config/config-store.js';
import { DataDir } from '../data-dir.js';
import { CheckLog } from '../log/check-log.js';
import { CSV_HEADER, csvLine, logRow } from '../log/log-rows.js';
import { PolicyStore } from '../policy/policy-store.js';
import { TrustStore } from '../trust/trust-store.js';
import type { KioskStatus } from '../contract/kiosk.js';
import { StatusJournal } from '../log/status-journal.js';
import { exportFolder, selfTestIn, type LiveThermometer } from './selftest.js';

/** The export folder cannot be written (CLI: a usage error); `code` is the system's (EACCES, EROFS, ENOSPC …). */
export class ExportRefused extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ExportRefused';
  }
}

/** What only the running kiosk knows: its driver's counters and its status right now. */
export interface LiveKiosk {
  thermometer: LiveThermometer;
  status(): KioskStatus | null;
}

/** The status without the last temperature: a traveller's reading is no diagnostic. */
function withoutReading(status: KioskStatus | null): KioskStatus | null {
  return status && { ...status, thermometer: { ...status.thermometer, lastC: null, atMs: null } };
}

export async function exportDataDir(dataDir: string, out: string, nowMs: number, live?: LiveKiosk): Promise<{ folder: string; checks: number }> {
  const dir = DataDir.open(dataDir, { create: false });
  const folder = exportFolder(out, nowMs);
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).name;
    throw new ExportRefused(`cannot write to ${out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, code);
  }
  const selftest = await selfTestIn(dir, nowMs, { thermometerSeconds: 1, ...(live ? { liveThermometer: live.thermometer } : {}) });
  const log = CheckLog.openIn(dir);
  try {
    const trust = await new TrustStore(dir, log).load(nowMs / 1000).catch(() => null);
    const diagnostics = {
      exportedAt: new Date(nowMs).toISOString(),
      versions: { sentinel: '0.1.0', node: process.version, platform: `${process.platform} ${process.arch}` },
      config: redacted(new ConfigStore(dir).load().config),
      policy: new PolicyStore(dir).load(),
      trust: trust
        ? {
            seq: trust.info.seq,
            iss: trust.info.iss,
            issuedAt: new Date(trust.info.iat * 1000).toISOString(),
            expiresAt: new Date(trust.info.exp * 1000).toISOString(),
            issuers: trust.info.issuers.map((i) => i.id),
          }
        : null,
      counts: { ...log.count(), events: log.listEvents().length },
      // Device and sync states only (the status carries today's verdict counts, no holder).
      live: live ? { thermometer: { state: live.thermometer.state, counters: live.thermometer.counters ?? null }, status: withoutReading(live.status()) } : null,
      statusEvents: StatusJournal.recent(dir, 200),
      selftest,
    };
    fs.writeFileSync(path.join(folder, 'diagnostics.json'), JSON.stringify(diagnostics, null, 2) + '\n');
    const jsonl = fs.openSync(path.join(folder, 'checks.jsonl'), 'w');
    const csv = fs.openSync(path.join(folder, 'checks.csv'), 'w');
    let n = 0;
    try {
      fs.writeSync(csv, CSV_HEADER + '\n');
      for (const c of log.list()) {
        const row = logRow(c);
        fs.writeSync(jsonl, JSON.stringify(row) + '\n');
        fs.writeSync(csv, csvLine(row) + '\n');
        n++;
      }
    } finally {
      fs.closeSync(jsonl);
      fs.closeSync(csv);
    }
    const events = log.listEvents().map((e) => JSON.stringify({ eventId: e.eventId, at: new Date(e.atMs).toISOString(), type: e.type, actor: e.actor, detail: e.detail }));
    fs.writeFileSync(path.join(folder, 'events.jsonl'), events.length ? events.join('\n') + '\n' : '');
    return { folder, checks: n };
  } finally {
    log.close();
  }
}
