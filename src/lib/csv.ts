// CSV for downloads that people open in spreadsheet programs. Every CSV export builds its cells here, so that
// formula injection (OWASP "CSV Injection") is neutralised in one place.

/** Characters that make a spreadsheet treat a cell as a formula (OWASP: = + - @, tab and carriage return). */
const FORMULA_START = /^[=+\-@\t\r]/
/** A plain negative number ("-2.0"): a spreadsheet reads it as the number, and it cannot carry a formula. */
const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/

/**
 * One CSV cell: always quoted, quotes doubled, and text a spreadsheet would run as a formula (starting with
 * = + - @ tab or carriage return) made inert with a leading apostrophe (OWASP CSV injection). A plain negative
 * number is left as it is, so that spreadsheets read it as a number.
 */
export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value)
  if (FORMULA_START.test(text) && !NEGATIVE_NUMBER.test(text)) text = `'${text}`
  return `"${text.replace(/"/g, '""')}"`
}

/** One CSV record, CRLF-terminated (RFC 4180). */
export function csvLine(cells: Array<string | number | null | undefined>): string {
  return `${cells.map(csvCell).join(',')}\r\n`
}

/** A whole CSV document: UTF-8 with a byte-order mark so that spreadsheet programs read names correctly. */
export function csvDocument(header: string[], rows: Array<Array<string | number | null | undefined>>): string {
  return `\ufeff${[header, ...rows].map(csvLine).join('')}`
}

/** The content type of every CSV download (test/hostile-input/csv-export.test.ts finds CSV routes by it). */
export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8'
