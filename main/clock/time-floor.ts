// The time floor (spec §4): the latest time the kiosk has good evidence of.
// Evidence is the installed bundle's iat, the newest logged check, and the
// central server's Date (recorded by sync). It only ever rises.
import type { CheckLog } from '../log/check-log.js';

const FLOOR_KEY = 'time_floor_ms';

export class TimeFloor {
  constructor(private readonly log: CheckLog) {}

  /** The floor in ms, or null when there is no evidence at all yet. */
  currentMs(trustIatS: number | null): number | null {
    const evidence = [this.recordedMs(), this.log.newestAtMs(), trustIatS === null ? null : trustIatS * 1000];
    const known = evidence.filter((v): v is number => v !== null);
    return known.length === 0 ? null : Math.max(...known);
  }

  /** Records outside evidence (e.g. a server's Date header); never lowers the floor. */
  raise(ms: number): void {
    if (!Number.isFinite(ms)) return;
    const now = this.recordedMs();
    if (now === null || ms > now) this.log.setMeta(FLOOR_KEY, String(Math.floor(ms)));
  }

  private recordedMs(): number | null {
    const text = this.log.getMeta(FLOOR_KEY);
    const value = text === null ? NaN : Number(text);
    return Number.isFinite(value) ? value : null;
  }
}
