// Stored checks as CSV for audits and authorities (sentinel central checks
// --format csv): the columns of spec §6 plus device, batch and arrival, and
// text from a kiosk that a spreadsheet would run as a formula defused the
// way main/log/log-rows.ts does for the kiosk's own log.
import { csvCell } from '../main/contract/csv.js';
import type { StoredCheck } from './store.js';

export const CHECK_COLUMNS = [
  'checkId',
  'at',
  'device',
  'batch',
  'verdict',
  'reasons',
  'format',
  'issuer',
  'status',
  'kid',
  'holder',
  'temperatureC',
  'bundleSeq',
  'policyVersion',
  'clockState',
  'receivedAt',
] as const satisfies readonly (keyof StoredCheck)[];

/** Columns of the service's or the kiosk's own making (ids, times, numbers): never formula-guarded, so they stay exact. */
const EXACT = new Set<string>(['checkId', 'at', 'device', 'batch', 'holder', 'temperatureC', 'bundleSeq', 'policyVersion', 'receivedAt']);
export const CHECK_CSV_HEADER = CHECK_COLUMNS.join(',');

export function checkCsvLine(c: StoredCheck): string {
  return CHECK_COLUMNS.map((col) => csvCell(c[col], EXACT.has(col))).join(',');
}
