// One CSV cell, for every CSV Sentinel writes (the kiosk's log export, the
// central service's `checks --format csv`): quoted when it must be, and text
// from outside (a code's claimed issuer, a status) defused as a spreadsheet
// formula. A formula is text starting with = + - @ (or their full-width
// forms, which some locales' spreadsheets accept too), also after leading
// spaces, or starting with a tab, CR or LF (which spreadsheets strip or act
// on before they look at what follows).
const FORMULA_START = /^(?:[\t\r\n]|\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/;

/** `exact`: a column of our own making (ids, times, pseudonyms, numbers), never formula-guarded, so it stays exact. */
export function csvCell(value: unknown, exact: boolean): string {
  const text = value === null || value === undefined ? '' : Array.isArray(value) ? value.join(' ') : String(value);
  const safe = !exact && FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
