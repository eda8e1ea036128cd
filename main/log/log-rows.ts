// The check log as people read it (sentinel log, a technician's export):
// the fields the central service receives — pseudonyms only — plus the
// sync state and the thermometer's raw reading and calibration. One place
// for the columns and for CSV that a spreadsheet cannot turn into formulas.
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

/**
 * Text a spreadsheet would take for a formula: one starting with = + - @
 * (or their full-width forms, which some locales' spreadsheets accept too),
 * also after leading spaces, or starting with a tab, CR or LF (which
 * spreadsheets strip or act on before they look at what follows).
 */
const FORMULA_START = /^(?:[\t\r\n]|\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/;

function csvCell(value: unknown, column: string): string {
  const text = value === null || value === undefined ? '' : Array.isArray(value) ? value.join(' ') : String(value);
  // Quote when needed, and defuse spreadsheet formulas in text that came from outside (a code's claimed issuer).
  const safe = !EXACT.has(column) && FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const CSV_HEADER = LOG_COLUMNS.join(',');

export function csvLine(row: LogRow): string {
  return LOG_COLUMNS.map((c) => csvCell(row[c], c)).join(',');
}
