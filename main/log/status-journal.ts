// The kiosk's recent status events, for a technician's diagnostics export:
// devices going offline and back, sync failing and recovering, the kiosk
// starting and stopping. A small JSON-lines file in the data directory, so
// an export taken after a crash (or from the CLI) still has them. Device
// and service states only: never a code, a name or a pseudonym.
import * as fs from 'node:fs';
import type { DataDir } from '../data-dir.js';

export const STATUS_JOURNAL_FILE = 'status-events.jsonl';

export interface StatusEvent {
  at: string;
  source: 'kiosk' | 'thermometer' | 'scanner' | 'sync' | 'gate';
  state: string;
  detail: string;
}

const TEMPERATURE = /-?\d+(?:\.\d+)?\s*°C/g;

/** Past this size the journal keeps only its newest KEEP_LINES. */
const MAX_BYTES = 256 * 1024;
const KEEP_LINES = 500;

export class StatusJournal {
  private readonly file: string;
  private last = new Map<string, string>();

  constructor(
    dir: DataDir,
    private readonly clock: () => number,
  ) {
    this.file = dir.path(STATUS_JOURNAL_FILE);
  }

  /** Records a state; the same state and detail from the same source again is not news. */
  record(source: StatusEvent['source'], state: string, detail: string): void {
    // A reading is a traveller's: the journal keeps that the module measured, not what.
    detail = detail.replace(TEMPERATURE, '…°C');
    const key = `${state}\u0000${detail}`;
    if (this.last.get(source) === key) return;
    this.last.set(source, key);
    const event: StatusEvent = { at: new Date(this.clock()).toISOString(), source, state, detail: detail.slice(0, 300) };
    try {
      // Each record starts on a line of its own: a line torn by a power cut stays alone, and is skipped.
      fs.appendFileSync(this.file, '\n' + JSON.stringify(event), { mode: 0o600 });
      if (fs.statSync(this.file).size > MAX_BYTES) this.trim();
    } catch {
      // Diagnostics must never stop the checkpoint: a full disk loses a status line, not a check.
    }
  }

  /** The newest `n` events, oldest first. */
  static recent(dir: DataDir, n = 200): StatusEvent[] {
    let text: string;
    try {
      text = fs.readFileSync(dir.path(STATUS_JOURNAL_FILE), 'utf8');
    } catch {
      return [];
    }
    const events: StatusEvent[] = [];
    for (const line of text.split('\n').slice(-n - 1)) {
      try {
        if (!line) continue;
        const event = JSON.parse(line) as StatusEvent;
        // Lines written before temperatures were left out lose them here.
        events.push({ ...event, detail: String(event.detail).replace(TEMPERATURE, '…°C') });
      } catch {
        // A line torn by a power cut is skipped.
      }
    }
    return events.slice(-n);
  }

  private trim(): void {
    const lines = fs.readFileSync(this.file, 'utf8').split('\n').filter(Boolean).slice(-KEEP_LINES);
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, lines.map((l) => '\n' + l).join(''), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
