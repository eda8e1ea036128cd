// The check log as people read it (sentinel log, a technician's export):
// the fields the central service receives — pseudonyms only — plus the
// sync state and the thermometer's raw reading and calibration. One place
// for the columns and for CSV that a spreadsheet cannot turn into formulas.
import { csvCell } from '../contract/csv.js';
import type { LoggedCheck } from './check-record.js';
import { wireCheck } from './wire-check.js';

export const LOG_COLUMNS = [
  'checkId',
  'at',
  'verdict',
  'reasons',
  'issuer',
  'status',
  'kid',
  'holder',
  'temperatureC',
  'bundleSeq',
  'policyVersion',
  'clockState',
  'syncState',
  // Added later: at the end, so a script reading columns by position still reads the rest.
  'temperatureRawC',
  'calibrationOffsetC',
  'format',
] as const;

export type LogRow = Record<(typeof LOG_COLUMNS)[number], unknown>;

export function logRow(c: LoggedCheck): LogRow {
  return { ...wireCheck(c), syncState: c.syncState, temperatureRawC: c.temperatureRawC ?? null, calibrationOffsetC: c.calibrationOffsetC ?? null };
}

/** Columns of our own making (ids, pseudonyms, numbers): never formula-guarded, so they stay exact. */
const EXACT = new Set<string>(['checkId', 'at', 'holder', 'temperatureC', 'temperatureRawC', 'calibrationOffsetC', 'bundleSeq', 'policyVersion']);

export const CSV_HEADER = LOG_COLUMNS.join(',');

export function csvLine(row: LogRow): string {
  return LOG_COLUMNS.map((c) => csvCell(row[c], EXACT.has(c))).join(',');
}
